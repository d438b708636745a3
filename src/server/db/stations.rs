//! Print stations and their badge jobs. A job's status moves only by
//! `domain::print_job::next`, written with a condition on the status it was read at.

use super::{Db, DbError};
use crate::domain::access_code::AccessCode;
use crate::domain::print_job::PrintJobStatus;
use crate::domain::{EventId, WorkspaceId};
use crate::server::{new_id, now_ms};
use sqlx::AnyPool;

/// The event a staff access code opens.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CodeEvent {
    pub id: EventId,
    pub workspace_id: WorkspaceId,
    pub name: String,
}

/// The event whose code is `code` now (codes are unique across workspaces).
pub async fn event_by_code(
    pool: &AnyPool,
    code: &AccessCode,
) -> Result<Option<CodeEvent>, DbError> {
    Ok(
        sqlx::query_as("SELECT id, workspace_id, name FROM events WHERE access_code = $1")
            .bind(code)
            .fetch_optional(pool)
            .await?,
    )
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PrintStationRow {
    pub id: String,
    pub name: String,
    pub seen_at: i64,
    pub waiting: i64,
}

/// The event's print station called `name`, made on first use: a station that reloads or
/// reconnects under its name finds the jobs that waited for it.
pub async fn register_print_station(
    db: &Db,
    event_id: &EventId,
    name: &str,
) -> Result<String, DbError> {
    {
        let _turn = db.write_turn().await;
        sqlx::query(
            "INSERT INTO print_stations (id, event_id, name, seen_at, created_at)
             VALUES ($1, $2, $3, 0, $4) ON CONFLICT (event_id, name) DO NOTHING",
        )
        .bind(new_id())
        .bind(event_id)
        .bind(name)
        .bind(now_ms())
        .execute(&db.pool)
        .await?;
    }
    Ok(
        sqlx::query_scalar("SELECT id FROM print_stations WHERE event_id = $1 AND name = $2")
            .bind(event_id)
            .bind(name)
            .fetch_one(&db.pool)
            .await?,
    )
}

/// The print station's name, when it is the event's.
pub async fn print_station_name(
    pool: &AnyPool,
    event_id: &EventId,
    station_id: &str,
) -> Result<Option<String>, DbError> {
    Ok(
        sqlx::query_scalar("SELECT name FROM print_stations WHERE event_id = $1 AND id = $2")
            .bind(event_id)
            .bind(station_id)
            .fetch_optional(pool)
            .await?,
    )
}

/// Records the job stream's heartbeat (`at`), or its end (0).
pub async fn beat(db: &Db, station_id: &str, at: i64) -> Result<(), DbError> {
    let _turn = db.write_turn().await;
    sqlx::query("UPDATE print_stations SET seen_at = $2 WHERE id = $1")
        .bind(station_id)
        .bind(at)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The event's print stations by name, with how many jobs wait for each.
pub async fn print_stations(
    pool: &AnyPool,
    event_id: &EventId,
) -> Result<Vec<PrintStationRow>, DbError> {
    Ok(sqlx::query_as(
        "SELECT s.id, s.name, s.seen_at,
            (SELECT COUNT(*) FROM print_jobs j
             WHERE j.station_id = s.id AND j.status IN ('QUEUED', 'PRINTING')) AS waiting
         FROM print_stations s WHERE s.event_id = $1 ORDER BY s.name, s.id",
    )
    .bind(event_id)
    .fetch_all(pool)
    .await?)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct JobRow {
    pub id: String,
    pub station_id: String,
    pub station_name: String,
    pub attendee_id: String,
    pub attendee_name: String,
    pub status: PrintJobStatus,
    pub error: Option<String>,
    pub requested_by: String,
    pub created_at: i64,
}

const JOB_SELECT: &str = "SELECT j.id, j.station_id, s.name AS station_name, j.attendee_id,
        a.first_name || ' ' || a.last_name AS attendee_name,
        j.status, j.error, j.requested_by, j.created_at
    FROM print_jobs j
    JOIN print_stations s ON s.id = j.station_id
    JOIN attendees a ON a.id = j.attendee_id";

/// A new Queued job for the event's print station `station_id`, keyed by the sending
/// request's nonce: `(id, true)` when made now, `(id, false)` when that nonce already made
/// it (a resent request), `None` when the print station is not the event's.
pub async fn insert_job(
    db: &Db,
    event_id: &EventId,
    station_id: &str,
    attendee_id: &str,
    requested_by: &str,
    nonce: &str,
) -> Result<Option<(String, bool)>, DbError> {
    let id = new_id();
    let now = now_ms();
    let inserted = {
        let _turn = db.write_turn().await;
        sqlx::query(
            "INSERT INTO print_jobs (id, event_id, station_id, attendee_id, status, requested_by,
                nonce, created_at, updated_at)
             SELECT $1, s.event_id, s.id, $4, 'QUEUED', $5, $6, $7, $7
             FROM print_stations s WHERE s.id = $3 AND s.event_id = $2
             ON CONFLICT (event_id, nonce) DO NOTHING",
        )
        .bind(&id)
        .bind(event_id)
        .bind(station_id)
        .bind(attendee_id)
        .bind(requested_by)
        .bind(nonce)
        .bind(now)
        .execute(&db.pool)
        .await?
        .rows_affected()
            == 1
    };
    if inserted {
        return Ok(Some((id, true)));
    }
    let earlier: Option<String> =
        sqlx::query_scalar("SELECT id FROM print_jobs WHERE event_id = $1 AND nonce = $2")
            .bind(event_id)
            .bind(nonce)
            .fetch_optional(&db.pool)
            .await?;
    Ok(earlier.map(|id| (id, false)))
}

/// The station's jobs not yet finished, oldest first.
pub async fn waiting_jobs(pool: &AnyPool, station_id: &str) -> Result<Vec<JobRow>, DbError> {
    let sql = format!(
        "{JOB_SELECT} WHERE j.station_id = $1 AND j.status IN ('QUEUED', 'PRINTING')
         ORDER BY j.created_at, j.id"
    );
    Ok(sqlx::query_as(&sql)
        .bind(station_id)
        .fetch_all(pool)
        .await?)
}

/// The event's jobs among `ids` (a phone's own, which it names).
pub async fn jobs(
    pool: &AnyPool,
    event_id: &EventId,
    ids: &[String],
) -> Result<Vec<JobRow>, DbError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "{JOB_SELECT} WHERE j.event_id = $1 AND j.id IN ({}) ORDER BY j.created_at, j.id",
        marks.join(", ")
    );
    let mut query = sqlx::query_as(&sql).bind(event_id);
    for id in ids {
        query = query.bind(id);
    }
    Ok(query.fetch_all(pool).await?)
}

pub async fn job(
    pool: &AnyPool,
    event_id: &EventId,
    job_id: &str,
) -> Result<Option<JobRow>, DbError> {
    let sql = format!("{JOB_SELECT} WHERE j.event_id = $1 AND j.id = $2");
    Ok(sqlx::query_as(&sql)
        .bind(event_id)
        .bind(job_id)
        .fetch_optional(pool)
        .await?)
}

/// Moves the job from `from` to `to`; false when it was no longer `from` (another report
/// came first: the caller reads it again).
pub async fn set_job_status(
    db: &Db,
    job_id: &str,
    from: PrintJobStatus,
    to: PrintJobStatus,
    error: Option<&str>,
) -> Result<bool, DbError> {
    let _turn = db.write_turn().await;
    let done = sqlx::query(
        "UPDATE print_jobs SET status = $3, error = $4, updated_at = $5
         WHERE id = $1 AND status = $2",
    )
    .bind(job_id)
    .bind(from)
    .bind(to)
    .bind(error)
    .bind(now_ms())
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
