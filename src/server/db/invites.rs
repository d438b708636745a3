//! Invites to a workspace. A link is found by its token's hash; accepting one marks it used
//! with a conditional UPDATE, so one link joins one person however often it is submitted.

use super::DbError;
use crate::domain::ids::InviteId;
use crate::domain::views::InviteSummary;
use crate::domain::{EmailAddress, Role, WorkspaceId};
use sqlx::{Any, AnyPool};

pub struct NewInvite<'a> {
    pub workspace_id: &'a WorkspaceId,
    pub email: &'a EmailAddress,
    pub role: Role,
    pub token_hash: &'a str,
    pub invited_by: &'a str,
    pub created_at: i64,
    pub expires_at: i64,
}

pub async fn insert<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    invite: NewInvite<'_>,
) -> Result<InviteSummary, DbError> {
    let id = InviteId::mint();
    sqlx::query(
        "INSERT INTO invites (id, workspace_id, email, role, token_hash, invited_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(invite.workspace_id)
    .bind(invite.email.as_str())
    .bind(invite.role.as_str())
    .bind(invite.token_hash)
    .bind(invite.invited_by)
    .bind(invite.created_at)
    .bind(invite.expires_at)
    .execute(db)
    .await?;
    Ok(InviteSummary {
        id,
        email: invite.email.to_string(),
        role: invite.role,
        created_at: invite.created_at,
        expires_at: invite.expires_at,
    })
}

/// Revokes the workspace's pending invites of `email`: inviting someone again replaces
/// their earlier link (the admin lost it, or chose another role), so one link works at a time.
pub async fn revoke_pending_for<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    workspace_id: &WorkspaceId,
    email: &EmailAddress,
    now: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE invites SET revoked_at = $3
         WHERE workspace_id = $1 AND email = $2 AND used_at IS NULL AND revoked_at IS NULL",
    )
    .bind(workspace_id)
    .bind(email.as_str())
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// The workspace's invites that can still be accepted, oldest first.
pub async fn list_pending(
    pool: &AnyPool,
    workspace_id: &WorkspaceId,
    now: i64,
) -> Result<Vec<InviteSummary>, DbError> {
    Ok(sqlx::query_as(
        "SELECT id, email, role, created_at, expires_at FROM invites
         WHERE workspace_id = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2
         ORDER BY created_at, id",
    )
    .bind(workspace_id)
    .bind(now)
    .fetch_all(pool)
    .await?)
}

/// Revokes one invite of the workspace that was not used yet; `false` when there is none (a
/// used one, another workspace's, an unknown id).
pub async fn revoke(
    pool: &AnyPool,
    workspace_id: &WorkspaceId,
    id: &InviteId,
    now: i64,
) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE invites SET revoked_at = $3
         WHERE workspace_id = $1 AND id = $2 AND used_at IS NULL AND revoked_at IS NULL",
    )
    .bind(workspace_id)
    .bind(id)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An invite as its link finds it, whatever its state.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StoredInvite {
    pub id: InviteId,
    pub workspace_id: WorkspaceId,
    pub workspace_name: String,
    pub email: String,
    pub role: Role,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

pub async fn find_by_token_hash(
    pool: &AnyPool,
    token_hash: &str,
) -> Result<Option<StoredInvite>, DbError> {
    Ok(sqlx::query_as(
        "SELECT i.id, i.workspace_id, w.name AS workspace_name, i.email, i.role, i.expires_at,
            i.used_at, i.revoked_at
         FROM invites i JOIN workspaces w ON w.id = i.workspace_id
         WHERE i.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?)
}

/// Marks the invite used, only if it is still pending at `now`: `false` means another submit
/// took it first (or it was revoked or expired meanwhile) and the caller must roll back. On
/// PostgreSQL a second submit waits on the row's lock and then finds it used; on SQLite the
/// transaction that writes first holds the database's write lock.
pub async fn mark_used<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    id: &InviteId,
    now: i64,
) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE invites SET used_at = $2
         WHERE id = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2",
    )
    .bind(id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
