//! The real Eventbrite and Luma clients, behind one interface the sync engine uses. They
//! return domain records and a small error enum, and know nothing of the database.

pub mod eventbrite;
pub(crate) mod http;
pub mod luma;

use crate::domain::mapping::{AttendeeRecord, ProviderEvent};
use crate::domain::Provider;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::time::Duration;

pub use eventbrite::EventbriteClient;
pub use luma::LumaClient;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The provider rejected the credential (401, revoked key): the only error that may make
    /// anything DISCONNECTED.
    #[error("the provider rejected the credential")]
    Unauthorized,
    /// 429: wait and try again; not a failure.
    #[error("rate limited by the provider")]
    RateLimited { retry_after: Option<Duration> },
    /// Our own budget for this credential is spent (no call was made): come back then.
    #[error("the call budget for this credential is spent for now")]
    BudgetExhausted { retry_after: Duration },
    /// 5xx, timeout, refused connection, truncated body: worth retrying with backoff.
    #[error("provider unavailable: {0}")]
    Transient(String),
    /// A 4xx other than 401 and 429 (a 404 for a deleted webhook, a 403 for a key of the
    /// wrong kind): `detail` is the provider's own message, if any (", not found").
    #[error("unexpected provider response: HTTP {status}{detail}")]
    Refused { status: u16, detail: String },
    /// The provider answered something we cannot use; the message says which field.
    #[error("unexpected provider response: {0}")]
    Invalid(String),
}

/// What every call to a provider passes through: the budget of the credential it is made
/// with (shared by imports, polls, webhooks and the dialog, across instances). The clients
/// ask before each call and report what the provider said about its limits; they know
/// nothing of where the budget is kept.
pub trait CallGate: Send + Sync {
    /// One call's worth, or how long until there is one.
    fn take(&self) -> futures_util::future::BoxFuture<'_, Result<(), Duration>>;
    /// The provider answered 429 (with its Retry-After, if any).
    fn rate_limited(
        &self,
        retry_after: Option<Duration>,
    ) -> futures_util::future::BoxFuture<'_, ()>;
    /// The provider's own count for this credential (Eventbrite's `x-rate-limit`).
    fn observed(&self, used: u32, reset: Duration) -> futures_util::future::BoxFuture<'_, ()>;
}

pub type Gate = Option<std::sync::Arc<dyn CallGate>>;

/// Base URLs, all configurable so tests and the demo point at the simulator.
#[derive(Clone, Debug)]
pub struct ProviderUrls {
    pub eventbrite_api: String,
    pub eventbrite_oauth: String,
    pub luma_api: String,
}

impl Default for ProviderUrls {
    fn default() -> Self {
        ProviderUrls {
            eventbrite_api: "https://www.eventbriteapi.com/v3".into(),
            eventbrite_oauth: "https://www.eventbrite.com/oauth".into(),
            luma_api: "https://public-api.luma.com".into(),
        }
    }
}

/// What is stored (encrypted) for an integration. The secret is a `SecretString`: a debug
/// print shows `[REDACTED]`, and it is read only where a request needs it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Credential {
    EventbriteToken(#[serde(with = "secret_text")] SecretString),
    LumaApiKey(#[serde(with = "secret_text")] SecretString),
}

impl Credential {
    /// The credential's text, for the one header or fingerprint that needs it.
    pub fn secret(&self) -> &str {
        match self {
            Credential::EventbriteToken(s) | Credential::LumaApiKey(s) => s.expose_secret(),
        }
    }
}

impl PartialEq for Credential {
    fn eq(&self, other: &Credential) -> bool {
        use subtle::ConstantTimeEq;
        std::mem::discriminant(self) == std::mem::discriminant(other)
            && bool::from(self.secret().as_bytes().ct_eq(other.secret().as_bytes()))
    }
}
impl Eq for Credential {}

/// A secret inside the sealed blob: serialised as its plain text, which is then encrypted.
mod secret_text {
    use secrecy::{ExposeSecret, SecretString};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(secret: &SecretString, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(secret.expose_secret())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SecretString, D::Error> {
        String::deserialize(d).map(SecretString::from)
    }
}

/// A webhook the provider now delivers to us.
#[derive(Clone, Debug)]
pub struct WebhookRegistration {
    pub id: String,
    /// The secret deliveries are signed with (Luma's `whsec_...`); Eventbrite gives none.
    pub secret: Option<secrecy::SecretString>,
}

/// The provider account behind a credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub email: String,
}

/// One page of attendees and where the next one starts (an opaque cursor).
#[derive(Clone, Debug)]
pub struct Page {
    pub attendees: Vec<AttendeeRecord>,
    pub next: Option<String>,
    /// Total attendees, when the provider reports it.
    pub total: Option<i64>,
}

/// One client per integration, chosen by provider.
#[derive(Clone, Debug)]
pub enum ProviderClient {
    Eventbrite(EventbriteClient),
    Luma(LumaClient),
}

impl ProviderClient {
    pub fn new(
        urls: &ProviderUrls,
        credential: Credential,
    ) -> Result<ProviderClient, ProviderError> {
        ProviderClient::with_timeout(urls, credential, http::DEFAULT_TIMEOUT)
    }

    pub fn with_timeout(
        urls: &ProviderUrls,
        credential: Credential,
        timeout: Duration,
    ) -> Result<ProviderClient, ProviderError> {
        Ok(ProviderClient::with_http(
            http::client(timeout)?,
            urls,
            credential,
        ))
    }

    /// A client on a shared HTTP client (see [`http::client`] for its settings).
    pub fn with_http(
        http: reqwest::Client,
        urls: &ProviderUrls,
        credential: Credential,
    ) -> ProviderClient {
        match credential {
            Credential::EventbriteToken(token) => {
                ProviderClient::Eventbrite(EventbriteClient::new(http, &urls.eventbrite_api, token))
            }
            Credential::LumaApiKey(key) => {
                ProviderClient::Luma(LumaClient::new(http, &urls.luma_api, key))
            }
        }
    }

    /// The client with every call going through `gate`.
    pub fn gated(self, gate: std::sync::Arc<dyn CallGate>) -> ProviderClient {
        match self {
            ProviderClient::Eventbrite(mut c) => {
                c.gate = Some(gate);
                ProviderClient::Eventbrite(c)
            }
            ProviderClient::Luma(mut c) => {
                c.gate = Some(gate);
                ProviderClient::Luma(c)
            }
        }
    }

    pub fn provider(&self) -> Provider {
        match self {
            ProviderClient::Eventbrite(_) => Provider::Eventbrite,
            ProviderClient::Luma(_) => Provider::Luma,
        }
    }

    pub async fn whoami(&self) -> Result<Account, ProviderError> {
        match self {
            ProviderClient::Eventbrite(c) => c.whoami().await,
            ProviderClient::Luma(c) => c.whoami().await,
        }
    }

    pub async fn list_events(&self) -> Result<Vec<ProviderEvent>, ProviderError> {
        match self {
            ProviderClient::Eventbrite(c) => c.list_events().await,
            ProviderClient::Luma(c) => c.list_events().await,
        }
    }

    /// One page of an event's attendees. `changed_since` (ms) narrows the listing where the
    /// provider supports it (Eventbrite); Luma lists everything.
    pub async fn attendees_page(
        &self,
        event_id: &str,
        cursor: Option<&str>,
        changed_since: Option<i64>,
    ) -> Result<Page, ProviderError> {
        match self {
            ProviderClient::Eventbrite(c) => {
                c.attendees_page(event_id, cursor, changed_since).await
            }
            ProviderClient::Luma(c) => c.guests_page(event_id, cursor).await,
        }
    }

    /// How many attendees a complete listing will return, when the listing itself does not
    /// say (Luma: `guest_counts` on the event); Eventbrite's pages carry `object_count`.
    pub async fn expected_total(&self, event_id: &str) -> Result<Option<i64>, ProviderError> {
        match self {
            ProviderClient::Eventbrite(_) => Ok(None),
            ProviderClient::Luma(c) => c.expected_guests(event_id).await,
        }
    }

    pub async fn attendee(
        &self,
        event_id: &str,
        attendee_id: &str,
    ) -> Result<AttendeeRecord, ProviderError> {
        match self {
            ProviderClient::Eventbrite(c) => c.attendee(event_id, attendee_id).await,
            ProviderClient::Luma(c) => c.guest(event_id, attendee_id).await,
        }
    }

    /// Whether each listing page carries the listing's size (Eventbrite's `object_count`).
    pub fn pages_report_total(&self) -> bool {
        matches!(self, ProviderClient::Eventbrite(_))
    }

    /// Whether listings can be narrowed to what changed since a time (Eventbrite's
    /// `changed_since`); Luma has no such filter, so each of its polls lists everything.
    pub fn filters_by_change(&self) -> bool {
        matches!(self, ProviderClient::Eventbrite(_))
    }

    /// Whether one webhook covers the whole account (Luma: the calendar), so it is
    /// registered once per integration; Eventbrite's are per event.
    pub fn webhook_covers_account(&self) -> bool {
        matches!(self, ProviderClient::Luma(_))
    }

    /// Deletes a webhook being replaced (an Eventbrite event's, a Luma calendar's).
    pub async fn delete_webhook(&self, webhook_id: &str) -> Result<(), ProviderError> {
        match self {
            ProviderClient::Eventbrite(c) => c.delete_webhook(webhook_id).await,
            ProviderClient::Luma(c) => c.delete_webhook(webhook_id).await,
        }
    }

    /// Registers a webhook that posts to `url` about `event_id`; returns its id and, where the provider gives one, its signing secret.
    pub async fn register_webhook(
        &self,
        event_id: &str,
        url: &str,
    ) -> Result<WebhookRegistration, ProviderError> {
        match self {
            ProviderClient::Eventbrite(c) => c.register_webhook(event_id, url).await,
            ProviderClient::Luma(c) => c.register_webhook(url).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Credential;

    #[test]
    fn a_credential_never_prints_its_secret_and_seals_as_its_text() {
        let token = Credential::EventbriteToken("eb-secret-token".into());
        let shown = format!(
            "{token:?} {:?}",
            Credential::LumaApiKey("luma-secret".into())
        );
        assert!(
            !shown.contains("eb-secret-token") && !shown.contains("luma-secret"),
            "{shown}"
        );
        assert!(
            shown.contains("EventbriteToken") && shown.contains("LumaApiKey"),
            "{shown}"
        );
        // The sealed form (before encryption) is the same JSON as when it held a String, so
        // credentials stored before still open.
        let json = serde_json::to_string(&token).unwrap();
        assert_eq!(json, r#"{"EventbriteToken":"eb-secret-token"}"#);
        let back: Credential = serde_json::from_str(&json).unwrap();
        assert_eq!(back, token);
        assert_ne!(back, Credential::LumaApiKey("eb-secret-token".into()));
        assert_ne!(back, Credential::EventbriteToken("eb-secret-tokeN".into()));
    }
}
