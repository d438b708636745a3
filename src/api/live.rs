//! Live updates of one event, pushed to every page that shows it (Server-Sent Events at
//! [`live_url`]). Each message is the event's whole live state, so a page that missed one
//! loses nothing, and the first message a page gets is the current state: a page opened
//! mid-import starts from the current count.

use crate::domain::SyncStatus;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventLive {
    pub event_id: String,
    /// Routes the update to the workspace's Events page as well as the event's own.
    #[serde(default)]
    pub workspace_id: String,
    pub sync_status: SyncStatus,
    /// The running (or queued) job's progress; `None` when no job is active.
    pub job: Option<JobProgress>,
    pub attendee_count: i64,
    pub attending_count: i64,
    /// Checked in by Lanyard or at the provider.
    pub checked_in_count: i64,
    /// Changes whenever any attendee row of the event changes (its latest write time), so a
    /// page refreshes the rows it shows on an edit that leaves every count as it was.
    #[serde(default)]
    pub attendees_revision: i64,
    /// Provider attendee ids this update is about (a webhook's attendees); empty otherwise.
    #[serde(default)]
    pub changed: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobProgress {
    pub processed: i64,
    /// The provider's total, when it reports one.
    pub total: Option<i64>,
}

/// The event's live state now: what the page renders on the server before its stream opens.
#[server(prefix = "/api", endpoint = "event_live")]
pub async fn get_event_live(event_id: String) -> Result<EventLive, super::ApiError> {
    use crate::domain::Permission;
    use crate::server::{auth, db};
    let (state, _) = auth::require_event(Permission::ViewEvents, &event_id).await?;
    let pool = &state.db.pool;
    db::events::live_state(pool, &event_id)
        .await?
        .ok_or_else(super::ApiError::not_found)
}

pub fn live_url(event_id: &str) -> String {
    format!("/api/live/events/{event_id}")
}

/// Every event of the signed-in member's workspace (the Events page's cards).
pub const WORKSPACE_LIVE_URL: &str = "/api/live/workspace";

/// Subscribes the page to the event's live state while it is mounted. Always `None` during
/// server rendering; in the browser, the first message arrives as soon as the stream opens,
/// and the browser's EventSource reconnects on its own after a network drop.
pub fn use_event_live(event_id: Signal<String>) -> ReadSignal<Option<EventLive>> {
    use_live_stream(Signal::derive(move || {
        let id = event_id.get();
        (!id.is_empty()).then(|| (live_url(&id), Some(id)))
    }))
}

/// The latest update of any event in the member's workspace (no first message: the page
/// already shows the current state).
pub fn use_workspace_live() -> ReadSignal<Option<EventLive>> {
    use_live_stream(Signal::derive(|| {
        Some((WORKSPACE_LIVE_URL.to_string(), None))
    }))
}

/// One EventSource on `source` (the URL, and the only event id to accept, if any) for as
/// long as the page is mounted; reopened when `source` changes.
fn use_live_stream(
    source: Signal<Option<(String, Option<String>)>>,
) -> ReadSignal<Option<EventLive>> {
    let (live, set_live) = signal(None::<EventLive>);
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;
        let open = StoredValue::new_local(None::<web_sys::EventSource>);
        let close = move || {
            open.update_value(|s| {
                if let Some(s) = s.take() {
                    s.close();
                }
            })
        };
        Effect::new(move || {
            let wanted = source.get();
            close();
            set_live.set(None);
            let Some((url, only)) = wanted else {
                return;
            };
            let Ok(es) = web_sys::EventSource::new(&url) else {
                return;
            };
            let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
                move |message: web_sys::MessageEvent| {
                    let Some(text) = message.data().as_string() else {
                        return;
                    };
                    if let Ok(update) = serde_json::from_str::<EventLive>(&text) {
                        if only.as_ref().is_none_or(|id| *id == update.event_id) {
                            set_live.set(Some(update));
                        }
                    }
                },
            );
            es.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            // The source owns the handler for as long as the page lives.
            on_message.forget();
            open.set_value(Some(es));
        });
        on_cleanup(close);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (source, set_live);
    live
}
