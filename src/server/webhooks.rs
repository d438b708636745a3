//! Provider webhooks. The endpoint URL carries the integration's unguessable token; a
//! delivery is a hint only: it is parsed (400 when malformed), queued, and answered at once,
//! and a background worker fetches the named attendee from the provider with the
//! integration's own credential before upserting it. Duplicate or out-of-order deliveries
//! are harmless: each one re-reads the provider's current state. A hint lost to a full queue
//! or a restart is caught by the polling safety net.

use crate::domain::webhook::{self, WebhookHint};
use crate::domain::Provider;
use crate::server::db::{attendees, events, integrations as store, runs, DbError};
use crate::server::integrations;
use crate::server::providers::{ProviderClient, ProviderError};
use crate::server::sync::retry::RetryPolicy;
use crate::server::webhook_signature;
use crate::server::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use http::StatusCode;
use std::sync::Arc;
use tokio::sync::{mpsc, Semaphore};

/// Deliveries waiting for a worker; beyond this the endpoint answers 503 and the provider
/// retries later.
const QUEUE: usize = 10_000;
/// Deliveries processed at once.
const WORKERS: usize = 16;

/// One delivery to process.
#[derive(Debug)]
pub struct Delivery {
    pub workspace_id: String,
    pub integration_id: String,
    pub hint: WebhookHint,
}

#[derive(Clone)]
pub struct WebhookQueue(mpsc::Sender<Delivery>);

impl WebhookQueue {
    /// The queue and its receiving end, for [`spawn_workers`] once the app state exists.
    pub fn new() -> (WebhookQueue, mpsc::Receiver<Delivery>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        (WebhookQueue(tx), rx)
    }
}

pub fn spawn_workers(state: AppState, mut rx: mpsc::Receiver<Delivery>) {
    tokio::spawn(async move {
        let slots = Arc::new(Semaphore::new(WORKERS));
        while let Some(delivery) = rx.recv().await {
            let permit = slots.clone().acquire_owned().await.expect("semaphore open");
            let state = state.clone();
            tokio::spawn(async move {
                if let Err(error) = process(&state, delivery).await {
                    tracing::warn!(%error, "webhook delivery not applied; the next poll will catch up");
                }
                drop(permit);
            });
        }
    });
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/webhooks/eventbrite/{token}", post(eventbrite))
        .route("/webhooks/luma/{token}", post(luma))
}

async fn eventbrite(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let api = state.config.providers.eventbrite_api.clone();
    receive(
        &state,
        Provider::Eventbrite,
        &token,
        &headers,
        &body,
        || webhook::eventbrite(&body, &api),
    )
    .await
}

async fn luma(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    receive(&state, Provider::Luma, &token, &headers, &body, || {
        webhook::luma(&body)
    })
    .await
}

/// Asks the provider to post changes to this integration's webhook URL, and keeps the signing
/// secret it gives back (sealed). An account-wide webhook is registered once per integration
/// (again after a reconnect, which clears it). A failure is logged and tolerated: the polling
/// safety net covers an event without webhooks.
pub async fn register(
    state: &AppState,
    client: &ProviderClient,
    integration_id: &str,
    provider_event_id: &str,
) {
    let pool = &state.db.pool;
    let token = match store::webhook_registration(pool, integration_id).await {
        Ok(Some((_, Some(_)))) if client.webhook_covers_account() => return,
        Ok(Some((token, _))) => token,
        _ => return,
    };
    let slug = match client.provider() {
        Provider::Eventbrite => "eventbrite",
        Provider::Luma => "luma",
    };
    let url = format!("{}/webhooks/{slug}/{token}", state.config.public_url());
    let registration = match client.register_webhook(provider_event_id, &url).await {
        Ok(registration) => registration,
        Err(error) => {
            tracing::warn!(integration = %integration_id, %error, "webhook not registered; polling covers");
            return;
        }
    };
    tracing::info!(integration = %integration_id, webhook = %registration.id, "webhook registered");
    if client.webhook_covers_account() {
        let sealed = registration
            .secret
            .as_ref()
            .map(|secret| state.cipher.seal(&secret_row(integration_id), secret));
        let saved =
            store::save_webhook(pool, integration_id, &registration.id, sealed.as_deref()).await;
        if let Err(error) = saved {
            tracing::warn!(integration = %integration_id, %error, "webhook registration not saved");
        }
    }
}

/// The row id a webhook signing secret is sealed under (apart from the credentials').
fn secret_row(integration_id: &str) -> String {
    format!("{integration_id}/webhook-secret")
}

/// A delivery to an integration that holds a signing secret must carry a valid signature;
/// an integration the provider gave no secret (Eventbrite) relies on the URL token and on
/// re-fetching what the delivery names.
fn signature_check(
    state: &AppState,
    target: &store::WebhookTarget,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), String> {
    let Some(sealed) = &target.sealed_secret else {
        return Ok(());
    };
    let secret: String = state
        .cipher
        .open(&secret_row(&target.integration_id), sealed)
        .map_err(|e| format!("stored secret unreadable: {e}"))?;
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let signed = webhook_signature::Signed {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
    };
    webhook_signature::verify(&secret, signed, body, chrono::Utc::now().timestamp())
        .map_err(|e| e.to_string())
}

async fn receive(
    state: &AppState,
    provider: Provider,
    token: &str,
    headers: &HeaderMap,
    body: &[u8],
    parse: impl FnOnce() -> Result<WebhookHint, webhook::WebhookError>,
) -> Response {
    let found = match store::by_webhook_token(&state.db.pool, provider, token).await {
        Ok(found) => found,
        Err(error) => {
            tracing::error!(%error, "webhook: integration lookup failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let Some(target) = found else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if let Err(error) = signature_check(state, &target, headers, body) {
        tracing::warn!(%error, integration = %target.integration_id, "webhook: signature refused");
        let body = serde_json::json!({ "error": "invalid signature" });
        return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    }
    let store::WebhookTarget {
        workspace_id,
        integration_id,
        ..
    } = target;
    let hint = match parse() {
        Ok(hint) => hint,
        Err(error) => {
            tracing::warn!(%error, integration = %integration_id, "webhook: malformed delivery refused");
            let body = serde_json::json!({ "error": error.to_string() });
            return (StatusCode::BAD_REQUEST, Json(body)).into_response();
        }
    };
    if hint == WebhookHint::Ignored {
        return StatusCode::OK.into_response();
    }
    let delivery = Delivery {
        workspace_id,
        integration_id,
        hint,
    };
    match state.webhooks.0.try_send(delivery) {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        Err(_) => {
            tracing::warn!("webhook queue full; asking the provider to retry");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("provider: {0}")]
    Provider(#[from] ProviderError),
    #[error("integration: {0}")]
    Integration(#[from] integrations::IntegrationError),
}

/// Fetches what the delivery names and upserts it into the event that syncs through the
/// integration; anything else (an event not in Lanyard, a severed event) is dropped.
pub async fn process(state: &AppState, delivery: Delivery) -> Result<(), WebhookError> {
    let pool = &state.db.pool;
    let Some(client) =
        integrations::client(state, &delivery.workspace_id, &delivery.integration_id).await?
    else {
        return Ok(());
    };
    let started_at = crate::server::now_ms();
    let retry = RetryPolicy::default();
    let mut calls = 0;
    let fetched = match &delivery.hint {
        WebhookHint::EventbriteAttendee {
            event_id,
            attendee_id,
        }
        | WebhookHint::LumaGuest {
            event_id,
            guest_id: attendee_id,
        } => retry
            .run(&mut calls, || client.attendee(event_id, attendee_id))
            .await
            .map(|record| (event_id.clone(), vec![record])),
        WebhookHint::EventbriteOrder { order_id } => match &client {
            crate::server::providers::ProviderClient::Eventbrite(eb) => {
                retry.run(&mut calls, || eb.order(order_id)).await
            }
            _ => return Ok(()),
        },
        WebhookHint::Ignored => return Ok(()),
    };
    let (provider_event_id, records) = match fetched {
        Ok(fetched) => fetched,
        Err(ProviderError::Unauthorized) => {
            integrations::credential_rejected(state, &delivery.integration_id).await?;
            return Ok(());
        }
        Err(other) => return Err(other.into()),
    };
    let Some(event_id) =
        events::synced_through(pool, &delivery.integration_id, &provider_event_id).await?
    else {
        return Ok(());
    };
    let existing = attendees::existing(pool, &event_id, &records).await?;
    let mut tx = pool.begin().await.map_err(DbError::from)?;
    let counts = attendees::upsert_page(&mut tx, &event_id, &records, &existing).await?;
    runs::record_webhook(
        &mut tx,
        &delivery.workspace_id,
        &event_id,
        started_at,
        &counts,
        calls,
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    tracing::debug!(event = %event_id, ?counts, "webhook applied");
    let changed: Vec<String> = records
        .iter()
        .map(|r| r.provider_attendee_id.clone())
        .collect();
    state
        .live
        .publish_event_with(pool, &event_id, changed)
        .await;
    Ok(())
}
