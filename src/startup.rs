//! Builds the HTTP application: the one place that joins the pages (`app`), the server
//! functions (`api`) and the server's routes and workers (`server`). `main` and the
//! integration tests both go through [`Application::build`], so tests exercise exactly
//! what production serves.

use crate::app::{shell, App};
use crate::server::auth;
use crate::server::config::Config;
use crate::server::db::{Backend, Db, DbError};
use crate::server::secrets::{MasterKey, SecretError};
use crate::server::AppState;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::serve::ListenerExt as _;
use axum::{Json, Router};
use http::StatusCode;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::{time, Key, SameSite};
use tower_sessions::session_store::ExpiredDeletion;
use tower_sessions::{Expiry, Session, SessionManagerLayer, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("session store: {0}")]
    Sessions(#[from] sqlx::Error),
    #[error("HTTP client: {0}")]
    Http(#[from] crate::server::providers::ProviderError),
    #[error("could not listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    pub state: AppState,
}

impl Application {
    pub async fn build(
        config: Config,
        leptos_options: LeptosOptions,
    ) -> Result<Application, StartupError> {
        let mut config = config;
        let key = MasterKey::load(
            config
                .secret_key
                .as_ref()
                .map(secrecy::ExposeSecret::expose_secret),
            &config.data_dir,
        )?;
        let db = Db::connect(&config.database_url).await?;
        db.migrate().await?;
        let addr = config.bind_addr;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartupError::Bind { addr, source })?;
        // Port 0 (tests, the benchmark) gets a free port from the OS at this bind, with no
        // window for another process to take it; a default public URL follows it.
        config.bind_addr = listener
            .local_addr()
            .map_err(|source| StartupError::Bind { addr, source })?;
        let live = crate::server::live::LiveHub::start(&db.pool, db.backend, &db.url).await?;
        let (webhooks, deliveries) = crate::server::webhooks::WebhookQueue::new();
        let sign_in_throttle =
            auth::throttle::spawn(config.sign_in_per_account, config.sign_in_per_address);
        let config_wrong_codes = config.wrong_access_codes;
        let state = AppState {
            leptos_options,
            live,
            webhooks,
            db,
            config: Arc::new(config),
            cipher: crate::server::crypto::CredentialCipher::new(&key),
            key: Arc::new(key),
            budgets: Default::default(),
            http: crate::server::providers::http::client(
                crate::server::providers::http::DEFAULT_TIMEOUT,
            )?,
            sign_in_throttle,
            wrong_codes: Arc::new(crate::server::stations::WrongCodeTracker::new(
                config_wrong_codes,
            )),
        };
        crate::server::webhooks::spawn_workers(state.clone(), deliveries);
        let router = router(state.clone()).await?;
        Ok(Application {
            listener,
            router,
            state,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Builds an instance with the site's default options and serves it in the background
    /// (integration tests, the benchmark): its address and state.
    pub async fn spawn(config: Config) -> Result<(String, AppState), StartupError> {
        let options = LeptosOptions::builder()
            .output_name("lanyard")
            .site_root("target/site")
            .build();
        let app = Application::build(config, options).await?;
        let address = format!("http://{}", app.local_addr());
        let state = app.state.clone();
        tokio::spawn(app.run_until_stopped());
        Ok((address, state))
    }

    /// Serves until SIGINT/SIGTERM, running sync jobs beside; on the way out, stops taking
    /// jobs and lets the running ones finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        use crate::server::sync::runner::{Runner, RunnerConfig};
        let workers = self.state.config.sync_workers;
        let runner = (workers > 0).then(|| {
            Runner::spawn(
                self.state.clone(),
                RunnerConfig {
                    concurrency: workers,
                    polling: Some(crate::server::sync::poller::PollConfig {
                        every: std::time::Duration::from_secs(self.state.config.poll_seconds),
                        near_every: std::time::Duration::from_secs(
                            (self.state.config.poll_seconds / 4).max(1),
                        ),
                        ..Default::default()
                    }),
                    lease: std::time::Duration::from_secs(self.state.config.job_lease_seconds),
                    max_attempts: self.state.config.job_max_attempts,
                    retry: crate::server::sync::retry::RetryPolicy {
                        transient_retries: self.state.config.sync_retries,
                        ..Default::default()
                    },
                    ..Default::default()
                },
            )
        });
        let live = self.state.live.clone();
        // The peer's address reaches the handlers (sign-in throttling counts per address).
        let app = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        // Without TCP_NODELAY a streamed page's second small write waits for the browser's
        // delayed ACK (up to 40 ms, seen as a 45 ms floor under every server-rendered page).
        let listener = self.listener.tap_io(|tcp| {
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::debug!(%error, "could not set TCP_NODELAY");
            }
        });
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                shutdown_signal().await;
                // Open live streams would otherwise hold the graceful shutdown forever.
                live.close();
            })
            .await;
        if let Some(runner) = runner {
            runner.shutdown().await;
        }
        served
    }
}

async fn router(state: AppState) -> Result<Router, StartupError> {
    let routes = generate_route_list(App);
    let leptos_options = state.leptos_options.clone();
    let context_state = state.clone();
    let app = Router::new()
        .route("/healthz", get(healthz))
        .merge(crate::server::oauth::router())
        .merge(crate::server::live::router())
        .merge(crate::server::export::router())
        .merge(crate::server::webhooks::router())
        .merge(crate::server::station_routes::router())
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(context_state.clone()),
            move || shell(leptos_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            require_sign_in_for_pages,
        ))
        .layer(middleware::from_fn_with_state(
            state.leptos_options.clone(),
            crate::server::assets::cache_headers,
        ))
        .with_state(state.clone());
    let app = with_sessions(app, &state).await?;
    Ok(app.layer(TraceLayer::new_for_http().make_span_with(request_span)))
}

/// The request's span names its method and path, never its query (OAuth codes and states)
/// nor a webhook URL's or an invite link's token, each as good as a password.
fn request_span(request: &Request) -> tracing::Span {
    let path = request.uri().path();
    let path = if let Some(rest) = path.strip_prefix("/webhooks/") {
        format!("/webhooks/{}/…", rest.split('/').next().unwrap_or_default())
    } else if path.starts_with("/invite/") {
        // An invite link's token joins a workspace until it is used.
        "/invite/…".to_string()
    } else {
        path.to_string()
    };
    tracing::debug_span!("request", method = %request.method(), path = %path)
}

/// Sessions live in the app's own database (SQLite or PostgreSQL), so every app instance on
/// one PostgreSQL sees the same sign-ins. The cookie is signed with a key derived from the
/// master key.
async fn with_sessions(app: Router, state: &AppState) -> Result<Router, StartupError> {
    let key = Key::from(&state.key.derive::<64>(b"session-cookie"));
    let secure = state.config.secure_cookies;
    Ok(match state.db.backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&state.db.url).await?;
            let store = SqliteStore::new(pool);
            store.migrate().await?;
            app.layer(session_layer(store, key, secure))
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&state.db.url).await?;
            let store = PostgresStore::new(pool);
            store.migrate().await?;
            app.layer(session_layer(store, key, secure))
        }
    })
}

fn session_layer<S>(
    store: S,
    key: Key,
    secure: bool,
) -> SessionManagerLayer<S, tower_sessions::service::SignedCookie>
where
    S: SessionStore + ExpiredDeletion + Clone,
{
    tokio::spawn(
        store
            .clone()
            .continuously_delete_expired(tokio::time::Duration::from_secs(3600)),
    );
    SessionManagerLayer::new(store)
        .with_name("lanyard_session")
        .with_secure(secure)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_expiry(Expiry::OnInactivity(time::Duration::days(14)))
        .with_signed(key)
}

/// Pages need a signed-in member; server functions check for themselves (with a role), and
/// the sign-in page, invite links, health check and static files are open.
async fn require_sign_in_for_pages(
    State(state): State<AppState>,
    session: Session,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let open = path.starts_with("/api/")
        || path.starts_with("/webhooks/")
        // Whoever holds an invite link is not a member yet; the page checks the link.
        || path.starts_with("/invite/")
        // Staff stations open by access code, without an account; their pages and calls
        // check the station session themselves.
        || path == "/staff"
        || path.starts_with("/staff/")
        || path.starts_with("/station")
        || path.starts_with("/pkg/")
        || path == "/healthz"
        || path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.'));
    if open {
        return next.run(request).await;
    }
    let signed_in = match auth::member_of_session(&state, &session).await {
        Ok(member) => member.is_some(),
        Err(error) => {
            tracing::error!(%error, "could not read the session");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    match (path == "/login", signed_in) {
        (true, true) => Redirect::to("/events").into_response(),
        (true, false) | (false, true) => next.run(request).await,
        (false, false) => Redirect::to("/login").into_response(),
    }
}

async fn healthz(State(db): State<Db>) -> Response {
    match db.ping().await {
        Ok(()) => Json(serde_json::json!({ "status": "ok", "database": "ok" })).into_response(),
        Err(error) => {
            tracing::error!(%error, "health check: database unreachable");
            let body = Json(serde_json::json!({ "status": "error", "database": "unreachable" }));
            (StatusCode::SERVICE_UNAVAILABLE, body).into_response()
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down");
}
