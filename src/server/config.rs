//! Configuration, read once from the environment (and a `.env` file when present).

use std::net::SocketAddr;
use std::path::PathBuf;

use super::auth::throttle::AttemptQuota;
use super::providers::ProviderUrls;
use secrecy::SecretString;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is not valid: {reason}")]
    Invalid { name: &'static str, reason: String },
    /// clap's explanation, which names the variable.
    #[error("{0}")]
    Environment(String),
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
    pub secret_key: Option<SecretString>,
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
    /// `LANYARD_SIGN_IN_ACCOUNT_BURST` / `LANYARD_SIGN_IN_ACCOUNT_SECONDS`: sign-in attempts
    /// per account: a burst, then one more per period (default 5, then one every 12 s).
    pub sign_in_per_account: AttemptQuota,
    /// `LANYARD_SIGN_IN_ADDRESS_BURST` / `LANYARD_SIGN_IN_ADDRESS_SECONDS`: sign-in attempts
    /// per client address, over all accounts (default 20, then one every 3 s).
    pub sign_in_per_address: AttemptQuota,
    /// How wrong staff access codes from one address are slowed down and then refused.
    pub wrong_access_codes: crate::domain::station::WrongCodePolicy,
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
            .field("secret_key", &self.secret_key)
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
            .field("sign_in_per_account", &self.sign_in_per_account)
            .field("sign_in_per_address", &self.sign_in_per_address)
            .field("wrong_access_codes", &self.wrong_access_codes)
            .finish()
    }
}

#[derive(Clone, Debug)]
pub struct EventbriteApp {
    pub client_id: String,
    pub client_secret: SecretString,
}

/// The environment as clap reads it: every setting with its variable, default and range in
/// one place (`lanyard --help` does not show these; they are environment only).
#[derive(clap::Parser)]
#[command(no_binary_name = true)]
struct Environment {
    #[arg(long, env = "LANYARD_ADDR")]
    addr: Option<String>,
    #[arg(long, env = "LEPTOS_SITE_ADDR")]
    site_addr: Option<String>,
    #[arg(long, env = "LANYARD_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    #[arg(long, env = "DATABASE_URL")]
    database_url: Option<String>,
    #[arg(long, env = "LANYARD_SECRET_KEY")]
    secret_key: Option<String>,
    #[arg(long, env = "LANYARD_PUBLIC_URL")]
    public_url: Option<String>,
    #[arg(long, env = "LANYARD_SECURE_COOKIES", default_value_t = false, action = clap::ArgAction::Set,
        value_parser = clap::builder::BoolishValueParser::new())]
    secure_cookies: bool,
    #[arg(long, env = "LANYARD_LOG")]
    log: Option<String>,
    #[arg(long, env = "RUST_LOG")]
    rust_log: Option<String>,
    #[arg(long, env = "EVENTBRITE_API_URL")]
    eventbrite_api_url: Option<String>,
    #[arg(long, env = "EVENTBRITE_OAUTH_URL")]
    eventbrite_oauth_url: Option<String>,
    #[arg(long, env = "LUMA_API_URL")]
    luma_api_url: Option<String>,
    #[arg(long, env = "EVENTBRITE_CLIENT_ID")]
    eventbrite_client_id: Option<String>,
    #[arg(long, env = "EVENTBRITE_CLIENT_SECRET")]
    eventbrite_client_secret: Option<String>,
    #[arg(long, env = "LANYARD_SYNC_WORKERS", value_parser = clap::value_parser!(u64).range(0..))]
    sync_workers: Option<u64>,
    #[arg(long, env = "LANYARD_POLL_SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    poll_seconds: Option<u64>,
    #[arg(long, env = "LANYARD_SYNC_RETRIES", value_parser = clap::value_parser!(u64).range(0..))]
    sync_retries: Option<u64>,
    #[arg(long, env = "LANYARD_JOB_LEASE_SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    job_lease_seconds: Option<u64>,
    #[arg(long, env = "LANYARD_JOB_MAX_ATTEMPTS", value_parser = clap::value_parser!(u64).range(1..))]
    job_max_attempts: Option<u64>,
    #[arg(long, env = "LANYARD_SIGN_IN_ACCOUNT_BURST", value_parser = clap::value_parser!(u32).range(1..))]
    sign_in_account_burst: Option<u32>,
    #[arg(long, env = "LANYARD_SIGN_IN_ACCOUNT_SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    sign_in_account_seconds: Option<u64>,
    #[arg(long, env = "LANYARD_SIGN_IN_ADDRESS_BURST", value_parser = clap::value_parser!(u32).range(1..))]
    sign_in_address_burst: Option<u32>,
    #[arg(long, env = "LANYARD_SIGN_IN_ADDRESS_SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    sign_in_address_seconds: Option<u64>,
}

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        use clap::Parser;
        let env = Environment::try_parse_from(std::iter::empty::<String>())
            .map_err(|e| ConfigError::Environment(e.to_string()))?;
        // An empty variable counts as unset, as a shell's `FOO=` means.
        let set = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
        let bind_addr = set(env.addr)
            .or(set(env.site_addr))
            .unwrap_or_else(|| "127.0.0.1:3000".into());
        let bind_addr = bind_addr.parse().map_err(|e| ConfigError::Invalid {
            name: "LANYARD_ADDR",
            reason: format!("{bind_addr:?}: {e}"),
        })?;
        let data_dir = env.data_dir;
        let database_url =
            set(env.database_url).unwrap_or_else(|| Config::default_sqlite_url(&data_dir));
        let defaults = ProviderUrls::default();
        let providers = ProviderUrls {
            eventbrite_api: set(env.eventbrite_api_url).unwrap_or(defaults.eventbrite_api),
            eventbrite_oauth: set(env.eventbrite_oauth_url).unwrap_or(defaults.eventbrite_oauth),
            luma_api: set(env.luma_api_url).unwrap_or(defaults.luma_api),
        };
        let defaults = Config::local(bind_addr, database_url, data_dir, providers);
        Ok(Config {
            public_url: set(env.public_url).map(|url| url.trim_end_matches('/').to_string()),
            secret_key: set(env.secret_key).map(SecretString::from),
            secure_cookies: env.secure_cookies,
            eventbrite_app: match (
                set(env.eventbrite_client_id),
                set(env.eventbrite_client_secret),
            ) {
                (Some(client_id), Some(client_secret)) => Some(EventbriteApp {
                    client_id,
                    client_secret: client_secret.into(),
                }),
                _ => None,
            },
            sync_workers: env
                .sync_workers
                .map_or(defaults.sync_workers, |n| n as usize),
            poll_seconds: env.poll_seconds.unwrap_or(defaults.poll_seconds),
            sync_retries: env
                .sync_retries
                .map_or(defaults.sync_retries, |n| n as usize),
            job_lease_seconds: env.job_lease_seconds.unwrap_or(defaults.job_lease_seconds),
            job_max_attempts: env
                .job_max_attempts
                .map_or(defaults.job_max_attempts, |n| n as i64),
            sign_in_per_account: quota(
                defaults.sign_in_per_account,
                env.sign_in_account_burst,
                env.sign_in_account_seconds,
            ),
            sign_in_per_address: quota(
                defaults.sign_in_per_address,
                env.sign_in_address_burst,
                env.sign_in_address_seconds,
            ),
            log_filter: set(env.log)
                .or(set(env.rust_log))
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
            // A person who mistypes gets a few tries at once; a guesser gets five an account a
            // minute, and an address twenty a minute over all the accounts it tries.
            sign_in_per_account: AttemptQuota {
                burst: 5,
                every: std::time::Duration::from_secs(12),
            },
            sign_in_per_address: AttemptQuota {
                burst: 20,
                every: std::time::Duration::from_secs(3),
            },
            wrong_access_codes: Default::default(),
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

/// A quota from its two variables, each falling back to the default's part.
fn quota(default: AttemptQuota, burst: Option<u32>, seconds: Option<u64>) -> AttemptQuota {
    AttemptQuota {
        burst: burst.unwrap_or(default.burst),
        every: seconds.map_or(default.every, std::time::Duration::from_secs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one test that sets the process environment (nextest runs each test alone).
    #[test]
    fn settings_come_from_the_environment_with_defaults_ranges_and_empty_as_unset() {
        let clear = [
            "LANYARD_ADDR",
            "LEPTOS_SITE_ADDR",
            "LANYARD_DATA_DIR",
            "DATABASE_URL",
            "LANYARD_SECRET_KEY",
            "LANYARD_PUBLIC_URL",
            "LANYARD_SECURE_COOKIES",
            "LANYARD_LOG",
            "RUST_LOG",
            "EVENTBRITE_API_URL",
            "EVENTBRITE_OAUTH_URL",
            "LUMA_API_URL",
            "EVENTBRITE_CLIENT_ID",
            "EVENTBRITE_CLIENT_SECRET",
            "LANYARD_SYNC_WORKERS",
            "LANYARD_POLL_SECONDS",
            "LANYARD_SYNC_RETRIES",
            "LANYARD_JOB_LEASE_SECONDS",
            "LANYARD_JOB_MAX_ATTEMPTS",
            "LANYARD_SIGN_IN_ACCOUNT_BURST",
            "LANYARD_SIGN_IN_ACCOUNT_SECONDS",
            "LANYARD_SIGN_IN_ADDRESS_BURST",
            "LANYARD_SIGN_IN_ADDRESS_SECONDS",
        ];
        for name in clear {
            std::env::remove_var(name);
        }
        let config = Config::from_env().unwrap();
        assert_eq!(config.bind_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(config.poll_seconds, 60);
        assert_eq!(config.sync_workers, 4);
        assert!(!config.secure_cookies && config.eventbrite_app.is_none());
        assert_eq!(
            (
                config.sign_in_per_account.burst,
                config.sign_in_per_address.burst
            ),
            (5, 20)
        );
        assert!(
            config.database_url.starts_with("sqlite://data/lanyard.db"),
            "{}",
            config.database_url
        );

        std::env::set_var("LANYARD_ADDR", "0.0.0.0:8080");
        std::env::set_var("LANYARD_POLL_SECONDS", "2");
        std::env::set_var("LANYARD_SYNC_WORKERS", "0");
        std::env::set_var("LANYARD_SECURE_COOKIES", "1");
        std::env::set_var("LANYARD_PUBLIC_URL", "https://lanyard.example/");
        std::env::set_var("EVENTBRITE_CLIENT_ID", "id");
        std::env::set_var("EVENTBRITE_CLIENT_SECRET", "secret");
        std::env::set_var("LANYARD_SECRET_KEY", "");
        std::env::set_var("LANYARD_SIGN_IN_ACCOUNT_SECONDS", "30");
        std::env::set_var("LANYARD_SIGN_IN_ADDRESS_BURST", "50");
        let config = Config::from_env().unwrap();
        assert_eq!(
            config.sign_in_per_account,
            AttemptQuota {
                burst: 5,
                every: std::time::Duration::from_secs(30)
            }
        );
        assert_eq!(
            config.sign_in_per_address,
            AttemptQuota {
                burst: 50,
                every: std::time::Duration::from_secs(3)
            }
        );
        assert_eq!(config.bind_addr.to_string(), "0.0.0.0:8080");
        assert_eq!((config.poll_seconds, config.sync_workers), (2, 0));
        assert!(config.secure_cookies);
        assert_eq!(config.public_url(), "https://lanyard.example");
        assert_eq!(
            config.eventbrite_app.map(|a| a.client_id).as_deref(),
            Some("id")
        );
        assert!(config.secret_key.is_none(), "empty is unset");

        std::env::set_var("LANYARD_POLL_SECONDS", "0");
        let error = Config::from_env().unwrap_err().to_string();
        assert!(
            error.contains("LANYARD_POLL_SECONDS") || error.contains("poll-seconds"),
            "{error}"
        );
        std::env::set_var("LANYARD_POLL_SECONDS", "soon");
        assert!(Config::from_env().is_err());
        std::env::set_var("LANYARD_POLL_SECONDS", "2");
        std::env::set_var("LANYARD_ADDR", "nowhere");
        let error = Config::from_env().unwrap_err().to_string();
        assert!(error.contains("LANYARD_ADDR"), "{error}");
    }

    #[test]
    fn debug_output_keeps_the_secret_key_and_database_password_out_of_logs() {
        let config = Config {
            secret_key: Some(SecretString::from("c2VjcmV0LWtleS1ieXRlcw==")),
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
