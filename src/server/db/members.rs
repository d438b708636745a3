//! A workspace's members as the Members page manages them. The rule that a workspace keeps at
//! least one admin lives in the writes themselves (see [`change_role`]).

use super::DbError;
use crate::domain::views::MemberSummary;
use crate::domain::{EmailAddress, Role, WorkspaceId};
use sqlx::{Any, AnyPool, Transaction};

pub async fn list(
    pool: &AnyPool,
    workspace_id: &WorkspaceId,
) -> Result<Vec<MemberSummary>, DbError> {
    Ok(sqlx::query_as(
        "SELECT u.id AS user_id, u.display_name, u.email, m.role, m.created_at AS joined_at
         FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.workspace_id = $1
         ORDER BY m.created_at, u.email",
    )
    .bind(workspace_id)
    .fetch_all(pool)
    .await?)
}

pub async fn has_email(
    pool: &AnyPool,
    workspace_id: &WorkspaceId,
    email: &EmailAddress,
) -> Result<bool, DbError> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.workspace_id = $1 AND u.email = $2",
    )
    .bind(workspace_id)
    .bind(email.as_str())
    .fetch_optional(pool)
    .await?;
    Ok(found.is_some())
}

/// What a role change or a removal did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Done,
    /// Refused: the member is the workspace's last admin.
    LastAdmin,
    /// No such member in this workspace.
    NotFound,
}

/// The other admins of the member `$2` in workspace `$1`, for the WHERE of a write that would
/// take an admin away.
const ANOTHER_ADMIN: &str = "(SELECT COUNT(*) FROM memberships other
      WHERE other.workspace_id = $1 AND other.user_id <> $2 AND other.role = 'ADMIN') > 0";

/// Gives the member `role`, unless that would leave the workspace without an admin.
///
/// The rule is the UPDATE's own WHERE (it counts the other admins), not a read before it.
/// That alone still lets two admins demote each other at once on PostgreSQL: under READ
/// COMMITTED each statement counts the other as still an admin. So the transaction first
/// writes the workspace's row, which serialises every membership change of one workspace
/// (PostgreSQL: the row lock; SQLite: the first write takes the database's write lock), and
/// the second change counts again after the first has committed.
pub async fn change_role(
    pool: &AnyPool,
    workspace_id: &WorkspaceId,
    user_id: &str,
    role: Role,
) -> Result<Change, DbError> {
    let mut tx = pool.begin().await?;
    lock_workspace(&mut tx, workspace_id).await?;
    let sql = format!(
        "UPDATE memberships SET role = $3
         WHERE workspace_id = $1 AND user_id = $2 AND ($3 = 'ADMIN' OR role <> 'ADMIN' OR {ANOTHER_ADMIN})"
    );
    let done = sqlx::query(&sql)
        .bind(workspace_id)
        .bind(user_id)
        .bind(role.as_str())
        .execute(&mut *tx)
        .await?;
    finish(tx, done.rows_affected(), workspace_id, user_id).await
}

/// Removes the member from the workspace (their account stays), unless they are its last
/// admin; the same serialisation as [`change_role`].
pub async fn remove(
    pool: &AnyPool,
    workspace_id: &WorkspaceId,
    user_id: &str,
) -> Result<Change, DbError> {
    let mut tx = pool.begin().await?;
    lock_workspace(&mut tx, workspace_id).await?;
    let sql = format!(
        "DELETE FROM memberships
         WHERE workspace_id = $1 AND user_id = $2 AND (role <> 'ADMIN' OR {ANOTHER_ADMIN})"
    );
    let done = sqlx::query(&sql)
        .bind(workspace_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    finish(tx, done.rows_affected(), workspace_id, user_id).await
}

/// A write to the workspace's row that changes nothing: the portable `SELECT ... FOR UPDATE`.
async fn lock_workspace(
    tx: &mut Transaction<'_, Any>,
    workspace_id: &WorkspaceId,
) -> Result<(), DbError> {
    sqlx::query("UPDATE workspaces SET name = name WHERE id = $1")
        .bind(workspace_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Commits a write that happened; otherwise tells a refusal (the member exists) from an
/// unknown member. The read only names the outcome: the write already decided it.
async fn finish(
    mut tx: Transaction<'_, Any>,
    rows: u64,
    workspace_id: &WorkspaceId,
    user_id: &str,
) -> Result<Change, DbError> {
    if rows == 1 {
        tx.commit().await?;
        return Ok(Change::Done);
    }
    let exists: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM memberships WHERE workspace_id = $1 AND user_id = $2")
            .bind(workspace_id)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
    tx.rollback().await?;
    Ok(if exists.is_some() {
        Change::LastAdmin
    } else {
        Change::NotFound
    })
}
