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
    let answers = registration_answers(g);
    let (company, job_title) = company_and_job_title(&answers);
    let tickets: Vec<&Value> = at(g, &["event_tickets"])
        .and_then(Value::as_array)
        .map(|t| t.iter().collect())
        .unwrap_or_default();
    // A guest holding several tickets shows them all: "General Admission, Workshop".
    let names: Vec<String> = tickets
        .iter()
        .filter_map(|t| text(at(t, &["name"])))
        .collect();
    let ticket_name = (!names.is_empty())
        .then(|| names.join(", "))
        .or_else(|| text(at(g, &["event_ticket", "name"])));
    // Check-in lives on each ticket; the guest counts as checked in from its first ticket's
    // check-in. The legacy shape kept one `checked_in_at` on the guest.
    let provider_checked_in_at = tickets
        .iter()
        .filter_map(|t| timestamp(at(t, &["checked_in_at"])))
        .min()
        .or_else(|| timestamp(at(g, &["checked_in_at"])))
        .or_else(|| timestamp(at(g, &["event_ticket", "checked_in_at"])));
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
        // The spec gives a guest no change time (guessed `updated_at` kept in case one
        // appears); the client stamps when it read the guest instead.
        provider_changed_at: timestamp(at(g, &["updated_at"])),
        provider_checked_in_at,
    })
}

/// One registration answer, its value kept in the shape Luma sent it.
#[derive(Clone, Debug, PartialEq)]
pub struct RegistrationAnswer {
    pub label: Option<String>,
    pub question_id: Option<String>,
    pub question_type: Option<String>,
    pub value: AnswerValue,
}

/// The `value` of an answer: by `question_type`, a string, a boolean, a list of strings, the
/// company question's `{company, job_title}`, or nothing. Anything else is kept as it came.
#[derive(Clone, Debug, PartialEq)]
pub enum AnswerValue {
    Empty,
    Text(String),
    Bool(bool),
    List(Vec<String>),
    Company {
        company: Option<String>,
        job_title: Option<String>,
    },
    Other(Value),
}

impl AnswerValue {
    fn parse(question_type: Option<&str>, value: Option<&Value>) -> AnswerValue {
        match value {
            None | Some(Value::Null) => AnswerValue::Empty,
            Some(Value::Object(o))
                if question_type == Some("company")
                    || o.contains_key("company")
                    || o.contains_key("job_title") =>
            {
                let v = Value::Object(o.clone());
                AnswerValue::Company {
                    company: text(at(&v, &["company"])),
                    job_title: text(at(&v, &["job_title"])),
                }
            }
            Some(Value::String(s)) => AnswerValue::Text(s.clone()),
            Some(Value::Bool(b)) => AnswerValue::Bool(*b),
            Some(Value::Number(n)) => AnswerValue::Text(n.to_string()),
            Some(Value::Array(items)) if items.iter().all(|i| i.is_string()) => AnswerValue::List(
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
            ),
            Some(other) => AnswerValue::Other(other.clone()),
        }
    }
}

/// Every answer of a guest; a missing or null list is no answers, an entry that is not an
/// object is skipped (it carries no question to attach it to).
pub fn registration_answers(g: &Value) -> Vec<RegistrationAnswer> {
    let Some(list) = at(g, &["registration_answers"]).and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .filter(|a| a.is_object())
        .map(|a| {
            let question_type = text(at(a, &["question_type"]));
            // `answer` is the legacy key for the value.
            let raw = a
                .get("value")
                .filter(|v| !v.is_null())
                .or_else(|| a.get("answer"));
            let mut value = AnswerValue::parse(question_type.as_deref(), raw);
            // Older clients read the company question as flat `answer_company` and
            // `answer_job_title` keys; no longer in the spec, still accepted.
            if question_type.as_deref() == Some("company") && value == AnswerValue::Empty {
                let (company, job_title) = (
                    text(at(a, &["answer_company"])),
                    text(at(a, &["answer_job_title"])),
                );
                if company.is_some() || job_title.is_some() {
                    value = AnswerValue::Company { company, job_title };
                }
            }
            RegistrationAnswer {
                label: text(at(a, &["label"])),
                question_id: text(at(a, &["question_id"])),
                question_type,
                value,
            }
        })
        .collect()
}

/// Company and job title: the `company` question's value first; failing that, plainer
/// forms that ask "Company" / "Job title" as text questions.
fn company_and_job_title(answers: &[RegistrationAnswer]) -> (Option<String>, Option<String>) {
    let (mut company, mut job_title) = (None, None);
    for a in answers {
        if let AnswerValue::Company {
            company: c,
            job_title: j,
        } = &a.value
        {
            company = company.or_else(|| c.clone());
            job_title = job_title.or_else(|| j.clone());
        }
    }
    for a in answers {
        let AnswerValue::Text(answer) = &a.value else {
            continue;
        };
        let answer = text(Some(&Value::String(answer.clone())));
        match a
            .label
            .as_deref()
            .unwrap_or_default()
            .to_lowercase()
            .as_str()
        {
            "company" | "company name" | "organization" | "organisation" => {
                company = company.or(answer)
            }
            "job title" | "title" | "role" | "position" => job_title = job_title.or(answer),
            _ => {}
        }
    }
    (company, job_title)
}

/// Guests a listing counts for the import's progress bar: every approval state the listing
/// returns (`checked_in` is a subset of `approved`, so not added). `guest_counts` on
/// `events/get` gives `{guests, tickets}` per state; a bare number is accepted too.
pub fn expected_guests(event: &Value) -> Option<i64> {
    let counts = at(event, &["guest_counts"]).or_else(|| at(event, &["event", "guest_counts"]))?;
    let states = [
        "approved",
        "pending_approval",
        "waitlist",
        "invited",
        "declined",
    ];
    let mut total = 0;
    let mut any = false;
    for state in states {
        let n = at(counts, &[state]).and_then(|c| {
            c.as_i64()
                .or_else(|| at(c, &["guests"]).and_then(Value::as_i64))
        });
        if let Some(n) = n {
            total += n.max(0);
            any = true;
        }
    }
    any.then_some(total)
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
        attendee_count: expected_guests(entry)
            .or_else(|| at(e, &["guest_count"]).and_then(Value::as_i64)),
    })
}

/// An event listed on the calendar but hosted elsewhere (`platform: "external"`): it has no
/// guests in Luma, so it cannot be imported.
fn is_external(entry: &Value) -> bool {
    let e = at(entry, &["event"])
        .filter(|e| e.is_object())
        .unwrap_or(entry);
    text(at(e, &["platform"])).as_deref() == Some("external")
}

/// The importable events of one page.
pub fn event_page(body: &Value) -> Result<Vec<ProviderEvent>, MappingError> {
    entries(body)?
        .iter()
        .enumerate()
        .filter(|(_, e)| !is_external(e))
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
            "invited_at": null, "joined_at": null, "phone_number": null, "utm_source": null,
            "registration_answers": [
                {"label": "Where do you work?", "question_id": "q1", "question_type": "company",
                 "value": {"company": "US Navy", "job_title": "Rear Admiral"}},
                {"label": "LinkedIn", "question_id": "q2", "question_type": "url", "value": "https://linkedin.test/grace"},
                {"label": "I agree to the code of conduct", "question_id": "q3", "question_type": "agree-check", "value": true},
                {"label": "Dietary needs", "question_id": "q4", "question_type": "multi-select", "value": ["Vegetarian", "No nuts"]},
                {"label": "Anything else?", "question_id": "q5", "question_type": "long-text", "value": null}
            ],
            "event_tickets": [{"id": "tkt-1", "name": "General Admission", "amount": 0, "currency": null,
                "checked_in_at": null, "event_ticket_type_id": "ett-1", "is_captured": true}]
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

    #[test]
    fn every_answer_shape_parses_and_keeps_its_value() {
        let answers = registration_answers(&flat());
        let values: Vec<&AnswerValue> = answers.iter().map(|a| &a.value).collect();
        assert_eq!(
            values,
            [
                &AnswerValue::Company {
                    company: Some("US Navy".into()),
                    job_title: Some("Rear Admiral".into())
                },
                &AnswerValue::Text("https://linkedin.test/grace".into()),
                &AnswerValue::Bool(true),
                &AnswerValue::List(vec!["Vegetarian".into(), "No nuts".into()]),
                &AnswerValue::Empty,
            ]
        );
        assert_eq!(answers[2].question_type.as_deref(), Some("agree-check"));
        assert_eq!(answers[0].label.as_deref(), Some("Where do you work?"));
        // Odd entries neither fail nor vanish silently into another answer.
        let odd = json!({"id": "gst-9", "registration_answers": [
            "not an object", {"label": "Seats", "value": 2}, {"question_type": "company", "value": {"company": null}},
            {"label": "Nested", "value": {"a": [1, 2]}}]});
        let parsed = registration_answers(&odd);
        assert_eq!(parsed.len(), 3);
        assert_eq!(parsed[0].value, AnswerValue::Text("2".into()));
        assert_eq!(
            parsed[1].value,
            AnswerValue::Company {
                company: None,
                job_title: None
            }
        );
        assert_eq!(parsed[2].value, AnswerValue::Other(json!({"a": [1, 2]})));
        let g = guest(&odd).unwrap();
        assert_eq!((g.company, g.job_title), (None, None));
    }

    #[test]
    fn company_comes_from_the_company_answer_in_every_plausible_form() {
        let with = |answers: Value| {
            let mut g = flat();
            g["registration_answers"] = answers;
            let g = guest(&g).unwrap();
            (g.company, g.job_title)
        };
        let both = (
            Some("US Navy".to_string()),
            Some("Rear Admiral".to_string()),
        );
        // As the spec shows it.
        assert_eq!(
            with(
                json!([{"question_type": "company", "value": {"company": "US Navy", "job_title": "Rear Admiral"}}])
            ),
            both
        );
        // Only one inner key, or a null one.
        assert_eq!(
            with(
                json!([{"question_type": "company", "value": {"company": "US Navy", "job_title": null}}])
            ),
            (Some("US Navy".to_string()), None)
        );
        // The flat keys older clients read, and a plain text form.
        assert_eq!(
            with(
                json!([{"question_type": "company", "value": null, "answer_company": "US Navy", "answer_job_title": "Rear Admiral"}])
            ),
            both
        );
        assert_eq!(
            with(
                json!([{"label": "Company", "question_type": "text", "value": "US Navy"}, {"label": "Job title", "answer": "Rear Admiral"}])
            ),
            both
        );
        assert_eq!(with(json!(null)), (None, None));
    }

    #[test]
    fn check_in_is_read_per_ticket() {
        let mut g = flat();
        assert_eq!(guest(&g).unwrap().provider_checked_in_at, None);
        g["event_tickets"] = json!([
            {"id": "tkt-1", "name": "General Admission", "checked_in_at": null},
            {"id": "tkt-2", "name": "Workshop", "checked_in_at": "2026-12-05T09:14:00Z"},
            {"id": "tkt-3", "name": "Dinner", "checked_in_at": "2026-12-05T19:00:00Z"}
        ]);
        let mapped = guest(&g).unwrap();
        assert_eq!(mapped.provider_checked_in_at, Some(1_796_462_040_000));
        assert_eq!(
            mapped.ticket_name.as_deref(),
            Some("General Admission, Workshop, Dinner")
        );
        // A guest-level time (not in the spec) is never needed but accepted from the old shape.
        let legacy = json!({"api_id": "gst-1", "guest": {"api_id": "gst-1", "checked_in_at": "2026-12-05T09:14:00Z"}});
        assert_eq!(
            guest(&legacy).unwrap().provider_checked_in_at,
            Some(1_796_462_040_000)
        );
    }

    #[test]
    fn the_expected_total_sums_every_listed_state() {
        let event = json!({"id": "evt-1", "name": "Meetup", "guest_counts": {
            "approved": {"guests": 120, "tickets": 130}, "pending_approval": {"guests": 5, "tickets": 5},
            "waitlist": {"guests": 7, "tickets": 7}, "invited": {"guests": 2, "tickets": 0},
            "declined": {"guests": 3, "tickets": 3}, "checked_in": {"guests": 40, "tickets": 41}}});
        assert_eq!(expected_guests(&event), Some(137));
        assert_eq!(super::event(&event).unwrap().attendee_count, Some(137));
        assert_eq!(
            expected_guests(&json!({"guest_counts": {"approved": 4}})),
            Some(4)
        );
        assert_eq!(expected_guests(&json!({"id": "evt-1"})), None);
        assert_eq!(
            expected_guests(&json!({"guest_counts": {"approved": null}})),
            None
        );
    }

    #[test]
    fn external_events_are_not_offered_for_import() {
        let page = json!({"entries": [
            {"id": "evt-1", "name": "Ours", "platform": "luma"},
            {"id": "evt-2", "name": "Elsewhere", "platform": "external"}], "has_more": false});
        let events = event_page(&page).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].provider_event_id, "evt-1");
    }
}
