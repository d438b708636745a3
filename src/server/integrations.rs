//! Connecting, checking and removing provider accounts.

use super::auth::Member;
use super::db::{integrations as store, DbError};
use super::providers::{Credential, ProviderClient, ProviderError};
use super::AppState;
use crate::domain::views::IntegrationSummary;
use crate::domain::IntegrationId;
use crate::domain::IntegrationStatus;
use crate::domain::WorkspaceId;

#[derive(Debug, thiserror::Error)]
pub enum IntegrationError {
    #[error("the provider rejected this credential")]
    Rejected,
    #[error("could not reach {0}: {1}")]
    Unreachable(&'static str, ProviderError),
    #[error("integration not found")]
    NotFound,
    /// A reconnect with a credential of another provider account than the card's.
    #[error("the credential belongs to another account")]
    OtherAccount,
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("stored credentials: {0}")]
    Crypto(#[from] super::crypto::CryptoError),
}

/// Checks a credential with the provider ("who am I") and saves it, encrypted, as a
/// CONNECTED integration: a new one, or the same account's existing one updated in place.
pub async fn connect(
    state: &AppState,
    member: &Member,
    credential: Credential,
) -> Result<IntegrationSummary, IntegrationError> {
    let (client, account) = check_credential(state, &credential).await?;
    let identity = account_identity(&credential, &account.id);
    let existing = store::find_by_account(
        &state.db.pool,
        &member.workspace_id,
        client.provider(),
        &identity,
    )
    .await?;
    save(state, member, &client, &credential, &account, existing).await
}

/// Reconnect on one integration's card: a new credential for the same provider account,
/// saved into that integration in place, so its events can recover.
pub async fn reconnect(
    state: &AppState,
    member: &Member,
    id: &IntegrationId,
    credential: Credential,
) -> Result<IntegrationSummary, IntegrationError> {
    let pool = &state.db.pool;
    let (provider, stored_identity) = store::account_of(pool, &member.workspace_id, id)
        .await?
        .ok_or(IntegrationError::NotFound)?;
    let (client, account) = check_credential(state, &credential).await?;
    if client.provider() != provider || identity_account(&stored_identity) != account.id {
        return Err(IntegrationError::OtherAccount);
    }
    save(
        state,
        member,
        &client,
        &credential,
        &account,
        Some(id.clone()),
    )
    .await
}

/// How a provider account is told apart. An Eventbrite token speaks for the user's account.
/// A Luma key is scoped to one calendar, but `get-self` names only the user, and one user may
/// hold keys for several calendars: those are different integrations, told apart by a
/// fingerprint of the key (a truncated SHA-256; the key itself is only stored encrypted).
fn account_identity(credential: &Credential, account_id: &str) -> String {
    use sha2::{Digest, Sha256};
    match credential {
        Credential::EventbriteToken(_) => account_id.to_string(),
        Credential::LumaApiKey(_) => {
            let digest = Sha256::digest(credential.secret().as_bytes());
            let fingerprint: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
            format!("{account_id}#{fingerprint}")
        }
    }
}

/// The provider account an identity from [`account_identity`] belongs to.
fn identity_account(identity: &str) -> &str {
    identity
        .split_once('#')
        .map_or(identity, |(account, _)| account)
}

async fn check_credential(
    state: &AppState,
    credential: &Credential,
) -> Result<(ProviderClient, super::providers::Account), IntegrationError> {
    let client = ProviderClient::with_http(
        state.http.clone(),
        &state.config.providers,
        credential.clone(),
    )
    .gated(state.budgets.gate(&state.db.pool, credential));
    let provider = client.provider();
    let account = client.whoami().await.map_err(|e| match e {
        ProviderError::Unauthorized => IntegrationError::Rejected,
        // Luma answers 403 for a key without access; to the admin that is a rejected key too.
        ProviderError::Refused {
            status: 400 | 403, ..
        } => IntegrationError::Rejected,
        other => IntegrationError::Unreachable(provider.label(), other),
    })?;
    Ok((client, account))
}

/// Saves a checked credential, encrypted: into `existing` in place, or as a new integration.
async fn save(
    state: &AppState,
    member: &Member,
    client: &ProviderClient,
    credential: &Credential,
    account: &super::providers::Account,
    existing: Option<IntegrationId>,
) -> Result<IntegrationSummary, IntegrationError> {
    let pool = &state.db.pool;
    let provider = client.provider();
    let identity = account_identity(credential, &account.id);
    let id = existing.clone().unwrap_or_else(IntegrationId::mint);
    let sealed = state.cipher.seal(&id, credential);
    let connection = store::Connection {
        workspace_id: &member.workspace_id,
        provider,
        provider_account_id: &identity,
        account_email: &account.email,
        connected_by: &member.user_id,
    };
    store::save(
        pool,
        &id,
        existing.is_some(),
        connection,
        &sealed,
        &webhook_token(),
    )
    .await?;
    tracing::info!(integration = %id, provider = provider.as_str(), reconnect = existing.is_some(), "integration connected");
    store::get(pool, &member.workspace_id, &id)
        .await?
        .ok_or(IntegrationError::NotFound)
}

/// A client for a CONNECTED integration; `None` when it is disconnected (no calls go out on
/// a rejected credential until someone reconnects).
pub async fn client(
    state: &AppState,
    workspace_id: &WorkspaceId,
    id: &IntegrationId,
) -> Result<Option<ProviderClient>, IntegrationError> {
    Ok(versioned_client(state, workspace_id, id)
        .await?
        .map(|(client, _)| client))
}

/// The client and the credential it holds, in its sealed form: a rejection seen on it is
/// reported with that form, so it can only disconnect the credential it was made with.
pub async fn versioned_client(
    state: &AppState,
    workspace_id: &WorkspaceId,
    id: &IntegrationId,
) -> Result<Option<(ProviderClient, String)>, IntegrationError> {
    let stored = store::stored(&state.db.pool, workspace_id, id)
        .await?
        .ok_or(IntegrationError::NotFound)?;
    if stored.status != IntegrationStatus::Connected {
        return Ok(None);
    }
    let credential: Credential = state.cipher.open(id, &stored.sealed)?;
    let gate = state.budgets.gate(&state.db.pool, &credential);
    let client = ProviderClient::with_http(state.http.clone(), &state.config.providers, credential)
        .gated(gate);
    Ok(Some((client, stored.sealed)))
}

/// Asks the provider whether the credential still works; a rejection disconnects it.
pub async fn check(
    state: &AppState,
    member: &Member,
    id: &IntegrationId,
) -> Result<IntegrationSummary, IntegrationError> {
    if let Some((client, seen)) = versioned_client(state, &member.workspace_id, id).await? {
        match client.whoami().await {
            Ok(_) => {}
            Err(ProviderError::Unauthorized) => credential_rejected(state, id, Some(&seen)).await?,
            Err(other) => {
                return Err(IntegrationError::Unreachable(
                    client.provider().label(),
                    other,
                ))
            }
        }
    }
    store::get(&state.db.pool, &member.workspace_id, id)
        .await?
        .ok_or(IntegrationError::NotFound)
}

/// The provider rejected the integration's credential (a 401 anywhere: a job, a webhook, a
/// check, the Import dialog). The integration and every event on it turn DISCONNECTED and
/// their open pages hear of it; no further call goes out on it until someone reconnects.
pub async fn credential_rejected(
    state: &AppState,
    id: &IntegrationId,
    seen: Option<&str>,
) -> Result<(), DbError> {
    let pool = &state.db.pool;
    let Some(events) = store::credential_rejected(pool, id, seen).await? else {
        tracing::info!(integration = %id, "a replaced credential was rejected; the integration stays connected");
        return Ok(());
    };
    tracing::warn!(integration = %id, events = events.len(), "credential rejected: integration and its events disconnected");
    for event_id in &events {
        state.live.publish_event(pool, event_id).await;
    }
    Ok(())
}

/// Removes an integration; its events turn DISCONNECTED (open pages are told) and wait to be
/// re-linked. `false` when there was no such integration in the workspace.
pub async fn remove(
    state: &AppState,
    member: &Member,
    id: &IntegrationId,
) -> Result<bool, DbError> {
    let pool = &state.db.pool;
    let Some(events) = store::remove(pool, &member.workspace_id, id).await? else {
        return Ok(false);
    };
    tracing::info!(integration = %id, by = %member.user_id, events = events.len(), "integration removed");
    for event_id in &events {
        state.live.publish_event(pool, event_id).await;
    }
    Ok(true)
}

fn webhook_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
    URL_SAFE_NO_PAD.encode(bytes)
}
