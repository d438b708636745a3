use super::DbError;
use crate::domain::Role;
use crate::domain::WorkspaceId;
use crate::server::now_ms;
use sqlx::AnyPool;

pub async fn insert<'e>(
    pool: impl sqlx::Executor<'e, Database = sqlx::Any>,
    name: &str,
) -> Result<WorkspaceId, DbError> {
    let id = WorkspaceId::mint();
    sqlx::query("INSERT INTO workspaces (id, name, created_at) VALUES ($1, $2, $3)")
        .bind(&id)
        .bind(name)
        .bind(now_ms())
        .execute(pool)
        .await?;
    Ok(id)
}

pub async fn find_by_name(pool: &AnyPool, name: &str) -> Result<Option<String>, DbError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM workspaces WHERE name = $1 ORDER BY created_at LIMIT 1")
            .bind(name)
            .fetch_optional(pool)
            .await?,
    )
}

pub async fn add_member<'e>(
    pool: impl sqlx::Executor<'e, Database = sqlx::Any>,
    workspace_id: &WorkspaceId,
    user_id: &str,
    role: Role,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(workspace_id)
    .bind(user_id)
    .bind(role.as_str())
    .bind(now_ms())
    .execute(pool)
    .await
    .map_err(|e| DbError::on_unique(e, "membership"))?;
    Ok(())
}
