//! The job runner: claims jobs from the database with a lease, renews the lease while a job
//! runs, and on shutdown stops claiming and waits for what is in flight. A job whose worker
//! died is claimed again once its lease expires.

use super::import::{import_all, ImportError, ImportOutcome, ImportTarget, JobLease};
use super::retry::RetryPolicy;
use super::AbortOnDrop;
use crate::domain::sync_status::SyncEvent;
use crate::domain::SyncStatus;
use crate::server::db::jobs::Checkpoint;
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
    /// Claims of one job (each crash or lost lease costs one) before it is given up.
    pub max_attempts: i64,
    pub retry: RetryPolicy,
    /// Least time between two progress updates pushed to pages.
    pub publish_every: Duration,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        RunnerConfig {
            concurrency: 4,
            lease: Duration::from_secs(30),
            poll: Duration::from_millis(500),
            max_attempts: 5,
            retry: RetryPolicy::default(),
            publish_every: Duration::from_millis(250),
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

    /// Stops dead, as a killed process would: running jobs stop mid-page and keep their
    /// leases until they expire, when another worker picks them up.
    pub fn kill(self) {
        self.task.abort();
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
                let (state, owner, config) = (state.clone(), owner.clone(), config.clone());
                in_flight.spawn(async move {
                    let job_id = job.id.clone();
                    if let Err(error) = run_job(&state, &config, &owner, job).await {
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
    config: &RunnerConfig,
    owner: &str,
    job: jobs::Job,
) -> Result<(), DbError> {
    let pool = &state.db.pool;
    let lease = config.lease;
    if job.attempts > 1 {
        runs::close_interrupted(pool, &job.id).await?;
    }
    if job.attempts > config.max_attempts {
        // Interrupted too often (each crash costs an attempt): stop here. An import leaves
        // its event PENDING with no active job, which the page shows as "Import failed".
        let error = format!("Gave up after {} interrupted attempts.", job.attempts - 1);
        let run_id = runs::start(pool, &job).await?;
        let finished = finished(&job.resume.clone().unwrap_or_default(), false, Some(&error));
        runs::finish(pool, &run_id, "FAILED", &finished).await?;
        jobs::finish(pool, &job.id, owner, finished).await?;
        state.live.publish_event(pool, &job.event_id).await;
        tracing::warn!(job = %job.id, event = %job.event_id, "job abandoned");
        return Ok(());
    }
    let run_id = runs::start(pool, &job).await?;
    let lease_ms = lease.as_millis() as i64;
    state.live.publish_event(pool, &job.event_id).await;

    // Keep the lease while the job runs.
    let renewer = AbortOnDrop({
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
    });
    // Pages learn of progress through a watch channel, at most a few times a second, so the
    // import never waits on them.
    let (progress_tx, mut progress_rx) = watch::channel(());
    let mut publisher = AbortOnDrop({
        let (state, event_id, every) = (state.clone(), job.event_id.clone(), config.publish_every);
        tokio::spawn(async move {
            while progress_rx.changed().await.is_ok() {
                state.live.publish_event(&state.db.pool, &event_id).await;
                tokio::time::sleep(every).await;
            }
        })
    });

    let outcome = execute(state, config, owner, &job, move |_| {
        let _ = progress_tx.send(());
    })
    .await;
    drop(renewer);
    let _ = (&mut publisher.0).await;

    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(ImportError::LeaseLost) => {
            tracing::warn!(job = %job.id, "another worker took this job over; stopping");
            return Ok(());
        }
        Err(ImportError::Db(error)) => return Err(error),
    };
    let succeeded = outcome.status == SyncStatus::Active;
    let finished = finished(&outcome.checkpoint, succeeded, outcome.error.as_deref());
    let label = match outcome.status {
        SyncStatus::Active => "SUCCEEDED",
        SyncStatus::Disconnected => "DISCONNECTED",
        _ => "FAILED",
    };
    runs::finish(pool, &run_id, label, &finished).await?;
    jobs::finish(pool, &job.id, owner, finished).await?;
    state.live.publish_event(pool, &job.event_id).await;
    tracing::info!(job = %job.id, event = %job.event_id, outcome = label, "job finished");
    Ok(())
}

fn finished<'a>(c: &Checkpoint, succeeded: bool, error: Option<&'a str>) -> jobs::Finished<'a> {
    jobs::Finished {
        succeeded,
        created: c.counts.created,
        updated: c.counts.updated,
        cancelled: c.counts.cancelled,
        unchanged: c.counts.unchanged,
        provider_calls: c.provider_calls,
        error,
    }
}

async fn execute(
    state: &AppState,
    config: &RunnerConfig,
    owner: &str,
    job: &jobs::Job,
    on_page: impl FnMut(&Checkpoint),
) -> Result<ImportOutcome, ImportError> {
    let pool = &state.db.pool;
    let not_run = |status, error: &str| ImportOutcome {
        status,
        checkpoint: Checkpoint::default(),
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
        Err(integrations::IntegrationError::Db(e)) => return Err(e.into()),
        Err(other) => {
            let status =
                events::apply_sync_event(pool, &job.event_id, SyncEvent::RetriesExhausted).await?;
            return Ok(not_run(status, &other.to_string()));
        }
    };
    import_all(
        pool,
        &client,
        &config.retry,
        ImportTarget {
            integration_id: &integration_id,
            event_id: &job.event_id,
            provider_event_id: &target.provider_event_id,
        },
        Some(JobLease {
            job_id: &job.id,
            owner,
        }),
        job.resume.clone(),
        on_page,
    )
    .await
}
