//! The job runner: claims jobs from the database with a lease, renews the lease while a job
//! runs, and on shutdown stops claiming and waits for what is in flight. A job whose worker
//! died is claimed again once its lease expires.

use super::import::{import_all, ImportOutcome};
use crate::domain::sync_status::SyncEvent;
use crate::domain::SyncStatus;
use crate::server::db::{events, jobs, runs, DbError};
use crate::server::integrations;
use crate::server::AppState;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

#[derive(Clone, Debug)]
pub struct RunnerConfig {
    /// Jobs run at once by this instance.
    pub concurrency: usize,
    /// How long a claim holds without renewal; renewed at a third of it.
    pub lease: Duration,
    /// How often an idle runner looks for work.
    pub poll: Duration,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        RunnerConfig {
            concurrency: 4,
            lease: Duration::from_secs(30),
            poll: Duration::from_millis(500),
        }
    }
}

pub struct Runner {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    pub owner: String,
}

impl Runner {
    pub fn spawn(state: AppState, config: RunnerConfig) -> Runner {
        let owner = format!("worker-{}", crate::server::new_id());
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run(state, config, owner.clone(), stopped));
        Runner { stop, task, owner }
    }

    /// Stops claiming and waits for in-flight jobs to finish.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

async fn run(
    state: AppState,
    config: RunnerConfig,
    owner: String,
    mut stopped: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(config.concurrency.max(1)));
    let mut in_flight = JoinSet::new();
    let lease_ms = config.lease.as_millis() as i64;
    loop {
        if *stopped.borrow() {
            break;
        }
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => p.expect("semaphore open"),
            _ = stopped.changed() => break,
        };
        match jobs::claim(&state.db.pool, &owner, lease_ms).await {
            Ok(Some(job)) => {
                let (state, owner, lease) = (state.clone(), owner.clone(), config.lease);
                in_flight.spawn(async move {
                    let job_id = job.id.clone();
                    if let Err(error) = run_job(&state, &owner, job, lease).await {
                        tracing::error!(job = %job_id, %error, "job failed on a database error; it will be claimed again");
                    }
                    drop(permit);
                });
            }
            Ok(None) => {
                drop(permit);
                tokio::select! {
                    _ = tokio::time::sleep(config.poll) => {}
                    _ = stopped.changed() => break,
                }
            }
            Err(error) => {
                drop(permit);
                tracing::warn!(%error, "claiming a job failed");
                tokio::time::sleep(config.poll).await;
            }
        }
        while in_flight.try_join_next().is_some() {}
    }
    while in_flight.join_next().await.is_some() {}
}

async fn run_job(
    state: &AppState,
    owner: &str,
    job: jobs::Job,
    lease: Duration,
) -> Result<(), DbError> {
    let pool = &state.db.pool;
    let run_id = runs::start(pool, &job).await?;
    let lease_ms = lease.as_millis() as i64;

    // Keep the lease while the job runs.
    let renewer = {
        let (pool, job_id, owner) = (pool.clone(), job.id.clone(), owner.to_string());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(lease / 3).await;
                if !matches!(
                    jobs::renew(&pool, &job_id, &owner, lease_ms).await,
                    Ok(true)
                ) {
                    tracing::warn!(job = %job_id, "lease lost");
                    return;
                }
            }
        })
    };
    // Progress goes through a watch channel so the import never waits on a progress write.
    let (progress_tx, mut progress_rx) = watch::channel((0i64, None::<i64>));
    let progress_writer = {
        let (pool, job_id) = (pool.clone(), job.id.clone());
        tokio::spawn(async move {
            while progress_rx.changed().await.is_ok() {
                let (done, total) = *progress_rx.borrow_and_update();
                let _ = jobs::progress(&pool, &job_id, done, total).await;
            }
        })
    };

    let outcome = execute(state, &job, move |done, total| {
        let _ = progress_tx.send((done, total));
    })
    .await;
    renewer.abort();
    let _ = progress_writer.await;

    let outcome = outcome?;
    let finished = jobs::Finished {
        succeeded: outcome.status == SyncStatus::Active,
        created: outcome.counts.created,
        updated: outcome.counts.updated,
        cancelled: outcome.counts.cancelled,
        unchanged: outcome.counts.unchanged,
        provider_calls: outcome.provider_calls,
        error: outcome.error.as_deref(),
    };
    let label = match outcome.status {
        SyncStatus::Active => "SUCCEEDED",
        SyncStatus::Disconnected => "DISCONNECTED",
        _ => "FAILED",
    };
    runs::finish(pool, &run_id, label, &finished).await?;
    jobs::finish(pool, &job.id, owner, finished).await?;
    tracing::info!(job = %job.id, event = %job.event_id, outcome = label, "job finished");
    Ok(())
}

async fn execute(
    state: &AppState,
    job: &jobs::Job,
    on_page: impl FnMut(i64, Option<i64>),
) -> Result<ImportOutcome, DbError> {
    let pool = &state.db.pool;
    let not_run = |status, error: &str| ImportOutcome {
        status,
        counts: Default::default(),
        provider_calls: 0,
        error: Some(error.to_string()),
    };
    let Some(target) = events::sync_target(pool, &job.workspace_id, &job.event_id).await? else {
        return Ok(not_run(SyncStatus::Failed, "The event no longer exists."));
    };
    let Some(integration_id) = target.integration_id else {
        let status =
            events::apply_sync_event(pool, &job.event_id, SyncEvent::CredentialRejected).await?;
        return Ok(not_run(status, "The event's integration was removed."));
    };
    let client = match integrations::client(state, &job.workspace_id, &integration_id).await {
        Ok(Some(client)) => client,
        Ok(None) => {
            let status =
                events::apply_sync_event(pool, &job.event_id, SyncEvent::CredentialRejected)
                    .await?;
            return Ok(not_run(status, "The integration is disconnected."));
        }
        Err(integrations::IntegrationError::Db(e)) => return Err(e),
        Err(other) => {
            let status =
                events::apply_sync_event(pool, &job.event_id, SyncEvent::RetriesExhausted).await?;
            return Ok(not_run(status, &other.to_string()));
        }
    };
    import_all(
        pool,
        &client,
        &integration_id,
        &job.event_id,
        &target.provider_event_id,
        on_page,
    )
    .await
    .map_err(|super::import::ImportError::Db(e)| e)
}
