//! Provider call budgets: shared by instances, never overdrawn, and a rate limit hands a job
//! back to the queue instead of holding a worker (another account's work goes on).

use crate::fixtures::{queued_import_on, runner_config, wait_for};
use lanyard::domain::budget::Limit;
use lanyard::server::db::{budgets, Backend, Db};
use lanyard::server::sync::runner::{Runner, RunnerConfig};
use lanyard::simulator::world::Which;
use std::time::Duration;

crate::on_both_databases!(
    two_instances_reserving_at_once_never_overdraw_a_credentials_window,
    a_rate_limited_import_is_handed_back_and_another_accounts_import_runs_meanwhile,
);

async fn two_instances_reserving_at_once_never_overdraw_a_credentials_window(backend: Backend) {
    let Some(database) = crate::helpers::TestDatabase::create(backend).await else {
        return;
    };
    let first = Db::connect(&database.url).await.unwrap();
    first.migrate().await.unwrap();
    let second = Db::connect(&database.url).await.unwrap();
    let limit = Limit {
        calls: 180,
        window_ms: 60_000,
    };
    let now = chrono::Utc::now().timestamp_millis();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let pool = if i % 2 == 0 {
            first.pool.clone()
        } else {
            second.pool.clone()
        };
        tasks.push(tokio::spawn(async move {
            let mut granted = 0;
            loop {
                match budgets::reserve(&pool, "key-a", limit, 5, now)
                    .await
                    .unwrap()
                {
                    Ok((n, _)) => granted += n,
                    Err(until) => {
                        assert_eq!(until, now + 60_000, "the window's end");
                        return granted;
                    }
                }
            }
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    assert_eq!(
        total, 180,
        "every call of the window handed out once, none more"
    );
    // Another credential has its own window; the next window starts afresh.
    assert!(matches!(
        budgets::reserve(&first.pool, "key-b", limit, 5, now)
            .await
            .unwrap(),
        Ok((5, _))
    ));
    assert!(matches!(
        budgets::reserve(&second.pool, "key-a", limit, 5, now + 60_000)
            .await
            .unwrap(),
        Ok((5, _))
    ));
    // A 429 closes the window until its time, whatever is left.
    budgets::block(&first.pool, "key-b", now + 30_000)
        .await
        .unwrap();
    assert_eq!(
        budgets::reserve(&first.pool, "key-b", limit, 1, now + 1)
            .await
            .unwrap(),
        Err(now + 30_000)
    );
}

async fn a_rate_limited_import_is_handed_back_and_another_accounts_import_runs_meanwhile(
    backend: Backend,
) {
    let Some(q) = queued_import_on(backend, Which::Luma, 250, 0).await else {
        return;
    };
    // The next call is a 429 asking for 8 s: longer than a call waits in place.
    {
        let mut w = q.sim.sim.world();
        w.faults.rate_limit_next = 1;
        w.faults.retry_after_secs = Some(8);
    }
    // One worker: if the limited job held it, nothing else could run.
    let runner = Runner::spawn(
        q.app.state.clone(),
        RunnerConfig {
            concurrency: 1,
            polling: None,
            ..runner_config()
        },
    );
    let pool = &q.app.db.pool;
    let deferred: (String, i64) = wait_for("the job to be handed back", Duration::from_secs(20), || async {
        let row: (String, i64, i64) = sqlx::query_as(
            "SELECT state, run_after, (SELECT COUNT(*) FROM sync_runs WHERE job_id = $1 AND outcome = 'RATE_LIMITED')
             FROM sync_jobs WHERE id = $1",
        )
        .bind(&q.job_id)
        .fetch_one(pool)
        .await
        .unwrap();
        (row.0 == "QUEUED" && row.2 == 1).then_some((row.0, row.1))
    })
    .await;
    let now = chrono::Utc::now().timestamp_millis();
    assert!(deferred.1 > now + 4_000, "run_after is the 429's time away");
    assert_eq!(q.sync_status().await, "PENDING", "not failed: paused");

    // Another account (its own Eventbrite token) imports on the same single worker meanwhile.
    let other = {
        let mut w = q.sim.sim.world();
        let (account, token) = w.create_account(Which::Eventbrite, "b@other.test", "Bea");
        let event = w.create_event(
            &account.owner_id,
            Which::Eventbrite,
            "Other",
            1_796_461_200_000,
            30,
        );
        (token, event)
    };
    let member = q.admin_member().await;
    let integration = lanyard::server::integrations::connect(
        &q.app.state,
        &member,
        lanyard::server::providers::Credential::EventbriteToken(other.0.into()),
    )
    .await
    .unwrap();
    let event = q
        .app
        .insert_event(
            &q.workspace_id,
            Some(&integration.id),
            lanyard::domain::Provider::Eventbrite,
            &other.1,
            "OTHER1",
        )
        .await;
    let job = q.queue_import(&event).await;
    q.wait_job_state(&job, "SUCCEEDED").await;
    let still_waiting: String = sqlx::query_scalar("SELECT state FROM sync_jobs WHERE id = $1")
        .bind(&q.job_id)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(
        still_waiting, "QUEUED",
        "the other account did not wait for it"
    );

    // Its time comes: the paused import resumes and completes.
    q.wait_job_state(&q.job_id, "SUCCEEDED").await;
    assert_eq!(q.count().await, 250);
    assert_eq!(q.sync_status().await, "ACTIVE");
    assert_eq!(q.job().await.2, 1, "the pause did not cost an attempt");
    runner.shutdown().await;
}
