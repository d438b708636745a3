//! Eventbrite API v3 attendees and events.

use super::{at, email, split_name, text, timestamp, AttendeeRecord, MappingError, ProviderEvent};
use crate::domain::AttendanceStatus;
use serde_json::Value;

/// Maps one attendee object. The `status` string is scheduled for deprecation, so the
/// `cancelled` and `refunded` booleans decide first.
pub fn attendee(value: &Value) -> Result<AttendeeRecord, MappingError> {
    let id = text(at(value, &["id"])).ok_or_else(|| MappingError::at("id"))?;
    let provider_status = text(at(value, &["status"]));
    let flag = |key| at(value, &[key]).and_then(Value::as_bool).unwrap_or(false);
    let not_attending = flag("cancelled")
        || flag("refunded")
        || matches!(
            provider_status.as_deref(),
            Some("Not Attending") | Some("Deleted")
        );
    let (mut first_name, mut last_name) = (
        text(at(value, &["profile", "first_name"])).unwrap_or_default(),
        text(at(value, &["profile", "last_name"])).unwrap_or_default(),
    );
    if first_name.is_empty() && last_name.is_empty() {
        if let Some(full) = text(at(value, &["profile", "name"])) {
            (first_name, last_name) = split_name(&full);
        }
    }
    let barcodes = at(value, &["barcodes"]).and_then(Value::as_array);
    let barcode = barcodes.and_then(|codes| codes.iter().find_map(|c| text(at(c, &["barcode"]))));
    let changed = timestamp(at(value, &["changed"]));
    // Checked in at the door through Eventbrite's apps: the flag, the (deprecated) status or
    // a used barcode, whichever the payload carries; the used barcode's change is the time.
    let used = barcodes.and_then(|codes| {
        codes
            .iter()
            .find(|c| text(at(c, &["status"])).as_deref() == Some("used"))
    });
    let checked_in =
        flag("checked_in") || provider_status.as_deref() == Some("Checked In") || used.is_some();
    let provider_checked_in_at = checked_in.then(|| {
        used.and_then(|c| timestamp(at(c, &["changed"])))
            .or(changed)
            .or_else(|| timestamp(at(value, &["created"])))
            .unwrap_or(super::CHECKED_IN_AT_UNKNOWN)
    });
    Ok(AttendeeRecord {
        provider_attendee_id: id,
        email: email(at(value, &["profile", "email"])),
        first_name,
        last_name,
        company: text(at(value, &["profile", "company"])),
        job_title: text(at(value, &["profile", "job_title"])),
        ticket_name: text(at(value, &["ticket_class_name"])),
        barcode,
        status: if not_attending {
            AttendanceStatus::NotAttending
        } else {
            AttendanceStatus::Attending
        },
        provider_status,
        provider_changed_at: changed,
        provider_checked_in_at,
    })
}

/// Maps the `attendees` array of one page, naming the bad record's position on failure.
pub fn attendee_page(body: &Value) -> Result<Vec<AttendeeRecord>, MappingError> {
    let list = at(body, &["attendees"])
        .and_then(Value::as_array)
        .ok_or_else(|| MappingError::at("attendees"))?;
    list.iter()
        .enumerate()
        .map(|(i, a)| attendee(a).map_err(|e| e.within(&format!("attendees[{i}]"))))
        .collect()
}

/// The attendees of an order (`/orders/{id}/?expand=attendees`, as webhooks name them).
pub fn order_attendees(body: &Value) -> Result<Vec<AttendeeRecord>, MappingError> {
    attendee_page(body)
}

pub fn event(value: &Value) -> Result<ProviderEvent, MappingError> {
    Ok(ProviderEvent {
        provider_event_id: text(at(value, &["id"])).ok_or_else(|| MappingError::at("id"))?,
        name: text(at(value, &["name", "text"]))
            .or_else(|| text(at(value, &["name"])))
            .unwrap_or_else(|| "Untitled event".into()),
        starts_at: timestamp(at(value, &["start", "utc"])),
        ends_at: timestamp(at(value, &["end", "utc"])),
        timezone: text(at(value, &["start", "timezone"])).unwrap_or_else(|| "UTC".into()),
        attendee_count: None,
    })
}

/// The pagination block: `Some(continuation)` while more pages follow.
pub fn next_continuation(body: &Value) -> Result<Option<String>, MappingError> {
    let more = at(body, &["pagination", "has_more_items"])
        .and_then(Value::as_bool)
        .ok_or_else(|| MappingError::at("pagination.has_more_items"))?;
    if !more {
        return Ok(None);
    }
    text(at(body, &["pagination", "continuation"]))
        .map(Some)
        .ok_or_else(|| MappingError::at("pagination.continuation"))
}

/// `object_count`: the total the progress bar shows, when Eventbrite reports it.
pub fn object_count(body: &Value) -> Option<i64> {
    at(body, &["pagination", "object_count"]).and_then(Value::as_i64)
}

/// The account email on the integration card: the primary address, else the first.
pub fn primary_email(me: &Value) -> Option<String> {
    let emails = at(me, &["emails"])?.as_array()?;
    emails
        .iter()
        .find(|e| at(e, &["primary"]).and_then(Value::as_bool) == Some(true))
        .or_else(|| emails.first())
        .and_then(|e| email(at(e, &["email"])))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn full() -> Value {
        json!({
            "id": "3001", "event_id": "77", "order_id": "900", "created": "2026-11-01T10:00:00Z",
            "changed": "2026-11-02T11:30:00Z", "ticket_class_id": "5", "ticket_class_name": "VIP Pass",
            "status": "Attending", "cancelled": false, "refunded": false, "checked_in": false,
            "barcodes": [{"barcode": "3001900001", "status": "unused", "checkin_type": 0}],
            "profile": {"first_name": "Ada", "last_name": "Lovelace", "email": "Ada@Example.COM",
                         "name": "Ada Lovelace", "company": "Analytical Engines", "job_title": "Mathematician"}
        })
    }

    #[test]
    fn maps_every_field_of_a_documented_attendee() {
        let a = attendee(&full()).unwrap();
        assert_eq!(a.provider_attendee_id, "3001");
        assert_eq!(a.email.as_deref(), Some("ada@example.com"));
        assert_eq!(
            (a.first_name.as_str(), a.last_name.as_str()),
            ("Ada", "Lovelace")
        );
        assert_eq!(a.company.as_deref(), Some("Analytical Engines"));
        assert_eq!(a.job_title.as_deref(), Some("Mathematician"));
        assert_eq!(a.ticket_name.as_deref(), Some("VIP Pass"));
        assert_eq!(a.barcode.as_deref(), Some("3001900001"));
        assert_eq!(a.status, AttendanceStatus::Attending);
        assert_eq!(a.provider_changed_at, Some(1_793_619_000_000));
    }

    #[test]
    fn status_mapping_table() {
        // (cancelled, refunded, status, expected)
        let table = [
            (
                false,
                false,
                json!("Attending"),
                AttendanceStatus::Attending,
            ),
            (
                false,
                false,
                json!("Checked In"),
                AttendanceStatus::Attending,
            ),
            (
                true,
                false,
                json!("Attending"),
                AttendanceStatus::NotAttending,
            ),
            (
                false,
                true,
                json!("Attending"),
                AttendanceStatus::NotAttending,
            ),
            (
                false,
                false,
                json!("Not Attending"),
                AttendanceStatus::NotAttending,
            ),
            (
                false,
                false,
                json!("Deleted"),
                AttendanceStatus::NotAttending,
            ),
            // An unknown word with live booleans is still a ticket holder; the word is kept.
            (
                false,
                false,
                json!("Transferred"),
                AttendanceStatus::Attending,
            ),
            (false, false, json!(null), AttendanceStatus::Attending),
        ];
        for (cancelled, refunded, status, expected) in table {
            let mut a = full();
            a["cancelled"] = json!(cancelled);
            a["refunded"] = json!(refunded);
            a["status"] = status.clone();
            assert_eq!(
                attendee(&a).unwrap().status,
                expected,
                "{cancelled} {refunded} {status}"
            );
        }
    }

    #[test]
    fn odd_records_map_without_losing_the_row() {
        let odd = json!({
            "id": 3002, "cancelled": null, "barcodes": null,
            "profile": {"name": "  Zoë   Ñúñez-Łukasiewicz ", "email": null, "company": "", "job_title": null}
        });
        let a = attendee(&odd).unwrap();
        assert_eq!(a.provider_attendee_id, "3002", "numeric ids are accepted");
        assert_eq!(
            (a.first_name.as_str(), a.last_name.as_str()),
            ("Zoë", "Ñúñez-Łukasiewicz")
        );
        assert_eq!(a.email, None);
        assert_eq!(a.company, None, "empty strings are absent values");
        assert_eq!(a.barcode, None);
        assert_eq!(a.ticket_name, None);
        assert_eq!(a.status, AttendanceStatus::Attending);

        let no_profile = attendee(&json!({"id": "3003", "profile": null})).unwrap();
        assert_eq!(no_profile.first_name, "");
        let bad_email =
            attendee(&json!({"id": "3004", "profile": {"email": "not-an-email"}})).unwrap();
        assert_eq!(bad_email.email, None);
    }

    #[test]
    fn a_record_without_an_id_names_its_place_in_the_page() {
        let page = json!({"attendees": [full(), {"profile": {"email": "x@y.z"}}], "pagination": {"has_more_items": false}});
        assert_eq!(attendee_page(&page).unwrap_err().field, "attendees[1].id");
        assert_eq!(
            attendee_page(&json!({"pagination": {}})).unwrap_err().field,
            "attendees"
        );
    }

    #[test]
    fn pagination_follows_the_continuation_until_has_more_items_is_false() {
        let more = json!({"pagination": {"has_more_items": true, "continuation": "dGhlIG5leHQ=", "object_count": 120}});
        assert_eq!(
            next_continuation(&more).unwrap().as_deref(),
            Some("dGhlIG5leHQ=")
        );
        assert_eq!(object_count(&more), Some(120));
        let last = json!({"pagination": {"has_more_items": false, "continuation": "ignored"}});
        assert_eq!(next_continuation(&last).unwrap(), None);
        let broken = json!({"pagination": {"has_more_items": true}});
        assert_eq!(
            next_continuation(&broken).unwrap_err().field,
            "pagination.continuation"
        );
    }

    #[test]
    fn events_and_the_primary_email_map() {
        let e = event(&json!({"id": "77", "name": {"text": "RustConf", "html": "<p>RustConf</p>"},
            "start": {"timezone": "America/Chicago", "utc": "2026-12-05T09:00:00Z", "local": "2026-12-05T03:00:00"},
            "end": {"utc": "2026-12-05T17:00:00Z"}})).unwrap();
        assert_eq!(e.name, "RustConf");
        assert_eq!(e.timezone, "America/Chicago");
        assert_eq!(e.starts_at, Some(1_796_461_200_000));
        let me = json!({"emails": [{"email": "old@x.test", "primary": false}, {"email": "Me@X.test", "primary": true}]});
        assert_eq!(primary_email(&me).as_deref(), Some("me@x.test"));
        assert_eq!(primary_email(&json!({"emails": []})), None);
    }

    #[test]
    fn door_check_ins_at_eventbrite_are_read_from_flag_status_or_barcode() {
        assert_eq!(attendee(&full()).unwrap().provider_checked_in_at, None);
        let mut a = full();
        a["checked_in"] = json!(true);
        a["status"] = json!("Checked In");
        a["barcodes"][0]["status"] = json!("used");
        a["barcodes"][0]["changed"] = json!("2026-12-05T09:14:00Z");
        let mapped = attendee(&a).unwrap();
        assert_eq!(mapped.provider_checked_in_at, Some(1_796_462_040_000));
        assert_eq!(mapped.status, AttendanceStatus::Attending);
        // Only the deprecated status word says so, and no barcode time: the change time.
        let mut b = full();
        b["status"] = json!("Checked In");
        assert_eq!(
            attendee(&b).unwrap().provider_checked_in_at,
            timestamp(Some(&json!("2026-11-02T11:30:00Z")))
        );
        // Checked in with no time anywhere still counts, with the time unknown.
        let c = json!({"id": "9", "checked_in": true});
        assert_eq!(
            attendee(&c).unwrap().provider_checked_in_at,
            Some(crate::domain::mapping::CHECKED_IN_AT_UNKNOWN)
        );
    }
}
