//! Live updates of one event, pushed to every page that shows it (Server-Sent Events at
//! [`live_url`]). Each message is the event's whole live state, so a page that missed one
//! loses nothing, and the first message a page gets is the current state: a page opened
//! mid-import starts from the current count.

pub use crate::domain::views::{live_url, EventLive, JobProgress, WORKSPACE_LIVE_URL};
use leptos::prelude::*;

/// The event's live state now: what the page renders on the server before its stream opens.
#[server(prefix = "/api", endpoint = "event_live")]
pub async fn get_event_live(event_id: String) -> Result<EventLive, super::ApiError> {
    use crate::domain::Permission;
    use crate::server::db;
    let (state, _, event_id) =
        super::guard::require_event(Permission::ViewEvents, &event_id).await?;
    let pool = &state.db.pool;
    db::events::live_state(pool, &event_id)
        .await?
        .ok_or_else(super::ApiError::not_found)
}
