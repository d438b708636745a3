//! Connect Eventbrite: OAuth 2.0 authorization code with the `oauth2` crate. A random
//! `state` is bound to the session and must come back once; the code is exchanged here,
//! server-side, and the token never reaches the browser.

use super::auth::Member;
use super::integrations::{self, IntegrationError};
use super::providers::Credential;
use super::web::{HttpError, SignedIn};
use super::AppState;
use crate::domain::Permission;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, RedirectUrl,
    TokenResponse, TokenUrl,
};
use serde::Deserialize;
use subtle::ConstantTimeEq;
use tower_sessions::Session;

const STATE_KEY: &str = "eventbrite_oauth_state";
pub const CALLBACK_PATH: &str = "/integrations/eventbrite/callback";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/integrations/eventbrite/connect", get(start))
        .route(CALLBACK_PATH, get(callback))
}

/// Only admins connect integrations; anyone else gets a page saying so.
fn admin(viewer: SignedIn) -> Result<Member, HttpError> {
    viewer.require(Permission::ManageIntegrations).map_err(|_| {
        HttpError::page(
            StatusCode::FORBIDDEN,
            "Only admins can connect integrations.",
            "Your role does not allow this.",
        )
    })
}

const TRY_AGAIN: HttpError = HttpError::Page {
    status: StatusCode::INTERNAL_SERVER_ERROR,
    title: "Something went wrong",
    detail: "Please try again.",
};

type EventbriteOAuth = oauth2::Client<
    oauth2::basic::BasicErrorResponse,
    oauth2::basic::BasicTokenResponse,
    oauth2::basic::BasicTokenIntrospectionResponse,
    oauth2::StandardRevocableToken,
    oauth2::basic::BasicRevocationErrorResponse,
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

fn oauth_client(state: &AppState) -> Result<EventbriteOAuth, HttpError> {
    let Some(app) = &state.config.eventbrite_app else {
        return Err(HttpError::page(
            StatusCode::SERVICE_UNAVAILABLE,
            "Eventbrite is not set up on this server",
            "Set EVENTBRITE_CLIENT_ID and EVENTBRITE_CLIENT_SECRET (see the README), then try again.",
        ));
    };
    let base = state
        .config
        .providers
        .eventbrite_oauth
        .trim_end_matches('/');
    let built = (|| {
        Ok::<_, oauth2::url::ParseError>(
            BasicClient::new(ClientId::new(app.client_id.clone()))
                .set_client_secret(ClientSecret::new(
                    secrecy::ExposeSecret::expose_secret(&app.client_secret).to_string(),
                ))
                .set_auth_uri(AuthUrl::new(format!("{base}/authorize"))?)
                .set_token_uri(TokenUrl::new(format!("{base}/token"))?)
                // Eventbrite reads client_id and client_secret from the form body.
                .set_auth_type(AuthType::RequestBody)
                .set_redirect_uri(RedirectUrl::new(format!(
                    "{}{CALLBACK_PATH}",
                    state.config.public_url()
                ))?),
        )
    })();
    built.map_err(|e| {
        tracing::error!(error = %e, "bad Eventbrite OAuth URL configuration");
        HttpError::page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Eventbrite is misconfigured",
            "EVENTBRITE_OAUTH_URL or LANYARD_PUBLIC_URL is not a valid URL.",
        )
    })
}

async fn start(
    State(state): State<AppState>,
    viewer: SignedIn,
    session: Session,
) -> Result<Response, HttpError> {
    admin(viewer)?;
    let client = oauth_client(&state)?;
    let (url, csrf) = client.authorize_url(CsrfToken::new_random).url();
    session
        .insert(STATE_KEY, csrf.secret())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "could not store the OAuth state");
            TRY_AGAIN
        })?;
    Ok(Redirect::to(url.as_str()).into_response())
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

async fn callback(
    State(state): State<AppState>,
    viewer: SignedIn,
    session: Session,
    Query(q): Query<CallbackQuery>,
) -> Result<Response, HttpError> {
    let member = admin(viewer)?;
    // Single use: the state is taken out of the session whatever happens next, so a replayed
    // callback finds nothing to match.
    let expected: Option<String> = session.remove(STATE_KEY).await.ok().flatten();
    let state_ok = matches!((&expected, &q.state), (Some(e), Some(got)) if bool::from(e.as_bytes().ct_eq(got.as_bytes())));
    if !state_ok {
        tracing::warn!(user = %member.user_id, "OAuth callback with a wrong or replayed state refused");
        return Err(HttpError::page(
            StatusCode::BAD_REQUEST,
            "This Eventbrite sign-in link is not valid",
            "It was already used, or it was not started from this browser. Start again from Settings → Integrations.",
        ));
    }
    if q.error.is_some() {
        return Ok(Redirect::to("/settings/integrations?error=eventbrite_denied").into_response());
    }
    let Some(code) = q.code else {
        return Err(HttpError::page(
            StatusCode::BAD_REQUEST,
            "Eventbrite did not send a code",
            "Start again from Settings → Integrations.",
        ));
    };
    let client = oauth_client(&state)?;
    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .request_async(&state.http)
        .await
        .map_err(|e| {
            // The error names the OAuth failure kind; it never contains the token.
            tracing::warn!(error = %e, "Eventbrite code exchange failed");
            HttpError::page(
                StatusCode::BAD_GATEWAY,
                "Eventbrite did not accept the sign-in",
                "The code expired or was already used. Start again from Settings → Integrations.",
            )
        })?
        .access_token()
        .secret()
        .clone();
    match integrations::connect(&state, &member, Credential::EventbriteToken(token.into())).await {
        Ok(_) => Ok(Redirect::to("/settings/integrations?connected=eventbrite").into_response()),
        Err(IntegrationError::Rejected) => Err(HttpError::page(
            StatusCode::BAD_GATEWAY,
            "Eventbrite rejected the new token",
            "Try connecting again.",
        )),
        Err(e) => {
            tracing::error!(error = %e, "saving the Eventbrite integration failed");
            Err(HttpError::page(
                StatusCode::BAD_GATEWAY,
                "Could not finish connecting Eventbrite",
                "Eventbrite could not be reached. Try again in a moment.",
            ))
        }
    }
}
