//! Luma guests and events, in both the current flat shape and the legacy wrapped one.

use super::{at, email, split_name, text, timestamp, AttendeeRecord, MappingError, ProviderEvent};
use crate::domain::AttendanceStatus;
use serde_json::Value;

/// `approved` (and `session`, a registration for a session of the event) admits; everything
/// else, known or not, is a row marked not attending with the provider's word kept.
pub fn attendance(approval_status: Option<&str>) -> AttendanceStatus {
    match approval_status {
        Some("approved") | Some("session") => AttendanceStatus::Attending,
        _ => AttendanceStatus::NotAttending,
    }
}

/// Unwraps a legacy list entry `{api_id, guest: {...}}` into the guest object.
fn unwrap_guest(entry: &Value) -> &Value {
    at(entry, &["guest"])
        .filter(|g| g.is_object())
        .unwrap_or(entry)
}

pub fn guest(entry: &Value) -> Result<AttendeeRecord, MappingError> {
    let g = unwrap_guest(entry);
    let id = text(at(g, &["id"]))
        .or_else(|| text(at(g, &["api_id"])))
        .or_else(|| text(at(entry, &["api_id"])))
        .ok_or_else(|| MappingError::at("id"))?;
    let (mut first_name, mut last_name) = (
        text(at(g, &["user_first_name"]))
            .or_else(|| text(at(g, &["first_name"])))
            .unwrap_or_default(),
        text(at(g, &["user_last_name"]))
            .or_else(|| text(at(g, &["last_name"])))
            .unwrap_or_default(),
    );
    if first_name.is_empty() && last_name.is_empty() {
        if let Some(full) = text(at(g, &["user_name"])).or_else(|| text(at(g, &["name"]))) {
            (first_name, last_name) = split_name(&full);
        }
    }
    let (company, job_title) = company_and_job_title(g);
    let ticket_name = at(g, &["event_tickets"])
        .and_then(Value::as_array)
        .and_then(|tickets| tickets.iter().find_map(|t| text(at(t, &["name"]))))
        .or_else(|| text(at(g, &["event_ticket", "name"])));
    let approval = text(at(g, &["approval_status"]));
    Ok(AttendeeRecord {
        provider_attendee_id: id,
        email: email(at(g, &["user_email"])).or_else(|| email(at(g, &["email"]))),
        first_name,
        last_name,
        company,
        job_title,
        ticket_name,
        barcode: text(at(g, &["check_in_qr_code"])),
        status: attendance(approval.as_deref()),
        provider_status: approval,
        provider_changed_at: timestamp(at(g, &["updated_at"]))
            .or_else(|| timestamp(at(g, &["registered_at"]))),
    })
}

/// Company and job title come from the registration answers: a `company` question carries
/// `answer_company` and `answer_job_title`; plainer forms ask "Company" / "Job title".
fn company_and_job_title(g: &Value) -> (Option<String>, Option<String>) {
    let Some(answers) = at(g, &["registration_answers"]).and_then(Value::as_array) else {
        return (None, None);
    };
    let (mut company, mut job_title) = (None, None);
    for a in answers {
        if text(at(a, &["question_type"])).as_deref() == Some("company") {
            company = company.or_else(|| text(at(a, &["answer_company"])));
            job_title = job_title.or_else(|| text(at(a, &["answer_job_title"])));
        }
        let label = text(at(a, &["label"])).unwrap_or_default().to_lowercase();
        let answer = || text(at(a, &["answer"])).or_else(|| text(at(a, &["value"])));
        match label.as_str() {
            "company" | "company name" | "organization" | "organisation" => {
                company = company.or_else(answer)
            }
            "job title" | "title" | "role" | "position" => job_title = job_title.or_else(answer),
            _ => {}
        }
    }
    (company, job_title)
}

pub fn guest_page(body: &Value) -> Result<Vec<AttendeeRecord>, MappingError> {
    entries(body)?
        .iter()
        .enumerate()
        .map(|(i, e)| guest(e).map_err(|err| err.within(&format!("entries[{i}]"))))
        .collect()
}

fn entries(body: &Value) -> Result<&Vec<Value>, MappingError> {
    at(body, &["entries"])
        .and_then(Value::as_array)
        .ok_or_else(|| MappingError::at("entries"))
}

/// `Some(cursor)` while more pages follow. `has_more: false` ends the listing even when a
/// cursor is present.
pub fn next_cursor(body: &Value) -> Result<Option<String>, MappingError> {
    let more = at(body, &["has_more"])
        .and_then(Value::as_bool)
        .ok_or_else(|| MappingError::at("has_more"))?;
    if !more {
        return Ok(None);
    }
    text(at(body, &["next_cursor"]))
        .map(Some)
        .ok_or_else(|| MappingError::at("next_cursor"))
}

pub fn event(entry: &Value) -> Result<ProviderEvent, MappingError> {
    let e = at(entry, &["event"])
        .filter(|e| e.is_object())
        .unwrap_or(entry);
    Ok(ProviderEvent {
        provider_event_id: text(at(e, &["id"]))
            .or_else(|| text(at(e, &["api_id"])))
            .or_else(|| text(at(entry, &["api_id"])))
            .ok_or_else(|| MappingError::at("id"))?,
        name: text(at(e, &["name"])).unwrap_or_else(|| "Untitled event".into()),
        starts_at: timestamp(at(e, &["start_at"])),
        ends_at: timestamp(at(e, &["end_at"])),
        timezone: text(at(e, &["timezone"])).unwrap_or_else(|| "UTC".into()),
        attendee_count: at(e, &["guest_count"]).and_then(Value::as_i64),
    })
}

pub fn event_page(body: &Value) -> Result<Vec<ProviderEvent>, MappingError> {
    entries(body)?
        .iter()
        .enumerate()
        .map(|(i, e)| event(e).map_err(|err| err.within(&format!("entries[{i}]"))))
        .collect()
}

/// `get-self`: flat now, `{"user": {...}}` in the legacy API.
pub fn account_email(body: &Value) -> Option<String> {
    email(at(body, &["email"])).or_else(|| email(at(body, &["user", "email"])))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn flat() -> Value {
        json!({
            "id": "gst-abc", "user_id": "usr-1", "user_email": "grace@navy.test", "user_name": "Grace Hopper",
            "user_first_name": "Grace", "user_last_name": "Hopper", "approval_status": "approved",
            "registered_at": "2026-11-01T10:00:00Z", "check_in_qr_code": "https://lu.ma/check-in/gst-abc",
            "registration_answers": [{"label": "Where do you work?", "question_id": "q1", "question_type": "company",
                "value": null, "answer_company": "US Navy", "answer_job_title": "Rear Admiral"}],
            "event_tickets": [{"id": "tkt-1", "name": "General Admission", "amount": 0, "currency": null,
                "checked_in_at": null, "event_ticket_type_id": "ett-1"}]
        })
    }

    #[test]
    fn maps_a_current_flat_guest() {
        let g = guest(&flat()).unwrap();
        assert_eq!(g.provider_attendee_id, "gst-abc");
        assert_eq!(g.email.as_deref(), Some("grace@navy.test"));
        assert_eq!(
            (g.first_name.as_str(), g.last_name.as_str()),
            ("Grace", "Hopper")
        );
        assert_eq!(g.company.as_deref(), Some("US Navy"));
        assert_eq!(g.job_title.as_deref(), Some("Rear Admiral"));
        assert_eq!(g.ticket_name.as_deref(), Some("General Admission"));
        assert_eq!(g.barcode.as_deref(), Some("https://lu.ma/check-in/gst-abc"));
        assert_eq!(g.status, AttendanceStatus::Attending);
        assert_eq!(g.provider_status.as_deref(), Some("approved"));
    }

    #[test]
    fn maps_a_legacy_wrapped_guest_to_the_same_row() {
        let legacy = json!({"api_id": "gst-abc", "guest": {
            "api_id": "gst-abc", "email": "grace@navy.test", "name": "Grace Hopper", "approval_status": "approved",
            "event_ticket": {"api_id": "tkt-1", "name": "General Admission"}, "checked_in_at": null,
            "check_in_qr_code": "https://lu.ma/check-in/gst-abc",
            "registration_answers": [{"label": "Company", "answer": "US Navy"}, {"label": "Job title", "answer": "Rear Admiral"}]
        }});
        let (a, b) = (guest(&legacy).unwrap(), guest(&flat()).unwrap());
        assert_eq!(a.provider_attendee_id, b.provider_attendee_id);
        assert_eq!(a.email, b.email);
        assert_eq!((a.first_name, a.last_name), (b.first_name, b.last_name));
        assert_eq!((a.company, a.job_title), (b.company, b.job_title));
        assert_eq!(a.ticket_name, b.ticket_name);
        assert_eq!(a.status, b.status);
    }

    #[test]
    fn approval_status_table() {
        use AttendanceStatus::*;
        let table = [
            ("approved", Attending),
            ("session", Attending),
            ("declined", NotAttending),
            ("pending_approval", NotAttending),
            ("invited", NotAttending),
            ("waitlist", NotAttending),
            ("some_future_status", NotAttending),
        ];
        for (word, expected) in table {
            let mut g = flat();
            g["approval_status"] = json!(word);
            let mapped = guest(&g).unwrap();
            assert_eq!(mapped.status, expected, "{word}");
            assert_eq!(
                mapped.provider_status.as_deref(),
                Some(word),
                "the provider's word is kept"
            );
        }
        let mut none = flat();
        none["approval_status"] = json!(null);
        assert_eq!(guest(&none).unwrap().status, NotAttending);
    }

    #[test]
    fn odd_guests_still_map() {
        let g = guest(
            &json!({"id": "gst-2", "user_email": null, "user_name": "李 小龍",
            "registration_answers": null, "event_tickets": []}),
        )
        .unwrap();
        assert_eq!(
            (g.first_name.as_str(), g.last_name.as_str()),
            ("李", "小龍")
        );
        assert_eq!((g.email, g.company, g.ticket_name), (None, None, None));
        let err =
            guest_page(&json!({"entries": [flat(), {"user_email": "a@b.c"}], "has_more": false}))
                .unwrap_err();
        assert_eq!(err.field, "entries[1].id");
    }

    #[test]
    fn cursors_stop_when_has_more_is_false() {
        assert_eq!(
            next_cursor(&json!({"entries": [], "has_more": true, "next_cursor": "c2"}))
                .unwrap()
                .as_deref(),
            Some("c2")
        );
        assert_eq!(
            next_cursor(&json!({"entries": [], "has_more": false, "next_cursor": "c3"})).unwrap(),
            None
        );
        assert_eq!(
            next_cursor(&json!({"entries": []})).unwrap_err().field,
            "has_more"
        );
    }

    #[test]
    fn events_and_self_in_both_shapes() {
        let current = event(
            &json!({"id": "evt-1", "name": "Luma Meetup", "start_at": "2026-12-05T09:00:00.000Z",
            "end_at": null, "timezone": "Europe/Berlin"}),
        )
        .unwrap();
        let legacy = event(
            &json!({"api_id": "evt-1", "event": {"api_id": "evt-1", "name": "Luma Meetup",
            "start_at": "2026-12-05T09:00:00.000Z", "timezone": "Europe/Berlin"}}),
        )
        .unwrap();
        assert_eq!(current, legacy);
        assert_eq!(current.starts_at, Some(1_796_461_200_000));
        assert_eq!(
            account_email(&json!({"id": "usr-1", "email": "Host@Luma.test"})).as_deref(),
            Some("host@luma.test")
        );
        assert_eq!(
            account_email(&json!({"user": {"api_id": "usr-1", "email": "host@luma.test"}}))
                .as_deref(),
            Some("host@luma.test")
        );
    }
}
