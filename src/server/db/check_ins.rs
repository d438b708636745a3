//! Check-ins made in Lanyard and their undos. The rules are `domain::check_in`'s; what this
//! file adds is what only the database can promise: one standing check-in per attendee and
//! one check-in per request nonce (the constraints in the check_ins migration), so two desks
//! or a retried request never count twice, whatever they read before.

use super::{Backend, Db, DbError};
use crate::domain::check_in::CheckInSource;
use crate::domain::{AttendanceStatus, EventId};
use crate::server::{new_id, now_ms};
use sqlx::AnyPool;

/// What stands on an attendee when a check-in or an undo is asked for.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Standing {
    pub provider_attendee_id: String,
    pub status: AttendanceStatus,
    pub created_at: i64,
    pub provider_checked_in_at: Option<i64>,
    /// Lanyard's standing check-in, if any.
    pub check_in_id: Option<String>,
    pub checked_in_at: Option<i64>,
    pub by_name: Option<String>,
}

/// The attendee of this event, with its standing check-in.
pub async fn standing(
    pool: &AnyPool,
    event_id: &EventId,
    attendee_id: &str,
) -> Result<Option<Standing>, DbError> {
    Ok(sqlx::query_as(
        "SELECT a.provider_attendee_id, a.status, a.created_at, a.provider_checked_in_at,
            c.id AS check_in_id, c.checked_in_at, c.by_name
         FROM attendees a
         LEFT JOIN check_ins c ON c.attendee_id = a.id AND c.undone_at IS NULL
         WHERE a.event_id = $1 AND a.id = $2",
    )
    .bind(event_id)
    .bind(attendee_id)
    .fetch_optional(pool)
    .await?)
}

/// One check-in as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CheckInRow {
    pub id: String,
    pub attendee_id: String,
    pub checked_in_at: i64,
    pub by_name: String,
    pub source: CheckInSource,
    pub station: Option<String>,
    pub forced: i64,
    pub undone_at: Option<i64>,
    pub undone_by_name: Option<String>,
    pub undo_reason: Option<String>,
}

const COLUMNS: &str = "id, attendee_id, checked_in_at, by_name, source, station, forced, undone_at,
    undone_by_name, undo_reason";

/// The check-in a request with this nonce made, if one did.
pub async fn by_nonce(
    pool: &AnyPool,
    event_id: &EventId,
    nonce: &str,
) -> Result<Option<CheckInRow>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM check_ins WHERE event_id = $1 AND nonce = $2");
    Ok(sqlx::query_as(&sql)
        .bind(event_id)
        .bind(nonce)
        .fetch_optional(pool)
        .await?)
}

/// An attendee's check-ins and undos, newest first.
pub async fn history(pool: &AnyPool, attendee_id: &str) -> Result<Vec<CheckInRow>, DbError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM check_ins WHERE attendee_id = $1 ORDER BY checked_in_at DESC LIMIT 200"
    );
    Ok(sqlx::query_as(&sql)
        .bind(attendee_id)
        .fetch_all(pool)
        .await?)
}

pub struct NewCheckIn<'a> {
    pub event_id: &'a EventId,
    pub attendee_id: &'a str,
    pub nonce: &'a str,
    pub user_id: Option<&'a str>,
    pub by_name: &'a str,
    pub source: CheckInSource,
    pub station: Option<&'a str>,
    pub forced: bool,
}

/// Records a check-in unless the attendee already has a standing one or this nonce was
/// used: its time when this call checked them in. The insert does nothing on either
/// constraint; the attendee's mirror columns follow only when the row went in, atomically.
pub async fn insert(db: &Db, c: NewCheckIn<'_>) -> Result<Option<i64>, DbError> {
    let now = now_ms();
    let _turn = db.write_turn().await;
    let mut conn = db.pool.acquire().await?;
    if db.backend == Backend::Postgres {
        // One statement (one round trip, one commit) instead of four: the desk's busiest
        // write on the engine where each statement is a trip over the network.
        let done = sqlx::query(
            "WITH ins AS (
                INSERT INTO check_ins (id, event_id, attendee_id, nonce, checked_in_at, checked_in_by,
                    by_name, source, station, forced)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                ON CONFLICT DO NOTHING
                RETURNING attendee_id
             )
             UPDATE attendees SET checked_in_at = $5, checked_in_by = $7, check_in_nonce = $4,
                updated_at = $5
             FROM ins WHERE attendees.event_id = $2 AND attendees.id = ins.attendee_id",
        );
        let inserted = bind_new(done, &c, now)
            .execute(&mut *conn)
            .await?
            .rows_affected()
            == 1;
        return Ok(inserted.then_some(now));
    }
    // SQLite: the row alone; its trigger (db::SQLITE_CHECK_IN_MIRROR) writes the mirror
    // columns within the same statement. `rows_affected` counts the insert only.
    let insert = sqlx::query(
        "INSERT INTO check_ins (id, event_id, attendee_id, nonce, checked_in_at, checked_in_by,
            by_name, source, station, forced)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT DO NOTHING",
    );
    let inserted = bind_new(insert, &c, now)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        == 1;
    Ok(inserted.then_some(now))
}

/// The ten parameters of a new check-in row, in column order.
fn bind_new<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    c: &NewCheckIn<'q>,
    now: i64,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    q.bind(new_id())
        .bind(c.event_id)
        .bind(c.attendee_id)
        .bind(c.nonce)
        .bind(now)
        .bind(c.user_id)
        .bind(c.by_name)
        .bind(c.source.as_str())
        .bind(c.station)
        .bind(c.forced as i64)
}

/// Undoes the standing check-in `check_in_id`: true when this call undid it (a second undo
/// of the same check-in finds it undone and changes nothing).
pub async fn undo(
    db: &Db,
    event_id: &EventId,
    check_in_id: &str,
    user_id: &str,
    by_name: &str,
    reason: Option<&str>,
) -> Result<bool, DbError> {
    let now = now_ms();
    let _turn = db.write_turn().await;
    let mut tx = db.pool.begin().await?;
    let attendee: Option<String> = sqlx::query_scalar(
        "UPDATE check_ins SET undone_at = $3, undone_by = $4, undone_by_name = $5, undo_reason = $6
         WHERE event_id = $1 AND id = $2 AND undone_at IS NULL
         RETURNING attendee_id",
    )
    .bind(event_id)
    .bind(check_in_id)
    .bind(now)
    .bind(user_id)
    .bind(by_name)
    .bind(reason)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(attendee_id) = attendee else {
        tx.rollback().await?;
        return Ok(false);
    };
    sqlx::query(
        "UPDATE attendees SET checked_in_at = NULL, checked_in_by = NULL, check_in_nonce = NULL,
            updated_at = $3
         WHERE event_id = $1 AND id = $2",
    )
    .bind(event_id)
    .bind(&attendee_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Check-ins of the event per five-minute slot, Lanyard's standing ones and the provider's
/// (whose time is known): (slot start, count). Counted in the database, so a 50,000-person
/// event sends back at most a day's 288 slots.
pub async fn per_slot(pool: &AnyPool, event_id: &EventId) -> Result<Vec<(i64, i64)>, DbError> {
    use crate::domain::check_in::ARRIVALS_SLOT_MS;
    Ok(sqlx::query_as(
        "SELECT slot * $2 AS at, COUNT(*) AS n FROM (
            SELECT COALESCE(checked_in_at, provider_checked_in_at) / $2 AS slot FROM attendees
            WHERE event_id = $1
              AND (checked_in_at IS NOT NULL OR provider_checked_in_at > 0)
         ) s GROUP BY slot ORDER BY slot",
    )
    .bind(event_id)
    .bind(ARRIVALS_SLOT_MS)
    .fetch_all(pool)
    .await?)
}
