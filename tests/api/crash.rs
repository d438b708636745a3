//! Imports whose worker dies mid-way: the next worker resumes after the last saved page, and
//! an import interrupted too often shows "Import failed" and recovers on Retry.

use crate::helpers::{spawn_app_with, TestApp};
use lanyard::domain::Provider;
use lanyard::server::db::{attendees, jobs, users, Backend};
use lanyard::server::integrations;
use lanyard::server::providers::Credential;
use lanyard::server::sync::retry::RetryPolicy;
use lanyard::server::sync::runner::{Runner, RunnerConfig};
use lanyard::simulator::{self, world::Which, RunningSimulator};
use serde_json::Value;
use std::time::{Duration, Instant};

pub struct Queued {
    pub app: TestApp,
    pub sim: RunningSimulator,
    pub workspace_id: String,
    pub integration_id: String,
    pub event_id: String,
    pub job_id: String,
    pub token: String,
    pub provider_event_id: String,
}

/// An app on `backend` with a connected Eventbrite integration whose event of `size`
/// attendees has an import queued. Each provider call takes `latency_ms`, so tests can act
/// while the import runs.
pub async fn queued_import(backend: Backend, size: usize, latency_ms: u64) -> Option<Queued> {
    let sim = simulator::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let app = spawn_app_with(backend, Some(&sim)).await?;
    let workspace_id = app.create_workspace("Acme", "admin@acme.test").await;
    let user = users::credentials_by_email(&app.db.pool, "admin@acme.test")
        .await
        .unwrap()
        .unwrap()
        .user_id;
    let member = users::member(&app.db.pool, &user, &workspace_id)
        .await
        .unwrap()
        .unwrap();
    let (token, provider_event_id) = {
        let mut world = sim.sim.world();
        let (account, token) = world.create_account(Which::Eventbrite, "o@acme.test", "Olga Org");
        let event = world.create_event(
            &account.owner_id,
            Which::Eventbrite,
            "Big Day",
            1_796_461_200_000,
            size,
        );
        world.faults.latency_ms = latency_ms;
        (token, event)
    };
    let integration = integrations::connect(
        &app.state,
        &member,
        Credential::EventbriteToken(token.clone()),
    )
    .await
    .unwrap();
    let event_id = app
        .insert_event(
            &workspace_id,
            Some(&integration.id),
            Provider::Eventbrite,
            &provider_event_id,
            "CRASH1",
        )
        .await;
    let job_id = jobs::enqueue(
        &app.db.pool,
        &workspace_id,
        &event_id,
        jobs::JobKind::Import,
        "IMPORT_DIALOG",
        Some(&user),
    )
    .await
    .unwrap();
    Some(Queued {
        app,
        sim,
        workspace_id,
        integration_id: integration.id,
        event_id,
        job_id,
        token,
        provider_event_id,
    })
}

pub fn runner_config() -> RunnerConfig {
    RunnerConfig {
        concurrency: 2,
        lease: Duration::from_secs(2),
        poll: Duration::from_millis(25),
        retry: RetryPolicy::quick(),
        publish_every: Duration::from_millis(20),
        ..RunnerConfig::default()
    }
}

/// Polls `check` until it gives a value or the deadline passes.
pub async fn wait_for<T, F, Fut>(what: &str, deadline: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(start.elapsed() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

impl Queued {
    pub async fn job(&self) -> (String, i64, i64) {
        sqlx::query_as("SELECT state, processed_count, attempts FROM sync_jobs WHERE id = $1")
            .bind(&self.job_id)
            .fetch_one(&self.app.db.pool)
            .await
            .unwrap()
    }

    pub async fn sync_status(&self) -> String {
        sqlx::query_scalar("SELECT sync_status FROM events WHERE id = $1")
            .bind(&self.event_id)
            .fetch_one(&self.app.db.pool)
            .await
            .unwrap()
    }

    pub async fn count(&self) -> i64 {
        attendees::count(&self.app.db.pool, &self.event_id)
            .await
            .unwrap()
    }

    /// Waits until the running job has saved at least `processed` attendees.
    pub async fn wait_processed(&self, processed: i64) -> i64 {
        wait_for(
            "the import to get going",
            Duration::from_secs(60),
            || async {
                let (_, done, _) = self.job().await;
                (done >= processed).then_some(done)
            },
        )
        .await
    }

    pub async fn wait_job_state(&self, job_id: &str, wanted: &str) {
        wait_for(
            &format!("job to be {wanted}"),
            Duration::from_secs(60),
            || async {
                let state: String = sqlx::query_scalar("SELECT state FROM sync_jobs WHERE id = $1")
                    .bind(job_id)
                    .fetch_one(&self.app.db.pool)
                    .await
                    .unwrap();
                (state == wanted).then_some(())
            },
        )
        .await
    }

    fn provider_calls(&self) -> u64 {
        self.sim.sim.world().calls.values().sum()
    }
}

async fn an_import_killed_mid_way_resumes_after_the_last_saved_page(backend: Backend) {
    let Some(q) = queued_import(backend, 3_000, 15).await else {
        return;
    };
    let first = Runner::spawn(q.app.state.clone(), runner_config());
    q.wait_processed(500).await;
    first.kill().await;
    let (state, saved, attempts) = q.job().await;
    assert_eq!((state.as_str(), attempts), ("RUNNING", 1), "killed mid-way");
    assert!(saved < 3_000, "killed before the end ({saved})");
    assert_eq!(
        q.count().await,
        saved,
        "the checkpoint and the saved pages agree"
    );
    let calls_before = q.provider_calls();

    let second = Runner::spawn(q.app.state.clone(), runner_config());
    q.wait_job_state(&q.job_id, "SUCCEEDED").await;
    second.shutdown().await;

    assert_eq!(q.count().await, 3_000, "the exact count, no duplicates");
    assert_eq!(q.sync_status().await, "ACTIVE");
    let (_, processed, attempts) = q.job().await;
    assert_eq!((processed, attempts), (3_000, 2), "one crash, one resume");
    // The second worker read only the pages after the checkpoint (plus at most the page that
    // was in flight when the first died), not the whole event again.
    let pages_left = (3_000 - saved) / 50;
    let resumed_calls = q.provider_calls() - calls_before;
    assert!(
        resumed_calls <= pages_left as u64 + 3,
        "resumed with {resumed_calls} calls for {pages_left} pages left"
    );
    let runs: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT outcome, error FROM sync_runs WHERE job_id = $1 ORDER BY started_at",
    )
    .bind(&q.job_id)
    .fetch_all(&q.app.db.pool)
    .await
    .unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(
        runs[0].0, "FAILED",
        "the killed run is closed, not left RUNNING"
    );
    assert!(runs[0].1.as_deref().unwrap_or("").contains("interrupted"));
    assert_eq!(runs[1].0, "SUCCEEDED");
}

async fn an_import_interrupted_too_often_shows_import_failed_and_recovers_on_retry(
    backend: Backend,
) {
    let Some(q) = queued_import(backend, 1_500, 15).await else {
        return;
    };
    let fragile = RunnerConfig {
        max_attempts: 1,
        ..runner_config()
    };
    let first = Runner::spawn(q.app.state.clone(), fragile.clone());
    q.wait_processed(200).await;
    first.kill().await;

    let second = Runner::spawn(q.app.state.clone(), fragile);
    q.wait_job_state(&q.job_id, "FAILED").await;
    let admin = q.app.signed_in("admin@acme.test").await;
    let live: Value = q
        .app
        .call(&admin, "event_live", &[("event_id", &q.event_id)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(live["sync_status"], "Pending");
    assert!(
        live["job"].is_null(),
        "PENDING with no active job: the page shows Import failed"
    );

    // Retry → Set Up Sync → Reconnect with this account.
    let res = q
        .app
        .call(
            &admin,
            "reconnect_event",
            &[
                ("event_id", &q.event_id),
                ("integration_id", &q.integration_id),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let retry = jobs::active_job(&q.app.db.pool, &q.event_id)
        .await
        .unwrap()
        .expect("a fresh import is queued");
    q.wait_job_state(&retry, "SUCCEEDED").await;
    second.shutdown().await;
    assert_eq!(q.count().await, 1_500);
    assert_eq!(q.sync_status().await, "ACTIVE");
    let _ = (&q.workspace_id, &q.token);
}

async fn a_graceful_shutdown_releases_a_long_import_and_the_next_worker_resumes_it(
    backend: Backend,
) {
    let Some(q) = queued_import(backend, 3_000, 15).await else {
        return;
    };
    let impatient = RunnerConfig {
        shutdown_grace: Duration::from_millis(100),
        ..runner_config()
    };
    let first = Runner::spawn(q.app.state.clone(), impatient);
    q.wait_processed(500).await;
    first.shutdown().await;
    let (state, saved, attempts) = q.job().await;
    assert_eq!(
        (state.as_str(), attempts),
        ("QUEUED", 0),
        "released, and the interruption is not held against the job"
    );
    assert!(saved < 3_000);
    assert_eq!(q.count().await, saved);
    let owner: Option<String> =
        sqlx::query_scalar("SELECT lease_owner FROM sync_jobs WHERE id = $1")
            .bind(&q.job_id)
            .fetch_one(&q.app.db.pool)
            .await
            .unwrap();
    assert_eq!(owner, None);

    let second = Runner::spawn(q.app.state.clone(), runner_config());
    q.wait_job_state(&q.job_id, "SUCCEEDED").await;
    second.shutdown().await;
    assert_eq!(q.count().await, 3_000);
    assert_eq!(q.job().await.2, 1);
}

crate::on_both_databases!(
    a_graceful_shutdown_releases_a_long_import_and_the_next_worker_resumes_it,
    an_import_killed_mid_way_resumes_after_the_last_saved_page,
    an_import_interrupted_too_often_shows_import_failed_and_recovers_on_retry,
);
