//! How the sync engine rides out a provider's bad moments. Transient errors (5xx, timeouts,
//! cut connections) are retried on a jittered exponential schedule with a budget. A 429, or
//! the credential's call budget running out, is not a failure: a short wait is taken in
//! place (it does not spend the transient budget), a longer one is returned to the caller,
//! so that a job is handed back to the queue with a `run_after` instead of holding a worker.

use crate::server::providers::ProviderError;
use backon::{BackoffBuilder, ExponentialBuilder};
use std::future::Future;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Retries of a transient error before the call gives up.
    pub transient_retries: usize,
    /// First backoff delay; each retry doubles it, up to `max_delay`, plus jitter.
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// Longest a single call waits out rate limits in place, in all; beyond it the error is
    /// returned (a job is then handed back to the queue until the limit resets).
    pub max_rate_limit_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            transient_retries: 6,
            min_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_rate_limit_wait: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// A fast schedule for tests: same shape, millisecond delays.
    pub fn quick() -> Self {
        RetryPolicy {
            transient_retries: 8,
            min_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(100),
            max_rate_limit_wait: Duration::from_secs(5),
        }
    }

    fn schedule(&self, times: usize) -> impl Iterator<Item = Duration> {
        ExponentialBuilder::default()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(times)
            .with_jitter()
            .build()
    }

    /// Runs `call` until it succeeds, fails for good, or the budgets run out. `attempts` is
    /// incremented per provider call made, for the sync run's record.
    pub async fn run<T, F, Fut>(&self, attempts: &mut i64, mut call: F) -> Result<T, ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ProviderError>>,
    {
        let mut transient = self.schedule(self.transient_retries);
        let mut rate_limited = self.schedule(usize::MAX);
        let mut waited = Duration::ZERO;
        loop {
            *attempts += 1;
            let error = match call().await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            let delay = match &error {
                ProviderError::Transient(_) => match transient.next() {
                    Some(delay) => delay,
                    None => return Err(error),
                },
                ProviderError::RateLimited { retry_after } => {
                    let delay = retry_after
                        .or_else(|| rate_limited.next())
                        .unwrap_or(self.max_delay);
                    waited += delay;
                    if waited > self.max_rate_limit_wait {
                        return Err(error);
                    }
                    delay
                }
                ProviderError::BudgetExhausted { retry_after } => {
                    // Refused before any call went out.
                    *attempts -= 1;
                    waited += *retry_after;
                    if waited > self.max_rate_limit_wait {
                        return Err(error);
                    }
                    *retry_after
                }
                ProviderError::Unauthorized
                | ProviderError::Invalid(_)
                | ProviderError::Refused { .. } => return Err(error),
            };
            tracing::debug!(%error, ?delay, "provider call will be retried");
            tokio::time::sleep(delay).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    fn scripted(
        script: Vec<Result<u32, ProviderError>>,
    ) -> impl FnMut() -> std::future::Ready<Result<u32, ProviderError>> {
        let script = RefCell::new(script.into_iter());
        move || std::future::ready(script.borrow_mut().next().expect("script ran out"))
    }

    fn transient() -> Result<u32, ProviderError> {
        Err(ProviderError::Transient("503".into()))
    }

    fn limited(after_ms: Option<u64>) -> Result<u32, ProviderError> {
        Err(ProviderError::RateLimited {
            retry_after: after_ms.map(Duration::from_millis),
        })
    }

    #[tokio::test]
    async fn transient_errors_are_retried_until_the_budget_runs_out() {
        let policy = RetryPolicy {
            transient_retries: 2,
            ..RetryPolicy::quick()
        };
        let mut calls = 0;
        let ok = policy
            .run(&mut calls, scripted(vec![transient(), transient(), Ok(7)]))
            .await;
        assert_eq!((ok, calls), (Ok(7), 3));

        let mut calls = 0;
        let failed = policy
            .run(
                &mut calls,
                scripted(vec![transient(), transient(), transient()]),
            )
            .await;
        assert!(matches!(failed, Err(ProviderError::Transient(_))));
        assert_eq!(calls, 3);
    }

    #[tokio::test]
    async fn rate_limits_do_not_spend_the_transient_budget() {
        let policy = RetryPolicy {
            transient_retries: 1,
            ..RetryPolicy::quick()
        };
        let mut calls = 0;
        let script = vec![
            limited(Some(1)),
            limited(None),
            transient(),
            limited(Some(1)),
            Ok(1),
        ];
        assert_eq!(policy.run(&mut calls, scripted(script)).await, Ok(1));
        assert_eq!(calls, 5);
    }

    #[tokio::test]
    async fn waiting_out_rate_limits_is_capped() {
        let policy = RetryPolicy {
            max_rate_limit_wait: Duration::from_millis(25),
            ..RetryPolicy::quick()
        };
        let mut calls = 0;
        let script = vec![limited(Some(10)), limited(Some(10)), limited(Some(10))];
        let result = policy.run(&mut calls, scripted(script)).await;
        assert!(matches!(result, Err(ProviderError::RateLimited { .. })));
        assert_eq!(calls, 3);
    }

    #[tokio::test]
    async fn unauthorized_and_invalid_are_never_retried() {
        let policy = RetryPolicy::quick();
        for error in [
            ProviderError::Unauthorized,
            ProviderError::Invalid("no id".into()),
        ] {
            let mut calls = 0;
            let result = policy
                .run(&mut calls, scripted(vec![Err(error.clone()), Ok(1)]))
                .await;
            assert_eq!((result, calls), (Err(error), 1));
        }
    }
}
