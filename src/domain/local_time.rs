//! Times as the people at the event read them: in the event's own time zone, with its
//! abbreviation ("Sat 5 Dec 2026, 09:00 – 17:00 CET"). Server-only (the time zone database
//! stays out of the wasm): pages receive these as ready-made labels.

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The event's zone; a name the database does not know (a provider's typo) reads as UTC,
/// which the label then says.
pub fn zone(name: &str) -> Tz {
    name.trim().parse().unwrap_or(Tz::UTC)
}

fn local(ms: i64, tz: Tz) -> Option<DateTime<Tz>> {
    DateTime::<Utc>::from_timestamp_millis(ms).map(|t| tz.from_utc_datetime(&t.naive_utc()))
}

/// "Sat 5 Dec 2026, 09:00 – 17:00 CET"; the end's date is given when it falls on another day.
pub fn event_dates(starts_at: Option<i64>, ends_at: Option<i64>, timezone: &str) -> String {
    let tz = zone(timezone);
    let day = "%a %-d %b %Y, %H:%M";
    match (
        starts_at.and_then(|s| local(s, tz)),
        ends_at.and_then(|e| local(e, tz)),
    ) {
        (Some(s), Some(e)) if s.date_naive() == e.date_naive() => {
            format!("{} – {}", s.format(day), e.format("%H:%M %Z"))
        }
        (Some(s), Some(e)) => format!("{} – {}", s.format(day), e.format("%a %-d %b %Y, %H:%M %Z")),
        (Some(s), None) => s.format("%a %-d %b %Y, %H:%M %Z").to_string(),
        _ => "Date to be announced".to_string(),
    }
}

/// "5 Dec, 09:14 CET": when something happened, to the minute.
pub fn date_time(ms: i64, timezone: &str) -> String {
    local(ms, zone(timezone))
        .map(|t| t.format("%-d %b, %H:%M %Z").to_string())
        .unwrap_or_default()
}

/// "9:14": the time of day in the event's zone, as the desk says it.
pub fn clock(ms: i64, timezone: &str) -> String {
    local(ms, zone(timezone))
        .map(|t| t.format("%-H:%M").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAT_0900_UTC: i64 = 1_796_461_200_000; // 2026-12-05 09:00 UTC

    #[test]
    fn event_dates_read_in_the_event_zone() {
        let end = SAT_0900_UTC + 8 * 3_600_000;
        assert_eq!(
            event_dates(Some(SAT_0900_UTC), Some(end), "Europe/Berlin"),
            "Sat 5 Dec 2026, 10:00 – 18:00 CET"
        );
        assert_eq!(
            event_dates(Some(SAT_0900_UTC), Some(end), "America/New_York"),
            "Sat 5 Dec 2026, 04:00 – 12:00 EST"
        );
        // Ends after local midnight: the end carries its own date.
        assert_eq!(
            event_dates(Some(SAT_0900_UTC), Some(end), "Asia/Tokyo"),
            "Sat 5 Dec 2026, 18:00 – Sun 6 Dec 2026, 02:00 JST"
        );
        assert_eq!(
            event_dates(None, None, "Europe/Berlin"),
            "Date to be announced"
        );
    }

    #[test]
    fn summer_time_and_unknown_zones() {
        let july = 1_783_328_400_000; // 2026-07-06 09:00 UTC
        assert_eq!(date_time(july, "Europe/London"), "6 Jul, 10:00 BST");
        assert_eq!(date_time(SAT_0900_UTC, "Europe/London"), "5 Dec, 09:00 GMT");
        assert_eq!(
            date_time(SAT_0900_UTC, "Mars/Olympus_Mons"),
            "5 Dec, 09:00 UTC"
        );
    }
}
