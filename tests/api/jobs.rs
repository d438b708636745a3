//! The durable job runner on both databases.

use crate::fixtures::{queued_import, runner_config, wait_for};
use lanyard::domain::Provider;
use lanyard::server::db::{attendees, jobs, users, Backend};
use lanyard::server::sync::runner::Runner;
use std::collections::HashSet;
use std::time::Duration;

async fn a_queued_import_runs_to_active_and_leaves_a_sync_run(backend: Backend) {
    let Some(q) = queued_import(backend, 700, 0).await else {
        return;
    };
    let (app, event_id, job) = (&q.app, &q.event_id, &q.job_id);
    let user = users::credentials_by_email(&app.db.pool, "admin@acme.test")
        .await
        .unwrap()
        .unwrap()
        .user_id;
    let again = jobs::enqueue(
        &mut app.db.pool.acquire().await.unwrap(),
        &q.workspace_id,
        event_id,
        jobs::JobKind::Import,
        lanyard::domain::Trigger::ImportDialog,
        Some(&user),
    )
    .await
    .unwrap();
    assert_eq!(*job, again, "one active job per event");

    let runner = Runner::spawn(app.state.clone(), runner_config());
    q.wait_job_state(job, "SUCCEEDED").await;
    runner.shutdown().await;

    assert_eq!(attendees::count(&app.db.pool, event_id).await.unwrap(), 700);
    assert_eq!(q.sync_status().await, "ACTIVE");
    let (processed, total): (i64, Option<i64>) =
        sqlx::query_as("SELECT processed_count, total_count FROM sync_jobs WHERE id = $1")
            .bind(job)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!((processed, total), (700, Some(700)));
    let (outcome, created, calls, by): (String, i64, i64, Option<String>) =
        sqlx::query_as("SELECT outcome, created_count, provider_calls, triggered_by FROM sync_runs WHERE job_id = $1")
            .bind(job).fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(
        (outcome.as_str(), created, calls, by.as_deref()),
        ("SUCCEEDED", 700, 14, Some(user.as_str()))
    );
    assert_eq!(
        jobs::active_job(&app.db.pool, event_id).await.unwrap(),
        None
    );
}

async fn two_workers_never_claim_the_same_job(backend: Backend) {
    let Some(app) = crate::helpers::spawn_app(backend).await else {
        return;
    };
    let ws = app.create_workspace("Acme", "admin@acme.test").await;
    let mut queued = HashSet::new();
    for i in 0..40 {
        let code = format!("C{i:05}");
        let event = app
            .insert_event(&ws, None, Provider::Luma, &format!("evt-{i}"), &code)
            .await;
        queued.insert(
            jobs::enqueue(
                &mut app.db.pool.acquire().await.unwrap(),
                &ws,
                &event,
                jobs::JobKind::Resync,
                lanyard::domain::Trigger::Poll,
                None,
            )
            .await
            .unwrap(),
        );
    }
    let worker = |owner: &'static str| {
        let pool = app.db.pool.clone();
        tokio::spawn(async move {
            let mut mine = Vec::new();
            while let Some(job) = jobs::claim(&pool, owner, 60_000).await.unwrap() {
                mine.push(job.id);
            }
            mine
        })
    };
    let (a, b) = (worker("a"), worker("b"));
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    let all: HashSet<_> = a.iter().chain(b.iter()).cloned().collect();
    assert_eq!(a.len() + b.len(), 40, "every job claimed exactly once");
    assert_eq!(all, queued);
}

async fn an_expired_lease_is_claimed_again_and_the_old_owner_loses_it(backend: Backend) {
    let Some(app) = crate::helpers::spawn_app(backend).await else {
        return;
    };
    let ws = app.create_workspace("Acme", "admin@acme.test").await;
    let event = app
        .insert_event(&ws, None, Provider::Luma, "evt-1", "REASE2")
        .await;
    let job = jobs::enqueue(
        &mut app.db.pool.acquire().await.unwrap(),
        &ws,
        &event,
        jobs::JobKind::Import,
        lanyard::domain::Trigger::ImportDialog,
        None,
    )
    .await
    .unwrap();
    let first = jobs::claim(&app.db.pool, "dead-worker", 100)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.id, job);
    assert!(
        jobs::claim(&app.db.pool, "other", 60_000)
            .await
            .unwrap()
            .is_none(),
        "a live lease is respected"
    );

    let second = wait_for(
        "the expired lease to be reclaimed",
        Duration::from_secs(10),
        // The same worker claims it again: a new claim, with a token of its own.
        || async {
            jobs::claim(&app.db.pool, "dead-worker", 60_000)
                .await
                .unwrap()
        },
    )
    .await;
    assert_eq!((second.id.as_str(), second.attempts), (job.as_str(), 2));
    assert_ne!(second.lease, first.lease, "each claim has its own token");
    assert!(
        !jobs::renew(&app.db.pool, &job, &first.lease, 60_000)
            .await
            .unwrap(),
        "the old claim lost its lease, though the worker is the same"
    );
    assert!(jobs::renew(&app.db.pool, &job, &second.lease, 60_000)
        .await
        .unwrap());
}

/// Two app instances on one PostgreSQL: a page connected to one follows a job the other runs,
/// and with both running jobs, every job runs exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_share_jobs_and_live_updates() {
    crate::helpers::within_deadline(async {
        let Some(q) = queued_import(Backend::Postgres, 600, 10).await else {
            return;
        };
        let b = q.app.another_instance().await;
        let mut page_on_b = b.live.subscribe_event(&q.event_id);

        // Only instance A runs jobs at first: B's page hears of A's import through PostgreSQL.
        let runner_a = Runner::spawn(q.app.state.clone(), runner_config());
        let heard = tokio::time::timeout(Duration::from_secs(60), async {
            let mut saw_progress = false;
            loop {
                let update: serde_json::Value =
                    serde_json::from_str(&page_on_b.recv().await.unwrap()).unwrap();
                saw_progress |= update["job"]["processed"].as_i64().is_some_and(|n| n > 0);
                if update["sync_status"] == "Active" {
                    return (saw_progress, update["attendee_count"].clone());
                }
            }
        })
        .await
        .expect("instance B's page hears the import end on A");
        assert_eq!(heard, (true, serde_json::json!(600)));

        // Now both instances run jobs: twelve more imports, each run once.
        let runner_b = Runner::spawn(b.clone(), runner_config());
        let mut queued = Vec::new();
        for i in 0..12 {
            queued.push(
                q.import_another(&format!("Day {i}"), 120, &format!("TWO{i:03}"))
                    .await,
            );
        }
        for (_, job) in &queued {
            q.wait_job_state(job, "SUCCEEDED").await;
        }
        runner_a.shutdown().await;
        runner_b.shutdown().await;
        for (event, job) in &queued {
            let runs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sync_runs WHERE job_id = $1")
                .bind(job)
                .fetch_one(&q.app.db.pool)
                .await
                .unwrap();
            assert_eq!(runs, 1, "job {job} ran once");
            assert_eq!(attendees::count(&q.app.db.pool, event).await.unwrap(), 120);
        }
    })
    .await
}

crate::on_both_databases!(
    a_queued_import_runs_to_active_and_leaves_a_sync_run,
    two_workers_never_claim_the_same_job,
    an_expired_lease_is_claimed_again_and_the_old_owner_loses_it,
);
