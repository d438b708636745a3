//! Configuration, read once from the environment (and a `.env` file when present).

use std::net::SocketAddr;
use std::path::PathBuf;

use super::providers::ProviderUrls;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is not valid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// `Debug` is written out below: the secret key and a database password never reach a log.
#[derive(Clone)]
pub struct Config {
    /// `LANYARD_ADDR` (falls back to cargo-leptos's `LEPTOS_SITE_ADDR`, then 127.0.0.1:3000).
    pub bind_addr: SocketAddr,
    /// `DATABASE_URL`: `postgres://...` or `sqlite://...`; default SQLite under `data_dir`.
    pub database_url: String,
    /// `LANYARD_DATA_DIR`: where the embedded database and a generated secret key live.
    pub data_dir: PathBuf,
    /// `LANYARD_SECRET_KEY`: base64 of 32 bytes. Generated into `data_dir` when unset.
    pub secret_key: Option<String>,
    /// `LANYARD_PUBLIC_URL`: the address browsers use, for OAuth redirects and webhooks.
    /// Unset: `http://` and the address the server is bound to (see [`Config::public_url`]).
    pub public_url: Option<String>,
    /// `LANYARD_SECURE_COOKIES`: set to true behind HTTPS.
    pub secure_cookies: bool,
    /// `RUST_LOG`-style filter; `LANYARD_LOG` wins over `RUST_LOG`.
    pub log_filter: String,
    /// `EVENTBRITE_API_URL`, `EVENTBRITE_OAUTH_URL`, `LUMA_API_URL`: the real providers by default.
    pub providers: ProviderUrls,
    /// `EVENTBRITE_CLIENT_ID` / `EVENTBRITE_CLIENT_SECRET`: the registered Eventbrite app
    /// (its API key and client secret). Without them, Connect Eventbrite explains what is missing.
    pub eventbrite_app: Option<EventbriteApp>,
    /// `LANYARD_SYNC_WORKERS`: sync jobs this instance runs at once (0: run none here).
    pub sync_workers: usize,
    /// `LANYARD_POLL_SECONDS`: how often ACTIVE events are re-checked (default 60; events
    /// near their start are re-checked four times as often).
    pub poll_seconds: u64,
    /// `LANYARD_SYNC_RETRIES`: retries of a transient provider error before a sync gives up
    /// and the event turns FAILED (default 6, about 30 s of backoff).
    pub sync_retries: usize,
    /// `LANYARD_JOB_LEASE_SECONDS`: how long a claimed job stays claimed without renewal,
    /// i.e. how soon after a crash another worker picks it up (default 30).
    pub job_lease_seconds: u64,
    /// `LANYARD_JOB_MAX_ATTEMPTS`: claims of one job (each crash costs one) before it is
    /// given up (default 5); a given-up import shows "Import failed".
    pub job_max_attempts: i64,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let database_url = match url::Url::parse(&self.database_url) {
            Ok(mut url) if url.password().is_some() => {
                let _ = url.set_password(Some("redacted"));
                url.to_string()
            }
            _ => self.database_url.clone(),
        };
        f.debug_struct("Config")
            .field("bind_addr", &self.bind_addr)
            .field("database_url", &database_url)
            .field("data_dir", &self.data_dir)
            .field("secret_key", &self.secret_key.as_ref().map(|_| "redacted"))
            .field("public_url", &self.public_url)
            .field("secure_cookies", &self.secure_cookies)
            .field("log_filter", &self.log_filter)
            .field("providers", &self.providers)
            .field("eventbrite_app", &self.eventbrite_app)
            .field("sync_workers", &self.sync_workers)
            .field("poll_seconds", &self.poll_seconds)
            .field("sync_retries", &self.sync_retries)
            .field("job_lease_seconds", &self.job_lease_seconds)
            .field("job_max_attempts", &self.job_max_attempts)
            .finish()
    }
}

#[derive(Clone)]
pub struct EventbriteApp {
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for EventbriteApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventbriteApp")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let bind_addr = var("LANYARD_ADDR")
            .or_else(|| var("LEPTOS_SITE_ADDR"))
            .unwrap_or_else(|| "127.0.0.1:3000".into());
        let bind_addr = bind_addr.parse().map_err(|e| ConfigError::Invalid {
            name: "LANYARD_ADDR",
            reason: format!("{bind_addr:?}: {e}"),
        })?;
        let data_dir = PathBuf::from(var("LANYARD_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url =
            var("DATABASE_URL").unwrap_or_else(|| Config::default_sqlite_url(&data_dir));
        let secure_cookies = match var("LANYARD_SECURE_COOKIES").as_deref() {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "LANYARD_SECURE_COOKIES",
                    reason: format!("expected true or false, got {other:?}"),
                })
            }
        };
        let providers = {
            let defaults = ProviderUrls::default();
            ProviderUrls {
                eventbrite_api: var("EVENTBRITE_API_URL").unwrap_or(defaults.eventbrite_api),
                eventbrite_oauth: var("EVENTBRITE_OAUTH_URL").unwrap_or(defaults.eventbrite_oauth),
                luma_api: var("LUMA_API_URL").unwrap_or(defaults.luma_api),
            }
        };
        let defaults = Config::local(bind_addr, database_url, data_dir, providers);
        Ok(Config {
            public_url: var("LANYARD_PUBLIC_URL").map(|url| url.trim_end_matches('/').to_string()),
            secret_key: var("LANYARD_SECRET_KEY"),
            secure_cookies,
            eventbrite_app: match (var("EVENTBRITE_CLIENT_ID"), var("EVENTBRITE_CLIENT_SECRET")) {
                (Some(client_id), Some(client_secret)) => Some(EventbriteApp {
                    client_id,
                    client_secret,
                }),
                _ => None,
            },
            sync_workers: number(
                var("LANYARD_SYNC_WORKERS"),
                "LANYARD_SYNC_WORKERS",
                defaults.sync_workers as u64,
                0,
            )? as usize,
            poll_seconds: number(
                var("LANYARD_POLL_SECONDS"),
                "LANYARD_POLL_SECONDS",
                defaults.poll_seconds,
                1,
            )?,
            sync_retries: number(
                var("LANYARD_SYNC_RETRIES"),
                "LANYARD_SYNC_RETRIES",
                defaults.sync_retries as u64,
                0,
            )? as usize,
            job_lease_seconds: number(
                var("LANYARD_JOB_LEASE_SECONDS"),
                "LANYARD_JOB_LEASE_SECONDS",
                defaults.job_lease_seconds,
                1,
            )?,
            job_max_attempts: number(
                var("LANYARD_JOB_MAX_ATTEMPTS"),
                "LANYARD_JOB_MAX_ATTEMPTS",
                defaults.job_max_attempts as u64,
                1,
            )? as i64,
            log_filter: var("LANYARD_LOG")
                .or_else(|| var("RUST_LOG"))
                .unwrap_or_else(|| "info,sqlx=warn,tower_sessions=warn".into()),
            ..defaults
        })
    }

    /// An instance with every setting at its default, reached at `http://{bind_addr}`: what
    /// `from_env` starts from, and what tests and the benchmark run.
    pub fn local(
        bind_addr: SocketAddr,
        database_url: String,
        data_dir: PathBuf,
        providers: ProviderUrls,
    ) -> Config {
        Config {
            bind_addr,
            database_url,
            data_dir,
            secret_key: None,
            public_url: None,
            secure_cookies: false,
            log_filter: "warn".into(),
            providers,
            eventbrite_app: None,
            sync_workers: 4,
            poll_seconds: 60,
            sync_retries: crate::server::sync::retry::RetryPolicy::default().transient_retries,
            job_lease_seconds: 30,
            job_max_attempts: 5,
        }
    }

    /// The URL browsers and providers reach this instance at, without a trailing slash. Once
    /// the server is bound, `bind_addr` is the real address (port 0 becomes the port given).
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.bind_addr))
    }

    pub fn default_sqlite_url(data_dir: &std::path::Path) -> String {
        format!(
            "sqlite://{}?mode=rwc",
            data_dir.join("lanyard.db").display()
        )
    }
}

/// A whole number of at least `min` from the environment, or `default` when unset.
fn number(
    value: Option<String>,
    name: &'static str,
    default: u64,
    min: u64,
) -> Result<u64, ConfigError> {
    match value {
        None => Ok(default),
        Some(n) => n
            .parse()
            .ok()
            .filter(|n| *n >= min)
            .ok_or_else(|| ConfigError::Invalid {
                name,
                reason: format!("expected a whole number of at least {min}, got {n:?}"),
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_keeps_the_secret_key_and_database_password_out_of_logs() {
        let config = Config {
            secret_key: Some("c2VjcmV0LWtleS1ieXRlcw==".into()),
            ..Config::local(
                "127.0.0.1:3000".parse().unwrap(),
                "postgres://lanyard:hunter2@db.internal/lanyard".into(),
                PathBuf::from("data"),
                ProviderUrls::default(),
            )
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("c2VjcmV0LWtleS1ieXRlcw=="), "{shown}");
        assert!(shown.contains("db.internal"), "{shown}");
    }
}
