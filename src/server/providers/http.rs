//! What both clients share: one configured reqwest client and the mapping of HTTP outcomes
//! onto [`ProviderError`].

use super::ProviderError;
use crate::domain::mapping::MappingError;
use reqwest::{RequestBuilder, Response, StatusCode};
use serde_json::Value;
use std::time::Duration;

pub const USER_AGENT: &str = concat!(
    "Lanyard/",
    env!("CARGO_PKG_VERSION"),
    " (event check-in sync)"
);

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

pub fn client(timeout: Duration) -> Result<reqwest::Client, ProviderError> {
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(Duration::from_secs(5))
        .timeout(timeout)
        // Never follow a redirect with our credential attached to somewhere unexpected.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| ProviderError::Transient(format!("HTTP client: {e}")))
}

/// Sends a request and returns its JSON body, or the classified error. `is_dead_credential`
/// lets a provider name its own ways of saying "this credential is dead" beyond a 401.
pub async fn send_json(
    request: RequestBuilder,
    is_dead_credential: fn(StatusCode, &Value) -> bool,
    gate: &super::Gate,
) -> Result<Value, ProviderError> {
    if let Some(gate) = gate {
        gate.take()
            .await
            .map_err(|retry_after| ProviderError::BudgetExhausted { retry_after })?;
    }
    let response = request.send().await.map_err(transport)?;
    let status = response.status();
    // Eventbrite sends no Retry-After; its x-rate-limit header says when the window resets.
    let eventbrite_limit = response
        .headers()
        .get("x-rate-limit")
        .and_then(|h| h.to_str().ok())
        .and_then(parse_eventbrite_rate_limit);
    let retry_after =
        retry_after(&response).or_else(|| eventbrite_limit.map(|(_, _, reset)| reset));
    if let (Some(gate), Some((used, _, reset))) = (gate, eventbrite_limit) {
        gate.observed(used, reset).await;
    }
    if let (Some(gate), StatusCode::TOO_MANY_REQUESTS) = (gate, status) {
        gate.rate_limited(retry_after).await;
    }
    // Reading the whole body first: a connection cut mid-body is transient, not malformed.
    let bytes = response.bytes().await.map_err(transport)?;
    let body: Option<Value> = serde_json::from_slice(&bytes).ok();
    if status.is_success() {
        return body.ok_or_else(|| {
            ProviderError::Invalid(format!("response body is not JSON ({} bytes)", bytes.len()))
        });
    }
    let body = body.unwrap_or(Value::Null);
    if status == StatusCode::UNAUTHORIZED || is_dead_credential(status, &body) {
        return Err(ProviderError::Unauthorized);
    }
    if status == StatusCode::TOO_MANY_REQUESTS {
        return Err(ProviderError::RateLimited { retry_after });
    }
    let detail = error_detail(&body);
    if status.is_server_error() {
        return Err(ProviderError::Transient(format!(
            "HTTP {}{detail}",
            status.as_u16()
        )));
    }
    Err(ProviderError::Refused {
        status: status.as_u16(),
        detail,
    })
}

pub fn invalid(error: MappingError) -> ProviderError {
    ProviderError::Invalid(error.to_string())
}

fn transport(error: reqwest::Error) -> ProviderError {
    // `without_url`: a URL can carry an id we would rather not log; the kind is what matters.
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_body() || error.is_decode() {
        "the response was cut short"
    } else {
        "the connection failed"
    };
    ProviderError::Transient(format!("{kind}: {}", error.without_url()))
}

fn retry_after(response: &Response) -> Option<Duration> {
    let value = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?;
    retry_after_value(value, chrono::Utc::now())
}

/// `Retry-After` is either delta-seconds or an HTTP-date (RFC 9110, 10.2.3).
fn retry_after_value(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    // A date already past means "now".
    Some(
        (at.with_timezone(&chrono::Utc) - now)
            .to_std()
            .unwrap_or_default(),
    )
}

fn error_detail(body: &Value) -> String {
    let text = ["error_description", "message", "error"]
        .iter()
        .find_map(|k| body.get(*k).and_then(Value::as_str));
    text.map(|t| format!(": {}", t.chars().take(200).collect::<String>()))
        .unwrap_or_default()
}

/// Parses Eventbrite's `x-rate-limit: token:<T> 22/2000 reset=3530s, key:<K> ...` header into
/// the token's (used, limit, reset) figures. The token itself is never returned.
pub fn parse_eventbrite_rate_limit(header: &str) -> Option<(u32, u32, Duration)> {
    let part = header
        .split(',')
        .find(|p| p.trim_start().starts_with("token:"))?;
    let mut words = part.split_whitespace().skip(1);
    let (used, limit) = words.next()?.split_once('/')?;
    let reset = words.next()?.strip_prefix("reset=")?.trim_end_matches('s');
    Some((
        used.parse().ok()?,
        limit.parse().ok()?,
        Duration::from_secs(reset.parse().ok()?),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_token_part_of_eventbrites_rate_limit_header() {
        let h = "token:ABCDEF 22/2000 reset=3530s, key:APPKEY 40/2000 reset=3000s";
        assert_eq!(
            parse_eventbrite_rate_limit(h),
            Some((22, 2000, Duration::from_secs(3530)))
        );
        assert_eq!(parse_eventbrite_rate_limit("garbage"), None);
    }

    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-23T09:14:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(retry_after_value(" 7 ", now), Some(Duration::from_secs(7)));
        assert_eq!(
            retry_after_value("Mon, 23 Nov 2026 09:14:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            retry_after_value("Mon, 23 Nov 2026 09:13:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after_value("soon", now), None);
    }
}
