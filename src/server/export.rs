//! The attendee list as CSV, with check-in times, for admins: `GET /events/{id}/attendees.csv`.

use crate::domain::{EventId, Permission};
use crate::server::db::{attendees, events};
use crate::server::web::{HttpError, SignedIn};
use crate::server::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use http::header;

pub fn router() -> Router<AppState> {
    Router::new().route("/events/{event_id}/attendees.csv", get(attendees_csv))
}

/// Same rules as the event page, plus the admins' export permission; another workspace's
/// event is a 404.
async fn attendees_csv(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(event_id): Path<String>,
) -> Result<Response, HttpError> {
    let member = viewer.require(Permission::ExportAttendees)?;
    let event_id = EventId::parse(&event_id).ok_or(HttpError::NotFound)?;
    let pool = &state.db.pool;
    let event = events::get(pool, &member.workspace_id, &event_id)
        .await?
        .ok_or(HttpError::NotFound)?;
    let rows = attendees::all_for_export(pool, &event_id, &event.timezone).await?;
    let body =
        to_csv(&rows, event.provider.label()).map_err(|e| HttpError::Internal(e.to_string()))?;
    let file: String = event
        .name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}-attendees.csv\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// The CSV itself: one row per attendee, check-in times in the event's zone and as UTC
/// (RFC 3339) for spreadsheets.
pub fn to_csv(
    rows: &[crate::domain::views::AttendeeRow],
    provider: &str,
) -> Result<Vec<u8>, csv::Error> {
    let utc = |ms: Option<i64>| {
        ms.filter(|at| *at != crate::domain::mapping::CHECKED_IN_AT_UNKNOWN)
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    };
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "First name",
        "Last name",
        "Email",
        "Company",
        "Job title",
        "Ticket",
        "Barcode",
        "Status",
        "VIP",
        "Checked in (local)",
        "Checked in (UTC)",
        "Checked in by",
        &format!("Checked in at {provider} (UTC)"),
    ])?;
    for r in rows {
        out.write_record(
            [
                r.first_name.as_str(),
                &r.last_name,
                r.email.as_deref().unwrap_or_default(),
                r.company.as_deref().unwrap_or_default(),
                r.job_title.as_deref().unwrap_or_default(),
                r.ticket_name.as_deref().unwrap_or_default(),
                r.barcode.as_deref().unwrap_or_default(),
                match r.status {
                    crate::domain::AttendanceStatus::Attending => "Attending",
                    crate::domain::AttendanceStatus::NotAttending => "Not attending",
                },
                if r.is_vip { "yes" } else { "" },
                r.checked_in_label.as_deref().unwrap_or_default(),
                &utc(r.checked_in_at),
                r.checked_in_by.as_deref().unwrap_or_default(),
                &utc(r.provider_checked_in_at),
            ]
            .map(|cell| defused(cell).into_owned()),
        )?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

/// A cell a spreadsheet would run as a formula (a provider's name field holding
/// `=HYPERLINK(...)`) is written as text, with a leading apostrophe (OWASP's advice).
fn defused(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_from_providers_are_written_as_text() {
        assert_eq!(defused("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defused("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(defused("Jane"), "Jane");
        assert_eq!(defused(""), "");
    }
}
