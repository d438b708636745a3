//! The shared call budgets (`domain::budget`'s rule, applied in conditional UPDATEs so that
//! every instance on one database draws from the same window).

use super::DbError;
use crate::domain::budget::Limit;
use sqlx::{AnyPool, Row};

/// Reserves up to `want` calls from the credential's window at `now`: how many were granted
/// and when the window ends, or `Err(until)` when none are left before then.
pub async fn reserve(
    pool: &AnyPool,
    key: &str,
    limit: Limit,
    want: i64,
    now: i64,
) -> Result<Result<(i64, i64), i64>, DbError> {
    loop {
        let row = sqlx::query(
            "SELECT window_started_at, window_ms, used, blocked_until FROM provider_budgets
             WHERE credential_key = $1",
        )
        .bind(key)
        .fetch_optional(pool)
        .await?;
        let Some(row) = row else {
            let inserted = sqlx::query(
                "INSERT INTO provider_budgets (credential_key, window_started_at, window_ms, used, limit_calls, blocked_until)
                 VALUES ($1, $2, $3, $4, $5, 0) ON CONFLICT (credential_key) DO NOTHING",
            )
            .bind(key)
            .bind(now)
            .bind(limit.window_ms)
            .bind(want.min(limit.calls))
            .bind(limit.calls)
            .execute(pool)
            .await?;
            if inserted.rows_affected() == 1 {
                return Ok(Ok((want.min(limit.calls), now + limit.window_ms)));
            }
            continue;
        };
        let (started, window_ms, used, blocked): (i64, i64, i64, i64) = (
            row.get("window_started_at"),
            row.get("window_ms"),
            row.get("used"),
            row.get("blocked_until"),
        );
        if blocked > now {
            return Ok(Err(blocked));
        }
        let (fresh, base_used, base_start) = if started + window_ms <= now {
            (true, 0, now)
        } else {
            (false, used, started)
        };
        let granted = want.min(limit.calls - base_used);
        if granted <= 0 {
            return Ok(Err(started + window_ms));
        }
        // Compare-and-set on what was read: another instance's take in between makes this
        // one read again, so the window is never overdrawn.
        let done = sqlx::query(
            "UPDATE provider_budgets SET window_started_at = $2, used = $3, window_ms = $4, limit_calls = $5
             WHERE credential_key = $1 AND window_started_at = $6 AND used = $7 AND blocked_until = $8",
        )
        .bind(key)
        .bind(base_start)
        .bind(base_used + granted)
        .bind(limit.window_ms)
        .bind(limit.calls)
        .bind(started)
        .bind(used)
        .bind(blocked)
        .execute(pool)
        .await?;
        if done.rows_affected() == 1 {
            let ends = if fresh {
                now + limit.window_ms
            } else {
                started + window_ms
            };
            return Ok(Ok((granted, ends)));
        }
    }
}

/// Closes the budget until `until` (a 429).
pub async fn block(pool: &AnyPool, key: &str, until: i64) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE provider_budgets SET blocked_until = $2 WHERE credential_key = $1 AND blocked_until < $2",
    )
    .bind(key)
    .bind(until)
    .execute(pool)
    .await?;
    Ok(())
}

/// Aligns the window with the provider's own count: `used` calls so far, resetting at
/// `resets_at`. Only ever raises the count.
pub async fn observe(
    pool: &AnyPool,
    key: &str,
    limit: Limit,
    used: i64,
    resets_at: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE provider_budgets SET used = $2, window_started_at = $3
         WHERE credential_key = $1 AND used < $2",
    )
    .bind(key)
    .bind(used)
    .bind(resets_at - limit.window_ms)
    .execute(pool)
    .await?;
    Ok(())
}

/// Calls left in the credential's window now, for planning polls.
pub async fn remaining(pool: &AnyPool, key: &str, limit: Limit, now: i64) -> Result<i64, DbError> {
    let row = sqlx::query(
        "SELECT window_started_at, used, blocked_until FROM provider_budgets WHERE credential_key = $1",
    )
    .bind(key)
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        None => limit.calls,
        Some(r) => crate::domain::budget::remaining(
            limit,
            crate::domain::budget::Window {
                started_at: r.get("window_started_at"),
                used: r.get("used"),
                blocked_until: r.get("blocked_until"),
            },
            now,
        ),
    })
}
