//! The polling safety net: ACTIVE events are re-checked on an interval (faster around the
//! event's start), so a webhook that never arrived is caught. A poll is a RESYNC job with
//! trigger POLL, which asks the provider only for attendees changed since the last good
//! sync where it can. Polls are spread: each integration gets a budget of polls a minute,
//! the most overdue events first, and the rest wait for the next tick.

use crate::domain::EventId;
use crate::domain::WorkspaceId;
use crate::server::db::{jobs, polls, DbError};
use crate::server::{now_ms, AppState};
use std::collections::HashMap;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct PollConfig {
    /// How often an ACTIVE event is re-checked.
    pub every: Duration,
    /// How often while the event is near: from `near_window` before its start to its end.
    pub near_every: Duration,
    pub near_window: Duration,
    /// How often the poller looks for due events.
    pub tick: Duration,
    /// Polls started per integration per minute, well inside every provider's rate limit
    /// (Eventbrite: 2,000 calls an hour per token; Luma: 200 a minute per key).
    pub per_integration_per_minute: usize,
    /// The first gap before a FAILED event is retried in the background; each failure
    /// since the last success doubles it, up to `failed_retry_max`.
    pub failed_retry_base: Duration,
    pub failed_retry_max: Duration,
}

impl Default for PollConfig {
    fn default() -> Self {
        PollConfig {
            every: Duration::from_secs(60),
            near_every: Duration::from_secs(15),
            near_window: Duration::from_secs(2 * 3600),
            tick: Duration::from_secs(5),
            per_integration_per_minute: 12,
            failed_retry_base: Duration::from_secs(30),
            failed_retry_max: Duration::from_secs(30 * 60),
        }
    }
}

/// After its end an event is polled hourly for a day (late refunds, a check-in list
/// reconciled), then not at all: nobody works a desk for it any more.
const AFTER_END_EVERY_MS: i64 = 3_600_000;
const POLL_AFTER_END_MS: i64 = 7 * 86_400_000;
const RARELY_AFTER_END_MS: i64 = 86_400_000;

impl PollConfig {
    /// The interval for an event at `now` (all times in ms); `None`: no longer polled.
    pub fn interval_ms(
        &self,
        now: i64,
        starts_at: Option<i64>,
        ends_at: Option<i64>,
    ) -> Option<i64> {
        let window = self.near_window.as_millis() as i64;
        let end = ends_at.or(starts_at.map(|s| s + window));
        if let Some(end) = end {
            if now > end + POLL_AFTER_END_MS {
                return None;
            }
            if now > end + RARELY_AFTER_END_MS {
                return Some(AFTER_END_EVERY_MS);
            }
        }
        let near = match (starts_at, end) {
            (Some(start), Some(end)) => now >= start - window && now <= end,
            _ => false,
        };
        Some(if near {
            self.near_every.as_millis() as i64
        } else {
            self.every.as_millis() as i64
        })
    }
}

/// How long after its last failed run a FAILED event is tried again, given the failures
/// since its last success (at least 1): 30 s, 1 min, 2 min, ... up to the cap.
pub fn failed_retry_gap(config: &PollConfig, failures: i64) -> i64 {
    let base = config.failed_retry_base.as_millis() as i64;
    let max = config.failed_retry_max.as_millis() as i64;
    let doublings = (failures.max(1) - 1).min(30) as u32;
    base.saturating_mul(1i64 << doublings).min(max)
}

/// How far back a changed-since poll reaches before the previous good sync *started*:
/// Eventbrite reports changes taking up to about 5 minutes to show in listings.
pub const CONSISTENCY_OVERLAP_MS: i64 = 5 * 60_000;
/// How often a filtering provider still gets a complete listing, so that nothing a
/// changed-since filter missed stays wrong for long.
pub const COMPLETE_LISTING_EVERY_MS: i64 = 3_600_000;

/// When the event's last listings began (ms): the last successful one, and the last
/// successful complete (unfiltered) one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ListingHistory {
    pub last_success_started: Option<i64>,
    pub last_complete_started: Option<i64>,
}

/// What a poll asks for: `Some(since)` for a changed-since listing, `None` for a complete
/// one. Complete when the provider cannot filter, when no good listing is known, hourly,
/// and once in the hour before the event starts.
pub fn poll_since(
    now: i64,
    provider_filters: bool,
    history: ListingHistory,
    starts_at: Option<i64>,
) -> Option<i64> {
    if !provider_filters {
        return None;
    }
    let since = history.last_success_started?;
    let complete = history.last_complete_started?;
    if now - complete >= COMPLETE_LISTING_EVERY_MS {
        return None;
    }
    if let Some(start) = starts_at {
        let doors = start - COMPLETE_LISTING_EVERY_MS;
        if now >= doors && now < start && complete < doors {
            return None;
        }
    }
    Some(since - CONSISTENCY_OVERLAP_MS)
}

/// A candidate for a poll.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PollCandidate {
    pub event_id: EventId,
    pub workspace_id: WorkspaceId,
    pub integration_id: String,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub last_synced_at: Option<i64>,
    pub provider: crate::domain::Provider,
    /// Attendees stored for the event: what a complete listing of it costs.
    pub attendees: i64,
    /// Calls its last poll took (a changed-since poll that found much, a complete listing).
    pub last_poll_calls: i64,
}

/// Of each credential's budget, the share polls may spend: the rest stays for imports,
/// webhook re-fetches and the Import dialog.
pub const POLL_SHARE_PERCENT: i64 = 50;

/// Calls a poll of this event is expected to cost. Luma has no changed-since filter, so a
/// poll lists every guest (pages of 100); an Eventbrite poll usually reads one page of what
/// changed, and its hourly complete listing is paid for by the share's headroom.
/// What the last poll of the event cost is the better guess when it was more.
pub fn poll_cost(c: &PollCandidate) -> i64 {
    let model = match c.provider {
        crate::domain::Provider::Luma => (c.attendees.max(1) + 99) / 100,
        crate::domain::Provider::Eventbrite => 1,
    };
    model.max(c.last_poll_calls)
}

/// Poll calls one credential may spend a minute: its share of the budget, spread evenly
/// over the provider's window (Eventbrite's is an hour).
pub fn poll_calls_per_minute(provider: crate::domain::Provider) -> i64 {
    let limit = crate::domain::budget::Limit::of(provider);
    let minutes = (limit.window_ms / 60_000).max(1);
    (limit.calls * POLL_SHARE_PERCENT / 100 / minutes).max(1)
}

/// Which candidates to poll now: due ones, most overdue first, within each integration's
/// poll budget: at most `per_integration_per_minute` polls and [`poll_calls_per_minute`]
/// calls a minute (`recent` = polls started and calls spent on polls in the last minute).
/// Polls are planned from the budget: an event whose poll does not fit waits for a later
/// tick, so a big Luma event is simply polled less often.
pub fn choose(
    config: &PollConfig,
    now: i64,
    mut candidates: Vec<PollCandidate>,
    recent: &HashMap<String, (usize, i64)>,
) -> Vec<PollCandidate> {
    candidates.retain(|c| match config.interval_ms(now, c.starts_at, c.ends_at) {
        Some(interval) => c.last_synced_at.is_none_or(|at| at + interval <= now),
        None => false,
    });
    candidates.sort_by_key(|c| c.last_synced_at.unwrap_or(i64::MIN));
    let mut used: HashMap<String, (usize, i64)> = recent.clone();
    // A credential whose most overdue poll does not fit polls nothing else this tick: its
    // minute drains, and the big poll goes first instead of being starved by small ones.
    let mut waiting: std::collections::HashSet<String> = Default::default();
    candidates
        .into_iter()
        .filter(|c| {
            if waiting.contains(&c.integration_id) {
                return false;
            }
            let (polls, calls) = used.entry(c.integration_id.clone()).or_default();
            let cost = poll_cost(c);
            let allowance = poll_calls_per_minute(c.provider);
            // One poll always fits an idle credential, however big the event.
            let fits = *calls == 0 || *calls + cost <= allowance;
            if *polls >= config.per_integration_per_minute {
                false
            } else if fits {
                *polls += 1;
                *calls += cost;
                true
            } else {
                waiting.insert(c.integration_id.clone());
                false
            }
        })
        .collect()
}

/// FAILED events whose provider may answer again: each is retried in the background once
/// its gap has passed, until a sync succeeds and it is ACTIVE again by itself. The banner
/// and Retry stay until then. Returns how many retries were queued.
pub async fn retry_failed(state: &AppState, config: &PollConfig) -> Result<usize, DbError> {
    let pool = &state.db.pool;
    let now = now_ms();
    let failed = polls::failed_events(pool).await?;
    let mut queued = 0;
    for f in failed {
        let due = f
            .failed_at
            .is_none_or(|at| at + failed_retry_gap(config, f.failures) <= now);
        if due {
            jobs::enqueue(
                &mut *crate::server::db::conn(pool).await?,
                &f.workspace_id,
                &f.id,
                jobs::JobKind::Resync,
                jobs::Trigger::AutoRetry,
                None,
            )
            .await?;
            queued += 1;
        }
    }
    Ok(queued)
}

/// One tick: queues a poll for every chosen event; returns how many were queued.
pub async fn tick(state: &AppState, config: &PollConfig) -> Result<usize, DbError> {
    let pool = &state.db.pool;
    let now = now_ms();
    let candidates = polls::pollable_events(pool)
        .await?
        .into_iter()
        .map(|e| PollCandidate {
            event_id: e.id,
            workspace_id: e.workspace_id,
            integration_id: e.integration_id,
            starts_at: e.starts_at,
            ends_at: e.ends_at,
            last_synced_at: e.last_synced_at,
            provider: e.provider,
            attendees: e.attendees,
            last_poll_calls: e.last_poll_calls,
        })
        .collect();
    // Polls queued in the last minute and what they cost.
    let recent = polls::recent_polls(pool, now - 60_000).await?;
    let chosen = choose(config, now, candidates, &recent);
    for c in &chosen {
        jobs::enqueue(
            &mut *crate::server::db::conn(pool).await?,
            &c.workspace_id,
            &c.event_id,
            jobs::JobKind::Resync,
            jobs::Trigger::Poll,
            None,
        )
        .await?;
    }
    Ok(chosen.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    /// A stable event id for a readable name.
    fn event(name: &str) -> EventId {
        let n = name
            .bytes()
            .fold(0u64, |a, b| a.wrapping_mul(31).wrapping_add(b as u64));
        EventId::parse(&format!(
            "00000000-0000-7000-8000-{:012x}",
            n & 0xffff_ffff_ffff
        ))
        .unwrap()
    }

    fn candidate(
        id: &str,
        integration: &str,
        last: Option<i64>,
        starts: Option<i64>,
    ) -> PollCandidate {
        PollCandidate {
            event_id: event(id),
            workspace_id: WorkspaceId::mint(),
            integration_id: integration.into(),
            starts_at: starts,
            ends_at: starts.map(|s| s + 8 * 60 * MIN),
            last_synced_at: last,
            provider: crate::domain::Provider::Eventbrite,
            attendees: 100,
            last_poll_calls: 0,
        }
    }

    #[test]
    fn events_near_their_start_poll_faster() {
        let c = PollConfig::default();
        let now = 100_000 * MIN;
        assert_eq!(c.interval_ms(now, None, None), Some(MIN));
        assert_eq!(
            c.interval_ms(now, Some(now + 30 * MIN), None),
            Some(15_000),
            "starts in 30 min"
        );
        assert_eq!(
            c.interval_ms(now, Some(now - 60 * MIN), Some(now + MIN)),
            Some(15_000),
            "under way"
        );
        assert_eq!(
            c.interval_ms(now, Some(now + 600 * MIN), None),
            Some(MIN),
            "next week-ish"
        );
        assert_eq!(
            c.interval_ms(now, Some(now - 600 * MIN), Some(now - 300 * MIN)),
            Some(MIN),
            "ended this morning"
        );
        let day = 24 * 60 * MIN;
        assert_eq!(
            c.interval_ms(now, Some(now - 3 * day), Some(now - 2 * day)),
            Some(60 * MIN),
            "ended two days ago: hourly"
        );
        assert_eq!(
            c.interval_ms(now, Some(now - 9 * day), Some(now - 8 * day)),
            None,
            "ended over a week ago: never"
        );
    }

    #[test]
    fn failed_events_are_retried_with_growing_gaps() {
        let c = PollConfig::default();
        let gaps: Vec<i64> = (1..=8).map(|n| failed_retry_gap(&c, n) / 1000).collect();
        assert_eq!(gaps, [30, 60, 120, 240, 480, 960, 1800, 1800]);
        assert_eq!(failed_retry_gap(&c, 0), 30_000);
        assert_eq!(failed_retry_gap(&c, 1_000), 1_800_000, "no overflow");
    }

    #[test]
    fn polls_reach_back_before_the_last_start_and_list_everything_hourly_and_before_doors() {
        let now = 100_000 * MIN;
        let history = ListingHistory {
            last_success_started: Some(now - 2 * MIN),
            last_complete_started: Some(now - 30 * MIN),
        };
        assert_eq!(
            poll_since(now, true, history, None),
            Some(now - 2 * MIN - CONSISTENCY_OVERLAP_MS)
        );
        assert_eq!(
            poll_since(now, false, history, None),
            None,
            "Luma cannot filter"
        );
        assert_eq!(poll_since(now, true, ListingHistory::default(), None), None);
        let stale = ListingHistory {
            last_complete_started: Some(now - 61 * MIN),
            ..history
        };
        assert_eq!(poll_since(now, true, stale, None), None, "hourly");
        // Doors open in 20 minutes and the last complete listing is older than the hour before.
        let starts = Some(now + 20 * MIN);
        let before_doors = ListingHistory {
            last_complete_started: Some(now - 50 * MIN),
            ..history
        };
        assert_eq!(poll_since(now, true, before_doors, starts), None);
        // One complete listing in that hour is enough.
        let done = ListingHistory {
            last_complete_started: Some(now - 10 * MIN),
            ..history
        };
        assert!(poll_since(now, true, done, starts).is_some());
    }

    #[test]
    fn only_due_events_are_polled_most_overdue_first_within_each_integrations_budget() {
        let config = PollConfig {
            per_integration_per_minute: 2,
            ..PollConfig::default()
        };
        let now = 1_000 * MIN;
        let candidates = vec![
            candidate("fresh", "a", Some(now - 10_000), None),
            candidate("due", "a", Some(now - 2 * MIN), None),
            candidate("overdue", "a", Some(now - 9 * MIN), None),
            candidate("never", "a", None, None),
            candidate("other", "b", Some(now - 2 * MIN), None),
            candidate("near", "b", Some(now - 20_000), Some(now + 10 * MIN)),
        ];
        let recent = HashMap::from([("b".to_string(), (1, 1))]);
        let chosen: Vec<EventId> = choose(&config, now, candidates, &recent)
            .into_iter()
            .map(|c| c.event_id)
            .collect();
        assert_eq!(chosen, ["never", "overdue", "other"].map(event));
    }

    #[test]
    fn luma_polls_are_planned_from_the_keys_budget() {
        let config = PollConfig::default();
        let now = 1_000 * MIN;
        // 20 events of 500 guests on one key: 5 calls a poll, 90 poll calls a minute.
        let candidates: Vec<PollCandidate> = (0..20)
            .map(|i| PollCandidate {
                provider: crate::domain::Provider::Luma,
                attendees: 500,
                ..candidate(&format!("e{i}"), "k", Some(now - 5 * MIN), None)
            })
            .collect();
        assert_eq!(poll_calls_per_minute(crate::domain::Provider::Luma), 90);
        let chosen = choose(&config, now, candidates.clone(), &HashMap::new());
        assert_eq!(
            chosen.len(),
            12,
            "capped by polls a minute (12 x 5 = 60 calls)"
        );
        let busy = HashMap::from([("k".to_string(), (2, 80))]);
        assert_eq!(
            choose(&config, now, candidates.clone(), &busy).len(),
            2,
            "80 + 2 x 5 = 90"
        );
        // One huge event still gets polled when the key is idle, then waits.
        let huge = vec![PollCandidate {
            attendees: 50_000,
            ..candidates[0].clone()
        }];
        assert_eq!(choose(&config, now, huge.clone(), &HashMap::new()).len(), 1);
        assert!(choose(
            &config,
            now,
            huge.clone(),
            &HashMap::from([("k".to_string(), (1, 500))])
        )
        .is_empty());
        assert_eq!(
            poll_calls_per_minute(crate::domain::Provider::Eventbrite),
            15
        );
        // The big event is the most overdue: small ones behind it on the same key wait
        // with it until the key's minute has drained, rather than starving it.
        let mut queue = vec![PollCandidate {
            last_synced_at: Some(now - 9 * MIN),
            ..huge[0].clone()
        }];
        queue.extend(candidates[1..4].iter().cloned());
        let draining = HashMap::from([("k".to_string(), (1, 5))]);
        assert!(choose(&config, now, queue.clone(), &draining).is_empty());
        let drained: Vec<EventId> = choose(&config, now, queue, &HashMap::new())
            .into_iter()
            .map(|c| c.event_id)
            .collect();
        assert_eq!(
            drained,
            [event("e0")],
            "the big poll alone fills the idle minute"
        );
        // An Eventbrite event whose last poll read six pages is planned at six.
        let busy_event = PollCandidate {
            provider: crate::domain::Provider::Eventbrite,
            last_poll_calls: 6,
            ..candidate("x", "t", Some(now - 5 * MIN), None)
        };
        assert_eq!(poll_cost(&busy_event), 6);
    }
}
