//! The check-in desk's server functions: check in, undo, VIP, an attendee's detail, a
//! scanned barcode, the arrivals chart.

use super::ApiError;
pub use crate::domain::views::{
    Arrivals, AttendeeDetail, AttendeeRow, CheckInAnswer, CheckInOutcome, HistoryEntry,
};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
fn desk_error(error: crate::server::check_ins::CheckInError) -> ApiError {
    use crate::server::check_ins::CheckInError as E;
    match error {
        E::NotFound => ApiError::not_found(),
        E::Db(e) => e.into(),
        E::Undo(crate::domain::check_in::UndoRefused::NotAllowed) => ApiError::forbidden(),
        other => ApiError::invalid(other.to_string()),
    }
}

/// The desk member as the check-in records them.
#[cfg(feature = "ssr")]
fn actor(member: &crate::server::auth::Member) -> crate::server::check_ins::Actor<'_> {
    crate::server::check_ins::Actor {
        user_id: Some(&member.user_id),
        name: &member.display_name,
        role: member.role,
        source: crate::domain::check_in::CheckInSource::Page,
        station: None,
    }
}

/// Checks an attendee in. `nonce` is made by the page per attempt: sending the same request
/// again (a retry after a dropped connection) counts once.
#[server(prefix = "/api", endpoint = "check_in")]
pub async fn check_in(
    event_id: String,
    attendee_id: String,
    nonce: String,
    force: bool,
) -> Result<CheckInAnswer, ApiError> {
    // The service's one read of the event is also its workspace check.
    let (state, member, event_id) =
        super::guard::require_for_event(crate::domain::Permission::CheckInAttendees, &event_id)
            .await?;
    crate::server::check_ins::check_in(
        &state,
        &member.workspace_id,
        &event_id,
        &attendee_id,
        &nonce,
        force,
        &actor(&member),
    )
    .await
    .map_err(desk_error)
}

#[server(prefix = "/api", endpoint = "undo_check_in")]
pub async fn undo_check_in(
    event_id: String,
    attendee_id: String,
    reason: String,
) -> Result<AttendeeRow, ApiError> {
    use crate::domain::Permission;
    let (state, member, event_id) =
        super::guard::require_event(Permission::CheckInAttendees, &event_id).await?;
    crate::server::check_ins::undo(&state, &event_id, &attendee_id, &reason, &actor(&member))
        .await
        .map_err(desk_error)
}

#[server(prefix = "/api", endpoint = "set_vip")]
pub async fn set_vip(
    event_id: String,
    attendee_id: String,
    vip: bool,
) -> Result<AttendeeRow, ApiError> {
    use crate::domain::Permission;
    let (state, _, event_id) =
        super::guard::require_event(Permission::ToggleVip, &event_id).await?;
    crate::server::check_ins::set_vip(&state, &event_id, &attendee_id, vip)
        .await
        .map_err(desk_error)
}

#[server(prefix = "/api", endpoint = "load_attendee")]
pub async fn load_attendee(
    event_id: String,
    attendee_id: String,
) -> Result<AttendeeDetail, ApiError> {
    use crate::domain::Permission;
    let (state, member, event_id) =
        super::guard::require_event(Permission::ViewEvents, &event_id).await?;
    crate::server::check_ins::detail(&state, &event_id, &attendee_id, member.role)
        .await
        .map_err(desk_error)
}

/// The attendee a scanned or typed barcode names, when exactly one has it.
#[server(prefix = "/api", endpoint = "find_by_barcode")]
pub async fn find_by_barcode(
    event_id: String,
    code: String,
) -> Result<Option<AttendeeRow>, ApiError> {
    use crate::domain::Permission;
    let (state, _, event_id) =
        super::guard::require_event(Permission::ViewEvents, &event_id).await?;
    if code.len() > 200 {
        return Ok(None);
    }
    crate::server::check_ins::by_barcode(&state, &event_id, &code)
        .await
        .map_err(desk_error)
}

#[server(prefix = "/api", endpoint = "load_arrivals")]
pub async fn load_arrivals(event_id: String) -> Result<Arrivals, ApiError> {
    use crate::domain::Permission;
    let (state, _, event_id) =
        super::guard::require_event(Permission::ViewEvents, &event_id).await?;
    crate::server::check_ins::arrivals(&state, &event_id)
        .await
        .map_err(desk_error)
}
