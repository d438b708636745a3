//! One full pass over an event's attendees, page after page, each batch of pages saved in
//! its own transaction together with the job's checkpoint: memory stays flat however large
//! the event, and a crash loses at most the batch in flight; the next worker resumes after
//! the last saved page.
//!
//! Fetching and saving overlap: while one batch is written, the next pages are already on
//! their way (a bounded channel between them bounds memory).

use super::retry::RetryPolicy;
use super::AbortOnDrop;
use crate::domain::sync_status::SyncEvent;
use crate::domain::SyncStatus;
use crate::domain::{EventId, IntegrationId};
use crate::server::db::jobs::Checkpoint;
use crate::server::db::{attendees, events, integrations as integration_store, jobs, Db, DbError};
use crate::server::providers::{Page, ProviderClient, ProviderError};
use tokio::sync::mpsc;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Db(#[from] DbError),
    /// Another worker took the job over (this one stalled past its lease): stop without
    /// touching the event, the new owner carries on.
    #[error("the job's lease was lost to another worker")]
    LeaseLost,
}

/// The event an import fills.
#[derive(Clone, Copy, Debug)]
pub struct ImportTarget<'a> {
    pub integration_id: &'a IntegrationId,
    pub event_id: &'a EventId,
    pub provider_event_id: &'a str,
    /// Only attendees changed since then (ms), where the provider can filter (a poll).
    pub changed_since: Option<i64>,
    /// Ask the provider for the listing's size first when its pages do not say (Luma), so
    /// the progress bar has a real total: worth one call for an import, not for a poll.
    pub expect_total: bool,
    /// The credential the client holds, sealed as stored: a rejection of it disconnects
    /// only if the integration still holds it (`None`: no such check).
    pub credential_seen: Option<&'a str>,
}

/// The job an import runs for: checkpoints are saved on it, fenced by its lease.
#[derive(Clone, Copy, Debug)]
pub struct JobLease<'a> {
    pub job_id: &'a str,
    pub owner: &'a str,
}

#[derive(Debug, PartialEq, Eq)]
pub struct ImportOutcome {
    pub status: SyncStatus,
    pub checkpoint: Checkpoint,
    pub error: Option<String>,
    /// Events a rejected credential moved to DISCONNECTED (this one and its siblings on the
    /// same integration), for the caller to tell their open pages.
    pub disconnected: Vec<EventId>,
    /// The pass read the provider's whole listing, first page to last, unfiltered.
    pub complete_listing: bool,
    /// The provider's rate limit (or the credential's budget) stopped the pass: it goes back
    /// to the queue until then (ms), resuming from its checkpoint, the event's status as it was.
    pub deferred_until: Option<i64>,
}

/// Pages fetched ahead of the one being written (memory: a few hundred attendees).
const PAGES_AHEAD: usize = 100;
/// Most pages written in one transaction.
const MAX_BATCH: usize = 100;
/// A batch waits up to `BATCH_WAIT` for this many pages: each transaction costs a few round
/// trips and a commit whatever its size, CPU the fetching side needs on a small machine. A
/// crash loses at most one batch, which the resumed import reads again.
const MIN_BATCH: usize = 20;
const BATCH_WAIT: std::time::Duration = std::time::Duration::from_millis(50);

/// What the fetching side hands the saving side.
type Fetched = Result<(Page, i64), (ProviderError, i64)>;

/// Reads every page (from `resume` when a previous run saved some) and upserts it; ends by
/// moving the event's status through the state machine. `on_page` sees each saved checkpoint.
pub async fn import_all(
    db: &Db,
    client: &ProviderClient,
    retry: &RetryPolicy,
    target: ImportTarget<'_>,
    lease: Option<JobLease<'_>>,
    resume: Option<Checkpoint>,
    mut on_page: impl FnMut(&Checkpoint),
) -> Result<ImportOutcome, ImportError> {
    let pool = &db.pool;
    let resuming = resume.is_some();
    let mut checkpoint = resume.unwrap_or_default();
    if target.expect_total && checkpoint.total.is_none() && !client.pages_report_total() {
        let mut calls = checkpoint.provider_calls;
        // Only a progress figure: a failure here is left to the listing to report.
        if let Ok(total) = retry
            .run(&mut calls, || {
                client.expected_total(target.provider_event_id)
            })
            .await
        {
            checkpoint.total = total;
        }
        checkpoint.provider_calls = calls;
    }
    let (tx, mut pages) = mpsc::channel::<Fetched>(PAGES_AHEAD);
    let fetcher = tokio::spawn(fetch_pages(
        client.clone(),
        retry.clone(),
        target.provider_event_id.to_string(),
        target.changed_since,
        checkpoint.cursor.clone(),
        checkpoint.provider_calls,
        tx,
    ));
    let _stop_fetching = AbortOnDrop::new(fetcher);
    // A first import into an empty event only creates rows: no need to read any back.
    let fresh = !resuming && attendees::count(pool, target.event_id).await? == 0;

    // Attendees that vanished from the provider are only known after a complete listing:
    // read from its first page in this pass (not resumed, not a changed-since poll). A first
    // import has nothing stored that could have vanished.
    let mut listed = (!resuming && !fresh && target.changed_since.is_none())
        .then(std::collections::HashSet::<String>::new);

    let mut failure = None;
    let mut done = false;
    while !done && failure.is_none() {
        // Whatever pages arrived while the last batch was written go into one transaction
        // (at least a few, briefly waited for): when the database lags, batches grow.
        let Some(first) = pages.recv().await else {
            break;
        };
        let mut batch = Vec::new();
        let mut next = Some(first);
        let gathering = tokio::time::Instant::now() + BATCH_WAIT;
        while let Some(fetched) = next.take() {
            match fetched {
                Ok((page, calls)) => {
                    done = page.next.is_none();
                    batch.push((page, calls));
                }
                Err((error, calls)) => {
                    checkpoint.provider_calls = calls;
                    failure = Some(error);
                }
            }
            if !done && failure.is_none() && batch.len() < MAX_BATCH {
                next = match pages.try_recv() {
                    Ok(fetched) => Some(fetched),
                    Err(_) if batch.len() < MIN_BATCH => {
                        tokio::time::timeout_at(gathering, pages.recv())
                            .await
                            .ok()
                            .flatten()
                    }
                    Err(_) => None,
                };
            }
        }
        if batch.is_empty() {
            break;
        }
        let mut existing = attendees::Existing::none();
        if !fresh {
            for (page, _) in &batch {
                existing.extend(attendees::existing(pool, target.event_id, &page.attendees).await?);
            }
        }
        if let Some(listed) = listed.as_mut() {
            let ids = batch.iter().flat_map(|(page, _)| &page.attendees);
            listed.extend(ids.map(|r| r.provider_attendee_id.clone()));
        }
        let mut written = attendees::begin_batch(db).await?;
        let records = batch.iter().flat_map(|(page, _)| &page.attendees);
        checkpoint.counts +=
            attendees::upsert_page(&mut written.tx, target.event_id, records, &existing).await?;
        for (page, calls) in &batch {
            checkpoint.processed += page.attendees.len() as i64;
            checkpoint.total = page.total.or(checkpoint.total);
            checkpoint.cursor = page.next.clone();
            checkpoint.provider_calls = checkpoint.provider_calls.max(*calls);
        }
        if let Some(lease) = lease {
            if !jobs::checkpoint(&mut written.tx, lease.job_id, lease.owner, &checkpoint).await? {
                return Err(ImportError::LeaseLost);
            }
        }
        written.commit().await?;
        on_page(&checkpoint);
    }

    if let (Some(listed), true, None) = (&listed, done, &failure) {
        let attending = attendees::attending_ids(pool, target.event_id).await?;
        let gone = crate::domain::mapping::vanished(&attending, listed);
        if !gone.is_empty() {
            let mut written = attendees::begin_batch(db).await?;
            attendees::mark_not_attending(&mut written.tx, target.event_id, &gone).await?;
            checkpoint.counts.cancelled += gone.len() as i64;
            if let Some(lease) = lease {
                if !jobs::checkpoint(&mut written.tx, lease.job_id, lease.owner, &checkpoint)
                    .await?
                {
                    return Err(ImportError::LeaseLost);
                }
            }
            written.commit().await?;
            on_page(&checkpoint);
        }
    }

    let rate_wait = match &failure {
        Some(ProviderError::RateLimited { retry_after }) => {
            Some(retry_after.unwrap_or(std::time::Duration::from_secs(60)))
        }
        Some(ProviderError::BudgetExhausted { retry_after }) => Some(*retry_after),
        _ => None,
    };
    if let Some(wait) = rate_wait {
        let status = events::sync_status(pool, target.event_id)
            .await?
            .unwrap_or(SyncStatus::Pending);
        let until = crate::server::now_ms() + wait.as_millis() as i64;
        return Ok(ImportOutcome {
            status,
            checkpoint,
            error: Some(format!(
                "Paused by the provider's rate limit; resumes in {} s.",
                wait.as_secs().max(1)
            )),
            disconnected: Vec::new(),
            complete_listing: false,
            deferred_until: Some(until),
        });
    }
    let mut disconnected = Vec::new();
    let (event, error) = match failure {
        None => (SyncEvent::SyncSucceeded, None),
        Some(ProviderError::Unauthorized) => {
            match integration_store::credential_rejected(
                pool,
                target.integration_id,
                target.credential_seen,
            )
            .await?
            {
                Some(events) => {
                    disconnected = events;
                    (
                        SyncEvent::CredentialRejected,
                        Some(integration_store::REJECTED.to_string()),
                    )
                }
                // Reconnected while this pass ran on the old credential: not a dead link,
                // a failed pass, retried (with the new credential) in the background.
                None => (
                    SyncEvent::RetriesExhausted,
                    Some("The credential was replaced while this sync ran; the next sync uses the new one.".to_string()),
                ),
            }
        }
        Some(other) => (SyncEvent::RetriesExhausted, Some(other.to_string())),
    };
    let status = events::apply_sync_event(
        &mut *crate::server::db::conn(pool).await?,
        target.event_id,
        event,
    )
    .await?;
    Ok(ImportOutcome {
        status,
        checkpoint,
        error,
        disconnected,
        complete_listing: done && target.changed_since.is_none(),
        deferred_until: None,
    })
}

/// Fetches pages one after another (each with retries) and hands them over; stops at the
/// last page, at an error that outlasted the retries, or when the saving side hangs up.
async fn fetch_pages(
    client: ProviderClient,
    retry: RetryPolicy,
    provider_event_id: String,
    changed_since: Option<i64>,
    mut cursor: Option<String>,
    mut calls: i64,
    out: mpsc::Sender<Fetched>,
) {
    loop {
        let fetched = retry
            .run(&mut calls, || {
                client.attendees_page(&provider_event_id, cursor.as_deref(), changed_since)
            })
            .await;
        let page = match fetched {
            Ok(page) => page,
            Err(error) => {
                let _ = out.send(Err((error, calls))).await;
                return;
            }
        };
        cursor = page.next.clone();
        let last = cursor.is_none();
        if out.send(Ok((page, calls))).await.is_err() || last {
            return;
        }
    }
}
