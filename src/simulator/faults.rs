//! Faults the admin API can inject into provider endpoints.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Share (0.0..=1.0) of provider calls answered with a 500.
    pub error_rate: f64,
    /// The next N calls are answered 429.
    pub rate_limit_next: u32,
    /// `Retry-After` seconds on Luma's 429s (Eventbrite sends none, as in reality).
    pub retry_after_secs: Option<u64>,
    /// Added to every provider call.
    pub latency_ms: u64,
    /// The next N successful bodies are cut short (invalid JSON).
    pub malformed_next: u32,
    /// The next N calls drop the connection mid-body.
    pub drop_next: u32,
    /// How long a change takes to show in listings (Eventbrite reports up to about 5
    /// minutes): until then a listing serves the person as they were. A single fetch by id
    /// is always current.
    pub listing_delay_ms: u64,
}

pub enum Injected {
    None,
    ServerError,
    RateLimited,
    Malformed,
    Dropped,
}

impl Faults {
    /// Decides this call's fault and consumes one-shot counters.
    pub fn draw(&mut self) -> Injected {
        use rand::Rng;
        if self.rate_limit_next > 0 {
            self.rate_limit_next -= 1;
            return Injected::RateLimited;
        }
        if self.drop_next > 0 {
            self.drop_next -= 1;
            return Injected::Dropped;
        }
        if self.error_rate > 0.0 && rand::thread_rng().gen_bool(self.error_rate.clamp(0.0, 1.0)) {
            return Injected::ServerError;
        }
        if self.malformed_next > 0 {
            self.malformed_next -= 1;
            return Injected::Malformed;
        }
        Injected::None
    }
}

/// A body that sends a few bytes then fails, so the client sees a connection cut mid-response.
pub fn dropped_response() -> Response {
    let stream = cut_stream();
    let mut res = Response::new(Body::from_stream(stream));
    res.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    res
}

fn cut_stream() -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send {
    struct Cut(u8);
    impl futures_core::Stream for Cut {
        type Item = Result<Vec<u8>, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            self.0 += 1;
            std::task::Poll::Ready(match self.0 {
                1 => Some(Ok(b"{\"attendees\": [".to_vec())),
                _ => Some(Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "simulated drop",
                ))),
            })
        }
    }
    Cut(0)
}

pub fn malformed_response() -> Response {
    (
        StatusCode::OK,
        [("content-type", "application/json")],
        "{\"attendees\": [{\"id\": \"1\", ",
    )
        .into_response()
}

/// Runs the shared preamble of every provider call (latency, then an injected fault) and
/// returns the fault's response when there is one. `rate_limited` builds the provider's own 429.
pub async fn inject(
    sim: &super::Sim,
    rate_limited: impl FnOnce(Option<u64>) -> Response,
) -> Option<Response> {
    let (latency, injected, retry_after) = {
        let mut world = sim.world();
        let f = &mut world.faults;
        (f.latency_ms, f.draw(), f.retry_after_secs)
    };
    if latency > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(latency)).await;
    }
    match injected {
        Injected::None => None,
        Injected::ServerError => Some(
            (StatusCode::INTERNAL_SERVER_ERROR, [("content-type", "application/json")],
             r#"{"status_code":500,"error":"INTERNAL_ERROR","error_description":"An internal error occurred.","message":"Internal server error"}"#)
                .into_response(),
        ),
        Injected::RateLimited => Some(rate_limited(retry_after)),
        Injected::Malformed => Some(malformed_response()),
        Injected::Dropped => Some(dropped_response()),
    }
}
