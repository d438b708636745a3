//! The check-in desk's rules: whether a check-in request checks the attendee in, and who may
//! undo one. Pure: storage asks [`decide`] and [`may_undo`] and writes what they answer; the
//! database's own constraints (one standing check-in per attendee, one per nonce) settle
//! races that no read can see.

use super::{AttendanceStatus, Role};
use serde::{Deserialize, Serialize};

/// How long after a check-in the desk (Staff) may still undo it; admins always may. Long
/// enough to fix a wrong tap, short enough that the arrivals record stays honest.
pub const UNDO_WINDOW_MS: i64 = 10 * 60 * 1000;

/// The longest undo reason kept.
pub const MAX_REASON_CHARS: usize = 200;

/// Where a check-in was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CheckInSource {
    /// The event page, by a signed-in member.
    Page,
    /// A staff station (a phone or tablet opened with the event's access code).
    Station,
}
super::status::db_enum!(CheckInSource { Page => "PAGE", Station => "STATION" });

impl CheckInSource {
    pub fn label(self) -> &'static str {
        match self {
            CheckInSource::Page => "Event page",
            CheckInSource::Station => "Station",
        }
    }
}

/// What stands on an attendee when a check-in is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttendeeState {
    pub status: AttendanceStatus,
    /// Lanyard's standing check-in, if any.
    pub checked_in: bool,
    /// Checked in with the provider's own tools.
    pub provider_checked_in: bool,
}

/// The answer to a check-in request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Record a new check-in.
    CheckIn,
    /// Already checked in by Lanyard: say when and by whom, count nothing.
    AlreadyCheckedIn,
    /// Checked in at the provider's door: say so, count nothing (it already counts).
    AlreadyAtProvider,
    /// Marked not attending: only an explicit "Force Check In" checks them in.
    NeedsForce,
}

/// Decides a check-in request. A provider's check-in counts as checked in: Lanyard never
/// adds a second one on top (the statistics would count the person twice).
pub fn decide(state: AttendeeState, force: bool) -> Decision {
    match state {
        AttendeeState {
            checked_in: true, ..
        } => Decision::AlreadyCheckedIn,
        AttendeeState {
            provider_checked_in: true,
            ..
        } => Decision::AlreadyAtProvider,
        AttendeeState {
            status: AttendanceStatus::NotAttending,
            ..
        } if !force => Decision::NeedsForce,
        _ => Decision::CheckIn,
    }
}

/// Why an undo is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UndoRefused {
    #[error("Only admins can undo a check-in after {} minutes.", UNDO_WINDOW_MS / 60_000)]
    WindowPassed,
    #[error("Your role does not allow undoing check-ins.")]
    NotAllowed,
}

/// Whether `role` may undo a check-in made at `checked_in_at`, at `now`.
pub fn may_undo(role: Role, checked_in_at: i64, now: i64) -> Result<(), UndoRefused> {
    match role {
        Role::Admin => Ok(()),
        Role::Staff if now - checked_in_at <= UNDO_WINDOW_MS => Ok(()),
        Role::Staff => Err(UndoRefused::WindowPassed),
        Role::Support => Err(UndoRefused::NotAllowed),
    }
}

/// A client-made request id: what makes a retried or doubled request count once. Any
/// printable ASCII token of 8 to 64 characters (a UUID, a ULID, a timestamp and a random
/// part); what could not be one is refused rather than guessed at.
pub fn valid_nonce(nonce: &str) -> bool {
    (8..=64).contains(&nonce.len())
        && nonce
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.' || b == b':')
}

/// A five-minute slot of the arrivals chart: its start, milliseconds since the Unix epoch.
pub const ARRIVALS_SLOT_MS: i64 = 5 * 60 * 1000;

/// Check-ins counted per five-minute slot between `from` and `to` (slots aligned to the
/// epoch, so every page, and every zone a whole number of quarter hours from UTC, draws the
/// same slots). `times` are (time, how many checked in then); outside the range left out.
pub fn arrivals(
    times: impl IntoIterator<Item = (i64, i64)>,
    from: i64,
    to: i64,
) -> Vec<(i64, i64)> {
    let first = from.div_euclid(ARRIVALS_SLOT_MS);
    let last = to.div_euclid(ARRIVALS_SLOT_MS);
    if last < first {
        return Vec::new();
    }
    let mut counts = vec![0i64; (last - first + 1) as usize];
    for (t, n) in times {
        let slot = t.div_euclid(ARRIVALS_SLOT_MS);
        if (first..=last).contains(&slot) {
            counts[(slot - first) as usize] += n;
        }
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(i, n)| ((first + i as i64) * ARRIVALS_SLOT_MS, n))
        .collect()
}

/// The span the arrivals chart covers: the event day (from an hour before doors to its end,
/// at most a day), else the day around the check-ins made so far. Check-ins far from the
/// event's day (a desk tried out the week before, a date moved at the provider) are charted
/// on their own last day rather than left off an empty chart.
pub fn arrivals_span(
    starts_at: Option<i64>,
    ends_at: Option<i64>,
    first_check_in: Option<i64>,
    last_check_in: Option<i64>,
) -> Option<(i64, i64)> {
    const HOUR: i64 = 3_600_000;
    const DAY: i64 = 24 * HOUR;
    let near_the_day = |start: i64, last: Option<i64>| {
        last.is_none_or(|l| l >= start - DAY && l <= ends_at.unwrap_or(start) + DAY)
    };
    match (starts_at, first_check_in, last_check_in) {
        (Some(start), first, last) if near_the_day(start, last) => {
            let from = first.map_or(start - HOUR, |f| f.min(start - HOUR).max(start - DAY));
            let end = ends_at.unwrap_or(start + 8 * HOUR).max(last.unwrap_or(0));
            Some((from, end.min(from + DAY)))
        }
        (None, Some(first), Some(last)) => {
            Some((first - HOUR, last.max(first + HOUR).min(first + DAY)))
        }
        (Some(_), Some(first), Some(last)) => {
            Some(((first - HOUR).max(last + HOUR - DAY), last + HOUR))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AttendanceStatus::*;

    #[test]
    fn every_decision() {
        // (status, Lanyard check-in, provider check-in, force) -> decision
        let table = [
            (Attending, false, false, false, Decision::CheckIn),
            (Attending, false, false, true, Decision::CheckIn),
            (NotAttending, false, false, false, Decision::NeedsForce),
            (NotAttending, false, false, true, Decision::CheckIn),
            (Attending, true, false, false, Decision::AlreadyCheckedIn),
            (Attending, true, true, true, Decision::AlreadyCheckedIn),
            (NotAttending, true, false, true, Decision::AlreadyCheckedIn),
            (Attending, false, true, false, Decision::AlreadyAtProvider),
            (Attending, false, true, true, Decision::AlreadyAtProvider),
            (
                NotAttending,
                false,
                true,
                false,
                Decision::AlreadyAtProvider,
            ),
        ];
        for (status, checked_in, provider_checked_in, force, want) in table {
            let state = AttendeeState {
                status,
                checked_in,
                provider_checked_in,
            };
            assert_eq!(decide(state, force), want, "{state:?} force={force}");
        }
    }

    #[test]
    fn undo_is_the_desks_for_a_while_and_the_admins_always() {
        let at = 1_000_000;
        assert_eq!(may_undo(Role::Admin, at, at + 7 * 86_400_000), Ok(()));
        assert_eq!(may_undo(Role::Staff, at, at + UNDO_WINDOW_MS), Ok(()));
        assert_eq!(
            may_undo(Role::Staff, at, at + UNDO_WINDOW_MS + 1),
            Err(UndoRefused::WindowPassed)
        );
        assert_eq!(
            may_undo(Role::Support, at, at),
            Err(UndoRefused::NotAllowed)
        );
    }

    #[test]
    fn nonces_are_tokens() {
        assert!(valid_nonce("0b6f4c0e-9a4e-4d57-9d9c-3b8e8a1d2f10"));
        assert!(valid_nonce("lx3k2j:0.8841"));
        assert!(!valid_nonce("short"));
        assert!(!valid_nonce(&"x".repeat(65)));
        assert!(!valid_nonce("has space in it"));
        assert!(!valid_nonce("quote'injection"));
    }

    #[test]
    fn arrivals_count_per_five_minutes() {
        let slot = ARRIVALS_SLOT_MS;
        let from = 100 * slot;
        let times = [
            from,
            from + 1,
            from + slot - 1,
            from + slot,
            from + 3 * slot,
            from - 1,
        ]
        .map(|t| (t, 1));
        let chart = arrivals(times, from, from + 3 * slot + 10);
        assert_eq!(
            chart,
            vec![
                (from, 3),
                (from + slot, 1),
                (from + 2 * slot, 0),
                (from + 3 * slot, 1)
            ]
        );
        assert_eq!(
            arrivals([(from, 7)], from, from)[0],
            (from, 7),
            "counted slots add up"
        );
        assert!(arrivals([], from, from - slot).is_empty());
    }

    #[test]
    fn the_chart_spans_the_event_day() {
        let h = 3_600_000;
        let start = 1_796_461_200_000;
        assert_eq!(
            arrivals_span(Some(start), Some(start + 8 * h), None, None),
            Some((start - h, start + 8 * h))
        );
        // Early arrivals widen the start, never past a day before doors.
        assert_eq!(
            arrivals_span(
                Some(start),
                Some(start + 2 * h),
                Some(start - 3 * h),
                Some(start)
            ),
            Some((start - 3 * h, start + 2 * h))
        );
        // A multi-day event shows its first day.
        let (from, to) = arrivals_span(Some(start), Some(start + 72 * h), None, None).unwrap();
        assert_eq!(to - from, 24 * h);
        assert_eq!(
            arrivals_span(None, None, Some(start), Some(start + h)),
            Some((start - h, start + h))
        );
        assert_eq!(arrivals_span(None, None, None, None), None);
    }

    #[test]
    fn check_ins_far_from_the_event_day_are_charted_on_their_own_day() {
        let h = 3_600_000;
        let start = 1_796_461_200_000;
        let month_before = start - 30 * 24 * h;
        let (from, to) = arrivals_span(
            Some(start),
            Some(start + 8 * h),
            Some(month_before - 2 * h),
            Some(month_before),
        )
        .unwrap();
        assert!(
            from <= month_before - 2 * h && month_before < to,
            "{from}..{to}"
        );
        assert!(to - from <= 24 * h);
        // Check-ins spread over more than a day: the last day of them.
        let (from, to) = arrivals_span(
            Some(start),
            None,
            Some(month_before - 72 * h),
            Some(month_before),
        )
        .unwrap();
        assert!(month_before < to && to - from <= 24 * h);
        let counted = arrivals(vec![(month_before, 1)], from, to);
        assert_eq!(counted.iter().map(|(_, n)| n).sum::<i64>(), 1);
    }
}
