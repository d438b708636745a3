//! The durable job queue. Claiming is an optimistic conditional UPDATE, which behaves the
//! same on SQLite and PostgreSQL and lets any number of app instances share one queue: two
//! workers may pick the same candidate, only one UPDATE matches.

use super::attendees::PageCounts;
use super::DbError;
use crate::domain::EventId;
use crate::domain::WorkspaceId;
use crate::server::{new_id, now_ms};
use sqlx::{Any, AnyConnection, AnyPool, Transaction};

pub use crate::domain::{JobKind, JobState, Trigger};

#[derive(Clone, Debug)]
pub struct Job {
    pub id: String,
    pub workspace_id: WorkspaceId,
    pub event_id: EventId,
    pub kind: JobKind,
    pub trigger: Trigger,
    pub requested_by: Option<String>,
    pub attempts: i64,
    /// Where an interrupted job left off: the last saved page's checkpoint.
    pub resume: Option<Checkpoint>,
    /// This claim's own token (the worker's id and a fresh id): every write of the job is
    /// fenced by it, so a claim whose lease was lost, even to the same worker claiming the
    /// job again, can write nothing more.
    pub lease: String,
}

/// A claimed job's row as stored.
#[derive(sqlx::FromRow)]
struct ClaimedRow {
    id: String,
    workspace_id: WorkspaceId,
    event_id: EventId,
    kind: JobKind,
    trigger: Trigger,
    requested_by: Option<String>,
    attempts: i64,
    resume_cursor: Option<String>,
    processed_count: i64,
    total_count: Option<i64>,
    created_count: i64,
    updated_count: i64,
    cancelled_count: i64,
    unchanged_count: i64,
    provider_calls: i64,
}

impl ClaimedRow {
    fn into_job(self, lease: String) -> Job {
        let counts = PageCounts {
            created: self.created_count,
            updated: self.updated_count,
            cancelled: self.cancelled_count,
            unchanged: self.unchanged_count,
        };
        Job {
            resume: self.resume_cursor.map(|cursor| Checkpoint {
                cursor: Some(cursor),
                processed: self.processed_count,
                total: self.total_count,
                counts,
                provider_calls: self.provider_calls,
            }),
            id: self.id,
            workspace_id: self.workspace_id,
            event_id: self.event_id,
            kind: self.kind,
            trigger: self.trigger,
            requested_by: self.requested_by,
            attempts: self.attempts,
            lease,
        }
    }
}

/// Progress saved with each page, in the page's own transaction: a job picked up after a
/// crash resumes exactly after the last page that reached the database.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checkpoint {
    /// The provider's opaque cursor for the next page; `None` once the last page is saved.
    pub cursor: Option<String>,
    pub processed: i64,
    pub total: Option<i64>,
    pub counts: PageCounts,
    pub provider_calls: i64,
}

/// Queues a job, or returns the event's already active one: at most one job per event is
/// queued or running (a partial unique index says so, whatever the number of instances).
pub async fn enqueue(
    conn: &mut AnyConnection,
    workspace_id: &WorkspaceId,
    event_id: &EventId,
    kind: JobKind,
    trigger: Trigger,
    requested_by: Option<&str>,
) -> Result<String, DbError> {
    let id = new_id();
    let now = now_ms();
    // DO NOTHING rather than a unique violation: inside a transaction on PostgreSQL a failed
    // statement would end the transaction.
    let inserted = sqlx::query(
        "INSERT INTO sync_jobs (id, workspace_id, event_id, kind, state, trigger, requested_by, run_after, created_at)
         VALUES ($1, $2, $3, $4, 'QUEUED', $5, $6, $7, $7)
         ON CONFLICT (event_id) WHERE state IN ('QUEUED', 'RUNNING') DO NOTHING",
    )
    .bind(&id)
    .bind(workspace_id)
    .bind(event_id)
    .bind(kind)
    .bind(trigger)
    .bind(requested_by)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() == 1 {
        return Ok(id);
    }
    active_job(&mut *conn, event_id)
        .await?
        .ok_or(DbError::AlreadyExists("an active job"))
}

/// Turns the event's queued (not yet running) job, if any, into a fresh import for
/// `trigger`: a Retry or Reconnect that finds a Sync, a poll or a crashed import's resume
/// waiting replaces it, so the event gets the fresh re-import it asked for (from the first
/// page, through the event's current integration). Returns whether there was one.
pub async fn restart_queued_as_import<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    event_id: &EventId,
    trigger: Trigger,
    requested_by: Option<&str>,
) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE sync_jobs SET kind = 'IMPORT', trigger = $2, requested_by = $3, resume_cursor = NULL,
            processed_count = 0, total_count = NULL, created_count = 0, updated_count = 0,
            cancelled_count = 0, unchanged_count = 0, provider_calls = 0, attempts = 0, error = NULL
         WHERE event_id = $1 AND state = 'QUEUED'",
    )
    .bind(event_id)
    .bind(trigger)
    .bind(requested_by)
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn active_job<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    event_id: &EventId,
) -> Result<Option<String>, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM sync_jobs WHERE event_id = $1 AND state IN ('QUEUED', 'RUNNING')",
    )
    .bind(event_id)
    .fetch_optional(db)
    .await?)
}

/// Claims the oldest due job, or one whose lease expired (its worker died), for `owner`.
pub async fn claim(pool: &AnyPool, owner: &str, lease_ms: i64) -> Result<Option<Job>, DbError> {
    loop {
        let now = now_ms();
        let candidate: Option<String> = sqlx::query_scalar(
            "SELECT id FROM sync_jobs
             WHERE (state = 'QUEUED' AND run_after <= $1) OR (state = 'RUNNING' AND lease_expires_at < $1)
             ORDER BY run_after LIMIT 1",
        )
        .bind(now)
        .fetch_optional(pool)
        .await?;
        let Some(id) = candidate else { return Ok(None) };
        let lease = format!("{owner}:{}", new_id());
        let claimed = sqlx::query(
            "UPDATE sync_jobs SET state = 'RUNNING', lease_owner = $2, lease_expires_at = $3,
                attempts = attempts + 1, started_at = COALESCE(started_at, $4)
             WHERE id = $1 AND ((state = 'QUEUED' AND run_after <= $4) OR (state = 'RUNNING' AND lease_expires_at < $4))",
        )
        .bind(&id)
        .bind(&lease)
        .bind(now + lease_ms)
        .bind(now)
        .execute(pool)
        .await?;
        if claimed.rows_affected() == 1 {
            let row: ClaimedRow = sqlx::query_as(
                "SELECT id, workspace_id, event_id, kind, trigger, requested_by, attempts, resume_cursor,
                    processed_count, total_count, created_count, updated_count, cancelled_count,
                    unchanged_count, provider_calls
                 FROM sync_jobs WHERE id = $1",
            )
            .bind(&id)
            .fetch_one(pool)
            .await?;
            return Ok(Some(row.into_job(lease)));
        }
        // Another worker won this one; look again.
    }
}

/// Extends the lease while the job runs; `false` means the lease was lost to another worker.
pub async fn renew(
    pool: &AnyPool,
    job_id: &str,
    owner: &str,
    lease_ms: i64,
) -> Result<bool, DbError> {
    let done = sqlx::query("UPDATE sync_jobs SET lease_expires_at = $3 WHERE id = $1 AND lease_owner = $2 AND state = 'RUNNING'")
        .bind(job_id)
        .bind(owner)
        .bind(now_ms() + lease_ms)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Saves a page's checkpoint inside the page's transaction, only while `owner` still holds
/// the job: `false` means the lease went to another worker and the caller must roll back.
pub async fn checkpoint(
    tx: &mut Transaction<'_, Any>,
    job_id: &str,
    owner: &str,
    c: &Checkpoint,
) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE sync_jobs SET resume_cursor = $3, processed_count = $4, total_count = $5,
            created_count = $6, updated_count = $7, cancelled_count = $8, unchanged_count = $9,
            provider_calls = $10
         WHERE id = $1 AND lease_owner = $2 AND state = 'RUNNING'",
    )
    .bind(job_id)
    .bind(owner)
    .bind(c.cursor.as_deref())
    .bind(c.processed)
    .bind(c.total)
    .bind(c.counts.created)
    .bind(c.counts.updated)
    .bind(c.counts.cancelled)
    .bind(c.counts.unchanged)
    .bind(c.provider_calls)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Hands every running job claimed by worker `owner` back to the queue (a graceful
/// shutdown): they resume from their checkpoints on the next claim, and the interruption
/// does not count as an attempt.
pub async fn release(pool: &AnyPool, owner: &str) -> Result<u64, DbError> {
    let done = sqlx::query(
        "UPDATE sync_jobs SET state = 'QUEUED', lease_owner = NULL, lease_expires_at = NULL,
            attempts = attempts - 1, run_after = $2
         WHERE lease_owner LIKE $1 AND state = 'RUNNING'",
    )
    .bind(format!("{owner}:%"))
    .bind(now_ms())
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// Hands a running job back to the queue until `run_after` (a rate limit): it resumes from
/// its checkpoint, and the pause does not count as an attempt.
pub async fn defer(
    pool: &AnyPool,
    job_id: &str,
    owner: &str,
    run_after: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE sync_jobs SET state = 'QUEUED', lease_owner = NULL, lease_expires_at = NULL,
            attempts = attempts - 1, run_after = $3
         WHERE id = $1 AND lease_owner = $2 AND state = 'RUNNING'",
    )
    .bind(job_id)
    .bind(owner)
    .bind(run_after)
    .execute(pool)
    .await?;
    Ok(())
}

pub struct Finished<'a> {
    pub succeeded: bool,
    pub created: i64,
    pub updated: i64,
    pub cancelled: i64,
    pub unchanged: i64,
    pub provider_calls: i64,
    pub error: Option<&'a str>,
    /// The run read the provider's whole listing (no changed-since filter).
    pub complete_listing: bool,
}

pub async fn finish(
    pool: &AnyPool,
    job_id: &str,
    owner: &str,
    f: Finished<'_>,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE sync_jobs SET state = $3, finished_at = $4, lease_owner = NULL, lease_expires_at = NULL,
            resume_cursor = NULL,
            created_count = $5, updated_count = $6, cancelled_count = $7, unchanged_count = $8,
            provider_calls = $9, error = $10
         WHERE id = $1 AND lease_owner = $2",
    )
    .bind(job_id)
    .bind(owner)
    .bind(if f.succeeded { JobState::Succeeded } else { JobState::Failed })
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
