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
