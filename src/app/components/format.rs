//! Display formatting shared by pages.

use chrono::{DateTime, Utc};

/// "Sat 5 Dec 2026, 09:00 – 17:30 UTC", or the start alone when there is no end.
pub fn event_dates(starts_at: Option<i64>, ends_at: Option<i64>) -> String {
    let at = |ms: i64| DateTime::<Utc>::from_timestamp_millis(ms);
    match (starts_at.and_then(at), ends_at.and_then(at)) {
        (Some(s), Some(e)) if s.date_naive() == e.date_naive() => {
            format!(
                "{} – {} UTC",
                s.format("%a %-d %b %Y, %H:%M"),
                e.format("%H:%M")
            )
        }
        (Some(s), Some(e)) => format!(
            "{} – {} UTC",
            s.format("%a %-d %b %Y, %H:%M"),
            e.format("%a %-d %b %Y, %H:%M")
        ),
        (Some(s), None) => format!("{} UTC", s.format("%a %-d %b %Y, %H:%M")),
        _ => "Date to be announced".to_string(),
    }
}

pub fn date(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|d| d.format("%-d %b %Y").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_same_day_and_multi_day_events() {
        let start = 1_796_461_200_000; // 2026-12-05 09:00 UTC
        assert_eq!(
            event_dates(Some(start), Some(start + 8 * 3_600_000)),
            "Sat 5 Dec 2026, 09:00 – 17:00 UTC"
        );
        assert!(event_dates(Some(start), Some(start + 48 * 3_600_000)).contains("Mon 7 Dec 2026"));
        assert_eq!(event_dates(None, None), "Date to be announced");
        assert_eq!(date(start), "5 Dec 2026");
    }
}

/// "5 Dec, 09:14 UTC": when something happened today-ish, to the minute.
pub fn date_time(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|d| d.format("%-d %b, %H:%M UTC").to_string())
        .unwrap_or_default()
}
