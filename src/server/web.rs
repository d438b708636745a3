//! What every axum route shares: one error type that is its own response, and the extractor
//! that turns the request's session into the signed-in member. Server functions have their
//! own error (`api::ApiError`); these are the routes outside them (live streams, webhooks,
//! the OAuth flow, the page gate).

use crate::domain::Permission;
use crate::server::auth::{self, AuthError, Member};
use crate::server::db::DbError;
use crate::server::AppState;
use axum::extract::FromRequestParts;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use http::request::Parts;
use http::StatusCode;
use tower_sessions::Session;

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("not signed in")]
    Unauthorized,
    #[error("not allowed")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// Refused with `{"error": <reason>}`: a bad signature, a replay, a malformed body.
    #[error("{1}")]
    Refused(StatusCode, String),
    /// A dependency failed; the caller may try again (a provider retries its delivery).
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
    /// A plain page, for the few outcomes a person meets outside the app's own pages.
    #[error("{title}")]
    Page {
        status: StatusCode,
        title: &'static str,
        detail: &'static str,
    },
}

impl HttpError {
    pub fn page(status: StatusCode, title: &'static str, detail: &'static str) -> HttpError {
        HttpError::Page {
            status,
            title,
            detail,
        }
    }

    /// For callers that must be told to retry (webhooks) rather than that we failed.
    pub fn unavailable(error: impl std::fmt::Display) -> HttpError {
        HttpError::Unavailable(error.to_string())
    }
}

impl From<DbError> for HttpError {
    fn from(error: DbError) -> Self {
        HttpError::Internal(error.to_string())
    }
}

impl From<AuthError> for HttpError {
    fn from(error: AuthError) -> Self {
        HttpError::Internal(error.to_string())
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        match self {
            HttpError::Unauthorized => StatusCode::UNAUTHORIZED.into_response(),
            HttpError::Forbidden => StatusCode::FORBIDDEN.into_response(),
            HttpError::NotFound => StatusCode::NOT_FOUND.into_response(),
            HttpError::Refused(status, reason) => {
                (status, Json(serde_json::json!({ "error": reason }))).into_response()
            }
            HttpError::Unavailable(error) => {
                tracing::warn!(%error, "answered 503");
                StatusCode::SERVICE_UNAVAILABLE.into_response()
            }
            HttpError::Internal(error) => {
                // The cause is logged here, never sent: it may name tables or hosts.
                tracing::error!(%error, "answered 500");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
            HttpError::Page {
                status,
                title,
                detail,
            } => (status, Html(page_html(title, detail))).into_response(),
        }
    }
}

fn page_html(title: &str, detail: &str) -> String {
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;");
    format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t} · Lanyard</title><link rel="stylesheet" href="{css}"></head>
<body class="bg-slate-50 text-slate-900"><main class="mx-auto max-w-lg px-4 py-24 text-center">
<h1 class="text-2xl font-semibold">{t}</h1><p class="mt-2 text-slate-600">{d}</p>
<a class="mt-6 inline-block rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white" href="/settings/integrations">Back to Integrations</a>
</main></body></html>"#,
        t = esc(title),
        d = esc(detail),
        css = crate::server::assets::stylesheet()
    )
}

/// The signed-in member of the request (401 when signed out). Role and workspace are read
/// fresh on every request, as for server functions.
pub struct SignedIn(pub Member);

impl SignedIn {
    /// The member, when their role allows `permission`.
    pub fn require(self, permission: Permission) -> Result<Member, HttpError> {
        if self.0.role.can(permission) {
            Ok(self.0)
        } else {
            tracing::warn!(user = %self.0.user_id, role = ?self.0.role, ?permission, "refused");
            Err(HttpError::Forbidden)
        }
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, HttpError> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, why)| HttpError::Internal(why.to_string()))?;
        auth::member_of_session(state, &session)
            .await?
            .map(SignedIn)
            .ok_or(HttpError::Unauthorized)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_error_answers_its_status_and_hides_internal_causes() {
        let status = |e: HttpError| e.into_response().status();
        assert_eq!(status(HttpError::Unauthorized), StatusCode::UNAUTHORIZED);
        assert_eq!(status(HttpError::Forbidden), StatusCode::FORBIDDEN);
        assert_eq!(status(HttpError::NotFound), StatusCode::NOT_FOUND);
        assert_eq!(
            status(HttpError::unavailable("db down")),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            status(HttpError::Refused(StatusCode::CONFLICT, "replayed".into())),
            StatusCode::CONFLICT
        );
        let internal = HttpError::from(DbError::Corrupt {
            what: "role",
            value: "x".into(),
        })
        .into_response();
        assert_eq!(internal.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(internal.into_body(), 1024)
            .await
            .unwrap();
        assert!(body.is_empty(), "{body:?}");
        let refused =
            HttpError::Refused(StatusCode::BAD_REQUEST, "missing api_url".into()).into_response();
        let body = axum::body::to_bytes(refused.into_body(), 1024)
            .await
            .unwrap();
        assert_eq!(body, r#"{"error":"missing api_url"}"#);
    }

    #[test]
    fn pages_escape_what_they_show() {
        let html = page_html("A <b> & c", "d");
        assert!(html.contains("A &lt;b> &amp; c"), "{html}");
    }
}
