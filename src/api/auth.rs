use super::ApiError;
pub use crate::domain::views::SessionInfo;
use leptos::prelude::*;

/// The signed-in member, or `None` when signed out (not an error: the layout asks this on
/// every page to decide between the app and the sign-in page).
#[server(prefix = "/api", endpoint = "session")]
pub async fn current_session() -> Result<Option<SessionInfo>, ApiError> {
    let member = super::guard::current_member().await?;
    Ok(member.map(|m| SessionInfo {
        email: m.email,
        display_name: m.display_name,
        workspace_name: m.workspace_name,
        role: m.role,
    }))
}

#[server(prefix = "/api", endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<(), ApiError> {
    use crate::server::auth::{self, AuthError};
    let state = super::guard::app_state();
    let session: tower_sessions::Session = leptos_axum::extract()
        .await
        .map_err(|_| ApiError::internal())?;
    if email.trim().is_empty() || password.is_empty() {
        return Err(ApiError::invalid("Enter your email and password."));
    }
    let client = client_address().await?;
    match auth::sign_in(&state, &session, &email, &password, client).await {
        Ok(member) => {
            tracing::info!(user = %member.user_id, workspace = %member.workspace_id, "signed in");
            leptos_axum::redirect("/events");
            Ok(())
        }
        // 401 rather than Invalid's usual 422: the credentials, not the form, are wrong.
        Err(AuthError::WrongCredentials) => {
            if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
                res.set_status(http::StatusCode::UNAUTHORIZED);
            }
            Err(ApiError::Invalid("Wrong email or password.".into()))
        }
        Err(AuthError::NoWorkspace) => Err(ApiError::invalid(
            "This account is not a member of any workspace.",
        )),
        Err(AuthError::Throttled(wait)) => {
            tracing::warn!(%client, "sign-in throttled");
            Err(ApiError::too_many_attempts(wait))
        }
        Err(e) => {
            tracing::error!(error = %e, "sign-in failed");
            Err(ApiError::internal())
        }
    }
}

/// The address of the TCP peer that made this call (the server is served with connect
/// info). Behind a reverse proxy that is the proxy: X-Forwarded-For is not trusted, since any
/// client can write it.
#[cfg(feature = "ssr")]
pub(crate) async fn client_address() -> Result<std::net::IpAddr, ApiError> {
    use axum::extract::ConnectInfo;
    let ConnectInfo(peer): ConnectInfo<std::net::SocketAddr> =
        leptos_axum::extract().await.map_err(|e| {
            tracing::error!(error = %e, "the peer's address is missing (served without connect info?)");
            ApiError::internal()
        })?;
    Ok(peer.ip())
}

#[server(prefix = "/api", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), ApiError> {
    let session: tower_sessions::Session = leptos_axum::extract()
        .await
        .map_err(|_| ApiError::internal())?;
    crate::server::auth::sign_out(&session).await.map_err(|e| {
        tracing::error!(error = %e, "sign-out failed");
        ApiError::internal()
    })?;
    leptos_axum::redirect("/login");
    Ok(())
}
