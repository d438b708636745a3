//! Provider records → Lanyard attendees and events: pure functions over the providers'
//! documented JSON shapes (../shared/PROVIDERS.md), written to survive real payloads: nulls,
//! missing keys, numbers where strings were expected, unknown status words.

pub mod eventbrite;
pub mod luma;

use super::AttendanceStatus;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One attendee as a provider describes it, ready to upsert by `provider_attendee_id`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendeeRecord {
    pub provider_attendee_id: String,
    pub email: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub company: Option<String>,
    pub job_title: Option<String>,
    pub ticket_name: Option<String>,
    pub barcode: Option<String>,
    pub status: AttendanceStatus,
    /// The provider's own status word, kept for display ("waitlist", "Checked In", ...).
    pub provider_status: Option<String>,
    /// When the provider last changed the record (ms since epoch), when it says. Orders
    /// writes: an older copy of a record (a page fetched before a webhook) never overwrites
    /// a newer one.
    pub provider_changed_at: Option<i64>,
    /// When the attendee was checked in through the provider's own tools (Eventbrite's
    /// organizer app, Luma's check-in), apart from Lanyard's own check-in.
    pub provider_checked_in_at: Option<i64>,
}

/// One event in a provider account, as the Import Event dialog lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderEvent {
    pub provider_event_id: String,
    pub name: String,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub timezone: String,
    pub attendee_count: Option<i64>,
}

impl AttendeeRecord {
    /// The provider fields as a person reads them, for "what changed" in an attendee's history.
    fn readable_fields(&self) -> [(&'static str, String); 9] {
        let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".to_string());
        [
            ("First name", self.first_name.clone()),
            ("Last name", self.last_name.clone()),
            ("Email", opt(&self.email)),
            ("Company", opt(&self.company)),
            ("Job title", opt(&self.job_title)),
            ("Ticket", opt(&self.ticket_name)),
            ("Barcode", opt(&self.barcode)),
            (
                "Status",
                match self.status {
                    AttendanceStatus::Attending => "Attending".to_string(),
                    AttendanceStatus::NotAttending => "Not attending".to_string(),
                },
            ),
            (
                "Checked in at the provider",
                if self.provider_checked_in_at.is_some() {
                    "yes"
                } else {
                    "no"
                }
                .to_string(),
            ),
        ]
    }
}

/// "Ticket: General → VIP; Company: — → Acme": what a sync changed, field by field, or
/// `None` when nothing a person reads changed.
pub fn describe_changes(old: &AttendeeRecord, new: &AttendeeRecord) -> Option<String> {
    let changes: Vec<String> = old
        .readable_fields()
        .into_iter()
        .zip(new.readable_fields())
        .filter(|((_, before), (_, after))| before != after)
        .map(|((label, before), (_, after))| format!("{label}: {before} → {after}"))
        .collect();
    (!changes.is_empty()).then(|| changes.join("; "))
}

/// A record that cannot become a row: names the field, so support can tell the provider.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field} is missing or malformed")]
pub struct MappingError {
    pub field: String,
}

impl MappingError {
    pub fn at(field: impl Into<String>) -> MappingError {
        MappingError {
            field: field.into(),
        }
    }

    /// Prefixes the field with where the record sat in its page, e.g. `attendees[3].id`.
    pub fn within(self, prefix: &str) -> MappingError {
        MappingError {
            field: format!("{prefix}.{}", self.field),
        }
    }
}

/// A provider check-in whose time the payload does not say (shown without a time).
pub const CHECKED_IN_AT_UNKNOWN: i64 = 0;

/// Longest text we keep from a provider field; beyond it a value is noise or an attack.
pub const MAX_FIELD_CHARS: usize = 500;

/// A trimmed, non-empty, length-capped string from a JSON value (strings and numbers accepted).
pub(crate) fn text(value: Option<&Value>) -> Option<String> {
    let raw = match value? {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    if raw.is_empty() {
        return None;
    }
    Some(match raw.char_indices().nth(MAX_FIELD_CHARS) {
        Some((cut, _)) => raw[..cut].to_string(),
        None => raw,
    })
}

/// Looks a key up along a path of object keys, tolerating nulls and non-objects on the way.
pub(crate) fn at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .filter(|v| !v.is_null())
}

/// An RFC 3339 timestamp (or a naive UTC one, as Eventbrite's `utc` fields are) in ms.
pub(crate) fn timestamp(value: Option<&Value>) -> Option<i64> {
    let s = value?.as_str()?.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis());
    }
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
        .ok()
        .map(|t| t.and_utc().timestamp_millis())
}

/// Splits "Ada Lovelace" into first and last name when a provider gives only a full name.
pub(crate) fn split_name(full: &str) -> (String, String) {
    match full.trim().split_once(char::is_whitespace) {
        Some((first, last)) => (first.to_string(), last.trim().to_string()),
        None => (full.trim().to_string(), String::new()),
    }
}

pub(crate) fn email(value: Option<&Value>) -> Option<String> {
    text(value)
        .and_then(|e| crate::domain::EmailAddress::parse(&e))
        .map(String::from)
}

/// Attendees a complete provider listing no longer holds: still attending here, absent from
/// the listing, so no longer attending (PROVIDERS.md: a guest that disappears from a complete
/// listing). Only a listing read to its last page, from its first, may be passed in.
pub fn vanished<'a>(
    attending: &'a [String],
    listed: &std::collections::HashSet<String>,
) -> Vec<&'a str> {
    attending
        .iter()
        .filter(|id| !listed.contains(*id))
        .map(String::as_str)
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_change_is_described_field_by_field() {
        let old = AttendeeRecord {
            provider_attendee_id: "a1".into(),
            email: Some("jane@acme.test".into()),
            first_name: "Jane".into(),
            last_name: "Smith".into(),
            company: None,
            job_title: None,
            ticket_name: Some("General".into()),
            barcode: Some("123".into()),
            status: AttendanceStatus::Attending,
            provider_status: None,
            provider_changed_at: Some(1),
            provider_checked_in_at: None,
        };
        let mut new = old.clone();
        new.ticket_name = Some("VIP".into());
        new.company = Some("Acme".into());
        new.provider_changed_at = Some(2);
        assert_eq!(
            describe_changes(&old, &new).as_deref(),
            Some("Company: — → Acme; Ticket: General → VIP")
        );
        let mut versioned = old.clone();
        versioned.provider_changed_at = Some(9);
        assert_eq!(
            describe_changes(&old, &versioned),
            None,
            "a new version alone is no change"
        );
        new.status = AttendanceStatus::NotAttending;
        assert!(describe_changes(&old, &new)
            .unwrap()
            .ends_with("Status: Attending → Not attending"));
    }

    use super::*;
    use serde_json::json;

    #[test]
    fn only_attendees_missing_from_the_listing_have_vanished() {
        let attending: Vec<String> = ["g-1", "g-2", "g-3"].map(String::from).to_vec();
        let listed = ["g-1", "g-3", "g-9"]
            .map(String::from)
            .into_iter()
            .collect();
        assert_eq!(vanished(&attending, &listed), ["g-2"]);
        let everyone = attending.iter().cloned().collect();
        assert!(vanished(&attending, &everyone).is_empty());
        assert_eq!(vanished(&attending, &Default::default()).len(), 3);
    }

    #[test]
    fn text_is_trimmed_capped_and_tolerant() {
        assert_eq!(text(Some(&json!("  Ada "))).as_deref(), Some("Ada"));
        assert_eq!(text(Some(&json!(42))).as_deref(), Some("42"));
        assert_eq!(text(Some(&json!("   "))), None);
        assert_eq!(text(Some(&json!(null))), None);
        assert_eq!(text(Some(&json!({"a": 1}))), None);
        let long = "é".repeat(2000);
        assert_eq!(
            text(Some(&json!(long))).unwrap().chars().count(),
            MAX_FIELD_CHARS
        );
    }

    #[test]
    fn timestamps_parse_in_both_forms() {
        assert_eq!(
            timestamp(Some(&json!("2026-12-05T09:00:00Z"))),
            Some(1_796_461_200_000)
        );
        assert_eq!(
            timestamp(Some(&json!("2026-12-05T09:00:00"))),
            Some(1_796_461_200_000)
        );
        assert_eq!(
            timestamp(Some(&json!("2026-12-05T10:00:00+01:00"))),
            Some(1_796_461_200_000)
        );
        assert_eq!(timestamp(Some(&json!("next tuesday"))), None);
    }

    #[test]
    fn names_split_on_the_first_space() {
        assert_eq!(
            split_name("Ada King Lovelace"),
            ("Ada".into(), "King Lovelace".into())
        );
        assert_eq!(split_name("Cher"), ("Cher".into(), String::new()));
    }
}
