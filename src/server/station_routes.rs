//! A station's routes outside server functions: the deep link `/staff/<code>` (the Staff
//! Access card's QR code) and a print station's live job stream.

use super::db::stations as db_stations;
use super::stations::{self, Station, StationError};
use super::web::HttpError;
use super::AppState;
use crate::domain::print_job::{PrintJobEvent, PrintJobStatus};
use crate::domain::station::HEARTBEAT_MS;
use axum::extract::{ConnectInfo, Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::sync::broadcast;
use tower_sessions::Session;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/{code}", get(deep_link))
        .route("/api/station/print-stations/{id}/jobs", get(job_stream))
}

/// Opens the station the code in the link names and goes on to it; a wrong or refused code
/// goes back to `/staff` with the reason shown there.
async fn deep_link(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    session: Session,
    Path(code): Path<String>,
) -> Response {
    match stations::open(&state, &session, &code, peer.ip()).await {
        Ok(_) => Redirect::to("/station").into_response(),
        Err(StationError::WrongCode) => Redirect::to("/staff?error=wrong").into_response(),
        Err(StationError::Refused(_)) => Redirect::to("/staff?error=refused").into_response(),
        Err(error) => HttpError::Internal(error.to_string()).into_response(),
    }
}

impl From<StationError> for HttpError {
    fn from(error: StationError) -> HttpError {
        match error {
            StationError::Closed => HttpError::Unauthorized,
            StationError::NotFound => HttpError::NotFound,
            StationError::NotThisPrinter(_) => HttpError::Forbidden,
            other => HttpError::Internal(other.to_string()),
        }
    }
}

/// A print station's jobs as Server-Sent Events: every job still waiting for it first
/// (oldest first; one it had started before a reload is queued again), then each new job
/// the moment it is sent. While the stream is open the station beats every
/// `HEARTBEAT_MS` (phones show it Connected); when it closes, at once Disconnected.
async fn job_stream(
    State(state): State<AppState>,
    session: Session,
    Path(print_station_id): Path<String>,
) -> Result<Response, HttpError> {
    let station = stations::require(&state, &session).await?;
    let name =
        db_stations::print_station_name(&state.db.pool, &station.event_id, &print_station_id)
            .await?
            .ok_or(HttpError::NotFound)?;
    // Only the print station itself takes its jobs: a phone that opened its stream would
    // swallow badges meant for the printer.
    if station.name.as_deref() != Some(name.as_str()) {
        return Err(StationError::NotThisPrinter(name).into());
    }
    // Subscribe before reading what waits, so nothing sent between the two is missed (a job
    // in both is sent twice; the station prints each id once).
    let updates = state
        .live
        .subscribe_key(&stations::print_key(&print_station_id));
    let mut first = Vec::new();
    for job in db_stations::waiting_jobs(&state.db.pool, &print_station_id).await? {
        if job.status == PrintJobStatus::Printing {
            let _ = stations::report(&state, &station, &job.id, PrintJobEvent::Resumed, None).await;
        }
        first.push(job.id);
    }
    db_stations::beat(&state.db, &print_station_id, super::now_ms()).await?;
    let beating = Beating {
        state: state.clone(),
        print_station_id: print_station_id.clone(),
    };
    let stream = JobStream {
        state,
        station,
        first: first.into(),
        updates,
        heartbeat: tokio::time::interval(Duration::from_millis(HEARTBEAT_MS)),
        beating,
    };
    let events = futures_util::stream::unfold(stream, |mut s| async move {
        let event = s.next().await?;
        Some((Ok::<_, Infallible>(event), s))
    });
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

struct JobStream {
    state: AppState,
    station: Station,
    first: std::collections::VecDeque<String>,
    updates: broadcast::Receiver<std::sync::Arc<str>>,
    heartbeat: tokio::time::Interval,
    beating: Beating,
}

impl JobStream {
    /// The next job to send, beating meanwhile; `None` ends the stream (the hub closed).
    async fn next(&mut self) -> Option<Event> {
        loop {
            let job_id = if let Some(id) = self.first.pop_front() {
                id
            } else {
                tokio::select! {
                    _ = self.heartbeat.tick() => {
                        let id = &self.beating.print_station_id;
                        if let Err(error) = db_stations::beat(&self.state.db, id, super::now_ms()).await {
                            tracing::warn!(%error, "print station heartbeat not recorded");
                        }
                        continue;
                    }
                    update = self.updates.recv() => match update {
                        Ok(id) => id.to_string(),
                        // A job missed by a lagging stream is still in the database: read
                        // what waits again.
                        Err(broadcast::error::RecvError::Lagged(_)) => {
                            let id = &self.beating.print_station_id;
                            if let Ok(jobs) = db_stations::waiting_jobs(&self.state.db.pool, id).await {
                                self.first.extend(jobs.into_iter().map(|j| j.id));
                            }
                            continue;
                        }
                        Err(broadcast::error::RecvError::Closed) => return None,
                    }
                }
            };
            let pool = &self.state.db.pool;
            let job = match db_stations::job(pool, &self.station.event_id, &job_id).await {
                Ok(Some(job)) => job,
                Ok(None) => continue,
                Err(error) => {
                    tracing::warn!(%error, "print job not read");
                    continue;
                }
            };
            match stations::job_with_badge(&self.state, &self.station, job).await {
                Ok(view) => {
                    let data = serde_json::to_string(&view).expect("jobs serialise");
                    return Some(Event::default().data(data));
                }
                Err(error) => {
                    tracing::warn!(%error, job = %job_id, "badge not built");
                    let _ = stations::report(
                        &self.state,
                        &self.station,
                        &job_id,
                        PrintJobEvent::PrintFailed,
                        Some("The badge could not be built."),
                    )
                    .await;
                }
            }
        }
    }
}

/// Marks the print station Disconnected when its stream is dropped (the page closed, the
/// network dropped, the server shuts down).
struct Beating {
    state: AppState,
    print_station_id: String,
}

impl Drop for Beating {
    fn drop(&mut self) {
        let (db, id) = (self.state.db.clone(), self.print_station_id.clone());
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(error) = db_stations::beat(&db, &id, 0).await {
                    tracing::warn!(%error, "print station not marked disconnected");
                }
            });
        }
    }
}
