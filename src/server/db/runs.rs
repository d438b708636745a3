//! Sync run history: one row per job run, kept for support ("what happened at 9:14?").

use super::jobs::{Finished, Job};
use super::DbError;
use crate::domain::EventId;
use crate::domain::RunOutcome;
use crate::domain::WorkspaceId;
use crate::server::{new_id, now_ms};
use sqlx::{Any, AnyPool, Transaction};

pub async fn start(pool: &AnyPool, job: &Job) -> Result<String, DbError> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO sync_runs (id, workspace_id, event_id, job_id, kind, trigger, triggered_by, outcome, started_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'RUNNING', $8)",
    )
    .bind(&id)
    .bind(&job.workspace_id)
    .bind(&job.event_id)
    .bind(&job.id)
    .bind(job.kind)
    .bind(job.trigger)
    .bind(job.requested_by.as_deref())
    .bind(now_ms())
    .execute(pool)
    .await?;
    Ok(id)
}

pub async fn finish(
    pool: &AnyPool,
    run_id: &str,
    outcome: RunOutcome,
    f: &Finished<'_>,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE sync_runs SET outcome = $2, finished_at = $3, created_count = $4, updated_count = $5,
            cancelled_count = $6, unchanged_count = $7, provider_calls = $8, error = $9,
            complete_listing = $10
         WHERE id = $1",
    )
    .bind(run_id)
    .bind(outcome)
    .bind(now_ms())
    .bind(f.created)
    .bind(f.updated)
    .bind(f.cancelled)
    .bind(f.unchanged)
    .bind(f.provider_calls)
    .bind(f.error)
    .bind(i64::from(f.succeeded && f.complete_listing))
    .execute(pool)
    .await?;
    Ok(())
}

/// When the event's last good listings began. A listing's start is its job's first run
/// (a resumed import began reading when its first worker did); webhook runs are single
/// records, not listings.
pub async fn listing_history(
    pool: &AnyPool,
    event_id: &EventId,
) -> Result<crate::server::sync::poller::ListingHistory, DbError> {
    let started = |complete: bool| {
        let filter = if complete {
            " AND complete_listing = 1"
        } else {
            ""
        };
        format!(
            "SELECT MIN(r2.started_at) FROM sync_runs r2
             WHERE r2.job_id = (SELECT r.job_id FROM sync_runs r
                 WHERE r.event_id = $1 AND r.outcome = 'SUCCEEDED' AND r.trigger <> 'WEBHOOK'
                     AND r.job_id IS NOT NULL{filter}
                 ORDER BY r.started_at DESC LIMIT 1)"
        )
    };
    let last_success_started: Option<i64> = sqlx::query_scalar(&started(false))
        .bind(event_id)
        .fetch_one(pool)
        .await?;
    let last_complete_started: Option<i64> = sqlx::query_scalar(&started(true))
        .bind(event_id)
        .fetch_one(pool)
        .await?;
    Ok(crate::server::sync::poller::ListingHistory {
        last_success_started,
        last_complete_started,
    })
}

/// A webhook delivery applied to an event, as one finished run (trigger `WEBHOOK`, no job):
/// support sees provider-side changes in the same history as syncs. Written in the
/// delivery's own transaction: one commit per delivery, and history matches the rows.
pub async fn record_webhook(
    tx: &mut Transaction<'_, Any>,
    workspace_id: &WorkspaceId,
    event_id: &EventId,
    started_at: i64,
    counts: &super::attendees::PageCounts,
    provider_calls: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO sync_runs (id, workspace_id, event_id, kind, trigger, outcome, started_at, finished_at,
            created_count, updated_count, cancelled_count, unchanged_count, provider_calls)
         VALUES ($1, $2, $3, 'RESYNC', 'WEBHOOK', 'SUCCEEDED', $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(new_id())
    .bind(workspace_id)
    .bind(event_id)
    .bind(started_at)
    .bind(now_ms())
    .bind(counts.created)
    .bind(counts.updated)
    .bind(counts.cancelled)
    .bind(counts.unchanged)
    .bind(provider_calls)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Closes the runs of `job_id` left RUNNING by a worker that died, so history never shows a
/// run that will not end.
pub async fn close_interrupted(pool: &AnyPool, job_id: &str) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE sync_runs SET outcome = 'FAILED', finished_at = $2,
            error = 'The run was interrupted (its worker stopped); the job was picked up again.'
         WHERE job_id = $1 AND outcome = 'RUNNING'",
    )
    .bind(job_id)
    .bind(now_ms())
    .execute(pool)
    .await?;
    Ok(())
}

/// An event's latest runs, newest first, with who started them ("Name (email)").
pub async fn latest(
    pool: &AnyPool,
    event_id: &EventId,
    limit: i64,
) -> Result<Vec<crate::domain::views::SyncRunRow>, DbError> {
    // One query, as before the rows were typed: the event's zone comes with each run.
    #[derive(sqlx::FromRow)]
    struct Zoned {
        #[sqlx(flatten)]
        run: crate::domain::views::SyncRunRow,
        timezone: String,
    }
    let rows: Vec<Zoned> = sqlx::query_as(
        "SELECT r.id, r.kind, r.trigger, r.outcome, r.started_at, r.finished_at,
            r.created_count AS created, r.updated_count AS updated, r.cancelled_count AS cancelled,
            r.unchanged_count AS unchanged, r.provider_calls, r.error, e.timezone,
            CASE WHEN u.email IS NULL THEN NULL
                 WHEN u.display_name <> '' THEN u.display_name || ' (' || u.email || ')'
                 ELSE u.email END AS triggered_by
         FROM sync_runs r JOIN events e ON e.id = r.event_id
         LEFT JOIN users u ON u.id = r.triggered_by
         WHERE r.event_id = $1
         ORDER BY r.started_at DESC, r.id DESC
         LIMIT $2",
    )
    .bind(event_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|Zoned { mut run, timezone }| {
            run.started_label = crate::domain::local_time::date_time(run.started_at, &timezone);
            run
        })
        .collect())
}
