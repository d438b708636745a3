//! Sign-in, sessions and the role check every server function goes through.

pub mod password;

use crate::api::ApiError;
use crate::domain::Permission;
use crate::server::db::{users, DbError};
use crate::server::AppState;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

pub use users::MemberRow as Member;

const SESSION_KEY: &str = "auth";

/// What the session remembers: who signed in, and into which workspace. Role and names are
/// read fresh from the database on every request, so a changed role or a removed member
/// takes effect at once.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct SessionAuth {
    user_id: String,
    workspace_id: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("wrong email or password")]
    WrongCredentials,
    #[error("the account is not a member of any workspace")]
    NoWorkspace,
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("session store: {0}")]
    Session(#[from] tower_sessions::session::Error),
    #[error("password hashing: {0}")]
    Hash(String),
}

/// Checks the password and, when right, binds the session to the user's first workspace.
pub async fn sign_in(
    state: &AppState,
    session: &Session,
    email: &str,
    password: &str,
) -> Result<Member, AuthError> {
    let email = normalize_email(email);
    let credentials = users::credentials_by_email(&state.db.pool, &email).await?;
    // Verify against a dummy hash when the email is unknown, so response time does not tell
    // an attacker which emails have accounts.
    let (user_id, hash) = match credentials {
        Some(c) => (Some(c.user_id), c.password_hash),
        None => (None, password::dummy_hash().to_string()),
    };
    let ok = password::verify(password.to_string(), hash).await?;
    let user_id = match (ok, user_id) {
        (true, Some(id)) => id,
        _ => return Err(AuthError::WrongCredentials),
    };
    let member = users::first_membership(&state.db.pool, &user_id)
        .await?
        .ok_or(AuthError::NoWorkspace)?;
    // A new session id on sign-in defeats session fixation.
    session.cycle_id().await?;
    session
        .insert(
            SESSION_KEY,
            SessionAuth {
                user_id: member.user_id.clone(),
                workspace_id: member.workspace_id.clone(),
            },
        )
        .await?;
    Ok(member)
}

pub async fn sign_out(session: &Session) -> Result<(), AuthError> {
    session.flush().await?;
    Ok(())
}

/// The signed-in member behind this session, if any.
pub async fn member_of_session(
    state: &AppState,
    session: &Session,
) -> Result<Option<Member>, AuthError> {
    let Some(auth) = session.get::<SessionAuth>(SESSION_KEY).await? else {
        return Ok(None);
    };
    Ok(users::member(&state.db.pool, &auth.user_id, &auth.workspace_id).await?)
}

pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The signed-in member of the current server-function call, or `Unauthenticated`.
pub async fn signed_in() -> Result<Member, ApiError> {
    current_member()
        .await?
        .ok_or_else(ApiError::unauthenticated)
}

/// The signed-in member of the current server-function call; `None` when signed out, which
/// is an ordinary answer (the layout asks on every page) and so sets no error status.
pub async fn current_member() -> Result<Option<Member>, ApiError> {
    let state = leptos::prelude::expect_context::<AppState>();
    let session: Session = leptos_axum::extract().await.map_err(|e| {
        tracing::error!(error = %e, "session layer missing");
        ApiError::internal()
    })?;
    member_of_session(&state, &session).await.map_err(|e| {
        tracing::error!(error = %e, "could not load the session's member");
        ApiError::internal()
    })
}

/// The role check: every server function starts with `require(Permission::...)` and then
/// scopes its queries to `member.workspace_id`.
pub async fn require(permission: Permission) -> Result<Member, ApiError> {
    let member = signed_in().await?;
    if member.role.can(permission) {
        Ok(member)
    } else {
        tracing::warn!(user = %member.user_id, role = ?member.role, ?permission, "refused");
        Err(ApiError::forbidden())
    }
}

/// `require(permission)` for a call about one event, which must be in the member's
/// workspace. Another workspace's event is "not found", never "forbidden": its existence is
/// not ours to tell.
pub async fn require_event(
    permission: Permission,
    event_id: &str,
) -> Result<(AppState, Member), ApiError> {
    let state = app_state();
    let member = require(permission).await?;
    if !crate::server::db::events::in_workspace(&state.db.pool, &member.workspace_id, event_id)
        .await?
    {
        return Err(ApiError::not_found());
    }
    Ok((state, member))
}

/// The app state of the current server-function call. Read it before the first `.await`:
/// during server rendering a re-render may drop the call's reactive owner, and with it the
/// context, while the call waits (seen as a panic that cut a page's stream short).
pub fn app_state() -> AppState {
    leptos::prelude::expect_context::<AppState>()
}
