//! Sync run history: one row per job run, kept for support ("what happened at 9:14?").

use super::jobs::{Finished, Job};
use super::DbError;
use crate::server::{new_id, now_ms};
use sqlx::AnyPool;

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
    .bind(&job.kind)
    .bind(&job.trigger)
    .bind(job.requested_by.as_deref())
    .bind(now_ms())
    .execute(pool)
    .await?;
    Ok(id)
}

pub async fn finish(
    pool: &AnyPool,
    run_id: &str,
    outcome: &str,
    f: &Finished<'_>,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE sync_runs SET outcome = $2, finished_at = $3, created_count = $4, updated_count = $5,
            cancelled_count = $6, unchanged_count = $7, provider_calls = $8, error = $9
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
    .execute(pool)
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
