use super::config::Config;
use super::crypto::CredentialCipher;
use super::db::Db;
use super::live::LiveHub;
use super::secrets::MasterKey;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

/// Everything a request handler or server function may need, cloned cheaply per request.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub config: Arc<Config>,
    pub key: Arc<MasterKey>,
    pub cipher: CredentialCipher,
    pub live: LiveHub,
    pub webhooks: super::webhooks::WebhookQueue,
    /// Each provider credential's call budget, shared with the other instances.
    pub budgets: super::budget::Budgets,
    /// The one HTTP client every provider call uses (its connection pool and TLS set-up
    /// shared): jobs, webhooks, the Import dialog, the OAuth code exchange.
    pub http: reqwest::Client,
    /// Sign-in attempts per account and per client address (`Config`'s quotas).
    pub sign_in_throttle: Arc<super::auth::throttle::SignInThrottle>,
    /// Wrong staff access codes per client address (`Config::wrong_access_codes`).
    pub wrong_codes: Arc<super::stations::WrongCodeTracker>,
}
