//! Workspaces and their members: created from the CLI, the demo seed and (later) the members page.

use super::auth::{normalize_email, password, AuthError};
use super::db::{users, workspaces, Db, DbError};
use crate::domain::EmailAddress;
use crate::domain::Role;
use crate::domain::WorkspaceId;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0:?} is not an email address")]
    InvalidEmail(String),
    #[error("the password must have at least {} characters", password::MIN_LENGTH)]
    WeakPassword,
    #[error("the workspace name must not be empty")]
    EmptyWorkspaceName,
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Auth(#[from] AuthError),
}

pub struct NewMember<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password: &'a str,
    pub role: Role,
}

/// Creates a workspace and its first admin.
pub async fn create_workspace(
    db: &Db,
    workspace_name: &str,
    admin: NewMember<'_>,
) -> Result<WorkspaceId, AccountError> {
    let workspace_name = workspace_name.trim();
    if workspace_name.is_empty() {
        return Err(AccountError::EmptyWorkspaceName);
    }
    let hash = checked_hash(admin.email, admin.password).await?;
    let mut tx = db.pool.begin().await.map_err(DbError::from)?;
    let workspace_id = workspaces::insert(&mut *tx, workspace_name).await?;
    let user_id = users::insert(
        &mut *tx,
        &normalize_email(admin.email),
        admin.display_name,
        &hash,
    )
    .await?;
    workspaces::add_member(&mut *tx, &workspace_id, &user_id, Role::Admin).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(workspace_id)
}

/// Adds a new user to an existing workspace.
pub async fn add_member(
    db: &Db,
    workspace_id: &WorkspaceId,
    member: NewMember<'_>,
) -> Result<String, AccountError> {
    let hash = checked_hash(member.email, member.password).await?;
    let mut tx = db.pool.begin().await.map_err(DbError::from)?;
    let user_id = users::insert(
        &mut *tx,
        &normalize_email(member.email),
        member.display_name,
        &hash,
    )
    .await?;
    workspaces::add_member(&mut *tx, workspace_id, &user_id, member.role).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(user_id)
}

async fn checked_hash(email: &str, plain: &str) -> Result<String, AccountError> {
    if EmailAddress::parse(email).is_none() {
        return Err(AccountError::InvalidEmail(email.trim().to_string()));
    }
    if plain.chars().count() < password::MIN_LENGTH {
        return Err(AccountError::WeakPassword);
    }
    Ok(password::hash(plain.to_string()).await?)
}
