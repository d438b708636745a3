//! The durable job runner on both databases.

use crate::helpers::spawn_app_with;
use lanyard::domain::Provider;
use lanyard::server::db::{attendees, jobs, users, Backend};
use lanyard::server::integrations;
use lanyard::server::providers::Credential;
use lanyard::server::sync::runner::{Runner, RunnerConfig};
use lanyard::simulator::{self, world::Which};
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// Polls `check` until it is true or the deadline passes.
async fn eventually<F, Fut>(what: &str, deadline: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !check().await {
        assert!(start.elapsed() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn a_queued_import_runs_to_active_and_leaves_a_sync_run(backend: Backend) {
    let sim = simulator::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let Some(app) = spawn_app_with(backend, Some(&sim)).await else {
        return;
    };
    let ws = app.create_workspace("Acme", "admin@acme.test").await;
    let user = users::credentials_by_email(&app.db.pool, "admin@acme.test")
        .await
        .unwrap()
        .unwrap()
        .user_id;
    let member = users::member(&app.db.pool, &user, &ws)
        .await
        .unwrap()
        .unwrap();
    let (token, provider_event_id) = {
        let mut world = sim.sim.world();
        let (account, token) = world.create_account(Which::Eventbrite, "o@acme.test", "Olga Org");
        (
            token,
            world.create_event(
                &account.owner_id,
                Which::Eventbrite,
                "Big Day",
                1_796_461_200_000,
                700,
            ),
        )
    };
    let integration =
        integrations::connect(&app.state, &member, Credential::EventbriteToken(token))
            .await
            .unwrap();
    let event_id = app
        .insert_event(
            &ws,
            Some(&integration.id),
            Provider::Eventbrite,
            &provider_event_id,
            "BIGDAY",
        )
        .await;
    let job = jobs::enqueue(
        &app.db.pool,
        &ws,
        &event_id,
        jobs::JobKind::Import,
        "IMPORT_DIALOG",
        Some(&user),
    )
    .await
    .unwrap();
    let again = jobs::enqueue(
        &app.db.pool,
        &ws,
        &event_id,
        jobs::JobKind::Import,
        "IMPORT_DIALOG",
        Some(&user),
    )
    .await
    .unwrap();
    assert_eq!(job, again, "one active job per event");

    let runner = Runner::spawn(
        app.state.clone(),
        RunnerConfig {
            concurrency: 2,
            lease: Duration::from_secs(3),
            poll: Duration::from_millis(50),
            retry: lanyard::server::sync::retry::RetryPolicy::quick(),
            ..RunnerConfig::default()
        },
    );
    let pool = app.db.pool.clone();
    eventually("the job to finish", Duration::from_secs(60), || {
        let (pool, job) = (pool.clone(), job.clone());
        async move {
            let state: String = sqlx::query_scalar("SELECT state FROM sync_jobs WHERE id = $1")
                .bind(&job)
                .fetch_one(&pool)
                .await
                .unwrap();
            state == "SUCCEEDED"
        }
    })
    .await;
    runner.shutdown().await;

    assert_eq!(
        attendees::count(&app.db.pool, &event_id).await.unwrap(),
        700
    );
    let status: String = sqlx::query_scalar("SELECT sync_status FROM events WHERE id = $1")
        .bind(&event_id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(status, "ACTIVE");
    let (processed, total): (i64, Option<i64>) =
        sqlx::query_as("SELECT processed_count, total_count FROM sync_jobs WHERE id = $1")
            .bind(&job)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!((processed, total), (700, Some(700)));
    let (outcome, created, calls, by): (String, i64, i64, Option<String>) =
        sqlx::query_as("SELECT outcome, created_count, provider_calls, triggered_by FROM sync_runs WHERE job_id = $1")
            .bind(&job).fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(
        (outcome.as_str(), created, calls, by.as_deref()),
        ("SUCCEEDED", 700, 14, Some(user.as_str()))
    );
    assert_eq!(
        jobs::active_job(&app.db.pool, &event_id).await.unwrap(),
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
                &app.db.pool,
                &ws,
                &event,
                jobs::JobKind::Resync,
                "POLL",
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
        .insert_event(&ws, None, Provider::Luma, "evt-1", "LEASE1")
        .await;
    let job = jobs::enqueue(
        &app.db.pool,
        &ws,
        &event,
        jobs::JobKind::Import,
        "IMPORT_DIALOG",
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

    let pool = app.db.pool.clone();
    let claimed = std::sync::Arc::new(tokio::sync::Mutex::new(None));
    eventually(
        "the expired lease to be reclaimed",
        Duration::from_secs(10),
        || {
            let (pool, claimed) = (pool.clone(), claimed.clone());
            async move {
                let got = jobs::claim(&pool, "rescuer", 60_000).await.unwrap();
                let found = got.is_some();
                *claimed.lock().await = got;
                found
            }
        },
    )
    .await;
    let second = claimed.lock().await.take().unwrap();
    assert_eq!((second.id.as_str(), second.attempts), (job.as_str(), 2));
    assert!(
        !jobs::renew(&app.db.pool, &job, "dead-worker", 60_000)
            .await
            .unwrap(),
        "the old owner lost its lease"
    );
    assert!(jobs::renew(&app.db.pool, &job, "rescuer", 60_000)
        .await
        .unwrap());
}

crate::on_both_databases!(
    a_queued_import_runs_to_active_and_leaves_a_sync_run,
    two_workers_never_claim_the_same_job,
    an_expired_lease_is_claimed_again_and_the_old_owner_loses_it,
);
