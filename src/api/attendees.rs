use super::ApiError;
use crate::domain::AttendanceStatus;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Rows per page of the Attendees table.
pub const PAGE_SIZE: i64 = 50;

/// One row of the Attendees table.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AttendeeRow {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub company: Option<String>,
    pub job_title: Option<String>,
    pub ticket_name: Option<String>,
    pub status: AttendanceStatus,
    pub provider_status: Option<String>,
    pub is_vip: bool,
    /// Checked in by Lanyard: milliseconds since the Unix epoch, UTC.
    pub checked_in_at: Option<i64>,
    /// Checked in through the provider's own tools (0: time not given).
    pub provider_checked_in_at: Option<i64>,
    /// The two check-ins in the event's time zone ("5 Dec, 09:14 CET"; empty: time unknown).
    pub checked_in_label: Option<String>,
    pub provider_checked_in_label: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendeePage {
    pub rows: Vec<AttendeeRow>,
    /// Attendees matching the search, on all pages.
    pub matching: i64,
    /// Zero-based page number.
    pub page: i64,
}

/// A page of the event's attendees, searchable by name, email and company.
#[server(prefix = "/api", endpoint = "list_attendees")]
pub async fn list_attendees(
    event_id: String,
    search: String,
    page: i64,
) -> Result<AttendeePage, ApiError> {
    use crate::domain::Permission;
    use crate::server::{auth, db};
    let (state, _) = auth::require_event(Permission::ViewEvents, &event_id).await?;
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
