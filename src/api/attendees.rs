use super::ApiError;
pub use crate::domain::views::{
    AttendanceFilter, AttendeeFilters, AttendeePage, AttendeeRow, AttendeeSort, CheckInFilter,
    PAGE_SIZE,
};
use leptos::prelude::*;

/// A page of the event's attendees: every word of `search` found in the name, email,
/// company, ticket name or barcode, in any order; the filters and sort left out mean "all"
/// and "by name".
#[server(prefix = "/api", endpoint = "list_attendees")]
pub async fn list_attendees(
    event_id: String,
    search: String,
    page: i64,
    attendance: Option<AttendanceFilter>,
    vip_only: Option<bool>,
    check_in: Option<CheckInFilter>,
    sort: Option<AttendeeSort>,
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
    let found = db::attendees::search(
        pool,
        &event_id,
        &timezone,
        &search,
        AttendeeFilters {
            attendance: attendance.unwrap_or_default(),
            vip_only: vip_only.unwrap_or_default(),
            check_in: check_in.unwrap_or_default(),
            sort: sort.unwrap_or_default(),
        },
        page * PAGE_SIZE,
        PAGE_SIZE,
    )
    .await?;
    Ok(AttendeePage {
        rows: found.rows,
        matching: found.matching,
        more: found.more,
        page,
    })
}
