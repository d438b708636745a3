//! One full pass over an event's attendees, page after page, each page saved in its own
//! transaction: memory stays flat however large the event, and a crash loses at most the
//! page in flight.

use crate::domain::sync_status::SyncEvent;
use crate::domain::SyncStatus;
use crate::server::db::{
    attendees, attendees::PageCounts, events, integrations as integration_store, DbError,
};
use crate::server::providers::{ProviderClient, ProviderError};
use sqlx::AnyPool;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Db(#[from] DbError),
}

#[derive(Debug, PartialEq, Eq)]
pub struct ImportOutcome {
    pub status: SyncStatus,
    pub counts: PageCounts,
    pub provider_calls: i64,
    pub error: Option<String>,
}

/// Reads every page and upserts it. Progress is reported through `on_page` after each saved
/// page (imported so far, provider total when known).
pub async fn import_all(
    pool: &AnyPool,
    client: &ProviderClient,
    integration_id: &str,
    event_id: &str,
    provider_event_id: &str,
    mut on_page: impl FnMut(i64, Option<i64>),
) -> Result<ImportOutcome, ImportError> {
    let mut counts = PageCounts::default();
    let mut cursor: Option<String> = None;
    let mut calls = 0;
    loop {
        calls += 1;
        let page = match client
            .attendees_page(provider_event_id, cursor.as_deref(), None)
            .await
        {
            Ok(page) => page,
            Err(ProviderError::Unauthorized) => {
                integration_store::mark_disconnected(
                    pool,
                    integration_id,
                    "The provider rejected the credential.",
                )
                .await?;
                events::disconnect_all_on(pool, integration_id).await?;
                let status =
                    events::apply_sync_event(pool, event_id, SyncEvent::CredentialRejected).await?;
                return Ok(ImportOutcome {
                    status,
                    counts,
                    provider_calls: calls,
                    error: Some("The provider rejected the credential.".into()),
                });
            }
            // Retries with backoff, rate-limit waits and the job's lease come with the job runner.
            Err(other) => {
                let status =
                    events::apply_sync_event(pool, event_id, SyncEvent::RetriesExhausted).await?;
                return Ok(ImportOutcome {
                    status,
                    counts,
                    provider_calls: calls,
                    error: Some(other.to_string()),
                });
            }
        };
        let mut tx = pool.begin().await.map_err(DbError::from)?;
        counts += attendees::upsert_page(&mut tx, event_id, &page.attendees).await?;
        tx.commit().await.map_err(DbError::from)?;
        on_page(
            counts.created + counts.updated + counts.cancelled + counts.unchanged,
            page.total,
        );
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let status = events::apply_sync_event(pool, event_id, SyncEvent::SyncSucceeded).await?;
    Ok(ImportOutcome {
        status,
        counts,
        provider_calls: calls,
        error: None,
    })
}
