//! Sign-in throttling: password attempts counted per account (the email typed) and per client
//! address, each by a keyed GCRA limiter (governor) in this instance's memory. An attempt
//! over either quota is refused before its password is checked, so guessing costs the
//! attacker time and costs us no argon2 run.
//!
//! Known limits: several instances on one PostgreSQL each count on their own, so the
//! quotas hold per instance; and the address is the TCP peer's, so behind a reverse proxy
//! every visitor shares the proxy's address (X-Forwarded-For is not trusted: any client can
//! write it, and we do not know which proxies are ours).

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// A burst of attempts, then one more each `every`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttemptQuota {
    pub burst: u32,
    pub every: Duration,
}

impl AttemptQuota {
    fn governor(self) -> Quota {
        Quota::with_period(self.every.max(Duration::from_millis(1)))
            .expect("the period is not zero")
            .allow_burst(NonZeroU32::new(self.burst).unwrap_or(NonZeroU32::MIN))
    }
}

pub struct SignInThrottle {
    per_account: DefaultKeyedRateLimiter<String>,
    per_address: DefaultKeyedRateLimiter<IpAddr>,
}

impl SignInThrottle {
    pub fn new(per_account: AttemptQuota, per_address: AttemptQuota) -> SignInThrottle {
        SignInThrottle {
            per_account: DefaultKeyedRateLimiter::keyed(per_account.governor()),
            per_address: DefaultKeyedRateLimiter::keyed(per_address.governor()),
        }
    }

    /// Counts one attempt at `account` (a normalised email) from `address`: `Err(wait)` when
    /// either is over its quota, with the time until one more would be allowed. The address
    /// is asked first, so a flood from one address does not lock its victims' accounts for
    /// longer than the flood itself (its refused attempts never reach the account's count).
    pub fn attempt(&self, account: &str, address: IpAddr) -> Result<(), Duration> {
        let now = DefaultClock::default().now();
        self.per_address
            .check_key(&address_key(address))
            .map_err(|not_until| not_until.wait_time_from(now))?;
        self.per_account
            .check_key(&account.to_string())
            .map_err(|not_until| not_until.wait_time_from(now))
    }

    /// Drops the keys whose quota is whole again, so that a stream of made-up emails does not
    /// grow the maps without end.
    fn forget_idle(&self) {
        self.per_address.retain_recent();
        self.per_address.shrink_to_fit();
        self.per_account.retain_recent();
        self.per_account.shrink_to_fit();
    }
}

/// Forgets idle keys every minute while the throttle is in use.
pub async fn forget_idle_keys(throttle: Weak<SignInThrottle>) {
    let mut every = tokio::time::interval(Duration::from_secs(60));
    loop {
        every.tick().await;
        let Some(throttle) = throttle.upgrade() else {
            return;
        };
        throttle.forget_idle();
    }
}

/// Starts the cleanup beside a new throttle (inside a Tokio runtime).
pub fn spawn(per_account: AttemptQuota, per_address: AttemptQuota) -> Arc<SignInThrottle> {
    let throttle = Arc::new(SignInThrottle::new(per_account, per_address));
    tokio::spawn(forget_idle_keys(Arc::downgrade(&throttle)));
    throttle
}

/// What an address is counted as: an IPv4 address as it is (also when it arrives mapped into
/// IPv6), an IPv6 address by its /64, since one host commonly holds a whole /64 and could
/// otherwise take a fresh address for every attempt.
pub fn address_key(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(prefix))
        }
    }
}

/// The wait told to the person, in whole seconds, rounded up and at least 1 ("try again in
/// 0 s" would be refused again).
pub fn whole_seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: &str = "alice@example.com";

    fn quota(burst: u32, every_ms: u64) -> AttemptQuota {
        AttemptQuota {
            burst,
            every: Duration::from_millis(every_ms),
        }
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_account_gets_its_burst_then_waits_for_the_next_attempt() {
        let throttle = SignInThrottle::new(quota(3, 60_000), quota(100, 1));
        for n in 0..3 {
            assert_eq!(throttle.attempt(ALICE, ip("10.0.0.1")), Ok(()), "{n}");
        }
        // From another address too: the account is what is counted.
        let wait = throttle.attempt(ALICE, ip("10.0.0.2")).unwrap_err();
        assert!(
            wait > Duration::from_secs(59) && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
        assert_eq!(throttle.attempt("bob@example.com", ip("10.0.0.1")), Ok(()));
    }

    #[test]
    fn an_address_gets_its_burst_across_accounts() {
        let throttle = SignInThrottle::new(quota(100, 1), quota(2, 60_000));
        assert!(throttle.attempt("a@x.io", ip("10.0.0.1")).is_ok());
        assert!(throttle.attempt("b@x.io", ip("10.0.0.1")).is_ok());
        assert!(throttle.attempt("c@x.io", ip("10.0.0.1")).is_err());
        assert!(throttle.attempt("c@x.io", ip("10.0.0.2")).is_ok());
    }

    #[test]
    fn the_quota_comes_back_after_its_period() {
        let throttle = SignInThrottle::new(quota(1, 50), quota(100, 1));
        assert!(throttle.attempt(ALICE, ip("10.0.0.1")).is_ok());
        let wait = throttle.attempt(ALICE, ip("10.0.0.1")).unwrap_err();
        std::thread::sleep(wait);
        assert!(throttle.attempt(ALICE, ip("10.0.0.1")).is_ok());
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(
            address_key(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")),
            ip("2001:db8:1:2::")
        );
        assert_eq!(
            address_key(ip("2001:db8:1:2::1")),
            address_key(ip("2001:db8:1:2::ffff"))
        );
        assert_ne!(
            address_key(ip("2001:db8:1:2::1")),
            address_key(ip("2001:db8:1:3::1"))
        );
        assert_eq!(address_key(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
        assert_eq!(address_key(ip("192.0.2.7")), ip("192.0.2.7"));
    }

    #[test]
    fn waits_are_told_in_whole_seconds_rounded_up_and_never_zero() {
        assert_eq!(whole_seconds(Duration::ZERO), 1);
        assert_eq!(whole_seconds(Duration::from_millis(1)), 1);
        assert_eq!(whole_seconds(Duration::from_millis(1_000)), 1);
        assert_eq!(whole_seconds(Duration::from_millis(1_001)), 2);
        assert_eq!(whole_seconds(Duration::from_millis(11_999)), 12);
    }
}
