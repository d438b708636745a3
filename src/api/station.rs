//! A staff station's server functions. None of them asks for a member: each takes the
//! station session (opened with the event's access code) and can reach that one event only.
//! A station session reaches no other server function: those ask for a member.

use super::ApiError;
pub use crate::domain::print_job::PrintJobEvent;
pub use crate::domain::station::{
    PrintJobView, PrintStationView, StationCheckIn, StationInfo, StationStatus,
};
pub use crate::domain::views::AttendeeRow;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod guard {
    use super::ApiError;
    use crate::server::stations::{self, Station, StationError};
    use crate::server::AppState;
    use tower_sessions::Session;

    pub fn api_error(error: StationError) -> ApiError {
        use crate::server::check_ins::CheckInError as C;
        match error {
            StationError::Closed => ApiError::unauthenticated(),
            StationError::NotFound | StationError::CheckIn(C::NotFound) => ApiError::not_found(),
            StationError::Refused(wait) => ApiError::too_many_attempts(wait),
            StationError::NotThisPrinter(_) => ApiError::forbidden(),
            StationError::CheckIn(C::Db(e)) | StationError::Db(e) => e.into(),
            StationError::Session(_) | StationError::Qr(_) => {
                tracing::error!(%error, "station call failed");
                ApiError::internal()
            }
            other => ApiError::invalid(other.to_string()),
        }
    }

    pub async fn session() -> Result<Session, ApiError> {
        leptos_axum::extract().await.map_err(|e| {
            tracing::error!(error = %e, "session layer missing");
            ApiError::internal()
        })
    }

    /// The open station of this call, or 401 "closed".
    pub async fn station() -> Result<(AppState, Station), ApiError> {
        let state = crate::api::guard::app_state();
        let session = session().await?;
        let station = stations::require(&state, &session)
            .await
            .map_err(api_error)?;
        Ok((state, station))
    }
}

/// Opens the station of the event whose access code this is.
#[server(prefix = "/api", endpoint = "open_station")]
pub async fn open_station(code: String) -> Result<StationInfo, ApiError> {
    let state = super::guard::app_state();
    let session = guard::session().await?;
    let client = super::auth::client_address().await?;
    let station = crate::server::stations::open(&state, &session, &code, client)
        .await
        .map_err(guard::api_error)?;
    leptos_axum::redirect("/station");
    Ok(station.info())
}

/// The open station, or `None` (never opened, closed, or its code rotated).
#[server(prefix = "/api", endpoint = "current_station")]
pub async fn current_station() -> Result<Option<StationInfo>, ApiError> {
    let state = super::guard::app_state();
    let session = guard::session().await?;
    crate::server::stations::current(&state, &session)
        .await
        .map(|s| s.map(|s| s.info()))
        .map_err(guard::api_error)
}

#[server(prefix = "/api", endpoint = "name_station")]
pub async fn name_station(name: String) -> Result<StationInfo, ApiError> {
    let (_, station) = guard::station().await?;
    let session = guard::session().await?;
    crate::server::stations::set_name(&session, station, &name)
        .await
        .map(|s| s.info())
        .map_err(guard::api_error)
}

#[server(prefix = "/api", endpoint = "close_station")]
pub async fn close_station() -> Result<(), ApiError> {
    let session = guard::session().await?;
    crate::server::stations::close(&session)
        .await
        .map_err(guard::api_error)
}

/// The attendee a scanned or typed barcode names, when exactly one has it.
#[server(prefix = "/api", endpoint = "station_find")]
pub async fn station_find(code: String) -> Result<Option<AttendeeRow>, ApiError> {
    let (state, station) = guard::station().await?;
    crate::server::stations::find(&state, &station, &code)
        .await
        .map_err(guard::api_error)
}

#[server(prefix = "/api", endpoint = "station_search")]
pub async fn station_search(query: String, vip_only: bool) -> Result<Vec<AttendeeRow>, ApiError> {
    let (state, station) = guard::station().await?;
    crate::server::stations::search(&state, &station, &query, vip_only)
        .await
        .map_err(guard::api_error)
}

/// A page of the event's attendees after `after` (by id), for the list Check-in mode keeps.
#[server(prefix = "/api", endpoint = "station_roster")]
pub async fn station_roster(after: String) -> Result<Vec<AttendeeRow>, ApiError> {
    let (state, station) = guard::station().await?;
    crate::server::stations::roster(&state, &station, &after)
        .await
        .map_err(guard::api_error)
}

/// Checks an attendee in and, with a print station chosen, sends their badge to it.
#[server(prefix = "/api", endpoint = "check_in_at_station")]
pub async fn check_in_at_station(
    attendee_id: String,
    nonce: String,
    force: bool,
    print_station_id: Option<String>,
) -> Result<StationCheckIn, ApiError> {
    let (state, station) = guard::station().await?;
    crate::server::stations::check_in(
        &state,
        &station,
        &attendee_id,
        &nonce,
        force,
        print_station_id.as_deref().filter(|s| !s.is_empty()),
    )
    .await
    .map_err(guard::api_error)
}

#[server(prefix = "/api", endpoint = "station_reprint")]
pub async fn station_reprint(
    attendee_id: String,
    print_station_id: String,
    nonce: String,
) -> Result<PrintJobView, ApiError> {
    let (state, station) = guard::station().await?;
    crate::server::stations::reprint(&state, &station, &attendee_id, &print_station_id, &nonce)
        .await
        .map_err(guard::api_error)
}

/// The event's print stations (Connected or not) and the state of the caller's jobs.
#[server(prefix = "/api", endpoint = "print_status", input = leptos::server_fn::codec::Json)]
pub async fn print_status(job_ids: Vec<String>) -> Result<StationStatus, ApiError> {
    let (state, station) = guard::station().await?;
    crate::server::stations::status(&state, &station, &job_ids)
        .await
        .map_err(guard::api_error)
}

/// Station mode: registers this station as the event's print station of its name.
#[server(prefix = "/api", endpoint = "register_print_station")]
pub async fn register_print_station() -> Result<PrintStationView, ApiError> {
    let (state, station) = guard::station().await?;
    crate::server::stations::register_print_station(&state, &station)
        .await
        .map_err(guard::api_error)
}

/// A print station's report on a job: Started, Printed, PrintFailed (with why).
#[server(prefix = "/api", endpoint = "report_print")]
pub async fn report_print(
    job_id: String,
    event: PrintJobEvent,
    error: Option<String>,
) -> Result<PrintJobView, ApiError> {
    let (state, station) = guard::station().await?;
    crate::server::stations::report(&state, &station, &job_id, event, error.as_deref())
        .await
        .map_err(guard::api_error)
}
