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
    pub barcode: Option<String>,
    pub status: AttendanceStatus,
    pub provider_status: Option<String>,
    pub is_vip: bool,
    /// Checked in by Lanyard: milliseconds since the Unix epoch, UTC.
    pub checked_in_at: Option<i64>,
    /// Who checked them in (the member's name, or the station's).
    pub checked_in_by: Option<String>,
    /// Checked in through the provider's own tools (0: time not given).
    pub provider_checked_in_at: Option<i64>,
    /// The two check-ins in the event's time zone ("5 Dec, 09:14 CET"; empty: time unknown).
    pub checked_in_label: Option<String>,
    pub provider_checked_in_label: Option<String>,
}

/// Which attendees the table shows, besides the search.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AttendanceFilter {
    #[default]
    All,
    Attending,
    NotAttending,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CheckInFilter {
    #[default]
    All,
    CheckedIn,
    NotYet,
}

/// The table's order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AttendeeSort {
    /// Last name, then first name.
    #[default]
    Name,
    /// Latest check-ins first, then the rest by name.
    RecentCheckIns,
    /// Ticket name, then name.
    Ticket,
}

/// What the Attendees table asks for beside the search text and the page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AttendeeFilters {
    #[serde(default)]
    pub attendance: AttendanceFilter,
    #[serde(default)]
    pub vip_only: bool,
    #[serde(default)]
    pub check_in: CheckInFilter,
    #[serde(default)]
    pub sort: AttendeeSort,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendeePage {
    pub rows: Vec<AttendeeRow>,
    /// Attendees matching the search, on all pages; or, when `more`, how many were counted
    /// before counting stopped (more match).
    pub matching: i64,
    #[serde(default)]
    pub more: bool,
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
    pub checked_in_count: i64,
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
    #[serde(default)]
    pub vip_count: i64,
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

/// What a check-in request did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CheckInOutcome {
    /// Checked in now (or by this same request before: a retried nonce).
    CheckedIn,
    /// Nothing counted: "Already checked in at 9:14 by Sam".
    AlreadyCheckedIn(String),
}

/// A check-in request's answer: what happened and the attendee as they now stand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckInAnswer {
    pub outcome: CheckInOutcome,
    pub attendee: AttendeeRow,
}

/// One line of an attendee's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// Milliseconds since the Unix epoch, UTC; the list is newest first.
    pub at: i64,
    /// `at` in the event's time zone.
    pub at_label: String,
    /// "Checked in", "Check-in undone", "Force checked in", "Changed at Eventbrite", ...
    pub what: String,
    /// Who did it, when a person or a station did.
    pub who: Option<String>,
    /// Where: "Event page", "Station · Door 2".
    pub place: Option<String>,
    /// An undo's reason, a sync's changed fields.
    pub detail: Option<String>,
}

/// An attendee's detail: every field, and its history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendeeDetail {
    pub attendee: AttendeeRow,
    pub history: Vec<HistoryEntry>,
    /// Whether the asking member may undo the standing check-in now.
    pub can_undo: bool,
}

/// Check-ins per five minutes over the event day, for the arrivals chart.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Arrivals {
    /// (slot start in ms since the epoch, check-ins in the slot), oldest first.
    pub slots: Vec<(i64, i64)>,
    /// Labels for the chart's axis: (slot start, "09:00") every hour, in the event's zone.
    pub ticks: Vec<(i64, String)>,
    /// The busiest slot: its label ("09:10 – 09:15") and count.
    pub peak: Option<(String, i64)>,
}

/// One member on the Members page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct MemberSummary {
    pub user_id: String,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    /// When they joined the workspace: milliseconds since the Unix epoch, UTC.
    pub joined_at: i64,
}

/// A pending invite on the Members page. It has no link: only the token's hash is stored,
/// so the link is shown once, when the invite is made ([`CreatedInvite`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct InviteSummary {
    pub id: crate::domain::ids::InviteId,
    pub email: String,
    pub role: Role,
    pub created_at: i64,
    pub expires_at: i64,
}

/// The Members page: the workspace's members and its pending invites.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembersOverview {
    pub members: Vec<MemberSummary>,
    pub invites: Vec<InviteSummary>,
    /// The signed-in admin, so the page can mark their own row.
    pub you: String,
}

/// A new invite and its link (`{public URL}/invite/<token>`), shown once to the admin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedInvite {
    pub invite: InviteSummary,
    pub link: String,
}

/// What the invite page shows before the person joins.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteDetails {
    pub workspace_name: String,
    pub email: String,
    pub role: Role,
    /// The email already has a Lanyard account: joining asks for its password, not a new one.
    pub has_account: bool,
    /// What a new account's password must have (the server's rule, shown on the form).
    pub min_password_length: usize,
}

/// An event's Staff Access card: the code that opens a check-in station, the station link it
/// makes, and that link as a QR code (SVG, drawn on the server).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffAccess {
    pub code: String,
    pub link: String,
    pub qr_svg: String,
}
