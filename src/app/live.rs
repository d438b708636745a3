//! The browser's side of live updates: one EventSource per page on the streams in
//! [`crate::domain::views`], each message the event's whole live state.

use crate::domain::views::{live_url, EventLive, WORKSPACE_LIVE_URL};
use leptos::prelude::*;

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
/// long as the page is mounted; reopened when `source` changes. leptos-use's hook, told to
/// reconnect without limit: a desk page stays open all day and must outlive any outage.
fn use_live_stream(
    source: Signal<Option<(String, Option<String>)>>,
) -> ReadSignal<Option<EventLive>> {
    let (live, set_live) = signal(None::<EventLive>);
    #[cfg(feature = "hydrate")]
    {
        use codee::string::JsonSerdeCodec;
        use leptos_use_event_source::{
            use_event_source_with_options, ReconnectLimit, UseEventSourceOptions,
        };
        let url = Signal::derive(move || source.get().map(|(url, _)| url).unwrap_or_default());
        let stream = use_event_source_with_options::<EventLive, JsonSerdeCodec>(
            url,
            UseEventSourceOptions::default().reconnect_limit(ReconnectLimit::Infinite),
        );
        let message = stream.message;
        Effect::new(move || {
            let Some(update) = message.get().map(|m| m.data) else {
                return;
            };
            let only = source.get_untracked().and_then(|(_, only)| only);
            if only.is_none_or(|id| id == update.event_id) {
                set_live.set(Some(update));
            }
        });
        // Another event's stream: forget the previous event's state at once.
        Effect::watch(move || url.get(), move |_, _, _| set_live.set(None), false);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (source, set_live);
    live
}
