use super::ApiError;
pub use crate::domain::views::{EventSummary, ProviderEventOption, StaffAccess, SyncRunRow};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "list_events")]
pub async fn list_events() -> Result<Vec<EventSummary>, ApiError> {
    use crate::domain::Permission;
    use crate::server::db;
    let state = super::guard::app_state();
    let member = super::guard::require(Permission::ViewEvents).await?;
    Ok(db::events::list(&state.db.pool, &member.workspace_id).await?)
}

#[server(prefix = "/api", endpoint = "get_event")]
pub async fn get_event(event_id: String) -> Result<EventSummary, ApiError> {
    use crate::domain::Permission;
    use crate::server::db;
    let state = super::guard::app_state();
    let member = super::guard::require(Permission::ViewEvents).await?;
    // Another workspace's event is "not found", never "forbidden": its existence is not ours to tell.
    db::events::get(
        &state.db.pool,
        &member.workspace_id,
        &super::guard::parse_id(&event_id, crate::domain::EventId::parse)?,
    )
    .await?
    .ok_or_else(ApiError::not_found)
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
    use crate::server::events;
    let state = super::guard::app_state();
    let member = super::guard::require(Permission::ImportEvents).await?;
    let listed = events::provider_events(
        &state,
        &member,
        &super::guard::parse_id(&integration_id, crate::domain::IntegrationId::parse)?,
    )
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
    use crate::server::events;
    let state = super::guard::app_state();
    let member = super::guard::require(Permission::ImportEvents).await?;
    events::import(
        &state,
        &member,
        &super::guard::parse_id(&integration_id, crate::domain::IntegrationId::parse)?,
        &provider_event_id,
    )
    .await
    .map(String::from)
    .map_err(import_error)
}

/// The recovery dialog's confirm (Reconnect, Retry, Set Up Sync): re-links the event to the
/// chosen CONNECTED integration and runs a fresh import. Admins only.
#[server(prefix = "/api", endpoint = "reconnect_event")]
pub async fn reconnect_event(event_id: String, integration_id: String) -> Result<(), ApiError> {
    use crate::domain::Permission;
    use crate::server::events::{self, RecoverError};
    let state = super::guard::app_state();
    let member = super::guard::require(Permission::RecoverEvents).await?;
    events::reconnect(
        &state,
        &member,
        &super::guard::parse_id(&event_id, crate::domain::EventId::parse)?,
        &super::guard::parse_id(&integration_id, crate::domain::IntegrationId::parse)?,
    )
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
    use crate::server::events::{self, SyncNowError};
    let state = super::guard::app_state();
    let member = super::guard::require(Permission::SyncEvents).await?;
    events::sync_now(&state, &member, &super::guard::parse_id(&event_id, crate::domain::EventId::parse)?)
        .await
        .map_err(|error| match error {
            SyncNowError::NotFound => ApiError::not_found(),
            SyncNowError::NeedsRecovery(_) => ApiError::invalid(
                "This event cannot sync until it is reconnected. An admin can use the alert at the top of the page.",
            ),
            SyncNowError::Db(error) => error.into(),
        })
}

/// The event's latest sync runs, newest first (admins and support).
#[server(prefix = "/api", endpoint = "list_sync_runs")]
pub async fn list_sync_runs(event_id: String) -> Result<Vec<SyncRunRow>, ApiError> {
    use crate::domain::Permission;
    use crate::server::db;
    let (state, _, event_id) =
        super::guard::require_event(Permission::ViewSyncHistory, &event_id).await?;
    let pool = &state.db.pool;
    Ok(db::runs::latest(pool, &event_id, 25).await?)
}

#[cfg(feature = "ssr")]
fn staff_access_error(error: crate::server::staff_access::StaffAccessError) -> ApiError {
    use crate::server::staff_access::StaffAccessError as E;
    match error {
        E::NotFound => ApiError::not_found(),
        E::Db(error) => error.into(),
        E::Qr(error) => {
            tracing::error!(%error, "staff access card");
            ApiError::internal()
        }
    }
}

/// The event's Staff Access card: code, station link and its QR code (every member who can
/// read the event).
#[server(prefix = "/api", endpoint = "get_staff_access")]
pub async fn get_staff_access(event_id: String) -> Result<StaffAccess, ApiError> {
    let (state, member, event_id) =
        super::guard::require_for_event(crate::domain::Permission::ViewEvents, &event_id).await?;
    crate::server::staff_access::card(&state, &member.workspace_id, &event_id)
        .await
        .map_err(staff_access_error)
}

/// A new staff access code for the event (admins); the old one opens nothing from now on.
#[server(prefix = "/api", endpoint = "rotate_access_code")]
pub async fn rotate_access_code(event_id: String) -> Result<StaffAccess, ApiError> {
    let (state, member, event_id) =
        super::guard::require_for_event(crate::domain::Permission::ManageStaffAccess, &event_id)
            .await?;
    crate::server::staff_access::rotate(&state, &member.workspace_id, &event_id)
        .await
        .map_err(staff_access_error)
}
