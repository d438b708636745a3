//! The guard every server function starts with: the session's member, with a permission,
//! scoped to one workspace (and one event of it).

use crate::api::ApiError;
use crate::domain::EventId;
use crate::domain::Permission;
use crate::server::auth::{member_of_session, Member};
use crate::server::AppState;
use tower_sessions::Session;

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
/// not ours to tell; nor is a malformed id's.
pub async fn require_event(
    permission: Permission,
    event_id: &str,
) -> Result<(AppState, Member, EventId), ApiError> {
    let (state, member, event_id) = require_for_event(permission, event_id).await?;
    if !crate::server::db::events::in_workspace(&state.db.pool, &member.workspace_id, &event_id)
        .await?
    {
        return Err(ApiError::not_found());
    }
    Ok((state, member, event_id))
}

/// `require(permission)` and the event's id, for a service that takes the member's workspace
/// and checks it in the read it makes anyway (the check-in's, the Staff Access card's),
/// sparing `require_event`'s own query on a hot path.
pub async fn require_for_event(
    permission: Permission,
    event_id: &str,
) -> Result<(AppState, Member, EventId), ApiError> {
    let state = app_state();
    let member = require(permission).await?;
    let event_id = parse_id(event_id, EventId::parse)?;
    Ok((state, member, event_id))
}

/// An id sent by the browser: one that cannot be ours is "not found", like an unknown one.
pub fn parse_id<T>(text: &str, parse: fn(&str) -> Option<T>) -> Result<T, ApiError> {
    parse(text).ok_or_else(ApiError::not_found)
}

/// The app state of the current server-function call. Read it before the first `.await`:
/// during server rendering a re-render may drop the call's reactive owner, and with it the
/// context, while the call waits (seen as a panic that cut a page's stream short).
pub fn app_state() -> AppState {
    leptos::prelude::expect_context::<AppState>()
}
