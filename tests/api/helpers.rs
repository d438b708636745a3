use lanyard::domain::Role;
use lanyard::domain::WorkspaceId;
use lanyard::server::accounts::{self, NewMember};
use lanyard::server::config::{Config, EventbriteApp};
use lanyard::server::db::{Backend, Db};
use lanyard::simulator::RunningSimulator;
use lanyard::startup::Application;
use reqwest::{redirect, Client, Response};
use std::path::PathBuf;

pub const PASSWORD: &str = "correct horse battery staple";

/// Runs one async test body against SQLite and against PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                $crate::helpers::within_deadline(
                    super::$name(lanyard::server::db::Backend::Sqlite),
                ).await
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                $crate::helpers::within_deadline(
                    super::$name(lanyard::server::db::Backend::Postgres),
                ).await
            })*
        }
    };
}

/// Fails a test that hangs, instead of letting it hold the whole run until CI's time limit.
/// The slowest test takes about 6 s on two cores; nextest kills a test at 120 s, so this
/// fires first, with a message. One CI run (2026-11-23) hung in
/// auth::sqlite::sign_in_succeeds_with_the_right_password; no local run reproduced it.
pub async fn within_deadline(test: impl std::future::Future<Output = ()>) {
    const DEADLINE: std::time::Duration = std::time::Duration::from_secs(100);
    if tokio::time::timeout(DEADLINE, test).await.is_err() {
        panic!("the test did not finish within {DEADLINE:?}");
    }
}

/// A fresh, empty database of the given kind; `None` (test skipped) when PostgreSQL is not
/// reachable outside CI. In CI (`CI=true`) an unreachable PostgreSQL fails the run.
pub struct TestDatabase {
    pub url: String,
    _dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    pub async fn create(backend: Backend) -> Option<TestDatabase> {
        let dir = tempfile::tempdir().expect("temp dir");
        match backend {
            Backend::Sqlite => Some(TestDatabase {
                url: Config::default_sqlite_url(dir.path()),
                _dir: dir,
                postgres: None,
            }),
            Backend::Postgres => {
                let base = std::env::var("TEST_DATABASE_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
                let admin = match sqlx::PgPool::connect(&base).await {
                    Ok(pool) => pool,
                    Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
                        eprintln!("skipping: PostgreSQL at {base} is unreachable ({e}); set CI=true to fail instead");
                        return None;
                    }
                    Err(e) => panic!("PostgreSQL at {base} is unreachable: {e}"),
                };
                let name = format!("lanyard_test_{}", uuid::Uuid::new_v4().simple());
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&admin)
                    .await
                    .expect("create database");
                admin.close().await;
                let (prefix, _) = base.rsplit_once('/').expect("database URL has a path");
                Some(TestDatabase {
                    url: format!("{prefix}/{name}"),
                    _dir: dir,
                    postgres: Some((base, name)),
                })
            }
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self._dir.path().to_path_buf()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((base, name)) = self.postgres.take() {
            // Drop runs inside the test's runtime: clean up from a thread with its own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(pool) = sqlx::PgPool::connect(&base).await {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&pool)
                                .await;
                    }
                });
            })
            .join();
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub db: Db,
    pub state: lanyard::server::AppState,
    // Held so the database outlives the server; dropped (and removed) with the app.
    _database: TestDatabase,
}

pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, None).await
}

/// The app with its provider URLs pointed at a simulator, and an Eventbrite app registered.
pub async fn spawn_app_with(backend: Backend, sim: Option<&RunningSimulator>) -> Option<TestApp> {
    spawn_app_configured(backend, sim, |_| {}).await
}

/// [`spawn_app_with`], with settings changed by `configure` first (small sign-in quotas, ...).
pub async fn spawn_app_configured(
    backend: Backend,
    sim: Option<&RunningSimulator>,
    configure: impl FnOnce(&mut Config),
) -> Option<TestApp> {
    let database = TestDatabase::create(backend).await?;
    // Port 0: the app binds a free port itself, and its public URL (the OAuth redirect,
    // webhook addresses) follows.
    let bind_addr: std::net::SocketAddr = "127.0.0.1:0".parse().unwrap();
    let providers = sim.map(lanyard::demo::provider_urls).unwrap_or_default();
    if let Some(sim) = sim {
        sim.register_eventbrite_app("test-client", "test-secret");
    }
    let mut config = Config {
        // Tests drive their own runners; the app's would race them for jobs.
        sync_workers: 0,
        eventbrite_app: Some(EventbriteApp {
            client_id: "test-client".into(),
            client_secret: "test-secret".into(),
        }),
        ..Config::local(
            bind_addr,
            database.url.clone(),
            database.data_dir(),
            providers,
        )
    };
    configure(&mut config);
    let (address, state) = start_instance(config).await;
    let db = state.db.clone();
    Some(TestApp {
        address,
        db,
        state,
        _database: database,
    })
}

/// Builds the app as `main` does and serves it in the background; its address and state.
async fn start_instance(config: Config) -> (String, lanyard::server::AppState) {
    Application::spawn(config).await.expect("the app starts")
}

impl TestApp {
    /// Another app instance on the same database, secret key and providers (how Lanyard
    /// scales past one machine on PostgreSQL). It serves until the test ends.
    pub async fn another_instance(&self) -> lanyard::server::AppState {
        let config = Config {
            bind_addr: "127.0.0.1:0".parse().unwrap(),
            ..(*self.state.config).clone()
        };
        start_instance(config).await.1
    }

    /// A browser-like client: keeps cookies, does not follow redirects (tests assert them).
    pub fn client(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(redirect::Policy::none())
            // A server that never answers fails the request, not the whole run.
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .unwrap()
    }

    pub async fn create_workspace(&self, name: &str, admin_email: &str) -> WorkspaceId {
        let admin = NewMember {
            email: admin_email,
            display_name: "Ada Admin",
            password: PASSWORD,
            role: Role::Admin,
        };
        accounts::create_workspace(&self.db, name, admin)
            .await
            .expect("workspace created")
    }

    pub async fn add_member(&self, workspace_id: &WorkspaceId, email: &str, role: Role) {
        let member = NewMember {
            email,
            display_name: "Some One",
            password: PASSWORD,
            role,
        };
        accounts::add_member(&self.db, workspace_id, member)
            .await
            .expect("member added");
    }

    /// An event row as an import would create it (PENDING), for tests that start mid-flow.
    pub async fn insert_event(
        &self,
        workspace_id: &str,
        integration_id: Option<&lanyard::domain::IntegrationId>,
        provider: lanyard::domain::Provider,
        provider_event_id: &str,
        access_code: &str,
    ) -> lanyard::domain::EventId {
        // A readable label ("CRASH1") stands for a real code: the same label, the same code.
        let mut bytes = [0u8; 6];
        for (i, b) in access_code.bytes().enumerate() {
            bytes[i % 6] = bytes[i % 6].wrapping_mul(7).wrapping_add(b);
        }
        let access_code = &lanyard::domain::access_code::AccessCode::from_random_bytes(bytes);
        let event = lanyard::server::db::events::NewEvent {
            workspace_id,
            integration_id,
            provider,
            provider_event_id,
            name: "Big Day",
            starts_at: None,
            ends_at: None,
            timezone: "UTC",
            access_code,
        };
        lanyard::server::db::events::insert(&self.db.pool, event)
            .await
            .expect("event inserted")
    }

    /// A CONNECTED integration row whose credential is never used (tests that stop short of
    /// the provider); returns its id.
    pub async fn insert_integration(
        &self,
        workspace_id: &str,
        provider: lanyard::domain::Provider,
        account_email: &str,
    ) -> lanyard::domain::IntegrationId {
        use lanyard::server::db::integrations;
        let admin: String = sqlx::query_scalar(
            "SELECT user_id FROM memberships WHERE workspace_id = $1 ORDER BY created_at LIMIT 1",
        )
        .bind(workspace_id)
        .fetch_one(&self.db.pool)
        .await
        .expect("the workspace has a member");
        let id = lanyard::domain::IntegrationId::mint();
        let connection = integrations::Connection {
            workspace_id,
            provider,
            provider_account_id: &format!("acct-{id}"),
            account_email,
            connected_by: &admin,
        };
        integrations::save(
            &self.db.pool,
            &id,
            false,
            connection,
            "sealed-elsewhere",
            &format!("hook-{id}"),
        )
        .await
        .expect("integration saved");
        id
    }

    /// Calls a server function the way the hydrated page does (form-encoded POST).
    pub async fn call(&self, client: &Client, endpoint: &str, form: &[(&str, &str)]) -> Response {
        client
            .post(format!("{}/api/{endpoint}", self.address))
            .form(form)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn sign_in(&self, client: &Client, email: &str, password: &str) -> Response {
        self.call(
            client,
            "sign_in",
            &[("email", email), ("password", password)],
        )
        .await
    }

    /// A new client already signed in as `email`.
    pub async fn signed_in(&self, email: &str) -> Client {
        let client = self.client();
        let res = self.sign_in(&client, email, PASSWORD).await;
        assert_eq!(
            res.status(),
            200,
            "sign-in as {email}: {}",
            res.text().await.unwrap_or_default()
        );
        client
    }

    /// After a test edits attendees' fields straight in the database (the app writes the
    /// search text with each attendee; a test's UPDATE does not).
    pub async fn refresh_search_text(&self) {
        let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM attendees")
            .fetch_all(&self.db.pool)
            .await
            .expect("attendee ids");
        for id in ids {
            write_search_text(&self.db.pool, &id).await;
        }
    }

    pub async fn get(&self, client: &Client, path: &str) -> Response {
        client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request sent")
    }
}

/// Gives an attendee new names and company, and its search text, as a sync would write them.
pub async fn rename(pool: &sqlx::AnyPool, id: &str, first: &str, last: &str, company: &str) {
    sqlx::query("UPDATE attendees SET first_name = $2, last_name = $3, company = $4 WHERE id = $1")
        .bind(id)
        .bind(first)
        .bind(last)
        .bind(company)
        .execute(pool)
        .await
        .expect("renamed");
    write_search_text(pool, id).await;
}

/// Writes an attendee's search text from its stored fields by the app's own rule.
async fn write_search_text(pool: &sqlx::AnyPool, id: &str) {
    type Fields = (
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let (first_name, last_name, email, company, ticket_name, barcode): Fields = sqlx::query_as(
        "SELECT first_name, last_name, email, company, ticket_name, barcode FROM attendees
         WHERE id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .expect("the attendee");
    let record = lanyard::domain::mapping::AttendeeRecord {
        provider_attendee_id: String::new(),
        email,
        first_name,
        last_name,
        company,
        job_title: None,
        ticket_name,
        barcode,
        status: lanyard::domain::AttendanceStatus::Attending,
        provider_status: None,
        provider_changed_at: None,
        provider_checked_in_at: None,
    };
    sqlx::query("UPDATE attendees SET search_text = $2 WHERE id = $1")
        .bind(id)
        .bind(lanyard::domain::search::search_text(&record))
        .execute(pool)
        .await
        .expect("search text written");
}

/// One string field of every item of a JSON array (a page's rows, a history): `field` of each.
pub fn field_of_each<'a>(list: &'a serde_json::Value, field: &str) -> Vec<&'a str> {
    list.as_array()
        .expect("a JSON array")
        .iter()
        .map(|item| item[field].as_str().expect("a string field"))
        .collect()
}
