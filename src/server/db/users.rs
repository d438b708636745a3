use super::DbError;
use crate::domain::Role;
use crate::domain::WorkspaceId;
use crate::server::{new_id, now_ms};
use sqlx::{AnyPool, Row};

pub async fn insert<'e>(
    pool: impl sqlx::Executor<'e, Database = sqlx::Any>,
    email: &str,
    display_name: &str,
    password_hash: &str,
) -> Result<String, DbError> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO users (id, email, display_name, password_hash, created_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&id)
    .bind(email)
    .bind(display_name)
    .bind(password_hash)
    .bind(now_ms())
    .execute(pool)
    .await
    .map_err(|e| DbError::on_unique(e, "a user with this email"))?;
    Ok(id)
}

/// The stored hash to check a sign-in against; `None` when no user has this email.
pub struct Credentials {
    pub user_id: String,
    pub password_hash: String,
}

pub async fn credentials_by_email(
    pool: &AnyPool,
    email: &str,
) -> Result<Option<Credentials>, DbError> {
    let row = sqlx::query("SELECT id, password_hash FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|r| Credentials {
        user_id: r.get("id"),
        password_hash: r.get("password_hash"),
    }))
}

/// A user as a member of one workspace: what every signed-in request runs as.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MemberRow {
    pub user_id: String,
    pub email: String,
    pub display_name: String,
    pub workspace_id: WorkspaceId,
    pub workspace_name: String,
    pub role: Role,
}

const MEMBER_SELECT: &str = "SELECT u.id AS user_id, u.email, u.display_name,
        w.id AS workspace_id, w.name AS workspace_name, m.role
     FROM memberships m
     JOIN users u ON u.id = m.user_id
     JOIN workspaces w ON w.id = m.workspace_id";

pub async fn member(
    pool: &AnyPool,
    user_id: &str,
    workspace_id: &WorkspaceId,
) -> Result<Option<MemberRow>, DbError> {
    let sql = format!("{MEMBER_SELECT} WHERE m.user_id = $1 AND m.workspace_id = $2");
    Ok(sqlx::query_as(&sql)
        .bind(user_id)
        .bind(workspace_id)
        .fetch_optional(pool)
        .await?)
}

/// The workspace a user lands in after sign-in: the oldest membership.
pub async fn first_membership(pool: &AnyPool, user_id: &str) -> Result<Option<MemberRow>, DbError> {
    let sql = format!("{MEMBER_SELECT} WHERE m.user_id = $1 ORDER BY m.created_at LIMIT 1");
    Ok(sqlx::query_as(&sql)
        .bind(user_id)
        .fetch_optional(pool)
        .await?)
}
