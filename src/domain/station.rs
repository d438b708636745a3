//! Staff stations: a phone or laptop opened with an event's access code, no account. What a
//! station is told about itself, its print stations and the badge jobs it sent.

use super::badge::Badge;
use super::print_job::PrintJobStatus;
use serde::{Deserialize, Serialize};

pub const MAX_STATION_NAME_CHARS: usize = 40;

/// A print station counts as Connected while its job stream beat within this long; the
/// stream beats every [`HEARTBEAT_MS`], so a closed laptop shows Disconnected within seconds.
pub const CONNECTED_WITHIN_MS: i64 = 6_000;
pub const HEARTBEAT_MS: u64 = 2_000;

/// What a person typed as the station's name ("Door 2"): trimmed, inner runs of spaces made
/// one, at most [`MAX_STATION_NAME_CHARS`]; `None` when nothing is left.
pub fn station_name(typed: &str) -> Option<String> {
    let name = typed.split_whitespace().collect::<Vec<_>>().join(" ");
    let name: String = name.chars().take(MAX_STATION_NAME_CHARS).collect();
    (!name.is_empty()).then_some(name)
}

pub fn is_connected(seen_at: i64, now: i64) -> bool {
    seen_at > 0 && now - seen_at <= CONNECTED_WITHIN_MS
}

/// The station session as its own pages see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StationInfo {
    pub event_id: String,
    pub event_name: String,
    /// "Door 2": asked once, recorded with each check-in; `None` until given.
    pub station_name: Option<String>,
}

/// A print station of the event, as the phones list it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintStationView {
    pub id: String,
    pub name: String,
    pub connected: bool,
    /// Jobs waiting for it (Queued or Printing).
    pub waiting: i64,
}

/// A badge job as the phone that sent it and the station that prints it see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintJobView {
    pub id: String,
    pub status: PrintJobStatus,
    pub error: Option<String>,
    pub attendee_name: String,
    pub print_station: String,
    /// The badge to print: sent to the print station, not to the phones polling a status.
    pub badge: Option<Badge>,
}

/// What a phone polls: the event's print stations and the state of the jobs it sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StationStatus {
    pub print_stations: Vec<PrintStationView>,
    pub jobs: Vec<PrintJobView>,
}

/// A station's check-in: the desk's answer and the badge job it sent, if any.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StationCheckIn {
    pub answer: super::views::CheckInAnswer,
    /// The badge job sent to the chosen print station, if one was chosen.
    pub job: Option<PrintJobView>,
}

/// How wrong access codes from one address are answered: a few free, then each answer
/// slower, then none at all for a while. Codes are 6 of 31 characters (about 8.9 × 10^8);
/// at the default a guesser gets 10 tries per 5 minutes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WrongCodePolicy {
    pub free: u32,
    pub refuse_after: u32,
    pub delay_step_ms: u64,
    pub refused_for_ms: i64,
    /// Quiet this long and the address starts afresh.
    pub forget_after_ms: i64,
}

impl Default for WrongCodePolicy {
    fn default() -> Self {
        WrongCodePolicy {
            free: 3,
            refuse_after: 10,
            delay_step_ms: 250,
            refused_for_ms: 5 * 60_000,
            forget_after_ms: 15 * 60_000,
        }
    }
}

/// An address's wrong codes so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WrongCodes {
    pub count: u32,
    pub last_at: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeVerdict {
    /// Check the code, answering after this long (every answer, right or wrong, so the wait
    /// tells nothing).
    Answer { delay_ms: u64 },
    /// Not checked at all: try again after this long.
    Refused { retry_in_ms: i64 },
}

impl WrongCodePolicy {
    /// The address's record as it stands at `now` (forgotten after a quiet spell, or once
    /// its refusal has been served).
    pub fn current(&self, record: WrongCodes, now: i64) -> WrongCodes {
        let quiet = now - record.last_at;
        if quiet >= self.forget_after_ms
            || (record.count >= self.refuse_after && quiet >= self.refused_for_ms)
        {
            WrongCodes::default()
        } else {
            record
        }
    }

    pub fn verdict(&self, record: WrongCodes, now: i64) -> CodeVerdict {
        let record = self.current(record, now);
        if record.count >= self.refuse_after {
            return CodeVerdict::Refused {
                retry_in_ms: self.refused_for_ms - (now - record.last_at),
            };
        }
        CodeVerdict::Answer {
            delay_ms: self.delay_step_ms * u64::from(record.count.saturating_sub(self.free)),
        }
    }

    pub fn after_wrong(&self, record: WrongCodes, now: i64) -> WrongCodes {
        let record = self.current(record, now);
        WrongCodes {
            count: record.count + 1,
            last_at: now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_codes_are_free_then_slowed_then_refused_for_a_while() {
        let policy = WrongCodePolicy::default();
        let mut record = WrongCodes::default();
        let mut now = 1_000_000;
        let mut delays = Vec::new();
        for _ in 0..policy.refuse_after {
            match policy.verdict(record, now) {
                CodeVerdict::Answer { delay_ms } => delays.push(delay_ms),
                refused => panic!("refused early: {refused:?}"),
            }
            record = policy.after_wrong(record, now);
            now += 1_000;
        }
        assert_eq!(delays, vec![0, 0, 0, 0, 250, 500, 750, 1000, 1250, 1500]);
        assert_eq!(
            policy.verdict(record, now),
            CodeVerdict::Refused {
                retry_in_ms: policy.refused_for_ms - 1_000
            }
        );
        // Served: the address starts afresh.
        let later = record.last_at + policy.refused_for_ms;
        assert_eq!(
            policy.verdict(record, later),
            CodeVerdict::Answer { delay_ms: 0 }
        );
        assert_eq!(policy.after_wrong(record, later).count, 1);
    }

    #[test]
    fn a_quiet_address_is_forgotten() {
        let policy = WrongCodePolicy::default();
        let record = WrongCodes {
            count: 7,
            last_at: 0,
        };
        assert_eq!(
            policy.verdict(record, policy.forget_after_ms - 1),
            CodeVerdict::Answer { delay_ms: 1_000 }
        );
        assert_eq!(
            policy.verdict(record, policy.forget_after_ms),
            CodeVerdict::Answer { delay_ms: 0 }
        );
    }

    #[test]
    fn station_names_are_tidied_and_bounded() {
        assert_eq!(station_name("  Door   2 ").as_deref(), Some("Door 2"));
        assert_eq!(station_name(" \t "), None);
        assert_eq!(
            station_name(&"x".repeat(50)).map(|n| n.chars().count()),
            Some(MAX_STATION_NAME_CHARS)
        );
    }

    #[test]
    fn a_station_is_connected_while_its_heartbeat_is_fresh() {
        assert!(is_connected(10_000, 10_000 + CONNECTED_WITHIN_MS));
        assert!(!is_connected(10_000, 10_001 + CONNECTED_WITHIN_MS));
        assert!(!is_connected(0, 1), "a closed stream is never connected");
        assert!((HEARTBEAT_MS as i64) * 2 < CONNECTED_WITHIN_MS);
    }
}
