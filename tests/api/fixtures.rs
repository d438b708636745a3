//! A connected integration with an import queued, and the runner settings tests drive it
//! with: the starting point of the runner, live-stream and live-sync tests.

use crate::helpers::{spawn_app_with, TestApp};
use lanyard::domain::Provider;
use lanyard::server::db::{attendees, jobs, users, Backend};
use lanyard::server::integrations;
use lanyard::server::providers::Credential;
use lanyard::server::sync::retry::RetryPolicy;
use lanyard::server::sync::runner::RunnerConfig;
use lanyard::simulator::{self, world::Which, RunningSimulator};
use serde_json::Value;
use std::time::{Duration, Instant};

pub struct Queued {
    pub app: TestApp,
    pub sim: RunningSimulator,
    pub workspace_id: lanyard::domain::WorkspaceId,
    pub integration_id: lanyard::domain::IntegrationId,
    pub event_id: lanyard::domain::EventId,
    pub job_id: String,
    pub token: String,
    pub provider_event_id: String,
}

/// An app on `backend` with a connected Eventbrite integration whose event of `size`
/// attendees has an import queued. Each provider call takes `latency_ms`, so tests can act
/// while the import runs.
pub async fn queued_import(backend: Backend, size: usize, latency_ms: u64) -> Option<Queued> {
    queued_import_on(backend, Which::Eventbrite, size, latency_ms).await
}

/// As [`queued_import`], on the given provider.
pub async fn queued_import_on(
    backend: Backend,
    which: Which,
    size: usize,
    latency_ms: u64,
) -> Option<Queued> {
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
        let (account, token) = world.create_account(which, "o@acme.test", "Olga Org");
        let event =
            world.create_event(&account.owner_id, which, "Big Day", 1_796_461_200_000, size);
        world.faults.latency_ms = latency_ms;
        (token, event)
    };
    let credential = match which {
        Which::Eventbrite => Credential::EventbriteToken(token.clone().into()),
        Which::Luma => Credential::LumaApiKey(token.clone().into()),
    };
    let integration = integrations::connect(&app.state, &member, credential)
        .await
        .unwrap();
    let event_id = app
        .insert_event(
            &workspace_id,
            Some(&integration.id),
            provider_of(which),
            &provider_event_id,
            "CRASH1",
        )
        .await;
    let job_id = jobs::enqueue(
        &mut app.db.pool.acquire().await.unwrap(),
        &workspace_id,
        &event_id,
        jobs::JobKind::Import,
        lanyard::domain::Trigger::ImportDialog,
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

fn provider_of(which: Which) -> Provider {
    match which {
        Which::Eventbrite => Provider::Eventbrite,
        Which::Luma => Provider::Luma,
    }
}

/// Polling settings under which every ACTIVE event is due at once.
pub fn polls_due_now() -> lanyard::server::sync::poller::PollConfig {
    lanyard::server::sync::poller::PollConfig {
        every: Duration::ZERO,
        near_every: Duration::ZERO,
        ..Default::default()
    }
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

    /// Waits until the event's sync status is `wanted` (as stored: "ACTIVE", ...).
    pub async fn wait_status(&self, wanted: &str) {
        wait_for(wanted, Duration::from_secs(30), || async {
            (self.sync_status().await == wanted).then_some(())
        })
        .await
    }

    /// The recovery dialog's confirm on this event with its integration; the HTTP status.
    pub async fn reconnect(&self, client: &reqwest::Client) -> u16 {
        let form = [
            ("event_id", self.event_id.as_str()),
            ("integration_id", self.integration_id.as_str()),
        ];
        let res = self.app.call(client, "reconnect_event", &form).await;
        res.status().as_u16()
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

    /// Another event of `size` attendees on the same provider account and integration, with
    /// its import queued; (event id, job id).
    pub async fn import_another(
        &self,
        name: &str,
        size: usize,
        code: &str,
    ) -> (lanyard::domain::EventId, String) {
        let (which, provider_event_id) = {
            let mut world = self.sim.sim.world();
            let this = &world.events[&self.provider_event_id];
            let (which, owner) = (this.which, this.owner_id.clone());
            let created = world.create_event(&owner, which, name, 1_796_461_200_000, size);
            (which, created)
        };
        let event = self
            .app
            .insert_event(
                &self.workspace_id,
                Some(&self.integration_id),
                provider_of(which),
                &provider_event_id,
                code,
            )
            .await;
        let job = self.queue_import(&event).await;
        (event, job)
    }

    /// Dates every registration of the provider event `ago_ms` back (Eventbrite's `changed`).
    pub fn age_registrations(&self, ago_ms: i64) {
        let at = lanyard::simulator::world::iso(chrono::Utc::now().timestamp_millis() - ago_ms);
        let mut world = self.sim.sim.world();
        for p in world
            .events
            .get_mut(&self.provider_event_id)
            .unwrap()
            .people
            .iter_mut()
        {
            p["changed"] = serde_json::json!(at.clone());
        }
    }

    /// Queues an import of `event` as the Import dialog does; the job's id.
    pub async fn queue_import(&self, event: &lanyard::domain::EventId) -> String {
        jobs::enqueue(
            &mut self.app.db.pool.acquire().await.unwrap(),
            &self.workspace_id,
            event,
            jobs::JobKind::Import,
            lanyard::domain::Trigger::ImportDialog,
            None,
        )
        .await
        .unwrap()
    }

    /// The workspace's admin, as the server code takes a member.
    pub async fn admin_member(&self) -> users::MemberRow {
        let pool = &self.app.db.pool;
        let user = users::credentials_by_email(pool, "admin@acme.test")
            .await
            .unwrap()
            .unwrap()
            .user_id;
        users::member(pool, &user, &self.workspace_id)
            .await
            .unwrap()
            .unwrap()
    }

    pub fn provider_calls(&self) -> u64 {
        self.sim.sim.world().calls.values().sum()
    }
}

/// Reading and changing the provider's and Lanyard's copies of the event's attendees.
impl Queued {
    pub fn person(&self, i: usize) -> String {
        self.sim.sim.world().events[&self.provider_event_id].people[i]["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn row(&self, provider_id: &str) -> Option<(String, String, i64, Option<i64>)> {
        sqlx::query_as(
            "SELECT first_name, status, is_vip, checked_in_at FROM attendees
             WHERE event_id = $1 AND provider_attendee_id = $2",
        )
        .bind(&self.event_id)
        .bind(provider_id)
        .fetch_optional(&self.app.db.pool)
        .await
        .unwrap()
    }

    pub async fn wait_row(
        &self,
        what: &str,
        provider_id: &str,
        check: impl Fn(&(String, String, i64, Option<i64>)) -> bool,
    ) {
        wait_for(what, Duration::from_secs(20), || async {
            self.row(provider_id).await.filter(|r| check(r)).map(|_| ())
        })
        .await
    }

    pub async fn admin(&self, path: &str, method: reqwest::Method, body: Value) -> Value {
        let res = reqwest::Client::new()
            .request(method, format!("{}/admin{path}", self.sim.url))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{path}: {}", res.status());
        res.json().await.unwrap_or(Value::Null)
    }

    pub async fn webhook_url(&self) -> String {
        let token: String =
            sqlx::query_scalar("SELECT webhook_token FROM integrations WHERE id = $1")
                .bind(&self.integration_id)
                .fetch_one(&self.app.db.pool)
                .await
                .unwrap();
        format!("{}/webhooks/eventbrite/{token}", self.app.address)
    }
}
