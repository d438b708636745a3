//! The providers as documented, not as our notes once guessed: Luma's company answer and
//! per-ticket check-ins, both Luma signature schemes, Eventbrite's test delivery, provider
//! check-ins kept apart from Lanyard's, and no change lost to ordering or to a late listing.

use crate::fixtures::{queued_import, queued_import_on, runner_config, wait_for, Queued};
use lanyard::domain::mapping::AttendeeRecord;
use lanyard::domain::webhook_signature::{sign_standard, sign_timestamped};
use lanyard::domain::AttendanceStatus;
use lanyard::server::db::{attendees, events, Backend};
use lanyard::server::sync::poller::{self, PollConfig};
use lanyard::server::sync::runner::{Runner, RunnerConfig};
use lanyard::simulator::world::{self, Signing, Which};
use serde_json::json;
use std::time::Duration;

crate::on_both_databases!(
    a_luma_import_reads_company_and_title_from_the_company_answer_and_check_ins_per_ticket,
    luma_deliveries_signed_either_way_are_applied_without_a_call,
    forged_stale_replayed_and_unverifiable_luma_deliveries_are_refused,
    eventbrites_test_delivery_is_acknowledged_and_changes_nothing,
    an_older_copy_of_an_attendee_never_overwrites_a_newer_one,
    a_change_that_shows_late_during_a_long_import_is_present_after_the_next_poll,
    a_failed_event_is_retried_in_the_background_and_turns_active_by_itself,
    a_rejection_of_a_replaced_credential_cannot_disconnect_the_reconnected_integration,
    eventbrite_webhooks_are_made_in_the_events_own_organization_and_replaced_not_added,
    attendees_deleted_at_either_provider_end_not_attending,
    a_change_shows_in_listings_only_after_the_providers_delay,
    a_reconnected_luma_calendar_keeps_one_webhook,
);

fn runner(q: &Queued) -> Runner {
    Runner::spawn(
        q.app.state.clone(),
        RunnerConfig {
            polling: None,
            ..runner_config()
        },
    )
}

async fn a_luma_import_reads_company_and_title_from_the_company_answer_and_check_ins_per_ticket(
    backend: Backend,
) {
    let Some(q) = queued_import_on(backend, Which::Luma, 130, 0).await else {
        return;
    };
    // Two guests checked in at Luma's own door before the import, and what the simulator
    // says each guest's company answer holds (some guests skip the question).
    let (checked, expected) = {
        let mut w = q.sim.sim.world();
        let e = w.events.get_mut(&q.provider_event_id).unwrap();
        for i in [3, 8] {
            world::check_in(Which::Luma, &mut e.people[i]);
        }
        let with_company = e
            .people
            .iter()
            .filter(|p| {
                p["registration_answers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|a| a["question_type"] == "company" && !a["value"]["company"].is_null())
            })
            .count() as i64;
        (
            [e.people[3]["id"].clone(), e.people[8]["id"].clone()],
            with_company,
        )
    };
    assert!(expected > 80, "most guests answer the company question");
    let runner = runner(&q);
    q.wait_job_state(&q.job_id, "SUCCEEDED").await;
    let pool = &q.app.db.pool;
    let (total, companies, titles): (Option<i64>, i64, i64) = sqlx::query_as(
        "SELECT j.total_count,
            (SELECT COUNT(company) FROM attendees WHERE event_id = $1),
            (SELECT COUNT(job_title) FROM attendees WHERE event_id = $1)
         FROM sync_jobs j WHERE j.id = $2",
    )
    .bind(&q.event_id)
    .bind(&q.job_id)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(total, Some(130), "the progress total is guest_counts' sum");
    assert_eq!(
        companies, expected,
        "company from the company answer's value"
    );
    assert_eq!(titles, expected, "job title from the same answer");
    for id in &checked {
        let (provider, own): (Option<i64>, Option<i64>) = sqlx::query_as(
            "SELECT provider_checked_in_at, checked_in_at FROM attendees
             WHERE event_id = $1 AND provider_attendee_id = $2",
        )
        .bind(&q.event_id)
        .bind(id.as_str().unwrap())
        .fetch_one(pool)
        .await
        .unwrap();
        assert!(
            provider.is_some_and(|t| t > 0),
            "the ticket's checked_in_at"
        );
        assert_eq!(own, None, "sync never writes Lanyard's own check-in");
    }
    let live = events::live_state(pool, &q.event_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(live.checked_in_count, 2, "provider check-ins count");
    runner.shutdown().await;
}

/// The account's webhook secret, as the simulator handed it out.
fn luma_secret(q: &Queued) -> String {
    let w = q.sim.sim.world();
    w.webhooks
        .iter()
        .find(|h| h.which == Which::Luma)
        .and_then(|h| h.secret.clone())
        .expect("a Luma webhook with a secret")
}

fn sign_luma_account(q: &Queued, signing: Signing) {
    let mut w = q.sim.sim.world();
    let id = w.account_for(&q.token).unwrap().id.clone();
    w.accounts.get_mut(&id).unwrap().signing = signing;
}

async fn luma_deliveries_signed_either_way_are_applied_without_a_call(backend: Backend) {
    for (signing, recorded) in [
        (Signing::StandardWebhooks, "STANDARD_WEBHOOKS"),
        (Signing::TimestampedHex, "TIMESTAMPED_HEX"),
    ] {
        let Some(q) = queued_import_on(backend, Which::Luma, 20, 0).await else {
            return;
        };
        sign_luma_account(&q, signing);
        let runner = runner(&q);
        q.wait_job_state(&q.job_id, "SUCCEEDED").await;
        let guest = q.person(4);
        let calls = q.provider_calls();
        q.admin(
            &format!("/events/{}/attendees/{guest}", q.provider_event_id),
            reqwest::Method::PATCH,
            json!({"first_name": "Signed", "company": "Initech"}),
        )
        .await;
        q.wait_row("the signed delivery", &guest, |r| r.0 == "Signed")
            .await;
        assert_eq!(
            q.provider_calls(),
            calls,
            "{recorded}: the delivery's guest was applied as it came"
        );
        let (company, scheme): (Option<String>, Option<String>) = sqlx::query_as(
            "SELECT a.company, i.webhook_scheme FROM attendees a, integrations i
             WHERE a.event_id = $1 AND a.provider_attendee_id = $2 AND i.id = $3",
        )
        .bind(&q.event_id)
        .bind(&guest)
        .bind(&q.integration_id)
        .fetch_one(&q.app.db.pool)
        .await
        .unwrap();
        assert_eq!(company.as_deref(), Some("Initech"));
        assert_eq!(scheme.as_deref(), Some(recorded), "which scheme matched");
        runner.shutdown().await;
    }
}

async fn forged_stale_replayed_and_unverifiable_luma_deliveries_are_refused(backend: Backend) {
    let Some(q) = queued_import_on(backend, Which::Luma, 10, 0).await else {
        return;
    };
    let runner = runner(&q);
    q.wait_job_state(&q.job_id, "SUCCEEDED").await;
    let secret = luma_secret(&q);
    let token: String = sqlx::query_scalar("SELECT webhook_token FROM integrations WHERE id = $1")
        .bind(&q.integration_id)
        .fetch_one(&q.app.db.pool)
        .await
        .unwrap();
    let url = format!("{}/webhooks/luma/{token}", q.app.address);
    let guest = q.person(2);
    let body = json!({"type": "guest.updated", "data": {"id": guest, "user_first_name": "Replayed",
        "user_last_name": "Guest", "approval_status": "approved", "event": {"id": q.provider_event_id}}})
    .to_string();
    let http = reqwest::Client::new();
    let send = |headers: Vec<(&'static str, String)>| {
        let mut request = http
            .post(&url)
            .header("content-type", "application/json")
            .body(body.clone());
        for (name, value) in headers {
            request = request.header(name, value);
        }
        async move { request.send().await.unwrap().status().as_u16() }
    };
    let now = chrono::Utc::now().timestamp();
    let standard = |id: &str, at: i64| {
        vec![
            ("webhook-id", id.to_string()),
            ("webhook-timestamp", at.to_string()),
            (
                "webhook-signature",
                sign_standard(&secret, id, &at.to_string(), body.as_bytes()),
            ),
        ]
    };
    assert_eq!(send(standard("msg_a", now)).await, 202, "a good delivery");
    assert_eq!(
        send(standard("msg_a", now)).await,
        409,
        "the same id again: a replay"
    );
    assert_eq!(
        send(standard("msg_b", now - 600)).await,
        401,
        "ten minutes old"
    );
    let forged = vec![
        ("webhook-id", "msg_c".to_string()),
        ("webhook-timestamp", now.to_string()),
        (
            "webhook-signature",
            sign_standard(
                "whsec_bm90LXRoZS1zZWNyZXQ=",
                "msg_c",
                &now.to_string(),
                body.as_bytes(),
            ),
        ),
    ];
    assert_eq!(send(forged).await, 401, "signed with another secret");
    let timestamped = vec![
        ("webhook-timestamp", now.to_string()),
        (
            "webhook-signature",
            sign_timestamped(&secret, &now.to_string(), body.as_bytes()),
        ),
    ];
    assert_eq!(send(timestamped.clone()).await, 202, "the other scheme");
    assert_eq!(send(timestamped).await, 409, "replayed without an id");
    let stale = sign_timestamped(&secret, &(now - 600).to_string(), body.as_bytes());
    assert_eq!(send(vec![("webhook-signature", stale)]).await, 401);
    q.wait_row("the good delivery", &guest, |r| r.0 == "Replayed")
        .await;

    // No stored secret: nothing can be verified, so nothing is accepted.
    sqlx::query("UPDATE integrations SET webhook_secret = NULL WHERE id = $1")
        .bind(&q.integration_id)
        .execute(&q.app.db.pool)
        .await
        .unwrap();
    assert_eq!(send(standard("msg_d", now)).await, 401, "fail closed");
    runner.shutdown().await;
}

async fn eventbrites_test_delivery_is_acknowledged_and_changes_nothing(backend: Backend) {
    let Some(q) = queued_import(backend, 15, 0).await else {
        return;
    };
    let runner = runner(&q);
    q.wait_job_state(&q.job_id, "SUCCEEDED").await;
    let url = q.webhook_url().await;
    let body = json!({"config": {"action": "test", "user_id": "1", "endpoint_url": url, "webhook_id": "9"},
        "api_url": "https://www.eventbriteapi.com/v3/api-endpoint-to-fetch-object-details/"});
    let calls = q.provider_calls();
    let status = reqwest::Client::new()
        .post(&url)
        .json(&body)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    // The simulator sent its own test delivery when the import registered the webhook.
    let webhook_runs: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sync_runs WHERE event_id = $1 AND trigger = 'WEBHOOK'",
    )
    .bind(&q.event_id)
    .fetch_one(&q.app.db.pool)
    .await
    .unwrap();
    assert_eq!(webhook_runs, 0, "no run for a test delivery");
    assert_eq!(q.provider_calls(), calls, "nothing fetched");
    assert_eq!(q.count().await, 15);
    runner.shutdown().await;
}

fn record(name: &str, version: Option<i64>) -> AttendeeRecord {
    AttendeeRecord {
        provider_attendee_id: "a-1".into(),
        email: Some("ada@example.com".into()),
        first_name: name.into(),
        last_name: "Lovelace".into(),
        company: None,
        job_title: None,
        ticket_name: None,
        barcode: None,
        status: AttendanceStatus::Attending,
        provider_status: None,
        provider_changed_at: version,
        provider_checked_in_at: None,
    }
}

async fn write(
    pool: &sqlx::AnyPool,
    event_id: &lanyard::domain::EventId,
    r: AttendeeRecord,
    existing: attendees::Existing,
) -> attendees::PageCounts {
    let mut tx = pool.begin().await.unwrap();
    let counts = attendees::upsert_page(&mut tx, event_id, [&r], &existing)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    counts
}

/// An import page read before a webhook arrived, written after it: the webhook's newer copy
/// stays, even when the page's batch read the table before the webhook wrote (the guard is
/// in the statement, not only in what the batch read).
async fn an_older_copy_of_an_attendee_never_overwrites_a_newer_one(backend: Backend) {
    let Some(q) = queued_import(backend, 0, 0).await else {
        return;
    };
    let pool = &q.app.db.pool;
    let (old, new) = (record("Old", Some(100)), record("New", Some(200)));
    let read_before_the_webhook =
        attendees::existing(pool, &q.event_id, std::slice::from_ref(&old))
            .await
            .unwrap();
    write(pool, &q.event_id, new.clone(), attendees::Existing::none()).await;
    write(pool, &q.event_id, old.clone(), read_before_the_webhook).await;
    let name = || async {
        sqlx::query_scalar::<_, String>("SELECT first_name FROM attendees WHERE event_id = $1")
            .bind(&q.event_id)
            .fetch_one(pool)
            .await
            .unwrap()
    };
    assert_eq!(name().await, "New", "the late, older page lost");
    // Read fresh, the older copy counts as unchanged and is not written.
    let existing = attendees::existing(pool, &q.event_id, std::slice::from_ref(&old))
        .await
        .unwrap();
    let counts = write(pool, &q.event_id, old, existing).await;
    assert_eq!((counts.updated, counts.unchanged), (0, 1));
    assert_eq!(name().await, "New");
    // A copy without a version (nothing to order by) is written.
    let existing = attendees::existing(pool, &q.event_id, &[record("x", None)])
        .await
        .unwrap();
    write(pool, &q.event_id, record("Unversioned", None), existing).await;
    assert_eq!(name().await, "Unversioned");
}

/// Eventbrite's listings can lag a change by minutes: an edit made early in a long import,
/// on a page already read, that only shows in listings later with its own (earlier) change
/// time. The next poll reaches back from when the import *started*, so it finds it.
async fn a_change_that_shows_late_during_a_long_import_is_present_after_the_next_poll(
    backend: Backend,
) {
    let Some(q) = queued_import(backend, 400, 40).await else {
        return;
    };
    // Everyone registered a day ago, so the poll's filter means something.
    q.age_registrations(86_400_000);
    let runner = runner(&q);
    q.wait_processed(100).await;
    let edited = q.person(0);
    {
        let (e, base) = (q.provider_event_id.clone(), q.sim.url.clone());
        let mut w = q.sim.sim.world();
        // The webhook is lost; the change carries the time it was made, three minutes ago.
        let _lost = w
            .change_person(&e, &edited, &base, |_, p| {
                p["profile"]["first_name"] = json!("Late")
            })
            .unwrap();
        let three_minutes_ago = world::iso(chrono::Utc::now().timestamp_millis() - 180_000);
        let p = w
            .events
            .get_mut(&e)
            .unwrap()
            .people
            .iter_mut()
            .find(|p| p["id"] == edited.as_str())
            .unwrap();
        p["changed"] = json!(three_minutes_ago);
    }
    q.wait_job_state(&q.job_id, "SUCCEEDED").await;
    assert_ne!(
        q.row(&edited).await.unwrap().0,
        "Late",
        "page 1 was read before the edit"
    );
    q.sim.sim.world().faults.latency_ms = 0;
    let due_now = crate::fixtures::polls_due_now();
    assert_eq!(poller::tick(&q.app.state, &due_now).await.unwrap(), 1);
    q.wait_row("the late change", &edited, |r| r.0 == "Late")
        .await;
    let polled = wait_for("the poll's run", Duration::from_secs(20), || async {
        let runs: Vec<(String, i64)> = sqlx::query_as(
            "SELECT outcome, provider_calls FROM sync_runs
             WHERE event_id = $1 AND trigger = 'POLL' AND outcome <> 'RUNNING'",
        )
        .bind(&q.event_id)
        .fetch_all(&q.app.db.pool)
        .await
        .unwrap();
        (!runs.is_empty()).then_some(runs)
    })
    .await;
    assert_eq!(polled[0].0, "SUCCEEDED");
    assert!(
        polled[0].1 <= 2,
        "a changed-since poll, one page: {polled:?}"
    );
    runner.shutdown().await;
}

async fn failed_runs(q: &Queued, trigger: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT outcome FROM sync_runs WHERE event_id = $1 AND trigger = $2 AND outcome <> 'RUNNING'
         ORDER BY started_at",
    )
    .bind(&q.event_id)
    .bind(trigger)
    .fetch_all(&q.app.db.pool)
    .await
    .unwrap()
}

async fn a_failed_event_is_retried_in_the_background_and_turns_active_by_itself(backend: Backend) {
    let Some(q) = queued_import(backend, 20, 0).await else {
        return;
    };
    let runner = runner(&q);
    q.wait_job_state(&q.job_id, "SUCCEEDED").await;
    // The provider goes down; a sync exhausts its retries.
    q.sim.sim.world().faults.error_rate = 1.0;
    let pool = &q.app.db.pool;
    lanyard::server::db::jobs::enqueue(
        &mut pool.acquire().await.unwrap(),
        &q.workspace_id,
        &q.event_id,
        lanyard::server::db::jobs::JobKind::Resync,
        lanyard::domain::Trigger::Manual,
        None,
    )
    .await
    .unwrap();
    q.wait_status("FAILED").await;
    let at_once = PollConfig {
        failed_retry_base: Duration::ZERO,
        ..PollConfig::default()
    };
    let patient = PollConfig {
        failed_retry_base: Duration::from_secs(3600),
        failed_retry_max: Duration::from_secs(3600),
        ..PollConfig::default()
    };
    // Still down: the background retry fails too, and the event stays FAILED.
    let idle = || async {
        lanyard::server::db::jobs::active_job(pool, &q.event_id)
            .await
            .unwrap()
            .is_none()
            .then_some(())
    };
    wait_for(
        "the failed sync's job to end",
        Duration::from_secs(20),
        idle,
    )
    .await;
    assert_eq!(
        poller::retry_failed(&q.app.state, &at_once).await.unwrap(),
        1
    );
    wait_for("the first retry", Duration::from_secs(20), || async {
        (failed_runs(&q, "AUTO_RETRY").await.len() == 1).then_some(())
    })
    .await;
    q.wait_status("FAILED").await;
    assert_eq!(failed_runs(&q, "AUTO_RETRY").await, ["FAILED"]);
    // Not yet due under a longer gap.
    wait_for("the retry's job to end", Duration::from_secs(20), idle).await;
    assert_eq!(
        poller::retry_failed(&q.app.state, &patient).await.unwrap(),
        0
    );
    // The provider answers again: the next retry brings the event back.
    q.sim.sim.world().faults.error_rate = 0.0;
    assert_eq!(
        poller::retry_failed(&q.app.state, &at_once).await.unwrap(),
        1
    );
    q.wait_status("ACTIVE").await;
    wait_for(
        "the successful retry's run",
        Duration::from_secs(20),
        || async { (failed_runs(&q, "AUTO_RETRY").await == ["FAILED", "SUCCEEDED"]).then_some(()) },
    )
    .await;
    runner.shutdown().await;
}

async fn a_rejection_of_a_replaced_credential_cannot_disconnect_the_reconnected_integration(
    backend: Backend,
) {
    let Some(q) = queued_import(backend, 5, 0).await else {
        return;
    };
    let runner = runner(&q);
    q.wait_job_state(&q.job_id, "SUCCEEDED").await;
    let pool = &q.app.db.pool;
    let sealed = || async {
        sqlx::query_scalar::<_, String>("SELECT credentials FROM integrations WHERE id = $1")
            .bind(&q.integration_id)
            .fetch_one(pool)
            .await
            .unwrap()
    };
    let old = sealed().await;
    // The admin reconnects the same account with a new token; the old one dies.
    let new_token = {
        let mut w = q.sim.sim.world();
        let account = w.account_for(&q.token).unwrap().id.clone();
        let token = w.issue_credential(&account, "");
        w.credentials.remove(&q.token);
        token
    };
    let member = q.admin_member().await;
    let card = lanyard::server::integrations::connect(
        &q.app.state,
        &member,
        lanyard::server::providers::Credential::EventbriteToken(new_token.into()),
    )
    .await
    .unwrap();
    assert_eq!(card.id, q.integration_id, "reconnected in place");
    // A call made on the old token before the reconnect comes back 401 now.
    lanyard::server::integrations::credential_rejected(&q.app.state, &q.integration_id, Some(&old))
        .await
        .unwrap();
    let status = || async {
        sqlx::query_scalar::<_, String>("SELECT status FROM integrations WHERE id = $1")
            .bind(&q.integration_id)
            .fetch_one(pool)
            .await
            .unwrap()
    };
    assert_eq!(status().await, "CONNECTED");
    assert_eq!(q.sync_status().await, "ACTIVE");
    // The same rejection of the credential it holds now does disconnect.
    let current = sealed().await;
    lanyard::server::integrations::credential_rejected(
        &q.app.state,
        &q.integration_id,
        Some(&current),
    )
    .await
    .unwrap();
    assert_eq!(status().await, "DISCONNECTED");
    assert_eq!(q.sync_status().await, "DISCONNECTED");
    runner.shutdown().await;
}

async fn eventbrite_webhooks_are_made_in_the_events_own_organization_and_replaced_not_added(
    backend: Backend,
) {
    let Some(q) = queued_import(backend, 0, 0).await else {
        return;
    };
    // The account belongs to a second organization, which owns the event we import.
    let (second_org, event) = {
        let mut w = q.sim.sim.world();
        let account = w.account_for(&q.token).unwrap().id.clone();
        let org = w.add_organization(&account).unwrap();
        let event = w.create_event(
            &org,
            Which::Eventbrite,
            "Second org's gala",
            1_796_461_200_000,
            12,
        );
        (org, event)
    };
    let client =
        lanyard::server::integrations::client(&q.app.state, &q.workspace_id, &q.integration_id)
            .await
            .unwrap()
            .unwrap();
    let listed = client.list_events().await.unwrap();
    assert!(
        listed.iter().any(|e| e.provider_event_id == event),
        "events of every organization are offered"
    );
    let runner = runner(&q);
    q.wait_job_state(&q.job_id, "SUCCEEDED").await;
    let local = q
        .app
        .insert_event(
            &q.workspace_id,
            Some(&q.integration_id),
            lanyard::domain::Provider::Eventbrite,
            &event,
            "GALA01",
        )
        .await;
    let hooks = || {
        let w = q.sim.sim.world();
        w.webhooks
            .iter()
            .filter(|h| h.event_id.as_deref() == Some(event.as_str()))
            .map(|h| (h.id.clone(), h.owner_id.clone()))
            .collect::<Vec<_>>()
    };
    for round in 0..2 {
        let job = q.queue_import(&local).await;
        q.wait_job_state(&job, "SUCCEEDED").await;
        let now = hooks();
        assert_eq!(
            now.len(),
            1,
            "round {round}: one webhook for the event, the old one deleted"
        );
        assert_eq!(now[0].1, second_org, "made in the event's own organization");
    }
    runner.shutdown().await;
}

async fn attendees_deleted_at_either_provider_end_not_attending(backend: Backend) {
    for which in [Which::Eventbrite, Which::Luma] {
        let Some(q) = queued_import_on(backend, which, 20, 0).await else {
            return;
        };
        let runner = runner(&q);
        q.wait_job_state(&q.job_id, "SUCCEEDED").await;
        let gone = q.person(3);
        q.admin(
            &format!("/events/{}/attendees/{gone}/delete", q.provider_event_id),
            reqwest::Method::POST,
            json!({}),
        )
        .await;
        if which == Which::Luma {
            // Luma's listing just stops holding the guest: the next complete listing says so.
            let due_now = crate::fixtures::polls_due_now();
            assert_eq!(poller::tick(&q.app.state, &due_now).await.unwrap(), 1);
        }
        q.wait_row("the deleted attendee", &gone, |r| r.1 == "NOT_ATTENDING")
            .await;
        assert_eq!(q.count().await, 20, "{which:?}: kept as a row, not removed");
        runner.shutdown().await;
    }
}

async fn a_change_shows_in_listings_only_after_the_providers_delay(backend: Backend) {
    let Some(q) = queued_import(backend, 10, 0).await else {
        return;
    };
    let runner = runner(&q);
    q.wait_job_state(&q.job_id, "SUCCEEDED").await;
    let person = q.person(2);
    {
        let (e, base) = (q.provider_event_id.clone(), q.sim.url.clone());
        let mut w = q.sim.sim.world();
        w.faults.listing_delay_ms = 60_000;
        let _lost = w
            .change_person(&e, &person, &base, |_, p| {
                p["profile"]["first_name"] = json!("Fresh")
            })
            .unwrap();
    }
    let client =
        lanyard::server::integrations::client(&q.app.state, &q.workspace_id, &q.integration_id)
            .await
            .unwrap()
            .unwrap();
    let page = client
        .attendees_page(&q.provider_event_id, None, None)
        .await
        .unwrap();
    let listed = page
        .attendees
        .iter()
        .find(|a| a.provider_attendee_id == person)
        .unwrap();
    assert_ne!(listed.first_name, "Fresh", "the listing lags");
    let one = client
        .attendee(&q.provider_event_id, &person)
        .await
        .unwrap();
    assert_eq!(one.first_name, "Fresh", "a fetch by id is current");
    q.sim.sim.world().faults.listing_delay_ms = 0;
    let page = client
        .attendees_page(&q.provider_event_id, None, None)
        .await
        .unwrap();
    assert!(page.attendees.iter().any(|a| a.first_name == "Fresh"));
    runner.shutdown().await;
}

async fn a_reconnected_luma_calendar_keeps_one_webhook(backend: Backend) {
    let Some(q) = queued_import_on(backend, Which::Luma, 5, 0).await else {
        return;
    };
    let runner = runner(&q);
    q.wait_job_state(&q.job_id, "SUCCEEDED").await;
    let luma_hooks = || {
        let w = q.sim.sim.world();
        w.webhooks
            .iter()
            .filter(|h| h.which == Which::Luma)
            .map(|h| h.id.clone())
            .collect::<Vec<_>>()
    };
    let first = luma_hooks();
    assert_eq!(first.len(), 1);
    // A new key for the same calendar, pasted into the card's Reconnect: updated in place.
    let key = {
        let mut w = q.sim.sim.world();
        let account = w.account_for(&q.token).unwrap().id.clone();
        w.issue_credential(&account, "secret-")
    };
    let member = q.admin_member().await;
    lanyard::server::integrations::reconnect(
        &q.app.state,
        &member,
        &q.integration_id,
        lanyard::server::providers::Credential::LumaApiKey(key.into()),
    )
    .await
    .unwrap();
    let (_, job) = q.import_another("After reconnect", 3, "LUMA03").await;
    q.wait_job_state(&job, "SUCCEEDED").await;
    let now = luma_hooks();
    assert_eq!(now.len(), 1, "the old key's webhook was deleted: {now:?}");
    assert_ne!(now, first, "the new key registered its own");
    runner.shutdown().await;
}
