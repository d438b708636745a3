//! Staff stations: a phone or laptop opened with an event's access code instead of an
//! account. The station session lives in the browser's session beside (never instead of) a
//! member's sign-in, under its own key, and can do exactly what this file offers: read its
//! one event's attendees, check them in, and send and print badge jobs. Every request looks
//! its event up by the code the station was opened with, so rotating the code ends every
//! station opened with the old one at its next request.

use super::check_ins::{self, Actor, CheckInError};
use super::db::{self, stations, DbError};
use super::AppState;
use crate::domain::access_code::AccessCode;
use crate::domain::badge::{self, Badge};
use crate::domain::check_in::CheckInSource;
use crate::domain::print_job::{self, PrintJobEvent, PrintJobStatus};
use crate::domain::station::{
    self, CodeVerdict, PrintJobView, PrintStationView, StationCheckIn, StationInfo, StationStatus,
    WrongCodePolicy, WrongCodes,
};
use crate::domain::views::{AttendeeFilters, AttendeeRow, CheckInOutcome};
use crate::domain::{EventId, Role, WorkspaceId};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;
use tower_sessions::Session;

const SESSION_KEY: &str = "station";

/// Attendees a station's search shows at most.
pub const SEARCH_LIMIT: i64 = 50;
/// Attendees per page of the roster a station keeps for when the network drops.
pub const ROSTER_PAGE: i64 = 2_000;

#[derive(Debug, thiserror::Error)]
pub enum StationError {
    #[error("That code does not open any event. Check it and try again.")]
    WrongCode,
    #[error("too many wrong codes; next allowed in {0:?}")]
    Refused(Duration),
    /// No station session, or its code was rotated.
    #[error("This station is closed. Enter the event's current code.")]
    Closed,
    #[error("Name this station first.")]
    NoName,
    #[error("Give the station a name, such as Door 2.")]
    BadName,
    #[error("no such attendee, print station or job")]
    NotFound,
    #[error("That print job has already finished.")]
    JobFinished,
    /// A station other than the print station the job or stream belongs to.
    #[error("Only the print station \"{0}\" can do that.")]
    NotThisPrinter(String),
    #[error(transparent)]
    CheckIn(#[from] CheckInError),
    #[error("the badge's QR code could not be drawn: {0}")]
    Qr(#[from] qrcode::types::QrError),
    #[error("session store: {0}")]
    Session(#[from] tower_sessions::session::Error),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// What the browser's session holds for a station: the code it was opened with (checked on
/// every request) and the name it was given.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct StationSession {
    code: AccessCode,
    event_id: EventId,
    name: Option<String>,
}

/// An open station, as each request finds it.
#[derive(Clone, Debug)]
pub struct Station {
    pub event_id: EventId,
    pub workspace_id: WorkspaceId,
    pub event_name: String,
    pub name: Option<String>,
}

impl Station {
    pub fn info(&self) -> StationInfo {
        StationInfo {
            event_id: self.event_id.to_string(),
            event_name: self.event_name.clone(),
            station_name: self.name.clone(),
        }
    }

    fn named(&self) -> Result<&str, StationError> {
        self.name.as_deref().ok_or(StationError::NoName)
    }
}

/// Wrong access codes per client address, in this instance's memory (the same known limits
/// as sign-in's throttle: per instance, by TCP peer address). The rule is
/// `WrongCodePolicy`'s; this only keeps the records.
pub struct WrongCodeTracker {
    policy: WrongCodePolicy,
    records: Mutex<HashMap<IpAddr, WrongCodes>>,
}

impl WrongCodeTracker {
    pub fn new(policy: WrongCodePolicy) -> WrongCodeTracker {
        WrongCodeTracker {
            policy,
            records: Mutex::new(HashMap::new()),
        }
    }

    /// Counts an attempt from `client` as wrong until it proves right ([`Self::right`]), in
    /// the same step as its verdict: parallel guesses from one address each see the ones
    /// before them, so a burst sent at once is refused as quickly as one sent in turn.
    fn attempt(&self, client: IpAddr, now: i64) -> CodeVerdict {
        let mut records = self.records.lock().expect("wrong codes lock");
        // Forgotten records go, so made-up addresses cannot grow the map without end.
        if records.len() > 10_000 {
            let policy = self.policy;
            records.retain(|_, r| policy.current(*r, now) != WrongCodes::default());
        }
        let record = records.get(&client).copied().unwrap_or_default();
        let verdict = self.policy.verdict(record, now);
        if let CodeVerdict::Answer { .. } = verdict {
            records.insert(client, self.policy.after_wrong(record, now));
        }
        verdict
    }

    /// The attempt was a right code: it does not count against the address.
    fn right(&self, client: IpAddr) {
        let mut records = self.records.lock().expect("wrong codes lock");
        if let Some(record) = records.get_mut(&client) {
            record.count = record.count.saturating_sub(1);
        }
    }
}

/// Opens a station for the event whose code `typed` is. Wrong codes from `client` are
/// answered slower and slower and then refused for a while, right codes included, so that
/// the answer's wait tells a guesser nothing.
pub async fn open(
    state: &AppState,
    session: &Session,
    typed: &str,
    client: IpAddr,
) -> Result<Station, StationError> {
    let tracker = &state.wrong_codes;
    match tracker.attempt(client, super::now_ms()) {
        CodeVerdict::Refused { retry_in_ms } => {
            return Err(StationError::Refused(Duration::from_millis(
                retry_in_ms.max(1) as u64,
            )))
        }
        CodeVerdict::Answer { delay_ms } if delay_ms > 0 => {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await
        }
        CodeVerdict::Answer { .. } => {}
    }
    let event = match AccessCode::parse(typed) {
        Some(code) => stations::event_by_code(&state.db.pool, &code)
            .await?
            .map(|e| (code, e)),
        None => None,
    };
    let Some((code, event)) = event else {
        tracing::info!(%client, "wrong staff access code");
        return Err(StationError::WrongCode);
    };
    tracker.right(client);
    // The same event opened again keeps the station's name; another event starts afresh.
    let name = session
        .get::<StationSession>(SESSION_KEY)
        .await?
        .filter(|s| s.event_id == event.id)
        .and_then(|s| s.name);
    session.cycle_id().await?;
    session
        .insert(
            SESSION_KEY,
            StationSession {
                code,
                event_id: event.id.clone(),
                name: name.clone(),
            },
        )
        .await?;
    tracing::info!(event = %event.id, "station opened");
    Ok(Station {
        event_id: event.id,
        workspace_id: event.workspace_id,
        event_name: event.name,
        name,
    })
}

/// The request's open station, if any. A station whose code has been rotated is closed here.
pub async fn current(state: &AppState, session: &Session) -> Result<Option<Station>, StationError> {
    let Some(open) = session.get::<StationSession>(SESSION_KEY).await? else {
        return Ok(None);
    };
    match stations::event_by_code(&state.db.pool, &open.code).await? {
        Some(event) if event.id == open.event_id => Ok(Some(Station {
            event_id: event.id,
            workspace_id: event.workspace_id,
            event_name: event.name,
            name: open.name,
        })),
        _ => {
            session.remove::<StationSession>(SESSION_KEY).await?;
            Ok(None)
        }
    }
}

/// [`current`], or `Closed`.
pub async fn require(state: &AppState, session: &Session) -> Result<Station, StationError> {
    current(state, session).await?.ok_or(StationError::Closed)
}

pub async fn set_name(
    session: &Session,
    mut station: Station,
    typed: &str,
) -> Result<Station, StationError> {
    let name = station::station_name(typed).ok_or(StationError::BadName)?;
    let mut open: StationSession = session
        .get(SESSION_KEY)
        .await?
        .ok_or(StationError::Closed)?;
    open.name = Some(name.clone());
    session.insert(SESSION_KEY, open).await?;
    station.name = Some(name);
    Ok(station)
}

pub async fn close(session: &Session) -> Result<(), StationError> {
    session.remove::<StationSession>(SESSION_KEY).await?;
    Ok(())
}

/// The attendee a scanned or typed barcode names, when exactly one has it.
pub async fn find(
    state: &AppState,
    station: &Station,
    code: &str,
) -> Result<Option<AttendeeRow>, StationError> {
    if code.len() > 200 {
        return Ok(None);
    }
    Ok(check_ins::by_barcode(state, &station.event_id, code).await?)
}

/// Up to [`SEARCH_LIMIT`] attendees matching every word of `query`, in any order.
pub async fn search(
    state: &AppState,
    station: &Station,
    query: &str,
    vip_only: bool,
) -> Result<Vec<AttendeeRow>, StationError> {
    let timezone = timezone(state, station).await?;
    let query: String = query.chars().take(200).collect();
    let found = db::attendees::search(
        &state.db.pool,
        &station.event_id,
        &timezone,
        &query,
        AttendeeFilters {
            vip_only,
            ..Default::default()
        },
        0,
        SEARCH_LIMIT,
    )
    .await?;
    Ok(found.rows)
}

/// The event's attendees by id, a page after `after`: the list Check-in mode keeps so it
/// can still find people with the network gone.
pub async fn roster(
    state: &AppState,
    station: &Station,
    after: &str,
) -> Result<Vec<AttendeeRow>, StationError> {
    let timezone = timezone(state, station).await?;
    Ok(db::attendees::page_by_id(
        &state.db.pool,
        &station.event_id,
        &timezone,
        after,
        ROSTER_PAGE,
    )
    .await?)
}

async fn timezone(state: &AppState, station: &Station) -> Result<String, StationError> {
    db::events::timezone(&state.db.pool, &station.event_id)
        .await?
        .ok_or(StationError::Closed)
}

/// Checks an attendee in from the station (the desk's rules: nonce, force, already checked
/// in), recorded with the station's name, and sends the badge to `print_station_id` when
/// one is chosen and the check-in counted. The job is keyed by the same nonce, so a resent
/// request prints once.
pub async fn check_in(
    state: &AppState,
    station: &Station,
    attendee_id: &str,
    nonce: &str,
    force: bool,
    print_station_id: Option<&str>,
) -> Result<StationCheckIn, StationError> {
    let name = station.named()?;
    // A print station not of this event is refused before anything is checked in.
    if let Some(print_station) = print_station_id {
        stations::print_station_name(&state.db.pool, &station.event_id, print_station)
            .await?
            .ok_or(StationError::NotFound)?;
    }
    let actor = Actor {
        user_id: None,
        name,
        role: Role::Staff,
        source: CheckInSource::Station,
        station: Some(name),
    };
    let answer = check_ins::check_in(
        state,
        &station.workspace_id,
        &station.event_id,
        attendee_id,
        nonce,
        force,
        &actor,
    )
    .await?;
    let job = match (print_station_id, &answer.outcome) {
        (Some(print_station), CheckInOutcome::CheckedIn) => {
            Some(send_job(state, station, print_station, &answer.attendee, nonce).await?)
        }
        _ => None,
    };
    Ok(StationCheckIn { answer, job })
}

/// Sends the attendee's badge to a print station again (Reprint Badge).
pub async fn reprint(
    state: &AppState,
    station: &Station,
    attendee_id: &str,
    print_station_id: &str,
    nonce: &str,
) -> Result<PrintJobView, StationError> {
    if !crate::domain::check_in::valid_nonce(nonce) {
        return Err(CheckInError::InvalidNonce.into());
    }
    let timezone = timezone(state, station).await?;
    let attendee = db::attendees::get(&state.db.pool, &station.event_id, attendee_id, &timezone)
        .await?
        .ok_or(StationError::NotFound)?;
    send_job(state, station, print_station_id, &attendee, nonce).await
}

async fn send_job(
    state: &AppState,
    station: &Station,
    print_station_id: &str,
    attendee: &AttendeeRow,
    nonce: &str,
) -> Result<PrintJobView, StationError> {
    let sender = station.named()?;
    let (job_id, fresh) = stations::insert_job(
        &state.db,
        &station.event_id,
        print_station_id,
        &attendee.id,
        sender,
        nonce,
    )
    .await?
    .ok_or(StationError::NotFound)?;
    if fresh {
        state
            .live
            .publish_to(&print_key(print_station_id), &job_id)
            .await;
    }
    let job = stations::job(&state.db.pool, &station.event_id, &job_id)
        .await?
        .ok_or(StationError::NotFound)?;
    Ok(view(job, None))
}

/// The event's print stations and the jobs among `job_ids` (the phone's own).
pub async fn status(
    state: &AppState,
    station: &Station,
    job_ids: &[String],
) -> Result<StationStatus, StationError> {
    let pool = &state.db.pool;
    let now = super::now_ms();
    let print_stations = stations::print_stations(pool, &station.event_id)
        .await?
        .into_iter()
        .map(|s| PrintStationView {
            connected: station::is_connected(s.seen_at, now),
            id: s.id,
            name: s.name,
            waiting: s.waiting,
        })
        .collect();
    let ids: Vec<String> = job_ids.iter().take(100).cloned().collect();
    let jobs = stations::jobs(pool, &station.event_id, &ids)
        .await?
        .into_iter()
        .map(|j| view(j, None))
        .collect();
    Ok(StationStatus {
        print_stations,
        jobs,
    })
}

/// Station mode: this station becomes the event's print station of its name.
pub async fn register_print_station(
    state: &AppState,
    station: &Station,
) -> Result<PrintStationView, StationError> {
    let name = station.named()?;
    let id = stations::register_print_station(&state.db, &station.event_id, name).await?;
    Ok(PrintStationView {
        id,
        name: name.to_string(),
        connected: false,
        waiting: 0,
    })
}

/// A print station's report on one of its jobs, moved by `domain::print_job::next`.
pub async fn report(
    state: &AppState,
    station: &Station,
    job_id: &str,
    event: PrintJobEvent,
    error: Option<&str>,
) -> Result<PrintJobView, StationError> {
    let pool = &state.db.pool;
    let error: Option<String> = error.map(|e| e.trim().chars().take(300).collect());
    for _ in 0..3 {
        let job = stations::job(pool, &station.event_id, job_id)
            .await?
            .ok_or(StationError::NotFound)?;
        // A print station is its name in the event: only the station of that name reports
        // on its jobs, so a phone cannot mark someone's badge printed.
        if station.name.as_deref() != Some(job.station_name.as_str()) {
            return Err(StationError::NotThisPrinter(job.station_name));
        }
        let Some(to) = print_job::next(job.status, event) else {
            return Err(StationError::JobFinished);
        };
        let why = (to == PrintJobStatus::Failed).then(|| {
            error
                .clone()
                .unwrap_or_else(|| "The print did not complete.".into())
        });
        if stations::set_job_status(&state.db, job_id, job.status, to, why.as_deref()).await? {
            let job = stations::job(pool, &station.event_id, job_id)
                .await?
                .ok_or(StationError::NotFound)?;
            return Ok(view(job, None));
        }
    }
    Err(StationError::JobFinished)
}

/// The job with its badge, as its print station receives it.
pub async fn job_with_badge(
    state: &AppState,
    station: &Station,
    job: stations::JobRow,
) -> Result<PrintJobView, StationError> {
    let timezone = timezone(state, station).await?;
    let attendee = db::attendees::get(
        &state.db.pool,
        &station.event_id,
        &job.attendee_id,
        &timezone,
    )
    .await?
    .ok_or(StationError::NotFound)?;
    let badge = badge_for(state, &station.workspace_id, &attendee).await?;
    Ok(view(job, Some(badge)))
}

/// The attendee's badge: the template their ticket name picks, their fields, their barcode
/// as a QR code.
pub async fn badge_for(
    state: &AppState,
    workspace_id: &WorkspaceId,
    attendee: &AttendeeRow,
) -> Result<Badge, StationError> {
    let templates = db::badges::list(&state.db.pool, workspace_id).await?;
    let template = badge::choose(&templates, attendee.ticket_name.as_deref());
    let qr_svg = match attendee.barcode.as_deref().filter(|b| !b.is_empty()) {
        Some(code) => Some(super::staff_access::qr_svg(code)?),
        None => None,
    };
    Ok(Badge {
        template,
        first_name: attendee.first_name.clone(),
        last_name: attendee.last_name.clone(),
        company: attendee.company.clone(),
        job_title: attendee.job_title.clone(),
        ticket_name: attendee.ticket_name.clone(),
        vip: attendee.is_vip,
        qr_svg,
    })
}

fn view(job: stations::JobRow, badge: Option<Badge>) -> PrintJobView {
    PrintJobView {
        id: job.id,
        status: job.status,
        error: job.error,
        attendee_name: job.attendee_name,
        print_station: job.station_name,
        badge,
    }
}

/// The live hub's key of a print station's job stream.
pub fn print_key(print_station_id: &str) -> String {
    format!("print:{print_station_id}")
}
