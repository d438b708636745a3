//! Live sync after the import: webhooks, the polling safety net, the Sync button, and the
//! failure paths through to recovery.

use crate::fixtures::{queued_import, queued_import_on, runner_config, wait_for, Queued};
use lanyard::domain::Role;
use lanyard::server::db::{jobs, Backend};
use lanyard::server::sync::poller;
use lanyard::server::sync::runner::Runner;
use lanyard::simulator::world;
use serde_json::{json, Value};
use std::time::Duration;

/// An imported, ACTIVE event of `size` attendees with a runner working, and its webhook
/// registered with the simulator.
async fn active_event(backend: Backend, size: usize) -> Option<(Queued, Runner)> {
    let q = queued_import(backend, size, 0).await?;
    let runner = runner_without_polling(&q);
    q.wait_job_state(&q.job_id, "SUCCEEDED").await;
    assert_eq!(q.sync_status().await, "ACTIVE");
    Some((q, runner))
}

/// A runner for the test's jobs; no polls, so every change arrives the way the test sends it.
fn runner_without_polling(q: &Queued) -> Runner {
    Runner::spawn(
        q.app.state.clone(),
        lanyard::server::sync::runner::RunnerConfig {
            polling: None,
            ..runner_config()
        },
    )
}

async fn webhooks_bring_registrations_edits_cancellations_and_refunds_and_keep_vip_and_check_in(
    backend: Backend,
) {
    let Some((q, runner)) = active_event(backend, 60).await else {
        return;
    };
    let (edited, cancelled, refunded) = (q.person(1), q.person(2), q.person(3));
    sqlx::query("UPDATE attendees SET is_vip = 1, checked_in_at = 42 WHERE event_id = $1 AND provider_attendee_id IN ($2, $3)")
        .bind(&q.event_id)
        .bind(&edited)
        .bind(&cancelled)
        .execute(&q.app.db.pool)
        .await
        .unwrap();
    let e = &q.provider_event_id;

    let added = q
        .admin(
            &format!("/events/{e}/attendees"),
            reqwest::Method::POST,
            json!({}),
        )
        .await;
    let added = added["id"].as_str().unwrap().to_string();
    q.wait_row("the new registration", &added, |r| r.1 == "ATTENDING")
        .await;

    q.admin(
        &format!("/events/{e}/attendees/{edited}"),
        reqwest::Method::PATCH,
        json!({"first_name": "Mallory"}),
    )
    .await;
    q.wait_row("the edit", &edited, |r| r.0 == "Mallory").await;
    let (_, _, vip, checked_in) = q.row(&edited).await.unwrap();
    assert_eq!(vip, 1, "VIP kept");
    assert_eq!(checked_in, Some(42), "check-in kept");

    q.admin(
        &format!("/events/{e}/attendees/{cancelled}/cancel"),
        reqwest::Method::POST,
        json!({}),
    )
    .await;
    q.wait_row("the cancellation", &cancelled, |r| r.1 == "NOT_ATTENDING")
        .await;
    assert_eq!(
        q.row(&cancelled).await.unwrap().3,
        Some(42),
        "check-in kept"
    );
    q.admin(
        &format!("/events/{e}/attendees/{refunded}/refund"),
        reqwest::Method::POST,
        json!({}),
    )
    .await;
    q.wait_row("the refund", &refunded, |r| r.1 == "NOT_ATTENDING")
        .await;
    assert_eq!(q.count().await, 61, "one new row, nothing duplicated");

    // Each delivery is in the sync history, for support.
    let webhook_runs: Vec<(i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT created_count, updated_count, cancelled_count, provider_calls FROM sync_runs
         WHERE event_id = $1 AND trigger = 'WEBHOOK' AND outcome = 'SUCCEEDED'",
    )
    .bind(&q.event_id)
    .fetch_all(&q.app.db.pool)
    .await
    .unwrap();
    let total = webhook_runs.iter().fold((0, 0, 0, 0), |t, r| {
        (t.0 + r.0, t.1 + r.1, t.2 + r.2, t.3 + r.3)
    });
    assert!(webhook_runs.len() >= 4, "{webhook_runs:?}");
    assert_eq!((total.0, total.1, total.2), (1, 1, 2), "{webhook_runs:?}");
    assert!(
        total.3 >= 4,
        "each delivery was re-fetched: {webhook_runs:?}"
    );
    runner.shutdown().await;
}

/// Luma signs its deliveries with the secret it returned when the webhook was made: signed
/// ones are applied, unsigned or forged ones refused with 401, and the calendar-wide webhook
/// is registered once however many events are imported.
async fn luma_deliveries_are_verified_by_signature_and_the_webhook_registered_once(
    backend: Backend,
) {
    let Some(q) = queued_import_on(backend, world::Which::Luma, 30, 0).await else {
        return;
    };
    let runner = runner_without_polling(&q);
    q.wait_job_state(&q.job_id, "SUCCEEDED").await;
    let sealed: Option<String> =
        sqlx::query_scalar("SELECT webhook_secret FROM integrations WHERE id = $1")
            .bind(&q.integration_id)
            .fetch_one(&q.app.db.pool)
            .await
            .unwrap();
    let sealed = sealed.expect("the signing secret is kept");
    assert!(!sealed.contains("whsec_"), "sealed, not in plaintext");

    // A signed delivery from the provider is applied.
    let guest = q.person(4);
    let e = &q.provider_event_id;
    q.admin(
        &format!("/events/{e}/attendees/{guest}"),
        reqwest::Method::PATCH,
        json!({"first_name": "Signed"}),
    )
    .await;
    q.wait_row("the signed delivery", &guest, |r| r.0 == "Signed")
        .await;

    // Unsigned and forged deliveries are refused before anything is queued.
    let token: String = sqlx::query_scalar("SELECT webhook_token FROM integrations WHERE id = $1")
        .bind(&q.integration_id)
        .fetch_one(&q.app.db.pool)
        .await
        .unwrap();
    let url = format!("{}/webhooks/luma/{token}", q.app.address);
    let body =
        json!({"type": "guest.updated", "data": {"id": guest, "event": {"id": e}}}).to_string();
    let now = chrono::Utc::now().timestamp().to_string();
    let forged = lanyard::domain::webhook_signature::sign_standard(
        "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "msg_1",
        &now,
        body.as_bytes(),
    );
    let http = reqwest::Client::new();
    for signature in [None, Some(forged)] {
        let mut request = http
            .post(&url)
            .header("content-type", "application/json")
            .header("webhook-id", "msg_1")
            .header("webhook-timestamp", &now)
            .body(body.clone());
        if let Some(signature) = signature {
            request = request.header("webhook-signature", signature);
        }
        assert_eq!(request.send().await.unwrap().status(), 401);
    }

    // A second event on the calendar: its import does not register another webhook.
    let (_, job) = q.import_another("Second", 5, "LUMA02").await;
    q.wait_job_state(&job, "SUCCEEDED").await;
    let registered = q
        .sim
        .sim
        .world()
        .webhooks
        .iter()
        .filter(|w| w.which == world::Which::Luma)
        .count();
    assert_eq!(registered, 1);
    runner.shutdown().await;
}

async fn bad_webhook_deliveries_are_refused_and_duplicates_change_nothing(backend: Backend) {
    let Some((q, runner)) = active_event(backend, 20).await else {
        return;
    };
    let url = q.webhook_url().await;
    let http = reqwest::Client::new();
    let post = |url: String, body: String| {
        let http = http.clone();
        async move {
            http.post(url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let before = q.count().await;
    assert_eq!(post(url.clone(), "{not json".into()).await, 400);
    assert_eq!(
        post(url.clone(), json!({"config": {}}).to_string()).await,
        400
    );
    let foreign = json!({"api_url": "https://evil.example/v3/events/1/attendees/2/"});
    assert_eq!(
        post(url.clone(), foreign.to_string()).await,
        400,
        "api_url off the API host"
    );
    let unknown = format!("{}/webhooks/eventbrite/not-a-token", q.app.address);
    assert_eq!(post(unknown, json!({}).to_string()).await, 404);

    // The same delivery three times, and one for an attendee the provider does not have.
    let person = q.person(5);
    sqlx::query("UPDATE attendees SET first_name = 'Stale' WHERE provider_attendee_id = $1")
        .bind(&person)
        .execute(&q.app.db.pool)
        .await
        .unwrap();
    let api = format!(
        "{}/events/{}/attendees/{person}/",
        q.sim.eventbrite_api(),
        q.provider_event_id
    );
    let body = json!({"config": {"action": "attendee.updated"}, "api_url": api}).to_string();
    for _ in 0..3 {
        assert_eq!(post(url.clone(), body.clone()).await, 202);
    }
    q.wait_row("the re-fetched attendee", &person, |r| r.0 != "Stale")
        .await;
    assert_eq!(q.count().await, before, "no duplicates, nothing lost");
    runner.shutdown().await;
}

async fn lost_webhooks_are_caught_by_the_poll_reading_only_what_changed(backend: Backend) {
    let Some((q, runner)) = active_event(backend, 300).await else {
        return;
    };
    let (edited, cancelled, refunded) = (q.person(7), q.person(8), q.person(9));
    sqlx::query("UPDATE attendees SET is_vip = 1, checked_in_at = 42 WHERE event_id = $1 AND provider_attendee_id = $2")
        .bind(&q.event_id)
        .bind(&cancelled)
        .execute(&q.app.db.pool)
        .await
        .unwrap();
    // Some registrations are minutes old; age them all to an hour ago so "changed since
    // the last sync" means something.
    q.age_registrations(3_600_000);
    // Each change alone on the provider, its webhook never delivered, then one poll.
    // Counts are (created, updated, cancelled) of that poll's run.
    let (e, base) = (q.provider_event_id.clone(), q.sim.url.clone());
    let due_now = crate::fixtures::polls_due_now();
    let changes: [(&str, (i64, i64, i64)); 4] = [
        ("register", (1, 0, 0)),
        ("edit", (0, 1, 0)),
        ("cancel", (0, 0, 1)),
        ("refund", (0, 0, 1)),
    ];
    for (polls, (change, expected)) in changes.into_iter().enumerate() {
        let target = {
            let mut sim = q.sim.sim.world();
            let (target, deliveries) = match change {
                "register" => sim.add_person(&e, &base).unwrap(),
                "edit" => (
                    edited.clone(),
                    sim.change_person(&e, &edited, &base, |_, p| {
                        p["profile"]["first_name"] = json!("Polly");
                    })
                    .unwrap(),
                ),
                "cancel" => (
                    cancelled.clone(),
                    sim.change_person(&e, &cancelled, &base, world::cancel)
                        .unwrap(),
                ),
                _ => (
                    refunded.clone(),
                    sim.change_person(&e, &refunded, &base, world::refund)
                        .unwrap(),
                ),
            };
            assert!(!deliveries.is_empty(), "a webhook was due (and is dropped)");
            target
        };
        let calls_before: u64 = q.sim.sim.world().calls.values().sum();
        assert_eq!(
            poller::tick(&q.app.state, &due_now).await.unwrap(),
            1,
            "{change}"
        );
        assert_eq!(
            poller::tick(&q.app.state, &due_now).await.unwrap(),
            0,
            "one poll at a time per event"
        );
        let run: (i64, i64, i64) = wait_for(change, Duration::from_secs(20), || async {
            let finished: Vec<(String, i64, i64, i64)> = sqlx::query_as(
                "SELECT outcome, created_count, updated_count, cancelled_count FROM sync_runs
                 WHERE event_id = $1 AND trigger = 'POLL' AND outcome <> 'RUNNING'
                 ORDER BY started_at DESC",
            )
            .bind(&q.event_id)
            .fetch_all(&q.app.db.pool)
            .await
            .unwrap();
            let idle = jobs::active_job(&q.app.db.pool, &q.event_id)
                .await
                .unwrap()
                .is_none();
            (idle && finished.len() == polls + 1).then(|| {
                assert_eq!(finished[0].0, "SUCCEEDED", "{change}");
                (finished[0].1, finished[0].2, finished[0].3)
            })
        })
        .await;
        assert_eq!(run, expected, "{change}: created, updated, cancelled");
        let (first_name, status, _, _) = q.row(&target).await.unwrap();
        match change {
            "register" => assert_eq!(status, "ATTENDING"),
            "edit" => assert_eq!(first_name, "Polly"),
            _ => assert_eq!(status, "NOT_ATTENDING", "{change}"),
        }
        let calls: u64 = q.sim.sim.world().calls.values().sum::<u64>() - calls_before;
        assert!(
            calls <= 2,
            "{change}: changed_since reads one page, not seven ({calls} calls)"
        );
        q.wait_status("ACTIVE").await;
    }
    let (_, _, vip, checked_in) = q.row(&cancelled).await.unwrap();
    assert_eq!((vip, checked_in), (1, Some(42)), "VIP and check-in kept");
    assert_eq!(q.count().await, 301, "one new row, nothing duplicated");
    runner.shutdown().await;
}

async fn fifty_concurrent_sync_clicks_run_one_resync(backend: Backend) {
    let Some((q, runner)) = active_event(backend, 50).await else {
        return;
    };
    q.app
        .add_member(&q.workspace_id, "staff@acme.test", Role::Staff)
        .await;
    q.app
        .add_member(&q.workspace_id, "support@acme.test", Role::Support)
        .await;
    let admin = q.app.signed_in("admin@acme.test").await;
    let staff = q.app.signed_in("staff@acme.test").await;
    let support = q.app.signed_in("support@acme.test").await;
    let form = [("event_id", q.event_id.as_str())];
    assert_eq!(
        q.app.call(&support, "sync_event", &form).await.status(),
        403
    );
    runner.shutdown().await; // nothing runs the resync yet: every click must join one job
                             // Fifty clicks at once, from two users, each its own request.
    let url = format!("{}/api/sync_event", q.app.address);
    let clicks: Vec<_> = (0..50)
        .map(|i| {
            let client = if i % 2 == 0 {
                admin.clone()
            } else {
                staff.clone()
            };
            let (url, event) = (url.clone(), q.event_id.clone());
            tokio::spawn(async move {
                let form = [("event_id", event.as_str())];
                client
                    .post(url)
                    .form(&form)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for click in clicks {
        statuses.push(click.await.unwrap());
    }
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let resyncs: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sync_jobs WHERE event_id = $1 AND kind = 'RESYNC'",
    )
    .bind(&q.event_id)
    .fetch_one(&q.app.db.pool)
    .await
    .unwrap();
    assert_eq!(resyncs, 1);
    let job = jobs::active_job(&q.app.db.pool, &q.event_id)
        .await
        .unwrap()
        .unwrap();
    let runner = Runner::spawn(q.app.state.clone(), runner_config());
    q.wait_job_state(&job, "SUCCEEDED").await;
    runner.shutdown().await;
    assert_eq!(q.sync_status().await, "ACTIVE");
}

async fn a_5xx_storm_fails_the_event_and_retry_brings_it_back(backend: Backend) {
    let Some((q, runner)) = active_event(backend, 100).await else {
        return;
    };
    let admin = q.app.signed_in("admin@acme.test").await;
    let form = [("event_id", q.event_id.as_str())];
    let marked = q.person(4);
    sqlx::query("UPDATE attendees SET is_vip = 1, checked_in_at = 42 WHERE event_id = $1 AND provider_attendee_id = $2")
        .bind(&q.event_id)
        .bind(&marked)
        .execute(&q.app.db.pool)
        .await
        .unwrap();
    q.sim.sim.world().faults.error_rate = 1.0;
    assert_eq!(q.app.call(&admin, "sync_event", &form).await.status(), 200);
    q.wait_status("FAILED").await;
    q.sim.sim.world().faults.error_rate = 0.0;
    assert_eq!(q.reconnect(&admin).await, 200);
    q.wait_status("ACTIVE").await;
    assert_eq!(q.count().await, 100);
    let (_, _, vip, checked_in) = q.row(&marked).await.unwrap();
    assert_eq!(
        (vip, checked_in),
        (1, Some(42)),
        "VIP and check-in survive a failed sync and the re-import"
    );
    runner.shutdown().await;

    // Sync history tells support what happened: newest first, who clicked, the error text.
    q.app
        .add_member(&q.workspace_id, "support@acme.test", Role::Support)
        .await;
    let support = q.app.signed_in("support@acme.test").await;
    let res = q.app.call(&support, "list_sync_runs", &form).await;
    assert_eq!(res.status(), 200);
    let runs: Vec<Value> = res.json().await.unwrap();
    let summary: Vec<(&str, &str, &str)> = runs
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap(),
                r["trigger"].as_str().unwrap(),
                r["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("IMPORT", "RECONNECT", "SUCCEEDED"),
            ("RESYNC", "MANUAL", "FAILED"),
            ("IMPORT", "IMPORT_DIALOG", "SUCCEEDED"),
        ],
        "{runs:#?}"
    );
    let failed = &runs[1];
    assert!(
        failed["error"].as_str().unwrap_or("").contains("500"),
        "the provider's error is kept: {failed}"
    );
    assert!(failed["provider_calls"].as_i64().unwrap() > 1, "retried");
    assert!(failed["triggered_by"]
        .as_str()
        .unwrap_or("")
        .contains("admin@acme.test"));
    assert_eq!(runs[0]["created"].as_i64(), Some(0));
    assert_eq!(runs[0]["unchanged"].as_i64(), Some(100));

    // Staff run the desk, not the history; another workspace's admin sees nothing.
    q.app
        .add_member(&q.workspace_id, "staff@acme.test", Role::Staff)
        .await;
    let staff = q.app.signed_in("staff@acme.test").await;
    assert_eq!(
        q.app.call(&staff, "list_sync_runs", &form).await.status(),
        403
    );
    q.app.create_workspace("Rival", "admin@rival.test").await;
    let rival = q.app.signed_in("admin@rival.test").await;
    assert_eq!(
        q.app.call(&rival, "list_sync_runs", &form).await.status(),
        404
    );
}

async fn a_revoked_credential_disconnects_and_reconnecting_brings_the_event_back(backend: Backend) {
    use lanyard::server::integrations;
    use lanyard::server::providers::Credential;
    let Some((q, runner)) = active_event(backend, 80).await else {
        return;
    };
    let admin = q.app.signed_in("admin@acme.test").await;
    let form = [("event_id", q.event_id.as_str())];
    // A second ACTIVE event on the same integration, open in a page.
    let sibling = q
        .app
        .insert_event(
            &q.workspace_id,
            Some(&q.integration_id),
            lanyard::domain::Provider::Eventbrite,
            "eb-sibling",
            "SIB123",
        )
        .await;
    lanyard::server::db::events::apply_sync_event(
        &mut q.app.db.pool.acquire().await.unwrap(),
        &sibling,
        lanyard::domain::sync_status::SyncEvent::SyncSucceeded,
    )
    .await
    .unwrap();
    let mut sibling_page = q.app.state.live.subscribe_event(&sibling);
    q.sim.sim.world().credentials.remove(&q.token);
    assert_eq!(q.app.call(&admin, "sync_event", &form).await.status(), 200);
    q.wait_status("DISCONNECTED").await;
    // The sibling went with it, and its open page was told.
    let told = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            let update: serde_json::Value =
                serde_json::from_str(&sibling_page.recv().await.unwrap()).unwrap();
            if update["sync_status"] == "Disconnected" {
                return;
            }
        }
    })
    .await;
    assert!(told.is_ok(), "the sibling's page hears it is disconnected");
    let sibling_status: String = sqlx::query_scalar("SELECT sync_status FROM events WHERE id = $1")
        .bind(&sibling)
        .fetch_one(&q.app.db.pool)
        .await
        .unwrap();
    assert_eq!(sibling_status, "DISCONNECTED");
    // No call goes out on the dead token any more: Sync is refused without one.
    let calls_after = q.provider_calls();
    let integration: String = sqlx::query_scalar("SELECT status FROM integrations WHERE id = $1")
        .bind(&q.integration_id)
        .fetch_one(&q.app.db.pool)
        .await
        .unwrap();
    assert_eq!(integration, "DISCONNECTED");
    assert_eq!(
        q.app.call(&admin, "sync_event", &form).await.status(),
        422,
        "Sync cannot revive it"
    );
    assert_eq!(q.provider_calls(), calls_after);

    // The admin reconnects the provider in Settings (same account, new token)...
    let account = q.sim.sim.world().events[&q.provider_event_id]
        .owner_id
        .clone();
    let account_id = q
        .sim
        .sim
        .world()
        .accounts
        .values()
        .find(|a| a.owner_id == account)
        .unwrap()
        .id
        .clone();
    let token = q.sim.sim.world().issue_credential(&account_id, "eb");
    let user = lanyard::server::db::users::credentials_by_email(&q.app.db.pool, "admin@acme.test")
        .await
        .unwrap()
        .unwrap()
        .user_id;
    let member = lanyard::server::db::users::member(&q.app.db.pool, &user, &q.workspace_id)
        .await
        .unwrap()
        .unwrap();
    let again = integrations::connect(
        &q.app.state,
        &member,
        Credential::EventbriteToken(token.clone().into()),
    )
    .await
    .unwrap();
    assert_eq!(
        again.id, q.integration_id,
        "the same integration, updated in place"
    );
    // ...then Reconnect on the event.
    assert_eq!(q.reconnect(&admin).await, 200);
    q.wait_status("ACTIVE").await;

    // Rejected again after a reconnect: DISCONNECTED again, not stuck PENDING.
    runner.shutdown().await;
    assert_eq!(q.reconnect(&admin).await, 200);
    assert_eq!(q.sync_status().await, "PENDING");
    q.sim.sim.world().credentials.remove(&token);
    let runner = Runner::spawn(q.app.state.clone(), runner_config());
    q.wait_status("DISCONNECTED").await;
    runner.shutdown().await;
}

crate::on_both_databases!(
    luma_deliveries_are_verified_by_signature_and_the_webhook_registered_once,
    webhooks_bring_registrations_edits_cancellations_and_refunds_and_keep_vip_and_check_in,
    bad_webhook_deliveries_are_refused_and_duplicates_change_nothing,
    lost_webhooks_are_caught_by_the_poll_reading_only_what_changed,
    fifty_concurrent_sync_clicks_run_one_resync,
    a_5xx_storm_fails_the_event_and_retry_brings_it_back,
    a_revoked_credential_disconnects_and_reconnecting_brings_the_event_back,
);
