//! Display formatting shared by pages. Event times arrive as labels made on the server in
//! the event's own time zone (`domain::local_time`); what is left here needs no zone.

use chrono::{DateTime, Utc};

/// "5 Dec 2026" (UTC): when an integration was connected, not tied to any event's zone.
pub fn date(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|d| d.format("%-d %b %Y UTC").to_string())
        .unwrap_or_default()
}

/// "12,345": a count with thousands separators.
pub fn count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(count(50_000), "50,000");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(-12_345), "-12,345");
    }

    #[test]
    fn connection_dates_say_their_zone() {
        assert_eq!(date(1_796_461_200_000), "5 Dec 2026 UTC");
    }
}
