use super::ApiError;
use crate::domain::{Provider, SyncStatus};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One event as the Events page and the event header show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventSummary {
    pub id: String,
    pub name: String,
    pub provider: Provider,
    /// Milliseconds since the Unix epoch, UTC.
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub timezone: String,
    /// Start and end in the event's time zone ("Sat 5 Dec 2026, 09:00 – 17:00 GMT").
    pub dates: String,
    pub sync_status: SyncStatus,
    pub access_code: String,
    pub attendee_count: i64,
}

#[server(prefix = "/api", endpoint = "list_events")]
pub async fn list_events() -> Result<Vec<EventSummary>, ApiError> {
    use crate::domain::Permission;
    use crate::server::{auth, db};
    let state = auth::app_state();
    let member = auth::require(Permission::ViewEvents).await?;
    Ok(db::events::list(&state.db.pool, &member.workspace_id).await?)
}

#[server(prefix = "/api", endpoint = "get_event")]
pub async fn get_event(event_id: String) -> Result<EventSummary, ApiError> {
    use crate::domain::Permission;
    use crate::server::{auth, db};
    let state = auth::app_state();
    let member = auth::require(Permission::ViewEvents).await?;
    // Another workspace's event is "not found", never "forbidden": its existence is not ours to tell.
    db::events::get(&state.db.pool, &member.workspace_id, &event_id)
        .await?
        .ok_or_else(ApiError::not_found)
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

#[cfg(feature = "ssr")]
fn import_error(error: crate::server::events::ImportEventError) -> ApiError {
    use crate::server::events::ImportEventError as E;
    use crate::server::integrations::IntegrationError as I;
    match error {
        E::Disconnected => ApiError::invalid(
            "This integration is disconnected. Reconnect it in Settings → Integrations.",
        ),
        E::UnknownEvent => ApiError::invalid("The provider no longer lists this event."),
        E::AlreadyAdded => ApiError::invalid("This event is already in the workspace."),
        E::Integration(I::NotFound) => ApiError::not_found(),
        E::Integration(I::Unreachable(provider, cause)) => {
            tracing::warn!(%cause, "provider unreachable");
            ApiError::invalid(format!(
                "Could not reach {provider}. Try again in a moment."
            ))
        }
        other => {
            tracing::error!(error = %other, "import failed");
            ApiError::internal()
        }
    }
}

#[server(prefix = "/api", endpoint = "list_provider_events")]
pub async fn list_provider_events(
    integration_id: String,
) -> Result<Vec<ProviderEventOption>, ApiError> {
    use crate::domain::Permission;
    use crate::server::{auth, events};
    let state = auth::app_state();
    let member = auth::require(Permission::ImportEvents).await?;
    let listed = events::provider_events(&state, &member, &integration_id)
        .await
        .map_err(import_error)?;
    Ok(listed
        .into_iter()
        .map(|(e, already_added)| ProviderEventOption {
            dates: crate::domain::local_time::event_dates(e.starts_at, e.ends_at, &e.timezone),
            provider_event_id: e.provider_event_id,
            name: e.name,
            starts_at: e.starts_at,
            ends_at: e.ends_at,
            attendee_count: e.attendee_count,
            already_added,
        })
        .collect())
}

/// Adds a provider event to the workspace (PENDING) and queues its import; returns its id.
#[server(prefix = "/api", endpoint = "import_event")]
pub async fn import_event(
    integration_id: String,
    provider_event_id: String,
) -> Result<String, ApiError> {
    use crate::domain::Permission;
    use crate::server::{auth, events};
    let state = auth::app_state();
    let member = auth::require(Permission::ImportEvents).await?;
    events::import(&state, &member, &integration_id, &provider_event_id)
        .await
        .map_err(import_error)
}

/// The recovery dialog's confirm (Reconnect, Retry, Set Up Sync): re-links the event to the
/// chosen CONNECTED integration and runs a fresh import. Admins only.
#[server(prefix = "/api", endpoint = "reconnect_event")]
pub async fn reconnect_event(event_id: String, integration_id: String) -> Result<(), ApiError> {
    use crate::domain::Permission;
    use crate::server::auth;
    use crate::server::events::{self, RecoverError};
    let state = auth::app_state();
    let member = auth::require(Permission::RecoverEvents).await?;
    events::reconnect(&state, &member, &event_id, &integration_id)
        .await
        .map_err(|error| match error {
            RecoverError::NotFound => ApiError::not_found(),
            RecoverError::NotConnected => ApiError::invalid(
                "This integration is disconnected. Reconnect it in Settings → Integrations first.",
            ),
            RecoverError::WrongProvider => {
                ApiError::invalid("Pick an integration of the event's provider.")
            }
            RecoverError::Db(error) => error.into(),
        })
}

/// The Sync button (admins and staff): a one-shot resync; clicks while one runs join it.
#[server(prefix = "/api", endpoint = "sync_event")]
pub async fn sync_now(event_id: String) -> Result<(), ApiError> {
    use crate::domain::Permission;
    use crate::server::auth;
    use crate::server::events::{self, SyncNowError};
    let state = auth::app_state();
    let member = auth::require(Permission::SyncEvents).await?;
    events::sync_now(&state, &member, &event_id)
        .await
        .map_err(|error| match error {
            SyncNowError::NotFound => ApiError::not_found(),
            SyncNowError::NeedsRecovery(_) => ApiError::invalid(
                "This event cannot sync until it is reconnected. An admin can use the alert at the top of the page.",
            ),
            SyncNowError::Db(error) => error.into(),
        })
}

/// One row of the event's sync history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRunRow {
    pub id: String,
    pub kind: String,
    pub trigger: String,
    /// Who asked (name and email), for runs a person started.
    pub triggered_by: Option<String>,
    pub outcome: String,
    /// Milliseconds since the Unix epoch, UTC.
    pub started_at: i64,
    /// `started_at` in the event's time zone, with its abbreviation.
    pub started_label: String,
    pub finished_at: Option<i64>,
    pub created: i64,
    pub updated: i64,
    pub cancelled: i64,
    pub unchanged: i64,
    pub provider_calls: i64,
    pub error: Option<String>,
}

/// The event's latest sync runs, newest first (admins and support).
#[server(prefix = "/api", endpoint = "list_sync_runs")]
pub async fn list_sync_runs(event_id: String) -> Result<Vec<SyncRunRow>, ApiError> {
    use crate::domain::Permission;
    use crate::server::{auth, db};
    let (state, _) = auth::require_event(Permission::ViewSyncHistory, &event_id).await?;
    let pool = &state.db.pool;
    Ok(db::runs::latest(pool, &event_id, 25).await?)
}
