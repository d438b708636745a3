//! Provider call budgets: how many calls one credential may make per window, and the rule
//! that grants a call or says how long to wait. Storage applies the same rule in one
//! conditional UPDATE, so that instances sharing a database share the budget.

use super::Provider;

/// A provider's documented limit for one credential, less headroom: our windows are not
/// aligned with the provider's, and several instances' clocks differ a little.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub calls: i64,
    pub window_ms: i64,
}

impl Limit {
    /// Eventbrite: 2,000 calls an hour per token. Luma: 200 requests a minute per calendar
    /// key (GET and POST together). Both kept 5-10% under.
    pub fn of(provider: Provider) -> Limit {
        match provider {
            Provider::Eventbrite => Limit {
                calls: 1_900,
                window_ms: 3_600_000,
            },
            Provider::Luma => Limit {
                calls: 180,
                window_ms: 60_000,
            },
        }
    }

    /// How long to stay away after a 429 that named no time: Luma's documented "back off"
    /// is to the next minute; Eventbrite's hourly window is read from `x-rate-limit` when
    /// sent, else a minute and try again.
    pub fn backoff_after_429_ms(self) -> i64 {
        60_000
    }
}

/// One credential's current window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Window {
    pub started_at: i64,
    pub used: i64,
    pub blocked_until: i64,
}

/// What [`take`] decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grant {
    Granted(Window),
    /// Nothing left until then (ms since the epoch).
    WaitUntil(i64),
}

/// Takes one call from `window` at `now`: a window past its end starts afresh; a blocked or
/// spent one says when to come back.
pub fn take(limit: Limit, window: Window, now: i64) -> Grant {
    if window.blocked_until > now {
        return Grant::WaitUntil(window.blocked_until);
    }
    if window.started_at + limit.window_ms <= now {
        return Grant::Granted(Window {
            started_at: now,
            used: 1,
            blocked_until: 0,
        });
    }
    if window.used < limit.calls {
        return Grant::Granted(Window {
            used: window.used + 1,
            ..window
        });
    }
    Grant::WaitUntil(window.started_at + limit.window_ms)
}

/// Calls still available in `window` at `now`.
pub fn remaining(limit: Limit, window: Window, now: i64) -> i64 {
    if window.blocked_until > now {
        0
    } else if window.started_at + limit.window_ms <= now {
        limit.calls
    } else {
        (limit.calls - window.used).max(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LUMA: Limit = Limit {
        calls: 3,
        window_ms: 60_000,
    };

    #[test]
    fn calls_are_granted_until_the_window_is_spent_then_it_starts_afresh() {
        let mut w = Window::default();
        let now = 1_000_000;
        for used in 1..=3 {
            match take(LUMA, w, now + used) {
                Grant::Granted(next) => w = next,
                other => panic!("call {used}: {other:?}"),
            }
        }
        assert_eq!(w.used, 3);
        assert_eq!(remaining(LUMA, w, now + 10), 0);
        assert_eq!(take(LUMA, w, now + 10), Grant::WaitUntil(now + 1 + 60_000));
        let fresh = take(LUMA, w, now + 1 + 60_000);
        assert!(matches!(fresh, Grant::Granted(Window { used: 1, .. })));
        assert_eq!(remaining(LUMA, w, now + 60_001), 3);
    }

    #[test]
    fn a_block_after_a_429_holds_whatever_is_left() {
        let w = Window {
            started_at: 0,
            used: 0,
            blocked_until: 5_000,
        };
        assert_eq!(take(LUMA, w, 4_000), Grant::WaitUntil(5_000));
        assert_eq!(remaining(LUMA, w, 4_000), 0);
        assert!(matches!(take(LUMA, w, 5_000), Grant::Granted(_)));
    }

    #[test]
    fn limits_sit_under_the_documented_ones() {
        assert!(Limit::of(Provider::Eventbrite).calls < 2_000);
        assert!(Limit::of(Provider::Luma).calls < 200);
    }
}
