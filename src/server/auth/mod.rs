//! Sign-in, sessions and the role check every server function goes through.

pub mod password;
pub mod throttle;

use crate::domain::{EmailAddress, WorkspaceId};
use crate::server::db::{users, DbError};
use crate::server::AppState;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::time::Duration;
use tower_sessions::Session;

pub use users::MemberRow as Member;

const SESSION_KEY: &str = "auth";

/// What the session remembers: who signed in, and into which workspace. Role and names are
/// read fresh from the database on every request, so a changed role or a removed member
/// takes effect at once.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct SessionAuth {
    user_id: String,
    workspace_id: WorkspaceId,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("wrong email or password")]
    WrongCredentials,
    #[error("the account is not a member of any workspace")]
    NoWorkspace,
    /// Too many attempts for this account or from this address: try again after the wait.
    #[error("too many sign-in attempts; next allowed in {0:?}")]
    Throttled(Duration),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("session store: {0}")]
    Session(#[from] tower_sessions::session::Error),
    #[error("password hashing: {0}")]
    Hash(String),
}

/// Checks the password and, when right, binds the session to the user's first workspace.
/// Every attempt counts against the account's and the `client` address's quotas, and one
/// over either is refused before the password is looked at.
pub async fn sign_in(
    state: &AppState,
    session: &Session,
    email: &str,
    password: &str,
    client: IpAddr,
) -> Result<Member, AuthError> {
    let email = normalize_email(email);
    state
        .sign_in_throttle
        .attempt(&email, client)
        .map_err(AuthError::Throttled)?;
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
    start_session(session, &member).await?;
    Ok(member)
}

/// Signs `member` in: the session is bound to that user in that workspace (sign-in's first
/// workspace, or the one an invite just joined).
pub async fn start_session(session: &Session, member: &Member) -> Result<(), AuthError> {
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
    Ok(())
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

/// The stored form of a typed address ([`EmailAddress`]'s rule; what cannot be an address is
/// kept as typed, trimmed and lower-cased, so it simply matches no account).
pub fn normalize_email(email: &str) -> String {
    EmailAddress::parse(email)
        .map(String::from)
        .unwrap_or_else(|| email.trim().to_lowercase())
}
