use super::ApiError;
pub use crate::domain::views::{AttendeePage, AttendeeRow, PAGE_SIZE};
use leptos::prelude::*;

/// A page of the event's attendees, searchable by name, email and company.
#[server(prefix = "/api", endpoint = "list_attendees")]
pub async fn list_attendees(
    event_id: String,
    search: String,
    page: i64,
) -> Result<AttendeePage, ApiError> {
    use crate::domain::Permission;
    use crate::server::db;
    let (state, _, event_id) =
        super::guard::require_event(Permission::ViewEvents, &event_id).await?;
    let pool = &state.db.pool;
    if search.len() > 200 {
        return Err(ApiError::invalid("The search is too long."));
    }
    let page = page.max(0);
    let timezone = db::events::timezone(pool, &event_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let (rows, matching) = db::attendees::search(
        pool,
        &event_id,
        &timezone,
        &search,
        page * PAGE_SIZE,
        PAGE_SIZE,
    )
    .await?;
    Ok(AttendeePage {
        rows,
        matching,
        page,
    })
}
