//! Adding an event from a provider: the Import Event dialog's server side.

use super::auth::Member;
use super::db::{events, jobs, DbError};
use super::integrations::{self, IntegrationError};
use super::AppState;
use crate::domain::access_code::AccessCode;
use crate::domain::mapping::ProviderEvent;
use crate::domain::{EventId, IntegrationId};

#[derive(Debug, thiserror::Error)]
pub enum ImportEventError {
    #[error("the integration is disconnected")]
    Disconnected,
    #[error("the provider has no such event")]
    UnknownEvent,
    #[error("this event is already in the workspace")]
    AlreadyAdded,
    #[error(transparent)]
    Integration(#[from] IntegrationError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The provider's events for the dialog, each marked when already in the workspace.
pub async fn provider_events(
    state: &AppState,
    member: &Member,
    integration_id: &IntegrationId,
) -> Result<Vec<(ProviderEvent, bool)>, ImportEventError> {
    let (client, seen) =
        integrations::versioned_client(state, &member.workspace_id, integration_id)
            .await?
            .ok_or(ImportEventError::Disconnected)?;
    let listed = list_provider_events(state, integration_id, &client, &seen).await?;
    let added =
        events::provider_event_ids(&state.db.pool, &member.workspace_id, client.provider()).await?;
    Ok(listed
        .into_iter()
        .map(|e| {
            let already = added.contains(&e.provider_event_id);
            (e, already)
        })
        .collect())
}

/// The account's events; a rejected credential disconnects the integration (and its events)
/// on the spot, so the dialog stops offering it.
async fn list_provider_events(
    state: &AppState,
    integration_id: &IntegrationId,
    client: &crate::server::providers::ProviderClient,
    seen: &str,
) -> Result<Vec<ProviderEvent>, ImportEventError> {
    match client.list_events().await {
        Ok(listed) => Ok(listed),
        Err(crate::server::providers::ProviderError::Unauthorized) => {
            integrations::credential_rejected(state, integration_id, Some(seen)).await?;
            Err(ImportEventError::Disconnected)
        }
        Err(e) => Err(IntegrationError::Unreachable(client.provider().label(), e).into()),
    }
}

/// Creates the event (PENDING, with a fresh access code) and queues its import.
pub async fn import(
    state: &AppState,
    member: &Member,
    integration_id: &IntegrationId,
    provider_event_id: &str,
) -> Result<EventId, ImportEventError> {
    let (client, seen) =
        integrations::versioned_client(state, &member.workspace_id, integration_id)
            .await?
            .ok_or(ImportEventError::Disconnected)?;
    let provider = client.provider();
    let listed = list_provider_events(state, integration_id, &client, &seen).await?;
    let event = listed
        .into_iter()
        .find(|e| e.provider_event_id == provider_event_id)
        .ok_or(ImportEventError::UnknownEvent)?;
    let pool = &state.db.pool;
    // The event and its import job in one transaction: never an event without its job.
    // Codes are unique across workspaces; a collision (about 1 in 10^8 per try) just draws
    // again, in a fresh transaction (on PostgreSQL a failed statement ends the one it is in).
    let mut attempts = 0;
    let event_id = loop {
        attempts += 1;
        let code = AccessCode::from_random_bytes(rand::random());
        let mut tx = pool.begin().await.map_err(DbError::from)?;
        let inserted = events::insert(
            &mut *tx,
            events::NewEvent {
                workspace_id: &member.workspace_id,
                integration_id: Some(integration_id),
                provider,
                provider_event_id,
                name: &event.name,
                starts_at: event.starts_at,
                ends_at: event.ends_at,
                timezone: &event.timezone,
                access_code: &code,
            },
        )
        .await;
        match inserted {
            Ok(id) => {
                jobs::enqueue(
                    &mut tx,
                    &member.workspace_id,
                    &id,
                    jobs::JobKind::Import,
                    jobs::Trigger::ImportDialog,
                    Some(&member.user_id),
                )
                .await?;
                tx.commit().await.map_err(DbError::from)?;
                break id;
            }
            Err(DbError::AlreadyExists(_)) => {
                drop(tx);
                if events::access_code_taken(pool, &code).await? && attempts < 5 {
                    continue;
                }
                return Err(ImportEventError::AlreadyAdded);
            }
            Err(e) => return Err(e.into()),
        }
    };
    tracing::info!(event = %event_id, by = %member.user_id, "event added; import queued");
    Ok(event_id)
}

#[derive(Debug, thiserror::Error)]
pub enum RecoverError {
    #[error("no such event or integration in this workspace")]
    NotFound,
    #[error("the integration is not connected")]
    NotConnected,
    #[error("the integration is for another provider")]
    WrongProvider,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The recovery dialog's confirm: re-links the event to a CONNECTED integration of its
/// provider, sets it PENDING and queues a fresh import (from the first page). A job already
/// running for the event is joined, not duplicated.
pub async fn reconnect(
    state: &AppState,
    member: &Member,
    event_id: &EventId,
    integration_id: &IntegrationId,
) -> Result<(), RecoverError> {
    use crate::domain::sync_status::SyncEvent;
    use crate::domain::IntegrationStatus;
    let pool = &state.db.pool;
    let event = events::get(pool, &member.workspace_id, event_id)
        .await?
        .ok_or(RecoverError::NotFound)?;
    let integration = super::db::integrations::get(pool, &member.workspace_id, integration_id)
        .await?
        .ok_or(RecoverError::NotFound)?;
    if integration.provider != event.provider {
        return Err(RecoverError::WrongProvider);
    }
    if integration.status != IntegrationStatus::Connected {
        return Err(RecoverError::NotConnected);
    }
    // Re-link, PENDING and the import job together: a failure leaves the event as it was.
    let mut tx = pool.begin().await.map_err(DbError::from)?;
    events::relink(&mut *tx, event_id, integration_id).await?;
    events::apply_sync_event(&mut tx, event_id, SyncEvent::ImportRequested).await?;
    // A job already running is joined (single-flight); one still queued becomes this import.
    if !jobs::restart_queued_as_import(
        &mut *tx,
        event_id,
        jobs::Trigger::Reconnect,
        Some(&member.user_id),
    )
    .await?
    {
        jobs::enqueue(
            &mut tx,
            &member.workspace_id,
            event_id,
            jobs::JobKind::Import,
            jobs::Trigger::Reconnect,
            Some(&member.user_id),
        )
        .await?;
    }
    tx.commit().await.map_err(DbError::from)?;
    state.live.publish_event(pool, event_id).await;
    tracing::info!(event = %event_id, integration = %integration_id, by = %member.user_id, "event reconnected; import queued");
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum SyncNowError {
    #[error("no such event in this workspace")]
    NotFound,
    #[error("the event is {0}: it needs a recovery, not a sync")]
    NeedsRecovery(&'static str),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The Sync button: a one-shot resync of the event. Single-flight per event: while a job
/// (import, poll or resync) is queued or running, every click joins it.
pub async fn sync_now(
    state: &AppState,
    member: &Member,
    event_id: &EventId,
) -> Result<(), SyncNowError> {
    use crate::domain::SyncStatus;
    let pool = &state.db.pool;
    let event = events::get(pool, &member.workspace_id, event_id)
        .await?
        .ok_or(SyncNowError::NotFound)?;
    let active = jobs::active_job(pool, event_id).await?;
    match (event.sync_status, active.is_some()) {
        (SyncStatus::Disconnected, _) => return Err(SyncNowError::NeedsRecovery("disconnected")),
        (SyncStatus::Pending, false) => return Err(SyncNowError::NeedsRecovery("not imported")),
        (_, true) => return Ok(()),
        _ => {}
    }
    jobs::enqueue(
        &mut *crate::server::db::conn(pool).await?,
        &member.workspace_id,
        event_id,
        jobs::JobKind::Resync,
        jobs::Trigger::Manual,
        Some(&member.user_id),
    )
    .await?;
    state.live.publish_event(pool, event_id).await;
    Ok(())
}
