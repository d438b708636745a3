//! The Members page's work: inviting people, accepting an invite, changing roles, removing
//! members. Every function about a workspace takes the acting admin and stays inside their
//! workspace; accepting is the one open to someone who is not a member yet.

use super::auth::{self, password, AuthError, Member};
use super::db::members::Change;
use super::db::{invites, members, users, DbError};
use super::{now_ms, AppState};
use crate::domain::ids::InviteId;
use crate::domain::invite::{self, InviteState, InviteToken};
use crate::domain::views::{CreatedInvite, InviteDetails, MembersOverview};
use crate::domain::{EmailAddress, Role};
use std::net::IpAddr;
use tower_sessions::Session;

#[derive(Debug, thiserror::Error)]
pub enum MemberError {
    #[error("{0:?} is not an email address")]
    InvalidEmail(String),
    #[error("this email is already a member of the workspace")]
    AlreadyMember,
    #[error("the workspace would be left without an admin")]
    LastAdmin,
    #[error("no such member or invite in this workspace")]
    NotFound,
    #[error("the link matches no invite")]
    UnknownInvite,
    #[error("the invite cannot be used: {0:?}")]
    Unusable(InviteState),
    #[error("the name must not be empty")]
    EmptyName,
    #[error("the password must have at least {} characters", password::MIN_LENGTH)]
    WeakPassword,
    #[error("wrong password for the invited email's existing account")]
    WrongPassword,
    #[error(transparent)]
    Db(#[from] DbError),
    /// Includes `AuthError::Throttled`.
    #[error(transparent)]
    Auth(#[from] AuthError),
}

/// The admin's workspace: its members and pending invites.
pub async fn overview(state: &AppState, admin: &Member) -> Result<MembersOverview, MemberError> {
    let pool = &state.db.pool;
    Ok(MembersOverview {
        members: members::list(pool, &admin.workspace_id).await?,
        invites: invites::list_pending(pool, &admin.workspace_id, now_ms()).await?,
        you: admin.user_id.clone(),
    })
}

/// A new invite for `email` with `role`, and its link, which is never shown again. A pending
/// invite of the same email is replaced.
pub async fn invite(
    state: &AppState,
    admin: &Member,
    email: &str,
    role: Role,
) -> Result<CreatedInvite, MemberError> {
    let email = EmailAddress::parse(email)
        .ok_or_else(|| MemberError::InvalidEmail(email.trim().to_string()))?;
    let pool = &state.db.pool;
    if members::has_email(pool, &admin.workspace_id, &email).await? {
        return Err(MemberError::AlreadyMember);
    }
    let token = InviteToken::from_random_bytes(rand::random());
    let now = now_ms();
    let mut tx = pool.begin().await.map_err(DbError::from)?;
    invites::revoke_pending_for(&mut *tx, &admin.workspace_id, &email, now).await?;
    let invite = invites::insert(
        &mut *tx,
        invites::NewInvite {
            workspace_id: &admin.workspace_id,
            email: &email,
            role,
            token_hash: &token.digest(),
            invited_by: &admin.user_id,
            created_at: now,
            expires_at: now + invite::VALID_FOR_MS,
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(CreatedInvite {
        invite,
        link: format!("{}/invite/{}", state.config.public_url(), token.as_str()),
    })
}

pub async fn revoke_invite(
    state: &AppState,
    admin: &Member,
    id: &InviteId,
) -> Result<(), MemberError> {
    if invites::revoke(&state.db.pool, &admin.workspace_id, id, now_ms()).await? {
        Ok(())
    } else {
        Err(MemberError::NotFound)
    }
}

pub async fn change_role(
    state: &AppState,
    admin: &Member,
    user_id: &str,
    role: Role,
) -> Result<(), MemberError> {
    changed(members::change_role(&state.db.pool, &admin.workspace_id, user_id, role).await?)
}

/// Removes a member from the admin's workspace (themselves too, unless they are its last
/// admin). Their next request finds no membership and is signed out.
pub async fn remove(state: &AppState, admin: &Member, user_id: &str) -> Result<(), MemberError> {
    changed(members::remove(&state.db.pool, &admin.workspace_id, user_id).await?)
}

fn changed(change: Change) -> Result<(), MemberError> {
    match change {
        Change::Done => Ok(()),
        Change::LastAdmin => Err(MemberError::LastAdmin),
        Change::NotFound => Err(MemberError::NotFound),
    }
}

/// The pending invite behind a link, or why the link cannot be used.
async fn pending(state: &AppState, token: &str) -> Result<invites::StoredInvite, MemberError> {
    let token = InviteToken::parse(token).ok_or(MemberError::UnknownInvite)?;
    let invite = invites::find_by_token_hash(&state.db.pool, &token.digest())
        .await?
        .ok_or(MemberError::UnknownInvite)?;
    match InviteState::of(
        invite.used_at,
        invite.revoked_at,
        invite.expires_at,
        now_ms(),
    ) {
        InviteState::Pending => Ok(invite),
        other => Err(MemberError::Unusable(other)),
    }
}

/// What the invite page shows for a link that can still be used.
pub async fn details(state: &AppState, token: &str) -> Result<InviteDetails, MemberError> {
    let invite = pending(state, token).await?;
    let has_account = users::credentials_by_email(&state.db.pool, &invite.email)
        .await?
        .is_some();
    Ok(InviteDetails {
        workspace_name: invite.workspace_name,
        email: invite.email,
        role: invite.role,
        has_account,
        min_password_length: password::MIN_LENGTH,
    })
}

/// Joins the invite's workspace and signs the new member in, bound to that workspace. A new
/// email gets an account (`display_name`, `password`); an email that has one already proves
/// it with that account's password (`display_name` is then not used). The invite is marked
/// used, the account and the membership made, in one transaction.
pub async fn accept(
    state: &AppState,
    session: &Session,
    token: &str,
    display_name: &str,
    password: &str,
    client: IpAddr,
) -> Result<Member, MemberError> {
    let invite = pending(state, token).await?;
    // An existing account's password is checked here, so it is throttled like a sign-in.
    state
        .sign_in_throttle
        .attempt(&invite.email, client)
        .map_err(AuthError::Throttled)?;
    let pool = &state.db.pool;
    let joining = match users::credentials_by_email(pool, &invite.email).await? {
        Some(credentials) => {
            if !password::verify(password.to_string(), credentials.password_hash).await? {
                return Err(MemberError::WrongPassword);
            }
            Joining::Existing(credentials.user_id)
        }
        None => {
            let display_name = display_name.trim();
            if display_name.is_empty() {
                return Err(MemberError::EmptyName);
            }
            if password.chars().count() < password::MIN_LENGTH {
                return Err(MemberError::WeakPassword);
            }
            let hash = password::hash(password.to_string()).await?;
            Joining::NewAccount { display_name, hash }
        }
    };
    // Marked used first: a second submit of the link stops here (see `invites::mark_used`),
    // before it could make an account.
    let mut tx = pool.begin().await.map_err(DbError::from)?;
    if !invites::mark_used(&mut *tx, &invite.id, now_ms()).await? {
        drop(tx);
        // Used, or revoked or expired since it was read: say which.
        return Err(match pending(state, token).await {
            Err(error) => error,
            Ok(_) => MemberError::Unusable(InviteState::Used),
        });
    }
    let user_id = match joining {
        Joining::NewAccount { display_name, hash } => {
            users::insert(&mut *tx, &invite.email, display_name, &hash).await?
        }
        Joining::Existing(user_id) => user_id,
    };
    super::db::workspaces::add_member(&mut *tx, &invite.workspace_id, &user_id, invite.role)
        .await
        .map_err(|e| match e {
            DbError::AlreadyExists(_) => MemberError::AlreadyMember,
            other => other.into(),
        })?;
    tx.commit().await.map_err(DbError::from)?;
    let member = users::member(pool, &user_id, &invite.workspace_id)
        .await?
        .ok_or(MemberError::NotFound)?;
    auth::start_session(session, &member).await?;
    Ok(member)
}

/// Who joins through an invite: a new account, or the one the email already has.
enum Joining<'a> {
    NewAccount { display_name: &'a str, hash: String },
    Existing(String),
}
