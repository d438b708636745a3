//! The check-in desk's server side: check in, undo, VIP, an attendee's detail and history,
//! the arrivals chart. Rules come from `domain::check_in`; the database settles races; every
//! change is pushed to the event's open pages and the Events cards.

use super::db::{self, check_ins, events, DbError};
use super::AppState;
use crate::domain::check_in::{self, AttendeeState, CheckInSource, Decision, UndoRefused};
use crate::domain::local_time;
use crate::domain::views::{
    Arrivals, AttendeeDetail, AttendeeRow, CheckInAnswer, CheckInOutcome, HistoryEntry,
};
use crate::domain::{EventId, Role, WorkspaceId};

#[derive(Debug, thiserror::Error)]
pub enum CheckInError {
    #[error("no such attendee")]
    NotFound,
    #[error("{0} is marked not attending. Use Force Check In to check them in anyway.")]
    NeedsForce(String),
    #[error("The check-in request has no valid id; reload the page and try again.")]
    InvalidNonce,
    #[error("This request id was already used for another attendee.")]
    NonceReused,
    #[error("{0} is not checked in.")]
    NotCheckedIn(String),
    #[error("{0} was checked in at {1}; undo it there.")]
    ProviderCheckIn(String, &'static str),
    #[error(transparent)]
    Undo(#[from] UndoRefused),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Who is at the desk: a signed-in member on the event page, or (later) a station.
pub struct Actor<'a> {
    pub user_id: Option<&'a str>,
    pub name: &'a str,
    pub role: Role,
    pub source: CheckInSource,
    pub station: Option<&'a str>,
}

/// Checks an attendee in, once. A request whose nonce already checked this attendee in
/// answers as the first one did; anyone already checked in is answered with when and by whom.
/// The event must be in `workspace_id`: another workspace's is "not found".
///
/// The desk's busiest call, so it reads the event and the attendee in one query and lets the
/// insert's constraints, not a read before it, find a reused nonce or a lost race.
pub async fn check_in(
    state: &AppState,
    workspace_id: &WorkspaceId,
    event_id: &EventId,
    attendee_id: &str,
    nonce: &str,
    force: bool,
    actor: &Actor<'_>,
) -> Result<CheckInAnswer, CheckInError> {
    if !check_in::valid_nonce(nonce) {
        return Err(CheckInError::InvalidNonce);
    }
    let pool = &state.db.pool;
    let (desk, mut attendee) =
        db::attendees::get_for_desk(pool, workspace_id, event_id, attendee_id)
            .await?
            .ok_or(CheckInError::NotFound)?;
    let now = AttendeeState {
        status: attendee.status,
        checked_in: attendee.checked_in_at.is_some(),
        provider_checked_in: attendee.provider_checked_in_at.is_some(),
    };
    match check_in::decide(now, force) {
        Decision::CheckIn => {}
        Decision::NeedsForce => return Err(CheckInError::NeedsForce(full_name(&attendee))),
        Decision::AlreadyCheckedIn | Decision::AlreadyAtProvider => {
            // The check-in standing may be this very request's, sent again.
            if let Some(done) = repeated(state, event_id, attendee_id, nonce, &desk).await? {
                return Ok(done);
            }
            return Ok(already(attendee, &desk));
        }
    }
    let new = check_ins::NewCheckIn {
        event_id,
        attendee_id,
        nonce,
        user_id: actor.user_id,
        by_name: actor.name,
        source: actor.source,
        station: actor.station,
        forced: attendee.status == crate::domain::AttendanceStatus::NotAttending,
    };
    if let Some(at) = check_ins::insert(&state.db, new).await? {
        state.live.publish_soon(pool, event_id);
        // The row as the insert's transaction left it, without reading it again.
        attendee.checked_in_at = Some(at);
        attendee.checked_in_by = Some(actor.name.to_string());
        attendee.checked_in_label = Some(local_time::date_time(at, &desk.timezone));
        return Ok(CheckInAnswer {
            outcome: CheckInOutcome::CheckedIn,
            attendee,
        });
    }
    // Nothing inserted: this nonce was used (the same request twice, or reused for someone
    // else), or another desk checked them in first.
    if let Some(done) = repeated(state, event_id, attendee_id, nonce, &desk).await? {
        return Ok(done);
    }
    let attendee = row(state, event_id, attendee_id, &desk).await?;
    Ok(already(attendee, &desk))
}

/// The answer to a request whose nonce has already been used, if it has.
async fn repeated(
    state: &AppState,
    event_id: &EventId,
    attendee_id: &str,
    nonce: &str,
    desk: &events::DeskInfo,
) -> Result<Option<CheckInAnswer>, CheckInError> {
    let Some(earlier) = check_ins::by_nonce(&state.db.pool, event_id, nonce).await? else {
        return Ok(None);
    };
    if earlier.attendee_id != attendee_id {
        return Err(CheckInError::NonceReused);
    }
    let attendee = row(state, event_id, attendee_id, desk).await?;
    Ok(Some(CheckInAnswer {
        outcome: CheckInOutcome::CheckedIn,
        attendee,
    }))
}

/// "Already checked in at 9:14 by Sam Staff" (or "via Eventbrite"): nothing counted.
fn already(attendee: AttendeeRow, desk: &events::DeskInfo) -> CheckInAnswer {
    let message = match (
        attendee.checked_in_at,
        &attendee.checked_in_by,
        attendee.provider_checked_in_at,
    ) {
        (Some(at), by, _) => format!(
            "Already checked in at {}{}",
            local_time::clock(at, &desk.timezone),
            by.as_deref()
                .map(|b| format!(" by {b}"))
                .unwrap_or_default()
        ),
        (None, _, Some(at)) if at != crate::domain::mapping::CHECKED_IN_AT_UNKNOWN => format!(
            "Already checked in at {} via {}",
            local_time::clock(at, &desk.timezone),
            desk.provider.label()
        ),
        _ => format!("Already checked in via {}", desk.provider.label()),
    };
    CheckInAnswer {
        outcome: CheckInOutcome::AlreadyCheckedIn(message),
        attendee,
    }
}

/// Undoes the attendee's standing Lanyard check-in: the desk for a while, admins always.
/// A provider's check-in is the provider's: Lanyard never undoes it.
pub async fn undo(
    state: &AppState,
    event_id: &EventId,
    attendee_id: &str,
    reason: &str,
    actor: &Actor<'_>,
) -> Result<AttendeeRow, CheckInError> {
    let pool = &state.db.pool;
    let (desk, standing) = desk_and_standing(state, event_id, attendee_id).await?;
    let (Some(check_in_id), Some(at)) = (&standing.check_in_id, standing.checked_in_at) else {
        let attendee = row(state, event_id, attendee_id, &desk).await?;
        return Err(if standing.provider_checked_in_at.is_some() {
            CheckInError::ProviderCheckIn(full_name(&attendee), desk.provider.label())
        } else {
            CheckInError::NotCheckedIn(full_name(&attendee))
        });
    };
    check_in::may_undo(actor.role, at, crate::server::now_ms())?;
    let reason: String = reason
        .trim()
        .chars()
        .take(check_in::MAX_REASON_CHARS)
        .collect();
    let reason = (!reason.is_empty()).then_some(reason);
    let user_id = actor.user_id.unwrap_or_default();
    if check_ins::undo(
        &state.db,
        event_id,
        check_in_id,
        user_id,
        actor.name,
        reason.as_deref(),
    )
    .await?
    {
        state.live.publish_soon(pool, event_id);
    }
    row(state, event_id, attendee_id, &desk).await
}

/// Sets or clears an attendee's VIP flag.
pub async fn set_vip(
    state: &AppState,
    event_id: &EventId,
    attendee_id: &str,
    vip: bool,
) -> Result<AttendeeRow, CheckInError> {
    let pool = &state.db.pool;
    let desk = events::desk_info(pool, event_id)
        .await?
        .ok_or(CheckInError::NotFound)?;
    if !db::attendees::set_vip(&state.db, event_id, attendee_id, vip).await? {
        return Err(CheckInError::NotFound);
    }
    state.live.publish_soon(pool, event_id);
    row(state, event_id, attendee_id, &desk).await
}

/// The attendee whose barcode is exactly `code`, when exactly one has it.
pub async fn by_barcode(
    state: &AppState,
    event_id: &EventId,
    code: &str,
) -> Result<Option<AttendeeRow>, CheckInError> {
    let pool = &state.db.pool;
    let code = code.trim();
    if code.is_empty() {
        return Ok(None);
    }
    let timezone = events::timezone(pool, event_id)
        .await?
        .ok_or(CheckInError::NotFound)?;
    let mut found = db::attendees::by_barcode(pool, event_id, code, &timezone).await?;
    Ok((found.len() == 1).then(|| found.remove(0)))
}

/// Everything about one attendee, and its history newest first: Lanyard's check-ins and
/// undos (who, when, where), the provider's check-in, what syncs changed, the import.
pub async fn detail(
    state: &AppState,
    event_id: &EventId,
    attendee_id: &str,
    role: Role,
) -> Result<AttendeeDetail, CheckInError> {
    let pool = &state.db.pool;
    let (desk, standing) = desk_and_standing(state, event_id, attendee_id).await?;
    let attendee = row(state, event_id, attendee_id, &desk).await?;
    let tz = desk.timezone.as_str();
    let entry =
        |at: i64, what: &str, who: Option<String>, place: Option<String>, detail| HistoryEntry {
            at,
            at_label: local_time::date_time(at, tz),
            what: what.to_string(),
            who,
            place,
            detail,
        };
    let mut history = Vec::new();
    for c in check_ins::history(pool, attendee_id).await? {
        let place = match &c.station {
            Some(station) => format!("{} · {station}", c.source.label()),
            None => c.source.label().to_string(),
        };
        if let Some(undone) = c.undone_at {
            history.push(entry(
                undone,
                "Check-in undone",
                c.undone_by_name.clone(),
                None,
                c.undo_reason.clone(),
            ));
        }
        let what = if c.forced != 0 {
            "Force checked in"
        } else {
            "Checked in"
        };
        history.push(entry(
            c.checked_in_at,
            what,
            Some(c.by_name),
            Some(place),
            None,
        ));
    }
    if let Some(at) = standing.provider_checked_in_at {
        let what = format!("Checked in at {}", desk.provider.label());
        history.push(entry(at, &what, None, None, None));
    }
    for (at, summary) in
        db::attendees::changes(pool, event_id, &standing.provider_attendee_id).await?
    {
        let what = format!("Changed at {}", desk.provider.label());
        history.push(entry(at, &what, None, None, Some(summary)));
    }
    let what = format!("Imported from {}", desk.provider.label());
    history.push(entry(standing.created_at, &what, None, None, None));
    history.sort_by_key(|h| std::cmp::Reverse(h.at));
    let can_undo = standing
        .checked_in_at
        .is_some_and(|at| check_in::may_undo(role, at, crate::server::now_ms()).is_ok());
    Ok(AttendeeDetail {
        attendee,
        history,
        can_undo,
    })
}

/// Check-ins per five minutes over the event day, with hourly ticks in the event's zone.
pub async fn arrivals(state: &AppState, event_id: &EventId) -> Result<Arrivals, CheckInError> {
    let pool = &state.db.pool;
    let desk = events::desk_info(pool, event_id)
        .await?
        .ok_or(CheckInError::NotFound)?;
    let counted = check_ins::per_slot(pool, event_id).await?;
    let span = check_in::arrivals_span(
        desk.starts_at,
        desk.ends_at,
        counted.first().map(|(at, _)| *at),
        counted.last().map(|(at, _)| *at),
    );
    let Some((from, to)) = span else {
        return Ok(Arrivals::default());
    };
    let slots = check_in::arrivals(counted, from, to);
    let tz = desk.timezone.as_str();
    let ticks = slots
        .iter()
        .map(|(at, _)| (*at, local_time::clock(*at, tz)))
        .filter(|(_, label)| label.ends_with(":00"))
        .collect();
    let peak = slots
        .iter()
        .filter(|(_, n)| *n > 0)
        .max_by_key(|(at, n)| (*n, -*at))
        .map(|(at, n)| {
            let end = at + check_in::ARRIVALS_SLOT_MS;
            let label = format!(
                "{} – {}",
                local_time::clock(*at, tz),
                local_time::clock(end, tz)
            );
            (label, *n)
        });
    Ok(Arrivals { slots, ticks, peak })
}

/// The event's desk facts and the attendee's standing, or `NotFound` when either is missing.
async fn desk_and_standing(
    state: &AppState,
    event_id: &EventId,
    attendee_id: &str,
) -> Result<(events::DeskInfo, check_ins::Standing), CheckInError> {
    let pool = &state.db.pool;
    let desk = events::desk_info(pool, event_id)
        .await?
        .ok_or(CheckInError::NotFound)?;
    let standing = check_ins::standing(pool, event_id, attendee_id)
        .await?
        .ok_or(CheckInError::NotFound)?;
    Ok((desk, standing))
}

async fn row(
    state: &AppState,
    event_id: &EventId,
    attendee_id: &str,
    desk: &events::DeskInfo,
) -> Result<AttendeeRow, CheckInError> {
    db::attendees::get(&state.db.pool, event_id, attendee_id, &desk.timezone)
        .await?
        .ok_or(CheckInError::NotFound)
}

fn full_name(row: &AttendeeRow) -> String {
    format!("{} {}", row.first_name, row.last_name)
        .trim()
        .to_string()
}
