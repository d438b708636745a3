//! Imports whose worker dies mid-way: the next worker resumes after the last saved page, and
//! an import interrupted too often shows "Import failed" and recovers on Retry.

use crate::fixtures::{queued_import, runner_config};
use lanyard::server::db::{jobs, Backend};
use lanyard::server::sync::runner::{Runner, RunnerConfig};
use serde_json::Value;
use std::time::Duration;

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
    assert_eq!(q.reconnect(&admin).await, 200);
    let retry = jobs::active_job(&q.app.db.pool, &q.event_id)
        .await
        .unwrap()
        .expect("a fresh import is queued");
    q.wait_job_state(&retry, "SUCCEEDED").await;
    second.shutdown().await;
    assert_eq!(q.count().await, 1_500);
    assert_eq!(q.sync_status().await, "ACTIVE");
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
