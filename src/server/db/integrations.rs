use super::DbError;
use crate::domain::views::IntegrationSummary;
use crate::domain::WorkspaceId;
use crate::domain::{EventId, IntegrationId};
use crate::domain::{IntegrationStatus, Provider};
use crate::server::now_ms;
use sqlx::{AnyPool, Row};

/// A workspace's integrations for the Settings page. The credentials column is never
/// selected here: what leaves this function may reach a browser.
pub async fn list(
    pool: &AnyPool,
    workspace_id: &WorkspaceId,
) -> Result<Vec<IntegrationSummary>, DbError> {
    let sql = format!("{SUMMARY_SELECT} WHERE workspace_id = $1 ORDER BY provider, connected_at");
    Ok(sqlx::query_as(&sql)
        .bind(workspace_id)
        .fetch_all(pool)
        .await?)
}

pub async fn get(
    pool: &AnyPool,
    workspace_id: &WorkspaceId,
    id: &IntegrationId,
) -> Result<Option<IntegrationSummary>, DbError> {
    let sql = format!("{SUMMARY_SELECT} WHERE workspace_id = $1 AND id = $2");
    Ok(sqlx::query_as(&sql)
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(pool)
        .await?)
}

const SUMMARY_SELECT: &str =
    "SELECT id, provider, account_email, status, connected_at, last_error FROM integrations";

/// A connection to save: the account a credential belongs to, and the sealed credential.
pub struct Connection<'a> {
    pub workspace_id: &'a str,
    pub provider: Provider,
    pub provider_account_id: &'a str,
    pub account_email: &'a str,
    pub connected_by: &'a str,
}

/// The id of this workspace's integration with that provider account, if it has one.
pub async fn find_by_account(
    pool: &AnyPool,
    workspace_id: &WorkspaceId,
    provider: Provider,
    provider_account_id: &str,
) -> Result<Option<IntegrationId>, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM integrations WHERE workspace_id = $1 AND provider = $2 AND provider_account_id = $3",
    )
    .bind(workspace_id)
    .bind(provider.as_str())
    .bind(provider_account_id)
    .fetch_optional(pool)
    .await?)
}

/// The provider and account identity of one integration in one workspace.
pub async fn account_of(
    pool: &AnyPool,
    workspace_id: &WorkspaceId,
    id: &IntegrationId,
) -> Result<Option<(Provider, String)>, DbError> {
    let row = sqlx::query(
        "SELECT provider, provider_account_id FROM integrations WHERE workspace_id = $1 AND id = $2",
    )
    .bind(workspace_id)
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok((
            r.try_get::<Provider, _>("provider")?,
            r.get("provider_account_id"),
        ))
    })
    .transpose()
}

/// Saves a connection: a new row, or the existing row for the same account updated in place
/// (so a reconnect brings its events back). `sealed` must be sealed for the row id `id`.
pub async fn save(
    pool: &AnyPool,
    id: &IntegrationId,
    existing: bool,
    c: Connection<'_>,
    sealed: &str,
    webhook_token: &str,
) -> Result<(), DbError> {
    let now = crate::server::now_ms();
    let query = if existing {
        sqlx::query(
            "UPDATE integrations SET account_email = $2, status = 'CONNECTED', credentials = $3,
                connected_by = $4, connected_at = $5, disconnected_at = NULL, last_error = NULL, updated_at = $5,
                provider_account_id = $7, replaced_webhook_id = COALESCE(webhook_id, replaced_webhook_id),
                webhook_id = NULL, webhook_secret = NULL
             WHERE id = $1 AND workspace_id = $6",
        )
        .bind(id)
        .bind(c.account_email)
        .bind(sealed)
        .bind(c.connected_by)
        .bind(now)
        .bind(c.workspace_id)
        .bind(c.provider_account_id)
    } else {
        sqlx::query(
            "INSERT INTO integrations (id, workspace_id, provider, provider_account_id, account_email, status,
                credentials, webhook_token, connected_by, connected_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, 'CONNECTED', $6, $7, $8, $9, $9, $9)",
        )
        .bind(id)
        .bind(c.workspace_id)
        .bind(c.provider.as_str())
        .bind(c.provider_account_id)
        .bind(c.account_email)
        .bind(sealed)
        .bind(webhook_token)
        .bind(c.connected_by)
        .bind(now)
    };
    query
        .execute(pool)
        .await
        .map_err(|e| DbError::on_unique(e, "this integration"))?;
    Ok(())
}

/// The sealed credential and provider of one integration in one workspace.
pub struct Stored {
    pub provider: Provider,
    pub status: IntegrationStatus,
    pub sealed: String,
}

pub async fn stored(
    pool: &AnyPool,
    workspace_id: &WorkspaceId,
    id: &IntegrationId,
) -> Result<Option<Stored>, DbError> {
    let row = sqlx::query("SELECT provider, status, credentials FROM integrations WHERE workspace_id = $1 AND id = $2")
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.map(|r| {
        Ok(Stored {
            provider: r.try_get::<Provider, _>("provider")?,
            status: r.try_get::<IntegrationStatus, _>("status")?,
            sealed: r.get("credentials"),
        })
    })
    .transpose()
}

/// The provider rejected the credential: no further calls go out on it until a reconnect.
pub async fn mark_disconnected(
    pool: &AnyPool,
    id: &IntegrationId,
    error: &str,
) -> Result<(), DbError> {
    let now = crate::server::now_ms();
    sqlx::query(
        "UPDATE integrations SET status = 'DISCONNECTED', disconnected_at = $2, last_error = $3, updated_at = $2
         WHERE id = $1 AND status = 'CONNECTED'",
    )
    .bind(id)
    .bind(now)
    .bind(error)
    .execute(pool)
    .await?;
    Ok(())
}

/// What a rejected credential leaves behind, in the integration's own `last_error`.
pub const REJECTED: &str = "The provider rejected the credential.";

/// The provider rejected the credential a call was made with (`seen`: its sealed form, as
/// read before the call): the integration and its events are disconnected. `None` when the
/// integration holds another credential by now (reconnected while the call was out): a
/// rejection of the old one says nothing about the new, and changes nothing. Otherwise
/// returns the events, so the caller can tell their open pages.
pub async fn credential_rejected(
    pool: &AnyPool,
    id: &IntegrationId,
    seen: Option<&str>,
) -> Result<Option<Vec<EventId>>, DbError> {
    // The integration and its events turn DISCONNECTED together, or not at all. The write
    // comes first, so on SQLite the transaction holds the write lock from its start (a read
    // that later writes can fail against a concurrent writer); it is fenced on `seen`: a
    // reconnect in between wins.
    let mut tx = pool.begin().await?;
    let now = now_ms();
    sqlx::query(
        "UPDATE integrations SET status = 'DISCONNECTED', disconnected_at = $2, last_error = $3, updated_at = $2
         WHERE id = $1 AND status = 'CONNECTED' AND ($4 IS NULL OR credentials = $4)",
    )
    .bind(id)
    .bind(now)
    .bind(REJECTED)
    .bind(seen)
    .execute(&mut *tx)
    .await?;
    let current: Option<(String, String)> =
        sqlx::query_as("SELECT status, credentials FROM integrations WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let replaced = |c: &str| seen.is_some_and(|seen| seen != c);
    match &current {
        Some((status, credentials)) if status == "CONNECTED" || replaced(credentials) => {
            return Ok(None)
        }
        _ => {}
    }
    let events = super::events::disconnect_all_on(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Some(events))
}

/// Removes an integration. Its events stay, DISCONNECTED with no integration, until an admin
/// re-links them to another account (the Reconnect dialog). Returns those events, or `None`
/// when there was no such integration.
pub async fn remove(
    pool: &AnyPool,
    workspace_id: &WorkspaceId,
    id: &IntegrationId,
) -> Result<Option<Vec<EventId>>, DbError> {
    if get(pool, workspace_id, id).await?.is_none() {
        return Ok(None);
    }
    // Its events are disconnected in the same transaction as the delete; the first write
    // takes SQLite's write lock before the events are read.
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE integrations SET updated_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
    let orphaned = super::events::disconnect_all_on(&mut tx, id).await?;
    let done = sqlx::query("DELETE FROM integrations WHERE workspace_id = $1 AND id = $2")
        .bind(workspace_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok((done.rows_affected() > 0).then_some(orphaned))
}

/// The integration a webhook URL's token belongs to.
#[derive(sqlx::FromRow)]
pub struct WebhookTarget {
    pub workspace_id: WorkspaceId,
    #[sqlx(rename = "id")]
    pub integration_id: IntegrationId,
    /// The provider's signing secret for deliveries, sealed, when it gave one.
    #[sqlx(rename = "webhook_secret")]
    pub sealed_secret: Option<String>,
}

pub async fn by_webhook_token(
    pool: &AnyPool,
    provider: Provider,
    token: &str,
) -> Result<Option<WebhookTarget>, DbError> {
    Ok(sqlx::query_as(
        "SELECT workspace_id, id, webhook_secret FROM integrations WHERE webhook_token = $1 AND provider = $2",
    )
    .bind(token)
    .bind(provider.as_str())
    .fetch_optional(pool)
    .await?)
}

/// The account-wide webhook a reconnect replaced, still to be deleted on the provider.
pub async fn replaced_webhook(
    pool: &AnyPool,
    id: &IntegrationId,
) -> Result<Option<String>, DbError> {
    Ok(
        sqlx::query_scalar("SELECT replaced_webhook_id FROM integrations WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?
            .flatten(),
    )
}

pub async fn replaced_webhook_deleted(pool: &AnyPool, id: &IntegrationId) -> Result<(), DbError> {
    sqlx::query("UPDATE integrations SET replaced_webhook_id = NULL WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Records a signed delivery's id; `false` when it was already seen within the window (a
/// replay). The primary key decides, so two instances receiving the same delivery at once
/// accept it once.
pub async fn first_delivery(
    pool: &AnyPool,
    integration_id: &IntegrationId,
    delivery_id: &str,
    window_ms: i64,
) -> Result<bool, DbError> {
    let now = now_ms();
    sqlx::query("DELETE FROM webhook_deliveries WHERE received_at < $1")
        .bind(now - window_ms)
        .execute(pool)
        .await?;
    let inserted = sqlx::query(
        "INSERT INTO webhook_deliveries (integration_id, delivery_id, received_at) VALUES ($1, $2, $3)
         ON CONFLICT (integration_id, delivery_id) DO NOTHING",
    )
    .bind(integration_id)
    .bind(delivery_id)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Notes which signature scheme the integration's deliveries verify with.
pub async fn record_webhook_scheme(
    pool: &AnyPool,
    integration_id: &IntegrationId,
    scheme: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE integrations SET webhook_scheme = $2
         WHERE id = $1 AND (webhook_scheme IS NULL OR webhook_scheme <> $2)",
    )
    .bind(integration_id)
    .bind(scheme)
    .execute(pool)
    .await?;
    Ok(())
}

/// The scheme last recorded, if any.
pub async fn webhook_scheme(
    pool: &AnyPool,
    integration_id: &IntegrationId,
) -> Result<Option<String>, DbError> {
    Ok(
        sqlx::query_scalar("SELECT webhook_scheme FROM integrations WHERE id = $1")
            .bind(integration_id)
            .fetch_optional(pool)
            .await?
            .flatten(),
    )
}

/// The integration's webhook token, and the provider's id of its account-wide webhook once
/// one is registered.
pub async fn webhook_registration(
    pool: &AnyPool,
    id: &IntegrationId,
) -> Result<Option<(String, Option<String>)>, DbError> {
    let row = sqlx::query("SELECT webhook_token, webhook_id FROM integrations WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|r| (r.get("webhook_token"), r.get("webhook_id"))))
}

pub async fn save_webhook(
    pool: &AnyPool,
    id: &IntegrationId,
    webhook_id: &str,
    sealed_secret: Option<&str>,
) -> Result<(), DbError> {
    sqlx::query("UPDATE integrations SET webhook_id = $2, webhook_secret = $3 WHERE id = $1")
        .bind(id)
        .bind(webhook_id)
        .bind(sealed_secret)
        .execute(pool)
        .await?;
    Ok(())
}
