//! Provider webhooks. The endpoint URL carries the integration's unguessable token. A
//! delivery is parsed (400 when malformed), queued, and answered at once.
//!
//! Eventbrite signs nothing, so its delivery is a hint only: a background worker fetches the
//! named attendee or order with the integration's own credential before upserting it.
//! Luma's deliveries are signed (either scheme of `webhook_signature`) and carry the whole
//! guest: a verified one is applied from its payload, a replayed one is refused, and an
//! integration without a stored secret accepts none. Out-of-order copies are harmless: the
//! upsert never lets an older copy overwrite a newer one. A delivery lost to a full queue or
//! a restart is caught by the polling safety net.

use crate::domain::webhook::{self, WebhookHint};
use crate::domain::webhook_signature;
use crate::domain::IntegrationId;
use crate::domain::Provider;
use crate::domain::WorkspaceId;
use crate::server::db::{attendees, events, integrations as store, runs, DbError};
use crate::server::integrations;
use crate::server::providers::{ProviderClient, ProviderError};
use crate::server::sync::retry::RetryPolicy;
use crate::server::web::HttpError;
use crate::server::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;

use axum::routing::post;
use axum::Router;
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
    pub workspace_id: WorkspaceId,
    pub integration_id: IntegrationId,
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
) -> Result<StatusCode, HttpError> {
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
) -> Result<StatusCode, HttpError> {
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
    integration_id: &IntegrationId,
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
    if !client.webhook_covers_account() {
        // The event's previous webhook (an earlier import) is replaced: delete it, so the
        // provider does not deliver every change twice.
        let old = events::webhook_id(pool, integration_id, provider_event_id).await;
        if let Ok(Some(old)) = old.as_ref() {
            if *old != registration.id {
                if let Err(error) = client.delete_webhook(old).await {
                    tracing::warn!(%error, webhook = %old, "old webhook not deleted");
                }
            }
        }
        if let Err(error) =
            events::save_webhook_id(pool, integration_id, provider_event_id, &registration.id).await
        {
            tracing::warn!(%error, "webhook id not saved");
        }
    }
    if client.webhook_covers_account() {
        let sealed = registration.secret.as_ref().map(|secret| {
            state.cipher.seal(
                &secret_row(integration_id),
                &secrecy::ExposeSecret::expose_secret(secret).to_string(),
            )
        });
        let saved =
            store::save_webhook(pool, integration_id, &registration.id, sealed.as_deref()).await;
        if let Err(error) = saved {
            tracing::warn!(integration = %integration_id, %error, "webhook registration not saved");
        }
        // The webhook the previous key made (before a reconnect) is deleted with the new one.
        if let Ok(Some(old)) = store::replaced_webhook(pool, integration_id).await {
            match client.delete_webhook(&old).await {
                Ok(()) => {
                    let _ = store::replaced_webhook_deleted(pool, integration_id).await;
                }
                Err(error) => {
                    tracing::warn!(%error, webhook = %old, "replaced webhook not deleted")
                }
            }
        }
    }
}

/// The row id a webhook signing secret is sealed under (apart from the credentials').
fn secret_row(integration_id: &IntegrationId) -> String {
    format!("{integration_id}/webhook-secret")
}

/// What a verified signature tells about a delivery.
struct Verified<'a> {
    scheme: webhook_signature::Scheme,
    delivery_id: &'a str,
}

/// Luma deliveries must carry a valid signature from the secret Luma gave at registration:
/// with no stored secret there is nothing to trust them by, so they are refused (fail
/// closed). Eventbrite signs nothing: its deliveries rely on the URL token and on
/// re-fetching what they name (`Ok(None)`).
fn signature_check<'h>(
    state: &AppState,
    provider: Provider,
    target: &store::WebhookTarget,
    headers: &'h HeaderMap,
    body: &[u8],
) -> Result<Option<Verified<'h>>, String> {
    if provider == Provider::Eventbrite {
        return Ok(None);
    }
    let Some(sealed) = &target.sealed_secret else {
        return Err("no signing secret is stored for this integration".into());
    };
    let secret: String = state
        .cipher
        .open(&secret_row(&target.integration_id), sealed)
        .map_err(|e| format!("stored secret unreadable: {e}"))?;
    let signed = webhook_signature::Signed::from_headers(headers);
    let scheme = webhook_signature::verify(&secret, signed, body, chrono::Utc::now().timestamp())
        .map_err(|e| e.to_string())?;
    Ok(Some(Verified {
        scheme,
        delivery_id: signed.delivery_id().unwrap_or_default(),
    }))
}

async fn receive(
    state: &AppState,
    provider: Provider,
    token: &str,
    headers: &HeaderMap,
    body: &[u8],
    parse: impl FnOnce() -> Result<WebhookHint, webhook::WebhookError>,
) -> Result<StatusCode, HttpError> {
    // A database failure answers 503 throughout: the provider retries its delivery.
    let target = store::by_webhook_token(&state.db.pool, provider, token)
        .await
        .map_err(HttpError::unavailable)?
        .ok_or(HttpError::NotFound)?;
    let verified = signature_check(state, provider, &target, headers, body).map_err(|error| {
        tracing::warn!(%error, integration = %target.integration_id, "webhook: signature refused");
        HttpError::Refused(StatusCode::UNAUTHORIZED, "invalid signature".into())
    })?;
    if let Some(v) = &verified {
        let window = 2 * webhook_signature::TOLERANCE_SECS * 1000;
        let first = store::first_delivery(
            &state.db.pool,
            &target.integration_id,
            v.delivery_id,
            window,
        )
        .await
        .map_err(HttpError::unavailable)?;
        if !first {
            tracing::warn!(integration = %target.integration_id, "webhook: replayed delivery refused");
            return Err(HttpError::Refused(
                StatusCode::CONFLICT,
                "delivery already received".into(),
            ));
        }
        if let Err(error) =
            store::record_webhook_scheme(&state.db.pool, &target.integration_id, v.scheme.as_str())
                .await
        {
            tracing::warn!(%error, "webhook: signature scheme not recorded");
        }
        tracing::debug!(integration = %target.integration_id, scheme = v.scheme.as_str(), "webhook: signature verified");
    }
    let store::WebhookTarget {
        workspace_id,
        integration_id,
        ..
    } = target;
    let hint = match parse() {
        // A guest carried by a delivery is versioned by when it arrived, on the same clock
        // as the read times of listed guests (the signature's time has only whole seconds):
        // a page read before it never overwrites it.
        Ok(WebhookHint::LumaGuest {
            event_id,
            guest_id,
            guest,
        }) => WebhookHint::LumaGuest {
            event_id,
            guest_id,
            guest: guest.map(|mut g| {
                g.provider_changed_at.get_or_insert(crate::server::now_ms());
                g
            }),
        },
        Ok(hint) => hint,
        Err(error) => {
            tracing::warn!(%error, integration = %integration_id, "webhook: malformed delivery refused");
            return Err(HttpError::Refused(
                StatusCode::BAD_REQUEST,
                error.to_string(),
            ));
        }
    };
    if matches!(hint, WebhookHint::Ignored | WebhookHint::EventbriteTest) {
        return Ok(StatusCode::OK);
    }
    let delivery = Delivery {
        workspace_id,
        integration_id,
        hint,
    };
    state
        .webhooks
        .0
        .try_send(delivery)
        .map(|()| StatusCode::ACCEPTED)
        .map_err(|_| HttpError::unavailable("webhook queue full; asking the provider to retry"))
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
    let Some((client, seen)) =
        integrations::versioned_client(state, &delivery.workspace_id, &delivery.integration_id)
            .await?
    else {
        return Ok(());
    };
    let started_at = crate::server::now_ms();
    let retry = RetryPolicy::default();
    let mut calls = 0;
    let fetched = match &delivery.hint {
        // The verified delivery carries the whole guest: applied as it came, no call.
        WebhookHint::LumaGuest {
            event_id,
            guest: Some(guest),
            ..
        } => Ok((event_id.clone(), vec![(**guest).clone()])),
        WebhookHint::EventbriteAttendee {
            event_id,
            attendee_id,
        }
        | WebhookHint::LumaGuest {
            event_id,
            guest_id: attendee_id,
            guest: None,
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
        WebhookHint::Ignored | WebhookHint::EventbriteTest => return Ok(()),
    };
    let (provider_event_id, records) = match fetched {
        Ok(fetched) => fetched,
        Err(ProviderError::Unauthorized) => {
            integrations::credential_rejected(state, &delivery.integration_id, Some(&seen)).await?;
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
