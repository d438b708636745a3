//! What the browser is shown: the rows and summaries server functions return and the live
//! stream pushes. Plain data, compiled for both sides; the server fills them from storage.

use crate::domain::{
    AttendanceStatus, EventId, IntegrationId, IntegrationStatus, JobKind, Provider, Role,
    RunOutcome, SyncStatus, Trigger,
};
use serde::{Deserialize, Serialize};

/// Rows per page of the Attendees table.
pub const PAGE_SIZE: i64 = 50;

/// The stream of every event of the signed-in member's workspace (the Events page's cards).
pub const WORKSPACE_LIVE_URL: &str = "/api/live/workspace";

/// The stream of one event's live state.
pub fn live_url(event_id: &str) -> String {
    format!("/api/live/events/{event_id}")
}

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

/// One event as the Events page and the event header show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct EventSummary {
    pub id: EventId,
    pub name: String,
    pub provider: Provider,
    /// Milliseconds since the Unix epoch, UTC.
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub timezone: String,
    /// Start and end in the event's time zone ("Sat 5 Dec 2026, 09:00 – 17:00 GMT").
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    pub dates: String,
    pub sync_status: SyncStatus,
    pub access_code: crate::domain::access_code::AccessCode,
    pub attendee_count: i64,
}

/// One event of a provider account, as the Import Event dialog lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderEventOption {
    pub provider_event_id: String,
    pub name: String,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    /// In the event's own time zone.
    pub dates: String,
    pub attendee_count: Option<i64>,
    pub already_added: bool,
}

/// One row of the event's sync history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SyncRunRow {
    pub id: String,
    pub kind: JobKind,
    pub trigger: Trigger,
    /// Who asked (name and email), for runs a person started.
    pub triggered_by: Option<String>,
    pub outcome: RunOutcome,
    /// Milliseconds since the Unix epoch, UTC.
    pub started_at: i64,
    /// `started_at` in the event's time zone, with its abbreviation.
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    pub started_label: String,
    pub finished_at: Option<i64>,
    pub created: i64,
    pub updated: i64,
    pub cancelled: i64,
    pub unchanged: i64,
    pub provider_calls: i64,
    pub error: Option<String>,
}

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

/// One integration card. Deliberately has no credential field: this type reaches the browser.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct IntegrationSummary {
    pub id: IntegrationId,
    pub provider: Provider,
    pub account_email: String,
    pub status: IntegrationStatus,
    pub connected_at: i64,
    pub last_error: Option<String>,
}

/// Who is signed in, as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub email: String,
    pub display_name: String,
    pub workspace_name: String,
    pub role: Role,
}
