//! Every provider call goes through its credential's budget ([`crate::domain::budget`]),
//! kept in the database so that all instances on one PostgreSQL share it. Each instance
//! reserves calls a few at a time (one round trip per few calls, not per call) and hands
//! them out locally; a reservation dies with its window, so the provider's limit is never
//! overdrawn, at the cost of a few calls left unused at a window's end.

use crate::domain::budget::Limit;
use crate::domain::Provider;
use crate::server::db::budgets;
use crate::server::now_ms;
use crate::server::providers::{CallGate, Credential};
use futures_util::future::BoxFuture;
use sha2::{Digest, Sha256};
use sqlx::AnyPool;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The gates of this instance, one per credential, shared by every client made for it.
#[derive(Clone, Default)]
pub struct Budgets(Arc<Mutex<HashMap<String, Arc<Gate>>>>);

impl Budgets {
    pub fn gate(&self, pool: &AnyPool, credential: &Credential) -> Arc<Gate> {
        let provider = match credential {
            Credential::EventbriteToken(_) => Provider::Eventbrite,
            Credential::LumaApiKey(_) => Provider::Luma,
        };
        let secret = credential.secret();
        let key = credential_key(provider, secret);
        let mut gates = self.0.lock().expect("budget registry");
        gates
            .entry(key.clone())
            .or_insert_with(|| {
                Arc::new(Gate {
                    pool: pool.clone(),
                    key,
                    limit: Limit::of(provider),
                    batch: match provider {
                        Provider::Eventbrite => 10,
                        Provider::Luma => 5,
                    },
                    reserved: tokio::sync::Mutex::new(Reserved::default()),
                    observed_at: std::sync::atomic::AtomicI64::new(0),
                })
            })
            .clone()
    }
}

/// The budget's row key: a hash of the credential, so the table never holds one.
pub fn credential_key(provider: Provider, secret: &str) -> String {
    let digest = Sha256::digest(format!("{}:{secret}", provider.as_str()).as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Default)]
struct Reserved {
    calls: i64,
    until: i64,
}

pub struct Gate {
    pool: AnyPool,
    key: String,
    limit: Limit,
    batch: i64,
    reserved: tokio::sync::Mutex<Reserved>,
    /// When the provider's own count was last written (it comes with every answer).
    observed_at: std::sync::atomic::AtomicI64,
}

/// How often the provider's own count is written back, unless it nears the limit.
const OBSERVE_EVERY_MS: i64 = 10_000;

impl Gate {
    async fn take_one(&self) -> Result<(), Duration> {
        let mut reserved = self.reserved.lock().await;
        let now = now_ms();
        if reserved.calls > 0 && reserved.until > now {
            reserved.calls -= 1;
            return Ok(());
        }
        match budgets::reserve(&self.pool, &self.key, self.limit, self.batch, now).await {
            Ok(Ok((granted, until))) => {
                *reserved = Reserved {
                    calls: granted - 1,
                    until,
                };
                Ok(())
            }
            Ok(Err(until)) => Err(Duration::from_millis((until - now).max(1) as u64)),
            // The budget's store is down: the call goes ahead (the provider's own 429 still
            // stops us) rather than every sync stopping with it.
            Err(error) => {
                tracing::warn!(%error, "call budget unavailable; calling anyway");
                Ok(())
            }
        }
    }
}

impl CallGate for Gate {
    fn take(&self) -> BoxFuture<'_, Result<(), Duration>> {
        Box::pin(self.take_one())
    }

    fn rate_limited(&self, retry_after: Option<Duration>) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let wait = retry_after
                .map(|d| d.as_millis() as i64)
                .unwrap_or(self.limit.backoff_after_429_ms());
            let until = now_ms() + wait.max(1_000);
            *self.reserved.lock().await = Reserved::default();
            if let Err(error) = budgets::block(&self.pool, &self.key, until).await {
                tracing::warn!(%error, "could not record a rate limit");
            }
        })
    }

    fn observed(&self, used: u32, reset: Duration) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            use std::sync::atomic::Ordering;
            let now = now_ms();
            let near_limit = used as i64 * 10 >= self.limit.calls * 9;
            if !near_limit && now - self.observed_at.load(Ordering::Relaxed) < OBSERVE_EVERY_MS {
                return;
            }
            self.observed_at.store(now, Ordering::Relaxed);
            let resets_at = now + reset.as_millis() as i64;
            if let Err(error) =
                budgets::observe(&self.pool, &self.key, self.limit, used as i64, resets_at).await
            {
                tracing::warn!(%error, "could not record the provider's rate count");
            }
        })
    }
}
