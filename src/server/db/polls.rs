//! What the poller reads to plan its polls and background retries.

use super::DbError;
use crate::domain::WorkspaceId;
use crate::domain::{EventId, Provider};
use sqlx::AnyPool;
use std::collections::HashMap;

/// An ACTIVE event on a CONNECTED integration with no job in hand.
#[derive(Debug, sqlx::FromRow)]
pub struct PollableEvent {
    pub id: EventId,
    pub workspace_id: WorkspaceId,
    pub integration_id: String,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub last_synced_at: Option<i64>,
    pub provider: Provider,
    /// Attendees stored for the event.
    pub attendees: i64,
    /// Calls its last successful poll took (0: never polled).
    pub last_poll_calls: i64,
}

pub async fn pollable_events(pool: &AnyPool) -> Result<Vec<PollableEvent>, DbError> {
    Ok(sqlx::query_as(
        "SELECT e.id, e.workspace_id, e.integration_id, e.starts_at, e.ends_at, e.last_synced_at,
            i.provider, (SELECT COUNT(*) FROM attendees a WHERE a.event_id = e.id) AS attendees,
            COALESCE((SELECT r.provider_calls FROM sync_runs r
                WHERE r.event_id = e.id AND r.trigger = 'POLL' AND r.outcome = 'SUCCEEDED'
                ORDER BY r.started_at DESC LIMIT 1), 0) AS last_poll_calls
         FROM events e JOIN integrations i ON i.id = e.integration_id
         WHERE e.sync_status = 'ACTIVE' AND i.status = 'CONNECTED'
           AND NOT EXISTS (SELECT 1 FROM sync_jobs j WHERE j.event_id = e.id AND j.state IN ('QUEUED', 'RUNNING'))",
    )
    .fetch_all(pool)
    .await?)
}

#[derive(sqlx::FromRow)]
struct RecentPolls {
    integration_id: String,
    polls: i64,
    calls: i64,
}

/// Per integration: polls queued since `since` and what they cost (calls made so far, and
/// for a poll not yet finished at least one call).
pub async fn recent_polls(
    pool: &AnyPool,
    since: i64,
) -> Result<HashMap<String, (usize, i64)>, DbError> {
    let rows: Vec<RecentPolls> = sqlx::query_as(
        "SELECT e.integration_id, COUNT(*) AS polls,
            CAST(COALESCE(SUM(CASE WHEN j.state IN ('QUEUED', 'RUNNING')
                THEN (CASE WHEN j.provider_calls > 1 THEN j.provider_calls ELSE 1 END)
                ELSE j.provider_calls END), 0) AS BIGINT) AS calls
         FROM sync_jobs j JOIN events e ON e.id = j.event_id
         WHERE j.trigger = 'POLL' AND j.created_at > $1 AND e.integration_id IS NOT NULL
         GROUP BY e.integration_id",
    )
    .bind(since)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.integration_id, (r.polls as usize, r.calls)))
        .collect())
}

/// A FAILED event on a CONNECTED integration with no job in hand, and its failures since
/// its last good listing.
#[derive(Debug, sqlx::FromRow)]
pub struct FailedEvent {
    pub id: EventId,
    pub workspace_id: WorkspaceId,
    pub failures: i64,
    /// When its last failed run ended.
    pub failed_at: Option<i64>,
}

pub async fn failed_events(pool: &AnyPool) -> Result<Vec<FailedEvent>, DbError> {
    Ok(sqlx::query_as(
        "SELECT e.id, e.workspace_id,
            (SELECT COUNT(*) FROM sync_runs r WHERE r.event_id = e.id AND r.outcome = 'FAILED'
                AND r.started_at > COALESCE((SELECT MAX(s.started_at) FROM sync_runs s
                    WHERE s.event_id = e.id AND s.outcome = 'SUCCEEDED' AND s.trigger <> 'WEBHOOK'), 0)) AS failures,
            (SELECT MAX(COALESCE(r.finished_at, r.started_at)) FROM sync_runs r
                WHERE r.event_id = e.id AND r.outcome = 'FAILED') AS failed_at
         FROM events e JOIN integrations i ON i.id = e.integration_id
         WHERE e.sync_status = 'FAILED' AND i.status = 'CONNECTED'
           AND NOT EXISTS (SELECT 1 FROM sync_jobs j WHERE j.event_id = e.id AND j.state IN ('QUEUED', 'RUNNING'))",
    )
    .fetch_all(pool)
    .await?)
}
