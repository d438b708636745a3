//! The job runner: claims jobs from the database with a lease, renews the lease while a job
//! runs, and on shutdown stops claiming and waits for what is in flight. A job whose worker
//! died is claimed again once its lease expires.

use super::import::{import_all, ImportError, ImportOutcome, ImportTarget, JobLease};
use super::retry::RetryPolicy;
use super::AbortOnDrop;
use crate::domain::sync_status::SyncEvent;
use crate::domain::{RunOutcome, SyncStatus};
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
    /// How long a graceful shutdown lets running jobs finish before releasing them.
    pub shutdown_grace: Duration,
    /// The polling safety net; `None` runs no polls from this runner.
    pub polling: Option<super::poller::PollConfig>,
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
            shutdown_grace: Duration::from_secs(10),
            polling: Some(super::poller::PollConfig::default()),
        }
    }
}

pub struct Runner {
    signal: watch::Sender<Signal>,
    task: tokio::task::JoinHandle<()>,
    pub owner: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Signal {
    Run,
    /// Graceful: stop claiming, let running jobs finish within the grace period, then
    /// release the rest so another worker resumes them at once.
    Stop,
    /// As if the process died: running jobs stop where they are and keep their leases.
    Kill,
}

impl Runner {
    pub fn spawn(state: AppState, config: RunnerConfig) -> Runner {
        let owner = format!("worker-{}", crate::server::new_id());
        let (signal, signals) = watch::channel(Signal::Run);
        let task = tokio::spawn(run(state, config, owner.clone(), signals));
        Runner {
            signal,
            task,
            owner,
        }
    }

    /// Stops dead, as a killed process would: running jobs stop mid-page (the page in flight
    /// is lost, saved pages stay) and keep their leases until they expire, when another
    /// worker picks them up. Returns once nothing of this runner runs any more.
    pub async fn kill(self) {
        let _ = self.signal.send(Signal::Kill);
        let _ = self.task.await;
    }

    /// Stops claiming; running jobs get the grace period to finish, the rest are released.
    pub async fn shutdown(self) {
        let _ = self.signal.send(Signal::Stop);
        let _ = self.task.await;
    }
}

async fn run(
    state: AppState,
    config: RunnerConfig,
    owner: String,
    mut signals: watch::Receiver<Signal>,
) {
    let _poller = config.polling.clone().map(|polling| {
        let (state, mut signals) = (state.clone(), signals.clone());
        AbortOnDrop::new(tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(polling.tick) => {}
                    _ = signals.changed() => return,
                }
                if let Err(error) = super::poller::tick(&state, &polling).await {
                    tracing::warn!(%error, "polling tick failed");
                }
                if let Err(error) = super::poller::retry_failed(&state, &polling).await {
                    tracing::warn!(%error, "retrying failed events failed");
                }
            }
        }))
    });
    let slots = Arc::new(Semaphore::new(config.concurrency.max(1)));
    let mut in_flight = JoinSet::new();
    let lease_ms = config.lease.as_millis() as i64;
    loop {
        if *signals.borrow() != Signal::Run {
            break;
        }
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => p.expect("semaphore open"),
            _ = signals.changed() => break,
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
                    _ = signals.changed() => break,
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
    let signal = *signals.borrow();
    if signal == Signal::Stop {
        let drained = tokio::time::timeout(config.shutdown_grace, async {
            while in_flight.join_next().await.is_some() {}
        })
        .await;
        if drained.is_ok() {
            return;
        }
    }
    // Joining after abort_all waits until every job task has really stopped.
    in_flight.abort_all();
    while in_flight.join_next().await.is_some() {}
    if signal == Signal::Stop {
        match jobs::release(&state.db.pool, &owner).await {
            Ok(n) => tracing::info!(jobs = n, "released unfinished jobs for another worker"),
            Err(error) => {
                tracing::warn!(%error, "could not release jobs; their leases will expire")
            }
        }
    }
}

async fn run_job(
    state: &AppState,
    config: &RunnerConfig,
    _worker: &str,
    job: jobs::Job,
) -> Result<(), DbError> {
    // Every write is fenced by this claim's own token, not the worker's name.
    let owner = job.lease.clone();
    let owner = owner.as_str();
    let pool = &state.db.pool;
    let lease = config.lease;
    runs::close_interrupted(pool, &job.id).await?;
    if job.attempts > config.max_attempts {
        // Interrupted too often (each crash costs an attempt): stop here. An import leaves
        // its event PENDING with no active job, which the page shows as "Import failed".
        let error = format!("Gave up after {} interrupted attempts.", job.attempts - 1);
        let run_id = runs::start(pool, &job).await?;
        let finished = finished(
            &job.resume.clone().unwrap_or_default(),
            false,
            false,
            Some(&error),
        );
        runs::finish(pool, &run_id, RunOutcome::Failed, &finished).await?;
        jobs::finish(pool, &job.id, owner, finished).await?;
        state.live.publish_event(pool, &job.event_id).await;
        tracing::warn!(job = %job.id, event = %job.event_id, "job abandoned");
        return Ok(());
    }
    let run_id = runs::start(pool, &job).await?;
    let lease_ms = lease.as_millis() as i64;
    state.live.publish_event(pool, &job.event_id).await;

    // Keep the lease while the job runs. A database error is not a lost lease: renewal is
    // tried again, sooner, while the lease still holds. Only an answer that another claim
    // owns the job (or the lease ran out) stops the job, through `lost`.
    let (lost_tx, lost) = tokio::sync::oneshot::channel::<()>();
    let renewer = AbortOnDrop::new({
        let (pool, job_id, owner) = (pool.clone(), job.id.clone(), owner.to_string());
        tokio::spawn(async move {
            keep_lease(lease, || jobs::renew(&pool, &job_id, &owner, lease_ms)).await;
            tracing::warn!(job = %job_id, "lease lost; the job stops");
            let _ = lost_tx.send(());
        })
    });
    // Pages learn of progress through a watch channel, at most a few times a second, so the
    // import never waits on them.
    let (progress_tx, mut progress_rx) = watch::channel(());
    let mut publisher = AbortOnDrop::new({
        let (state, event_id, every) = (state.clone(), job.event_id.clone(), config.publish_every);
        tokio::spawn(async move {
            while progress_rx.changed().await.is_ok() {
                state.live.publish_event(&state.db.pool, &event_id).await;
                tokio::time::sleep(every).await;
            }
        })
    });

    let work = execute(state, config, owner, &job, move |_: &Checkpoint| {
        let _ = progress_tx.send(());
    });
    // A lost lease drops the work where it stands (its page fetcher with it): it writes
    // nothing more, and its checkpoints were fenced by the token anyway.
    let outcome = tokio::select! {
        outcome = work => outcome,
        Ok(()) = lost => Err(ImportError::LeaseLost),
    };
    drop(renewer);
    let _ = (&mut publisher).await;

    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(ImportError::LeaseLost) => {
            tracing::warn!(job = %job.id, "another worker took this job over; stopping");
            return Ok(());
        }
        Err(ImportError::Db(error)) => return Err(error),
    };
    if let Some(until) = outcome.deferred_until {
        let finished = finished(&outcome.checkpoint, false, false, outcome.error.as_deref());
        runs::finish(pool, &run_id, RunOutcome::RateLimited, &finished).await?;
        jobs::defer(pool, &job.id, owner, until).await?;
        state.live.publish_event(pool, &job.event_id).await;
        tracing::info!(job = %job.id, event = %job.event_id, "rate limited: handed back to the queue");
        return Ok(());
    }
    let succeeded = outcome.status == SyncStatus::Active;
    let finished = finished(
        &outcome.checkpoint,
        succeeded,
        outcome.complete_listing,
        outcome.error.as_deref(),
    );
    let label = match outcome.status {
        SyncStatus::Active => RunOutcome::Succeeded,
        SyncStatus::Disconnected => RunOutcome::Disconnected,
        _ => RunOutcome::Failed,
    };
    // Before the job ends, so that pages opened on its end already plan on them.
    if outcome.checkpoint.counts.created >= ANALYZE_AFTER_CREATED {
        if let Err(error) = state.db.refresh_statistics().await {
            tracing::warn!(%error, "could not refresh the planner's statistics");
        }
    }
    runs::finish(pool, &run_id, label, &finished).await?;
    jobs::finish(pool, &job.id, owner, finished).await?;
    state.live.publish_event(pool, &job.event_id).await;
    for sibling in outcome
        .disconnected
        .iter()
        .filter(|id| **id != job.event_id)
    {
        state.live.publish_event(pool, sibling).await;
    }
    tracing::info!(job = %job.id, event = %job.event_id, outcome = %label, "job finished");
    Ok(())
}

/// A run that created at least this many attendees refreshes the planner's statistics.
const ANALYZE_AFTER_CREATED: i64 = 5_000;

/// Renews a lease every third of its length until it is lost: `renew` answering `false`
/// (another claim holds the job), or failing for longer than the lease lasts. A failure
/// within that time (a database blip) is retried sooner, and the job goes on.
async fn keep_lease<F, Fut>(lease: Duration, mut renew: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool, DbError>>,
{
    let mut renewed_at = tokio::time::Instant::now();
    let mut wait = lease / 3;
    loop {
        tokio::time::sleep(wait).await;
        match renew().await {
            Ok(true) => {
                renewed_at = tokio::time::Instant::now();
                wait = lease / 3;
            }
            Ok(false) => return,
            Err(error) if renewed_at.elapsed() < lease => {
                tracing::warn!(%error, "lease renewal failed; trying again");
                wait = (lease / 10).max(Duration::from_millis(50));
            }
            Err(_) => return,
        }
    }
}

fn finished<'a>(
    c: &Checkpoint,
    succeeded: bool,
    complete_listing: bool,
    error: Option<&'a str>,
) -> jobs::Finished<'a> {
    jobs::Finished {
        complete_listing,
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
        disconnected: Vec::new(),
        complete_listing: false,
        deferred_until: None,
    };
    let Some(target) = events::sync_target(pool, &job.workspace_id, &job.event_id).await? else {
        return Ok(not_run(SyncStatus::Failed, "The event no longer exists."));
    };
    let Some(integration_id) = target.integration_id else {
        let status = events::apply_sync_event(
            &mut *crate::server::db::conn(pool).await?,
            &job.event_id,
            SyncEvent::CredentialRejected,
        )
        .await?;
        return Ok(not_run(status, "The event's integration was removed."));
    };
    let (client, seen) =
        match integrations::versioned_client(state, &job.workspace_id, &integration_id).await {
            Ok(Some(found)) => found,
            Ok(None) => {
                let status = events::apply_sync_event(
                    &mut *crate::server::db::conn(pool).await?,
                    &job.event_id,
                    SyncEvent::CredentialRejected,
                )
                .await?;
                return Ok(not_run(status, "The integration is disconnected."));
            }
            Err(integrations::IntegrationError::Db(e)) => return Err(e.into()),
            Err(other) => {
                let status = events::apply_sync_event(
                    &mut *crate::server::db::conn(pool).await?,
                    &job.event_id,
                    SyncEvent::RetriesExhausted,
                )
                .await?;
                return Ok(not_run(status, &other.to_string()));
            }
        };
    if job.kind == jobs::JobKind::Import && job.resume.is_none() {
        crate::server::webhooks::register(
            state,
            &client,
            &integration_id,
            &target.provider_event_id,
        )
        .await;
    }
    // A poll reads only what changed since the last good listing began (less the providers'
    // consistency delay), and now and then everything; other syncs list everything.
    let changed_since = if job.trigger == jobs::Trigger::Poll {
        let history = runs::listing_history(pool, &job.event_id).await?;
        super::poller::poll_since(
            crate::server::now_ms(),
            client.filters_by_change(),
            history,
            target.starts_at,
        )
    } else {
        None
    };
    import_all(
        &state.db,
        &client,
        &config.retry,
        ImportTarget {
            integration_id: &integration_id,
            event_id: &job.event_id,
            provider_event_id: &target.provider_event_id,
            changed_since,
            expect_total: job.kind == jobs::JobKind::Import,
            credential_seen: Some(&seen),
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    fn blip() -> Result<bool, DbError> {
        Err(DbError::from(sqlx::Error::PoolTimedOut))
    }

    /// Plays `script` as the database's answers; returns how many renewals were asked for
    /// and when (in ms of paused time) the lease was given up.
    async fn play(script: Vec<Result<bool, DbError>>) -> (usize, u128) {
        let script = RefCell::new(script.into_iter());
        let asked = RefCell::new(0);
        let start = tokio::time::Instant::now();
        keep_lease(Duration::from_secs(30), || {
            *asked.borrow_mut() += 1;
            let next = script.borrow_mut().next().unwrap_or(Ok(false));
            std::future::ready(next)
        })
        .await;
        let given_up = start.elapsed().as_millis();
        (asked.into_inner(), given_up)
    }

    #[tokio::test(start_paused = true)]
    async fn database_blips_do_not_lose_the_lease() {
        // Renewed, two failures (retried after 3 s each), renewed, then another claim owns it.
        let (asked, at) = play(vec![Ok(true), blip(), blip(), Ok(true), Ok(false)]).await;
        assert_eq!(asked, 5);
        assert_eq!(at, 10_000 + 3_000 + 3_000 + 10_000 + 10_000);
    }

    #[tokio::test(start_paused = true)]
    async fn failing_for_longer_than_the_lease_gives_it_up() {
        let (asked, at) = play((0..50).map(|_| blip()).collect()).await;
        // First try at 10 s, then every 3 s until 30 s have passed since the last renewal.
        assert_eq!(asked, 8);
        assert!((30_000..=34_000).contains(&at), "{at}");
    }
}
