//! Connect Eventbrite: OAuth 2.0 authorization code with the `oauth2` crate. A random
//! `state` is bound to the session and must come back once; the code is exchanged here,
//! server-side, and the token never reaches the browser.

use super::auth::{self, Member};
use super::integrations::{self, IntegrationError};
use super::providers::Credential;
use super::AppState;
use crate::domain::Permission;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, RedirectUrl,
    TokenResponse, TokenUrl,
};
use serde::Deserialize;
use tower_sessions::Session;

const STATE_KEY: &str = "eventbrite_oauth_state";
pub const CALLBACK_PATH: &str = "/integrations/eventbrite/callback";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/integrations/eventbrite/connect", get(start))
        .route(CALLBACK_PATH, get(callback))
}

async fn admin(state: &AppState, session: &Session) -> Result<Member, Response> {
    match auth::member_of_session(state, session).await {
        Ok(Some(m)) if m.role.can(Permission::ManageIntegrations) => Ok(m),
        Ok(Some(_)) => Err(page(
            StatusCode::FORBIDDEN,
            "Only admins can connect integrations.",
            "Your role does not allow this.",
        )),
        Ok(None) => Err(Redirect::to("/login").into_response()),
        Err(e) => {
            tracing::error!(error = %e, "session lookup failed");
            Err(page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "Please try again.",
            ))
        }
    }
}

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

fn oauth_client(state: &AppState) -> Result<EventbriteOAuth, Response> {
    let Some(app) = &state.config.eventbrite_app else {
        return Err(page(
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
                .set_client_secret(ClientSecret::new(app.client_secret.clone()))
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
        page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Eventbrite is misconfigured",
            "EVENTBRITE_OAUTH_URL or LANYARD_PUBLIC_URL is not a valid URL.",
        )
    })
}

async fn start(State(state): State<AppState>, session: Session) -> Response {
    if let Err(res) = admin(&state, &session).await {
        return res;
    }
    let client = match oauth_client(&state) {
        Ok(c) => c,
        Err(res) => return res,
    };
    let (url, csrf) = client.authorize_url(CsrfToken::new_random).url();
    if let Err(e) = session.insert(STATE_KEY, csrf.secret()).await {
        tracing::error!(error = %e, "could not store the OAuth state");
        return page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "Please try again.",
        );
    }
    Redirect::to(url.as_str()).into_response()
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

async fn callback(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<CallbackQuery>,
) -> Response {
    let member = match admin(&state, &session).await {
        Ok(m) => m,
        Err(res) => return res,
    };
    // Single use: the state is taken out of the session whatever happens next, so a replayed
    // callback finds nothing to match.
    let expected: Option<String> = session.remove(STATE_KEY).await.ok().flatten();
    let state_ok = matches!((&expected, &q.state), (Some(e), Some(got)) if constant_time_eq(e.as_bytes(), got.as_bytes()));
    if !state_ok {
        tracing::warn!(user = %member.user_id, "OAuth callback with a wrong or replayed state refused");
        return page(
            StatusCode::BAD_REQUEST,
            "This Eventbrite sign-in link is not valid",
            "It was already used, or it was not started from this browser. Start again from Settings → Integrations.",
        );
    }
    if q.error.is_some() {
        return Redirect::to("/settings/integrations?error=eventbrite_denied").into_response();
    }
    let Some(code) = q.code else {
        return page(
            StatusCode::BAD_REQUEST,
            "Eventbrite did not send a code",
            "Start again from Settings → Integrations.",
        );
    };
    let client = match oauth_client(&state) {
        Ok(c) => c,
        Err(res) => return res,
    };
    // The provider clients' settings: a timeout, our User-Agent, no redirects (the token
    // exchange carries the client secret).
    let http = match crate::server::providers::http::client(
        crate::server::providers::http::DEFAULT_TIMEOUT,
    ) {
        Ok(h) => h,
        Err(_) => {
            return page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "Please try again.",
            )
        }
    };
    let token = match client
        .exchange_code(AuthorizationCode::new(code))
        .request_async(&http)
        .await
    {
        Ok(t) => t.access_token().secret().clone(),
        Err(e) => {
            // The error names the OAuth failure kind; it never contains the token.
            tracing::warn!(error = %e, "Eventbrite code exchange failed");
            return page(
                StatusCode::BAD_GATEWAY,
                "Eventbrite did not accept the sign-in",
                "The code expired or was already used. Start again from Settings → Integrations.",
            );
        }
    };
    match integrations::connect(&state, &member, Credential::EventbriteToken(token)).await {
        Ok(_) => Redirect::to("/settings/integrations?connected=eventbrite").into_response(),
        Err(IntegrationError::Rejected) => page(
            StatusCode::BAD_GATEWAY,
            "Eventbrite rejected the new token",
            "Try connecting again.",
        ),
        Err(e) => {
            tracing::error!(error = %e, "saving the Eventbrite integration failed");
            page(
                StatusCode::BAD_GATEWAY,
                "Could not finish connecting Eventbrite",
                "Eventbrite could not be reached. Try again in a moment.",
            )
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A plain page for the few outcomes that happen outside the app's own pages.
fn page(status: StatusCode, title: &str, detail: &str) -> Response {
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;");
    let html = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t} · Lanyard</title><link rel="stylesheet" href="/pkg/lanyard.css"></head>
<body class="bg-slate-50 text-slate-900"><main class="mx-auto max-w-lg px-4 py-24 text-center">
<h1 class="text-2xl font-semibold">{t}</h1><p class="mt-2 text-slate-600">{d}</p>
<a class="mt-6 inline-block rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white" href="/settings/integrations">Back to Integrations</a>
</main></body></html>"#,
        t = esc(title),
        d = esc(detail)
    );
    (status, Html(html)).into_response()
}
