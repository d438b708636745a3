use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// The error every server function returns. Its messages are written for the person in
/// front of the page; causes are logged on the server and never sent to the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ApiError {
    #[error("Please sign in to continue.")]
    Unauthenticated,
    #[error("Your role does not allow this.")]
    Forbidden,
    #[error("Not found.")]
    NotFound,
    /// Bad input, with a message that says what to fix.
    #[error("{0}")]
    Invalid(String),
    /// Sign-in attempts over their quota: whole seconds until one more is allowed (HTTP 429).
    #[error("Too many attempts, try again in {0} s")]
    TooManyAttempts(u64),
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The call itself failed (network, encoding): the server function never answered.
    #[error("Could not reach Lanyard: {0}")]
    Transport(String),
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        ApiError::Transport(value.to_string())
    }
}

#[cfg(feature = "ssr")]
mod status {
    use super::ApiError;
    use http::StatusCode;

    impl ApiError {
        pub fn status(&self) -> StatusCode {
            match self {
                ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
                ApiError::Forbidden => StatusCode::FORBIDDEN,
                ApiError::NotFound => StatusCode::NOT_FOUND,
                ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                ApiError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
                ApiError::Internal | ApiError::Transport(_) => StatusCode::INTERNAL_SERVER_ERROR,
            }
        }

        /// Sets this error's HTTP status on the response of the current server function.
        fn responded(self) -> ApiError {
            if let Some(res) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
                res.set_status(self.status());
            }
            self
        }

        pub fn unauthenticated() -> ApiError {
            ApiError::Unauthenticated.responded()
        }
        pub fn forbidden() -> ApiError {
            ApiError::Forbidden.responded()
        }
        pub fn not_found() -> ApiError {
            ApiError::NotFound.responded()
        }
        pub fn invalid(message: impl Into<String>) -> ApiError {
            ApiError::Invalid(message.into()).responded()
        }
        pub fn internal() -> ApiError {
            ApiError::Internal.responded()
        }
        /// 429 with `Retry-After`, for an attempt refused by a throttle for `wait`.
        pub fn too_many_attempts(wait: std::time::Duration) -> ApiError {
            let seconds = crate::server::auth::throttle::whole_seconds(wait);
            if let Some(res) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
                res.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(seconds));
            }
            ApiError::TooManyAttempts(seconds).responded()
        }
    }

    impl From<crate::server::db::DbError> for ApiError {
        fn from(error: crate::server::db::DbError) -> ApiError {
            tracing::error!(%error, "database error in a server function");
            ApiError::internal()
        }
    }
}
