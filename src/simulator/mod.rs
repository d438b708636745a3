//! The provider simulator: one local server speaking Eventbrite's and Luma's APIs in the
//! shapes of ../shared/PROVIDERS.md, stateful, with an admin API for tests and the demo
//! (create events, change attendees, revoke credentials, inject faults) and webhook delivery.
//!
//! It is never easier than the real APIs: the same page sizes, opaque cursors, error bodies
//! and rate-limit behaviour (Eventbrite sends no Retry-After).

mod admin;
mod eventbrite;
mod fake_people;
mod faults;
mod luma;
pub mod world;

use axum::Router;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;

pub use faults::Faults;
pub use world::World;

#[derive(Clone)]
pub struct Sim {
    pub world: Arc<Mutex<World>>,
    pub base_url: Arc<str>,
    http: reqwest::Client,
}

impl Sim {
    pub fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.world.lock().expect("simulator state lock")
    }

    /// Posts queued webhook deliveries in the background; a receiver that is down loses them,
    /// as with the real providers (the poll catches up).
    fn deliver(&self, deliveries: Vec<world::Delivery>) {
        for d in deliveries {
            let http = self.http.clone();
            tokio::spawn(async move {
                let body = serde_json::to_vec(&d.body).expect("a delivery serialises");
                let mut request = http.post(&d.url).header("content-type", "application/json");
                if let Some(secret) = &d.secret {
                    use crate::domain::webhook_signature::{sign_standard, sign_timestamped};
                    let timestamp = chrono::Utc::now().timestamp().to_string();
                    request = match d.signing {
                        world::Signing::StandardWebhooks => {
                            let id = format!("msg_{}", uuid::Uuid::new_v4().simple());
                            let signature = sign_standard(secret, &id, &timestamp, &body);
                            request
                                .header("webhook-id", id)
                                .header("webhook-signature", signature)
                        }
                        world::Signing::TimestampedHex => request.header(
                            "webhook-signature",
                            sign_timestamped(secret, &timestamp, &body),
                        ),
                    }
                    .header("webhook-timestamp", timestamp);
                }
                let result = request.body(body).send().await;
                if let Err(e) = result {
                    tracing::debug!(url = %d.url, error = %e, "webhook delivery failed");
                }
            });
        }
    }
}

pub struct RunningSimulator {
    pub url: String,
    pub sim: Sim,
}

impl RunningSimulator {
    pub fn eventbrite_api(&self) -> String {
        format!("{}/eventbrite/v3", self.url)
    }
    pub fn eventbrite_oauth(&self) -> String {
        format!("{}/eventbrite/oauth", self.url)
    }
    pub fn luma_api(&self) -> String {
        format!("{}/luma", self.url)
    }
    /// Registers an Eventbrite app, so OAuth with its client id and secret succeeds.
    pub fn register_eventbrite_app(&self, client_id: &str, client_secret: &str) {
        self.sim
            .world()
            .apps
            .insert(client_id.to_string(), client_secret.to_string());
    }
}

/// Starts the simulator on `addr` (port 0 for a random one) in the background.
pub async fn start(addr: SocketAddr) -> std::io::Result<RunningSimulator> {
    let listener = TcpListener::bind(addr).await?;
    let url = format!("http://{}", listener.local_addr()?);
    let sim = Sim {
        world: Arc::new(Mutex::new(World::default())),
        base_url: url.clone().into(),
        http: reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .expect("HTTP client"),
    };
    let app = router(sim.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(RunningSimulator { url, sim })
}

fn router(sim: Sim) -> Router {
    Router::new()
        .nest("/eventbrite", eventbrite::router(sim.clone()))
        .nest("/luma", luma::router(sim.clone()))
        .nest("/admin", admin::router())
        .with_state(sim)
}
