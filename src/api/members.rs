//! Settings → Members (admins: `ManageMembers`) and the invite page (open: whoever holds the
//! link).

use super::ApiError;
pub use crate::domain::views::{
    CreatedInvite, InviteDetails, InviteSummary, MemberSummary, MembersOverview,
};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
fn member_error(error: crate::server::members::MemberError) -> ApiError {
    use crate::domain::invite;
    use crate::server::auth::AuthError;
    use crate::server::members::MemberError as E;
    match error {
        E::InvalidEmail(email) => ApiError::invalid(format!("{email:?} is not an email address.")),
        E::AlreadyMember => {
            ApiError::invalid("This person is already a member of this workspace.")
        }
        E::LastAdmin => ApiError::invalid("A workspace needs at least one admin."),
        E::NotFound => ApiError::not_found(),
        E::UnknownInvite => with_status(
            http::StatusCode::NOT_FOUND,
            ApiError::Invalid(invite::UNKNOWN_LINK.into()),
        ),
        E::Unusable(state) => with_status(
            http::StatusCode::GONE,
            ApiError::Invalid(state.problem().unwrap_or(invite::UNKNOWN_LINK).into()),
        ),
        E::EmptyName => ApiError::invalid("Enter your name."),
        E::WeakPassword => ApiError::invalid(format!(
            "Choose a password of at least {} characters.",
            crate::server::auth::password::MIN_LENGTH
        )),
        E::WrongPassword => with_status(
            http::StatusCode::UNAUTHORIZED,
            ApiError::Invalid("Wrong password for your Lanyard account.".into()),
        ),
        E::Auth(AuthError::Throttled(wait)) => ApiError::too_many_attempts(wait),
        E::Db(crate::server::db::DbError::AlreadyExists(_)) => ApiError::invalid(
            "An account with this email was created meanwhile. Reload the page to join with its password.",
        ),
        other => {
            tracing::error!(error = %other, "members operation failed");
            ApiError::internal()
        }
    }
}

/// `error` answered with `status` instead of its usual one.
#[cfg(feature = "ssr")]
fn with_status(status: http::StatusCode, error: ApiError) -> ApiError {
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(status);
    }
    error
}

/// A role as the page's select sends it: the stored name (`STAFF`).
#[cfg(feature = "ssr")]
fn parse_role(text: &str) -> Result<crate::domain::Role, ApiError> {
    crate::domain::Role::parse(&text.trim().to_ascii_uppercase())
        .ok_or_else(|| ApiError::invalid("Choose a role: Admin, Staff or Support."))
}

#[server(prefix = "/api", endpoint = "list_members")]
pub async fn list_members() -> Result<MembersOverview, ApiError> {
    use crate::domain::Permission;
    let state = super::guard::app_state();
    let admin = super::guard::require(Permission::ManageMembers).await?;
    crate::server::members::overview(&state, &admin)
        .await
        .map_err(member_error)
}

/// A single-use link for `email` to join with `role`, shown once.
#[server(prefix = "/api", endpoint = "create_invite")]
pub async fn create_invite(email: String, role: String) -> Result<CreatedInvite, ApiError> {
    use crate::domain::Permission;
    let state = super::guard::app_state();
    let admin = super::guard::require(Permission::ManageMembers).await?;
    let role = parse_role(&role)?;
    let created = crate::server::members::invite(&state, &admin, &email, role)
        .await
        .map_err(member_error)?;
    tracing::info!(by = %admin.user_id, invite = %created.invite.id, ?role, "invite created");
    Ok(created)
}

#[server(prefix = "/api", endpoint = "revoke_invite")]
pub async fn revoke_invite(invite_id: String) -> Result<(), ApiError> {
    use crate::domain::{ids::InviteId, Permission};
    let state = super::guard::app_state();
    let admin = super::guard::require(Permission::ManageMembers).await?;
    let id = super::guard::parse_id(&invite_id, InviteId::parse)?;
    crate::server::members::revoke_invite(&state, &admin, &id)
        .await
        .map_err(member_error)
}

#[server(prefix = "/api", endpoint = "change_member_role")]
pub async fn change_member_role(user_id: String, role: String) -> Result<(), ApiError> {
    use crate::domain::Permission;
    let state = super::guard::app_state();
    let admin = super::guard::require(Permission::ManageMembers).await?;
    let role = parse_role(&role)?;
    crate::server::members::change_role(&state, &admin, &user_id, role)
        .await
        .map_err(member_error)?;
    tracing::info!(by = %admin.user_id, member = %user_id, ?role, "role changed");
    Ok(())
}

#[server(prefix = "/api", endpoint = "remove_member")]
pub async fn remove_member(user_id: String) -> Result<(), ApiError> {
    use crate::domain::Permission;
    let state = super::guard::app_state();
    let admin = super::guard::require(Permission::ManageMembers).await?;
    crate::server::members::remove(&state, &admin, &user_id)
        .await
        .map_err(member_error)?;
    tracing::info!(by = %admin.user_id, member = %user_id, "member removed");
    Ok(())
}

/// The invite behind a link, for the invite page. Open to anyone: the link is the
/// credential, and a used, revoked or expired one says so.
#[server(prefix = "/api", endpoint = "read_invite")]
pub async fn read_invite(token: String) -> Result<InviteDetails, ApiError> {
    let state = super::guard::app_state();
    crate::server::members::details(&state, &token)
        .await
        .map_err(member_error)
}

/// Joins the workspace through an invite link and signs in, then goes to the Events page.
/// A new account needs `display_name` and `password`; an existing one, its password.
#[server(prefix = "/api", endpoint = "accept_invite")]
pub async fn accept_invite(
    token: String,
    #[server(default)] display_name: String,
    password: String,
) -> Result<(), ApiError> {
    let state = super::guard::app_state();
    let session: tower_sessions::Session = leptos_axum::extract()
        .await
        .map_err(|_| ApiError::internal())?;
    let client = super::auth::client_address().await?;
    let member =
        crate::server::members::accept(&state, &session, &token, &display_name, &password, client)
            .await
            .map_err(member_error)?;
    tracing::info!(user = %member.user_id, workspace = %member.workspace_id, role = ?member.role, "joined through an invite");
    leptos_axum::redirect("/events");
    Ok(())
}
