use super::DbError;
use crate::domain::access_code::AccessCode;
use crate::domain::views::EventSummary;
use crate::domain::WorkspaceId;
use crate::domain::{EventId, IntegrationId};
use crate::domain::{Provider, SyncStatus};
use crate::server::now_ms;
use sqlx::{Any, AnyConnection, AnyPool, Row};

/// What an import needs to create an event row.
pub struct NewEvent<'a> {
    pub workspace_id: &'a str,
    pub integration_id: Option<&'a IntegrationId>,
    pub provider: Provider,
    pub provider_event_id: &'a str,
    pub name: &'a str,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub timezone: &'a str,
    pub access_code: &'a AccessCode,
}

pub async fn insert<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    event: NewEvent<'_>,
) -> Result<EventId, DbError> {
    let id = EventId::mint();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO events (id, workspace_id, integration_id, provider, provider_event_id, name,
            starts_at, ends_at, timezone, access_code, sync_status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
    )
    .bind(&id)
    .bind(event.workspace_id)
    .bind(event.integration_id)
    .bind(event.provider.as_str())
    .bind(event.provider_event_id)
    .bind(event.name)
    .bind(event.starts_at)
    .bind(event.ends_at)
    .bind(event.timezone)
    .bind(event.access_code)
    .bind(SyncStatus::Pending.as_str())
    .bind(now)
    .execute(db)
    .await
    .map_err(|e| DbError::on_unique(e, "this event"))?;
    Ok(id)
}

const SUMMARY_SELECT: &str = "SELECT e.id, e.name, e.provider, e.starts_at, e.ends_at, e.timezone,
        e.sync_status, e.access_code,
        (SELECT COUNT(*) FROM attendees a WHERE a.event_id = e.id) AS attendee_count,
        (SELECT COUNT(*) FROM attendees a WHERE a.event_id = e.id
            AND (a.checked_in_at IS NOT NULL OR a.provider_checked_in_at IS NOT NULL)) AS checked_in_count
     FROM events e";

/// The row with its dates labelled in the event's own zone.
fn labelled(mut event: EventSummary) -> EventSummary {
    event.dates =
        crate::domain::local_time::event_dates(event.starts_at, event.ends_at, &event.timezone);
    event
}

/// A workspace's events, soonest first, events without a date last.
pub async fn list(
    pool: &AnyPool,
    workspace_id: &WorkspaceId,
) -> Result<Vec<EventSummary>, DbError> {
    let sql = format!(
        "{SUMMARY_SELECT} WHERE e.workspace_id = $1
         ORDER BY CASE WHEN e.starts_at IS NULL THEN 1 ELSE 0 END, e.starts_at, e.name"
    );
    let rows: Vec<EventSummary> = sqlx::query_as(&sql)
        .bind(workspace_id)
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(labelled).collect())
}

/// One event, only when it belongs to `workspace_id`: the tenant check lives in the query.
pub async fn get(
    pool: &AnyPool,
    workspace_id: &WorkspaceId,
    event_id: &EventId,
) -> Result<Option<EventSummary>, DbError> {
    // One pass over the event's attendees for both counts (the list's form takes two).
    let sql = "SELECT e.id, e.name, e.provider, e.starts_at, e.ends_at, e.timezone,
            e.sync_status, e.access_code, c.attendee_count, c.checked_in_count
         FROM events e
         CROSS JOIN (SELECT COUNT(*) AS attendee_count,
                COALESCE(SUM(CASE WHEN checked_in_at IS NOT NULL OR provider_checked_in_at IS NOT NULL
                    THEN 1 ELSE 0 END), 0) AS checked_in_count
             FROM attendees WHERE event_id = $2) c
         WHERE e.workspace_id = $1 AND e.id = $2";
    let row: Option<EventSummary> = sqlx::query_as(sql)
        .bind(workspace_id)
        .bind(event_id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(labelled))
}

/// Whether the event belongs to `workspace_id`: the tenant check for anything about one
/// event, without the attendee count `get` computes.
pub async fn in_workspace(
    pool: &AnyPool,
    workspace_id: &WorkspaceId,
    event_id: &EventId,
) -> Result<bool, DbError> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM events WHERE workspace_id = $1 AND id = $2")
            .bind(workspace_id)
            .bind(event_id)
            .fetch_optional(pool)
            .await?;
    Ok(found.is_some())
}

/// The event's staff access code, when the event is in `workspace_id`.
pub async fn access_code(
    pool: &AnyPool,
    workspace_id: &WorkspaceId,
    event_id: &EventId,
) -> Result<Option<AccessCode>, DbError> {
    Ok(
        sqlx::query_scalar("SELECT access_code FROM events WHERE workspace_id = $1 AND id = $2")
            .bind(workspace_id)
            .bind(event_id)
            .fetch_optional(pool)
            .await?,
    )
}

/// Gives the event a new staff access code: false when no such event is in `workspace_id`,
/// `AlreadyExists` when another event holds the code.
pub async fn set_access_code(
    pool: &AnyPool,
    workspace_id: &WorkspaceId,
    event_id: &EventId,
    code: &AccessCode,
) -> Result<bool, DbError> {
    let done =
        sqlx::query("UPDATE events SET access_code = $3 WHERE workspace_id = $1 AND id = $2")
            .bind(workspace_id)
            .bind(event_id)
            .bind(code)
            .execute(pool)
            .await
            .map_err(|e| DbError::on_unique(e, "this access code"))?;
    Ok(done.rows_affected() == 1)
}

pub async fn access_code_taken(pool: &AnyPool, code: &AccessCode) -> Result<bool, DbError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE access_code = $1")
        .bind(code)
        .fetch_one(pool)
        .await?;
    Ok(n > 0)
}

/// Moves an event's sync status through the state machine, and nowhere else. Returns the
/// status it now has. The UPDATE is conditional on the status it read, so two writers racing
/// cannot skip a transition: the loser re-reads and decides again.
pub async fn apply_sync_event(
    conn: &mut AnyConnection,
    event_id: &EventId,
    event: crate::domain::sync_status::SyncEvent,
) -> Result<SyncStatus, DbError> {
    loop {
        let current: SyncStatus =
            sqlx::query_scalar("SELECT sync_status FROM events WHERE id = $1")
                .bind(event_id)
                .fetch_one(&mut *conn)
                .await?;
        let Some(next) = crate::domain::sync_status::next(current, event) else {
            return Ok(current);
        };
        let done = sqlx::query(
            "UPDATE events SET sync_status = $1, updated_at = $2,
                last_synced_at = CASE WHEN $1 = 'ACTIVE' THEN $2 ELSE last_synced_at END
             WHERE id = $3 AND sync_status = $4",
        )
        .bind(next.as_str())
        .bind(now_ms())
        .bind(event_id)
        .bind(current.as_str())
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() == 1 {
            return Ok(next);
        }
    }
}

/// A rejected credential disconnects every event on the integration; returns their ids.
pub async fn disconnect_all_on(
    conn: &mut AnyConnection,
    integration_id: &IntegrationId,
) -> Result<Vec<EventId>, DbError> {
    let ids: Vec<EventId> = sqlx::query_scalar("SELECT id FROM events WHERE integration_id = $1")
        .bind(integration_id)
        .fetch_all(&mut *conn)
        .await?;
    for id in &ids {
        apply_sync_event(
            conn,
            id,
            crate::domain::sync_status::SyncEvent::CredentialRejected,
        )
        .await?;
    }
    Ok(ids)
}

/// What a job needs to know about its event.
#[derive(sqlx::FromRow)]
pub struct SyncTarget {
    pub integration_id: Option<IntegrationId>,
    pub provider_event_id: String,
    pub starts_at: Option<i64>,
}

pub async fn sync_target(
    pool: &AnyPool,
    workspace_id: &WorkspaceId,
    event_id: &EventId,
) -> Result<Option<SyncTarget>, DbError> {
    Ok(sqlx::query_as(
        "SELECT integration_id, provider_event_id, starts_at FROM events WHERE workspace_id = $1 AND id = $2",
    )
    .bind(workspace_id)
    .bind(event_id)
    .fetch_optional(pool)
    .await?)
}

/// The provider event ids already in a workspace, for "already added" in the Import dialog.
pub async fn provider_event_ids(
    pool: &AnyPool,
    workspace_id: &WorkspaceId,
    provider: Provider,
) -> Result<std::collections::HashSet<String>, DbError> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT provider_event_id FROM events WHERE workspace_id = $1 AND provider = $2",
    )
    .bind(workspace_id)
    .bind(provider.as_str())
    .fetch_all(pool)
    .await?;
    Ok(ids.into_iter().collect())
}

/// The event's live state as pages show it: status, the active job's progress, attendees.
pub async fn live_state(
    pool: &AnyPool,
    event_id: &EventId,
) -> Result<Option<crate::domain::views::EventLive>, DbError> {
    use crate::domain::views::{EventLive, JobProgress};
    let row = sqlx::query(
        "SELECT e.workspace_id, e.sync_status, c.attendee_count, c.attending_count, c.checked_in_count, c.vip_count,
            c.attendees_revision,
            j.id AS job_id, j.processed_count, j.total_count
         FROM events e
         CROSS JOIN (SELECT COUNT(*) AS attendee_count,
                COALESCE(SUM(CASE WHEN status = 'ATTENDING' THEN 1 ELSE 0 END), 0) AS attending_count,
                COALESCE(SUM(CASE WHEN checked_in_at IS NOT NULL OR provider_checked_in_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS checked_in_count,
                COALESCE(SUM(CASE WHEN is_vip = 1 THEN 1 ELSE 0 END), 0) AS vip_count,
                COALESCE(MAX(updated_at), 0) AS attendees_revision
             FROM attendees WHERE event_id = $1) c
         LEFT JOIN sync_jobs j ON j.event_id = e.id AND j.state IN ('QUEUED', 'RUNNING')
         WHERE e.id = $1",
    )
    .bind(event_id)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let job_id: Option<String> = row.get("job_id");
    Ok(Some(EventLive {
        event_id: event_id.to_string(),
        workspace_id: row.get("workspace_id"),
        sync_status: row.try_get("sync_status")?,
        job: job_id.map(|_| JobProgress {
            processed: row.get("processed_count"),
            total: row.get("total_count"),
        }),
        attendee_count: row.get("attendee_count"),
        attending_count: row.get("attending_count"),
        checked_in_count: row.get("checked_in_count"),
        vip_count: row.get("vip_count"),
        attendees_revision: row.get("attendees_revision"),
        changed: Vec::new(),
    }))
}

/// The provider's id of the webhook registered for this event (Eventbrite), if any.
pub async fn webhook_id(
    pool: &AnyPool,
    integration_id: &IntegrationId,
    provider_event_id: &str,
) -> Result<Option<String>, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT webhook_id FROM events WHERE integration_id = $1 AND provider_event_id = $2",
    )
    .bind(integration_id)
    .bind(provider_event_id)
    .fetch_optional(pool)
    .await?
    .flatten())
}

pub async fn save_webhook_id(
    pool: &AnyPool,
    integration_id: &IntegrationId,
    provider_event_id: &str,
    webhook_id: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE events SET webhook_id = $3 WHERE integration_id = $1 AND provider_event_id = $2",
    )
    .bind(integration_id)
    .bind(provider_event_id)
    .bind(webhook_id)
    .execute(pool)
    .await?;
    Ok(())
}

/// The event's sync status now.
pub async fn sync_status(
    pool: &AnyPool,
    event_id: &EventId,
) -> Result<Option<SyncStatus>, DbError> {
    Ok(
        sqlx::query_scalar("SELECT sync_status FROM events WHERE id = $1")
            .bind(event_id)
            .fetch_optional(pool)
            .await?,
    )
}

/// The event's time zone, which its times are shown in.
pub async fn timezone(pool: &AnyPool, event_id: &EventId) -> Result<Option<String>, DbError> {
    Ok(
        sqlx::query_scalar("SELECT timezone FROM events WHERE id = $1")
            .bind(event_id)
            .fetch_optional(pool)
            .await?,
    )
}

/// Points an event at another integration (the recovery dialog's choice).
pub async fn relink<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    event_id: &EventId,
    integration_id: &IntegrationId,
) -> Result<(), DbError> {
    sqlx::query("UPDATE events SET integration_id = $2, updated_at = $3 WHERE id = $1")
        .bind(event_id)
        .bind(integration_id)
        .bind(now_ms())
        .execute(db)
        .await?;
    Ok(())
}

/// The workspace's event for a provider event, only when it syncs through `integration_id`
/// and is not severed from it: (event id, sync status).
pub async fn synced_through(
    pool: &AnyPool,
    integration_id: &IntegrationId,
    provider_event_id: &str,
) -> Result<Option<EventId>, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM events WHERE integration_id = $1 AND provider_event_id = $2
            AND sync_status <> 'DISCONNECTED'",
    )
    .bind(integration_id)
    .bind(provider_event_id)
    .fetch_optional(pool)
    .await?)
}

/// What the check-in desk needs of its event: the zone its times are told in, the provider
/// a provider check-in was made at, and the event day for the arrivals chart.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DeskInfo {
    pub timezone: String,
    pub provider: Provider,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
}

pub async fn desk_info(pool: &AnyPool, event_id: &EventId) -> Result<Option<DeskInfo>, DbError> {
    Ok(
        sqlx::query_as("SELECT timezone, provider, starts_at, ends_at FROM events WHERE id = $1")
            .bind(event_id)
            .fetch_optional(pool)
            .await?,
    )
}
