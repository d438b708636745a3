//! The import pass against the simulator, on both databases.

use crate::helpers::{spawn_app, TestApp};
use lanyard::domain::{Provider, SyncStatus};
use lanyard::server::db::jobs::Checkpoint;
use lanyard::server::db::{attendees, integrations, Backend};
use lanyard::server::providers::{Credential, ProviderClient};
use lanyard::server::sync::import::{import_all, ImportOutcome, ImportTarget};
use lanyard::server::sync::retry::RetryPolicy;
use lanyard::simulator::{self, RunningSimulator};
use serde_json::json;

struct Fixture {
    app: TestApp,
    sim: RunningSimulator,
    client: ProviderClient,
    token: String,
    integration_id: lanyard::domain::IntegrationId,
    event_id: lanyard::domain::EventId,
    provider_event_id: String,
}

async fn fixture(backend: Backend, attendee_count: usize) -> Option<Fixture> {
    fixture_on(backend, simulator::world::Which::Eventbrite, attendee_count).await
}

async fn fixture_on(
    backend: Backend,
    which: simulator::world::Which,
    attendee_count: usize,
) -> Option<Fixture> {
    let (provider, credential): (Provider, fn(String) -> Credential) = match which {
        simulator::world::Which::Eventbrite => (Provider::Eventbrite, |t| {
            Credential::EventbriteToken(t.into())
        }),
        simulator::world::Which::Luma => (Provider::Luma, |k| Credential::LumaApiKey(k.into())),
    };
    let app = spawn_app(backend).await?;
    let sim = simulator::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let ws = app.create_workspace("Acme", "admin@acme.test").await;
    let (account, token, provider_event_id) = {
        let mut world = sim.sim.world();
        let (account, token) = world.create_account(which, "o@acme.test", "Olga Org");
        let event = world.create_event(
            &account.owner_id,
            which,
            "Big Day",
            1_796_461_200_000,
            attendee_count,
        );
        (account, token, event)
    };
    let integration_id = lanyard::domain::IntegrationId::mint();
    let connection = integrations::Connection {
        workspace_id: &ws,
        provider,
        provider_account_id: &account.id,
        account_email: "o@acme.test",
        connected_by: &lanyard::server::db::users::credentials_by_email(
            &app.db.pool,
            "admin@acme.test",
        )
        .await
        .unwrap()
        .unwrap()
        .user_id,
    };
    integrations::save(
        &app.db.pool,
        &integration_id,
        false,
        connection,
        "sealed-elsewhere",
        "hook-token",
    )
    .await
    .unwrap();
    let event_id = app
        .insert_event(
            &ws,
            Some(&integration_id),
            provider,
            &provider_event_id,
            "BIGDAY",
        )
        .await;
    let urls = lanyard::demo::provider_urls(&sim);
    let client = ProviderClient::new(&urls, credential(token.clone())).unwrap();
    Some(Fixture {
        app,
        sim,
        client,
        token,
        integration_id,
        event_id,
        provider_event_id,
    })
}

impl Fixture {
    async fn import(&self) -> ImportOutcome {
        self.import_watching(|_| {}).await
    }

    async fn import_watching(&self, on_page: impl FnMut(&Checkpoint)) -> ImportOutcome {
        self.pass(None, on_page).await
    }

    /// One pass over the provider's listing: all of it, or only what changed since then.
    async fn pass(
        &self,
        changed_since: Option<i64>,
        on_page: impl FnMut(&Checkpoint),
    ) -> ImportOutcome {
        import_all(
            &self.app.db,
            &self.client,
            &RetryPolicy::quick(),
            ImportTarget {
                integration_id: &self.integration_id,
                event_id: &self.event_id,
                provider_event_id: &self.provider_event_id,
                changed_since,
                expect_total: changed_since.is_none(),
                credential_seen: None,
            },
            None,
            None,
            on_page,
        )
        .await
        .unwrap()
    }

    /// Imports with every provider call slowed a little (so saving outruns fetching) and
    /// applies `act` to the simulator once, as soon as 100 attendees are saved: the import is
    /// still fetching when it happens.
    async fn import_then_after_100(
        &self,
        act: impl FnOnce(&mut simulator::World),
    ) -> ImportOutcome {
        // 10 ms a page: the first batch (at most 50 ms of pages) is saved long before the
        // fetcher reaches the end of a 60-page event, so `act` lands mid-import.
        self.sim.sim.world().faults.latency_ms = 10;
        let sim = self.sim.sim.clone();
        let mut act = Some(act);
        self.import_watching(move |c| {
            if c.processed >= 100 {
                if let Some(act) = act.take() {
                    act(&mut sim.world());
                }
            }
        })
        .await
    }

    async fn count(&self) -> i64 {
        attendees::count(&self.app.db.pool, &self.event_id)
            .await
            .unwrap()
    }

    async fn set_faults(&self, faults: serde_json::Value) {
        let res = reqwest::Client::new()
            .put(format!("{}/admin/faults", self.sim.url))
            .json(&faults)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success());
    }
}

async fn an_import_brings_every_attendee_and_a_second_pass_changes_nothing(backend: Backend) {
    let Some(f) = fixture(backend, 3_000).await else {
        return;
    };
    let mut progress = Vec::new();
    let outcome = f
        .import_watching(|c| progress.push((c.processed, c.total)))
        .await;
    assert_eq!(outcome.status, SyncStatus::Active);
    assert_eq!(outcome.checkpoint.counts.created, 3_000);
    assert_eq!(outcome.checkpoint.provider_calls, 60, "pages of 50");
    // One checkpoint per saved batch of pages: rising, whole pages, the total known.
    assert!(!progress.is_empty());
    assert!(progress.windows(2).all(|w| w[0].0 < w[1].0), "{progress:?}");
    assert!(progress
        .iter()
        .all(|(done, total)| done % 50 == 0 && *total == Some(3_000)));
    assert_eq!(*progress.last().unwrap(), (3_000, Some(3_000)));
    assert_eq!(
        attendees::count(&f.app.db.pool, &f.event_id).await.unwrap(),
        3_000
    );

    // Field values arrive as the provider has them.
    let first = f.sim.sim.world().events[&f.provider_event_id].people[0].clone();
    let row: (String, String, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT first_name, last_name, email, ticket_name FROM attendees WHERE provider_attendee_id = $1",
    )
    .bind(first["id"].as_str().unwrap())
    .fetch_one(&f.app.db.pool)
    .await
    .unwrap();
    assert_eq!(row.0, first["profile"]["first_name"].as_str().unwrap());
    assert_eq!(row.2.as_deref(), first["profile"]["email"].as_str());
    assert_eq!(row.3.as_deref(), first["ticket_class_name"].as_str());

    let again = f.import().await;
    assert_eq!(
        (
            again.checkpoint.counts.created,
            again.checkpoint.counts.unchanged
        ),
        (0, 3_000)
    );
    assert_eq!(
        attendees::count(&f.app.db.pool, &f.event_id).await.unwrap(),
        3_000,
        "no duplicates"
    );
}

async fn vip_and_check_in_survive_a_sync_that_edits_and_cancels(backend: Backend) {
    let Some(f) = fixture(backend, 120).await else {
        return;
    };
    f.import().await;
    let (edited, cancelled) = {
        let world = f.sim.sim.world();
        let people = &world.events[&f.provider_event_id].people;
        (
            people[3]["id"].as_str().unwrap().to_string(),
            people[4]["id"].as_str().unwrap().to_string(),
        )
    };
    sqlx::query(
        "UPDATE attendees SET is_vip = 1, checked_in_at = 42 WHERE provider_attendee_id = $1",
    )
    .bind(&edited)
    .execute(&f.app.db.pool)
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let e = &f.provider_event_id;
    http.patch(format!("{}/admin/events/{e}/attendees/{edited}", f.sim.url))
        .json(&json!({"first_name": "Mallory"}))
        .send()
        .await
        .unwrap();
    http.post(format!(
        "{}/admin/events/{e}/attendees/{cancelled}/cancel",
        f.sim.url
    ))
    .send()
    .await
    .unwrap();

    let outcome = f.import().await;
    assert_eq!(
        (
            outcome.checkpoint.counts.updated,
            outcome.checkpoint.counts.cancelled,
            outcome.checkpoint.counts.unchanged
        ),
        (1, 1, 118)
    );
    let (name, vip, checked_in): (String, i64, Option<i64>) = sqlx::query_as(
        "SELECT first_name, is_vip, checked_in_at FROM attendees WHERE provider_attendee_id = $1",
    )
    .bind(&edited)
    .fetch_one(&f.app.db.pool)
    .await
    .unwrap();
    assert_eq!((name.as_str(), vip, checked_in), ("Mallory", 1, Some(42)));
    let status: String =
        sqlx::query_scalar("SELECT status FROM attendees WHERE provider_attendee_id = $1")
            .bind(&cancelled)
            .fetch_one(&f.app.db.pool)
            .await
            .unwrap();
    assert_eq!(status, "NOT_ATTENDING");
}

async fn a_token_revoked_mid_import_disconnects_and_keeps_what_was_saved(backend: Backend) {
    let Some(f) = fixture(backend, 3_000).await else {
        return;
    };
    let token = f.token.clone();
    let outcome = f
        .import_then_after_100(|world| {
            world.credentials.remove(&token);
        })
        .await;
    assert_eq!(outcome.status, SyncStatus::Disconnected);
    // Pages fetched before the revocation are still saved; nothing after it is.
    let saved = f.count().await;
    assert_eq!(saved, outcome.checkpoint.processed, "saved pages stay");
    assert!((100..3_000).contains(&saved), "saved {saved}");
    let integration: String = sqlx::query_scalar("SELECT status FROM integrations WHERE id = $1")
        .bind(&f.integration_id)
        .fetch_one(&f.app.db.pool)
        .await
        .unwrap();
    assert_eq!(integration, "DISCONNECTED");
}

async fn an_import_under_5xx_and_429_faults_still_ends_active_with_no_duplicates(backend: Backend) {
    let Some(f) = fixture(backend, 2_000).await else {
        return;
    };
    // A third of calls fail with a 500, the first two are rate limited (Eventbrite's 429
    // carries no Retry-After; its x-rate-limit header says the window resets in 2 s) and one
    // connection drops mid-body.
    f.set_faults(json!({ "error_rate": 0.3, "rate_limit_next": 2, "drop_next": 1 }))
        .await;
    let outcome = f.import().await;
    assert_eq!(outcome.status, SyncStatus::Active, "{:?}", outcome.error);
    assert_eq!(f.count().await, 2_000, "every attendee, once");
    assert_eq!(outcome.checkpoint.counts.created, 2_000);
    assert!(
        outcome.checkpoint.provider_calls > 40 + 2 + 1,
        "failed calls were retried: {} calls for 40 pages",
        outcome.checkpoint.provider_calls
    );
    let distinct: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT provider_attendee_id) FROM attendees WHERE event_id = $1",
    )
    .bind(&f.event_id)
    .fetch_one(&f.app.db.pool)
    .await
    .unwrap();
    assert_eq!(distinct, 2_000);
}

async fn a_5xx_storm_past_the_retry_budget_fails_the_event_and_keeps_saved_pages(backend: Backend) {
    let Some(f) = fixture(backend, 3_000).await else {
        return;
    };
    let outcome = f
        .import_then_after_100(|world| {
            // Every call from now on fails: a provider outage.
            world.faults.error_rate = 1.0;
        })
        .await;
    assert_eq!(outcome.status, SyncStatus::Failed);
    assert!(
        outcome.error.as_deref().unwrap_or("").contains("500"),
        "the error says what happened: {:?}",
        outcome.error
    );
    assert_eq!(f.count().await, outcome.checkpoint.processed);
}

async fn a_malformed_page_fails_the_event_with_a_clear_error_and_loses_nothing(backend: Backend) {
    let Some(f) = fixture(backend, 3_000).await else {
        return;
    };
    let outcome = f
        .import_then_after_100(|world| {
            world.faults.malformed_next = 1;
        })
        .await;
    assert_eq!(outcome.status, SyncStatus::Failed);
    assert!(
        outcome.error.as_deref().unwrap_or("").contains("not JSON"),
        "{:?}",
        outcome.error
    );
    let saved = f.count().await;
    assert_eq!(saved, outcome.checkpoint.processed);
    assert!(saved >= 100, "pages before the bad one are kept: {saved}");
    // The provider recovers; the next pass completes without duplicates.
    assert_eq!(f.import().await.status, SyncStatus::Active);
    assert_eq!(f.count().await, 3_000);
}

impl Fixture {
    /// Removes people from the provider's listing, as a deleted registration does.
    fn remove_people(&self, indexes: &[usize]) -> Vec<String> {
        let mut world = self.sim.sim.world();
        let people = &mut world
            .events
            .get_mut(&self.provider_event_id)
            .unwrap()
            .people;
        let ids: Vec<String> = indexes
            .iter()
            .map(|i| people[*i]["id"].as_str().unwrap().to_string())
            .collect();
        people.retain(|p| !ids.iter().any(|id| p["id"] == id.as_str()));
        ids
    }

    async fn status_and_vip(&self, provider_id: &str) -> (String, i64) {
        sqlx::query_as("SELECT status, is_vip FROM attendees WHERE event_id = $1 AND provider_attendee_id = $2")
            .bind(&self.event_id)
            .bind(provider_id)
            .fetch_one(&self.app.db.pool)
            .await
            .unwrap()
    }
}

async fn guests_gone_from_a_complete_luma_listing_are_not_attending(backend: Backend) {
    let Some(f) = fixture_on(backend, simulator::world::Which::Luma, 120).await else {
        return;
    };
    assert_eq!(f.import().await.status, SyncStatus::Active);
    let gone = f.remove_people(&[5, 77]);
    sqlx::query("UPDATE attendees SET is_vip = 1 WHERE provider_attendee_id = $1")
        .bind(&gone[0])
        .execute(&f.app.db.pool)
        .await
        .unwrap();
    let before = f.status_and_vip(&gone[0]).await;
    assert_eq!(before, ("ATTENDING".to_string(), 1));

    let outcome = f.import().await;
    assert_eq!(outcome.status, SyncStatus::Active);
    assert_eq!(
        outcome.checkpoint.counts.cancelled, 2,
        "{:?}",
        outcome.checkpoint
    );
    assert_eq!(
        f.status_and_vip(&gone[0]).await,
        ("NOT_ATTENDING".to_string(), 1),
        "VIP kept"
    );
    assert_eq!(f.status_and_vip(&gone[1]).await.0, "NOT_ATTENDING");
    assert_eq!(f.count().await, 120, "kept as rows, not deleted");
    // Already marked: the next complete listing changes nothing.
    assert_eq!(f.import().await.checkpoint.counts.cancelled, 0);
}

async fn a_changed_since_listing_never_concludes_anyone_is_gone(backend: Backend) {
    let Some(f) = fixture(backend, 120).await else {
        return;
    };
    f.import().await;
    let gone = f.remove_people(&[9]);
    // A poll's listing holds only what changed: everyone else is absent from it.
    let since = chrono::Utc::now().timestamp_millis() - 1_000;
    let outcome = f.pass(Some(since), |_| {}).await;
    assert_eq!(outcome.status, SyncStatus::Active);
    assert_eq!(outcome.checkpoint.counts.cancelled, 0);
    assert_eq!(f.status_and_vip(&gone[0]).await.0, "ATTENDING");
    // A complete listing then does conclude it.
    assert_eq!(f.import().await.checkpoint.counts.cancelled, 1);
    assert_eq!(f.status_and_vip(&gone[0]).await.0, "NOT_ATTENDING");
}

/// Each engine gets its own search indexes at start-up (they are not migrations; SQLite's
/// trigram table is checked against the rows it indexes), and a large
/// import leaves PostgreSQL with fresh planner statistics for the attendees (its trigram index
/// is only chosen when the planner knows the table is big).
async fn each_engine_has_its_search_indexes_and_a_large_import_fresh_statistics(backend: Backend) {
    let Some(q) = crate::fixtures::queued_import(backend, 5_200, 0).await else {
        return;
    };
    let runner = lanyard::server::sync::runner::Runner::spawn(
        q.app.state.clone(),
        crate::fixtures::runner_config(),
    );
    q.wait_job_state(&q.job_id, "SUCCEEDED").await;
    let indexes: Vec<String> = sqlx::query_scalar(match backend {
        Backend::Postgres => "SELECT indexname::text FROM pg_indexes WHERE tablename = 'attendees'",
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'attendees'"
        }
    })
    .fetch_all(&q.app.db.pool)
    .await
    .unwrap();
    let own: &[&str] = match backend {
        Backend::Postgres => &["attendees_search_gist_idx", "attendees_vip_idx"],
        Backend::Sqlite => &["attendees_stats_idx", "attendees_vip_idx"],
    };
    for index in own {
        assert!(indexes.iter().any(|i| i == index), "{index} in {indexes:?}");
    }
    for replaced in ["attendees_search_trgm_idx", "attendees_search_idx"] {
        assert!(!indexes.iter().any(|i| i == replaced), "{replaced} dropped");
    }
    if backend == Backend::Sqlite {
        // The trigram table, kept by triggers, holds exactly the rows' texts: FTS5 compares
        // its index with the attendees table and fails the statement on any difference.
        sqlx::query(
            "INSERT INTO attendee_trigrams (attendee_trigrams, rank) VALUES ('integrity-check', 1)",
        )
        .execute(&q.app.db.pool)
        .await
        .expect("the trigram index matches the attendees");
    }
    if backend == Backend::Postgres {
        let analyzed: Option<i64> = sqlx::query_scalar(
            "SELECT reltuples::bigint FROM pg_class WHERE relname = 'attendees'",
        )
        .fetch_optional(&q.app.db.pool)
        .await
        .unwrap();
        assert!(
            analyzed.unwrap_or_default() >= 5_000,
            "the planner knows the table's size: {analyzed:?}"
        );
    }
    runner.shutdown().await;
}

crate::on_both_databases!(
    each_engine_has_its_search_indexes_and_a_large_import_fresh_statistics,
    guests_gone_from_a_complete_luma_listing_are_not_attending,
    a_changed_since_listing_never_concludes_anyone_is_gone,
    a_malformed_page_fails_the_event_with_a_clear_error_and_loses_nothing,
    an_import_under_5xx_and_429_faults_still_ends_active_with_no_duplicates,
    a_5xx_storm_past_the_retry_budget_fails_the_event_and_keeps_saved_pages,
    an_import_brings_every_attendee_and_a_second_pass_changes_nothing,
    vip_and_check_in_survive_a_sync_that_edits_and_cancels,
    a_token_revoked_mid_import_disconnects_and_keeps_what_was_saved,
);
