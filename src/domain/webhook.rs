//! What a provider webhook delivery points at. A delivery is only a hint: Lanyard fetches
//! the named resource with the integration's own credential before changing anything, so
//! parsing here decides just what to fetch, and refuses anything that is not clearly one
//! of the provider's own resources.

use super::mapping::AttendeeRecord;
use serde_json::Value;

/// The placeholder Eventbrite puts in the `api_url` of the test delivery it sends when a
/// webhook is created (on its own API host, whatever host the receiver trusts).
const EVENTBRITE_TEST_PATH: &str = "/api-endpoint-to-fetch-object-details/";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WebhookHint {
    /// Eventbrite `attendee.*`: `{api}/events/{event}/attendees/{attendee}/`.
    EventbriteAttendee {
        event_id: String,
        attendee_id: String,
    },
    /// Eventbrite `order.*`: `{api}/orders/{order}/`; the order names its event.
    EventbriteOrder { order_id: String },
    /// Luma `guest.*`: the guest and its event. The delivery carries the whole guest, so a
    /// verified one is applied as it came (`guest`); one whose guest does not map is
    /// re-fetched by id.
    LumaGuest {
        event_id: String,
        guest_id: String,
        guest: Option<Box<AttendeeRecord>>,
    },
    /// Eventbrite's test delivery, sent when a webhook is created: acknowledged, no action.
    EventbriteTest,
    /// A well-formed delivery about something Lanyard does not sync (an event edit, say).
    Ignored,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("the body is not JSON")]
    NotJson,
    #[error("the delivery has no {0}")]
    Missing(&'static str),
    #[error("api_url is not on the configured Eventbrite API")]
    ForeignUrl,
}

/// An Eventbrite delivery: `{"config":{"action",...},"api_url":"..."}`. Only an `api_url`
/// under `api_base` (scheme, host, port and path prefix) is followed.
pub fn eventbrite(body: &[u8], api_base: &str) -> Result<WebhookHint, WebhookError> {
    let value: Value = serde_json::from_slice(body).map_err(|_| WebhookError::NotJson)?;
    let api_url = value
        .get("api_url")
        .and_then(Value::as_str)
        .ok_or(WebhookError::Missing("api_url"))?;
    if api_url
        .split(['?', '#'])
        .next()
        .is_some_and(|u| u.ends_with(EVENTBRITE_TEST_PATH))
    {
        return Ok(WebhookHint::EventbriteTest);
    }
    let base = api_base.trim_end_matches('/');
    let rest = api_url
        .strip_prefix(base)
        .filter(|rest| rest.starts_with('/'))
        .ok_or(WebhookError::ForeignUrl)?;
    let path = rest.split(['?', '#']).next().unwrap_or_default();
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let id = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    Ok(match parts.as_slice() {
        ["events", event, "attendees", attendee] if id(event) && id(attendee) => {
            WebhookHint::EventbriteAttendee {
                event_id: event.to_string(),
                attendee_id: attendee.to_string(),
            }
        }
        ["orders", order] if id(order) => WebhookHint::EventbriteOrder {
            order_id: order.to_string(),
        },
        _ => WebhookHint::Ignored,
    })
}

/// A Luma delivery: `{"type":"guest.updated","data":{...guest..., "event":{...}}}`. Both guest
/// shapes are read (`api_id` or `id`); other types are acknowledged and ignored.
pub fn luma(body: &[u8]) -> Result<WebhookHint, WebhookError> {
    let value: Value = serde_json::from_slice(body).map_err(|_| WebhookError::NotJson)?;
    let kind = value
        .get("type")
        .and_then(Value::as_str)
        .ok_or(WebhookError::Missing("type"))?;
    if !kind.starts_with("guest.") && kind != "ticket.registered" {
        return Ok(WebhookHint::Ignored);
    }
    let data = value.get("data").ok_or(WebhookError::Missing("data"))?;
    let text = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    // `id` is the guest's id in the current API; `api_id` the deprecated copy of it.
    let guest_id = text(data.get("id"))
        .or_else(|| text(data.get("api_id")))
        .or_else(|| text(data.pointer("/guest/id")))
        .or_else(|| text(data.pointer("/guest/api_id")))
        .ok_or(WebhookError::Missing("guest id"))?;
    let event_id = text(data.pointer("/event/id"))
        .or_else(|| text(data.pointer("/event/api_id")))
        .or_else(|| text(data.get("event_id")))
        .or_else(|| text(data.get("event_api_id")))
        .ok_or(WebhookError::Missing("event id"))?;
    let guest = super::mapping::luma::guest(data)
        .ok()
        .filter(|g| g.provider_attendee_id == guest_id)
        .map(Box::new);
    Ok(WebhookHint::LumaGuest {
        event_id,
        guest_id,
        guest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const API: &str = "https://www.eventbriteapi.com/v3";

    fn eb(body: &str) -> Result<WebhookHint, WebhookError> {
        eventbrite(body.as_bytes(), API)
    }

    #[test]
    fn eventbrite_deliveries_name_an_attendee_or_an_order_on_the_api_host() {
        let attendee = r#"{"config":{"action":"attendee.updated"},"api_url":"https://www.eventbriteapi.com/v3/events/12/attendees/34/"}"#;
        assert_eq!(
            eb(attendee),
            Ok(WebhookHint::EventbriteAttendee {
                event_id: "12".into(),
                attendee_id: "34".into()
            })
        );
        let order = r#"{"config":{"action":"order.placed"},"api_url":"https://www.eventbriteapi.com/v3/orders/99/"}"#;
        assert_eq!(
            eb(order),
            Ok(WebhookHint::EventbriteOrder {
                order_id: "99".into()
            })
        );
        let event = r#"{"config":{"action":"event.updated"},"api_url":"https://www.eventbriteapi.com/v3/events/12/"}"#;
        assert_eq!(eb(event), Ok(WebhookHint::Ignored));
    }

    #[test]
    fn eventbrite_deliveries_that_point_elsewhere_or_are_malformed_are_refused() {
        for (body, error) in [
            ("not json", WebhookError::NotJson),
            (r#"{"config":{}}"#, WebhookError::Missing("api_url")),
            (r#"{"api_url": 42}"#, WebhookError::Missing("api_url")),
            (
                r#"{"api_url":"https://evil.example/v3/orders/1/"}"#,
                WebhookError::ForeignUrl,
            ),
            // A look-alike host that merely starts with the real one.
            (
                r#"{"api_url":"https://www.eventbriteapi.com/v3evil/orders/1/"}"#,
                WebhookError::ForeignUrl,
            ),
            (
                r#"{"api_url":"https://www.eventbriteapi.com.evil.example/v3/orders/1/"}"#,
                WebhookError::ForeignUrl,
            ),
        ] {
            assert_eq!(eb(body), Err(error), "{body}");
        }
        let traversal =
            r#"{"api_url":"https://www.eventbriteapi.com/v3/events/1/attendees/../../users/me/"}"#;
        assert_eq!(eb(traversal), Ok(WebhookHint::Ignored));
    }

    #[test]
    fn luma_deliveries_name_a_guest_in_either_shape() {
        let current =
            r#"{"type":"guest.updated","data":{"api_id":"gst-1","event":{"api_id":"evt-1"}}}"#;
        let legacy = r#"{"type":"guest.registered","data":{"id":"gst-1","event":{"id":"evt-1"}}}"#;
        for body in [current, legacy] {
            let Ok(WebhookHint::LumaGuest {
                event_id, guest_id, ..
            }) = luma(body.as_bytes())
            else {
                panic!("{body} is a guest delivery");
            };
            assert_eq!((event_id.as_str(), guest_id.as_str()), ("evt-1", "gst-1"));
        }
        assert_eq!(
            luma(br#"{"type":"event.updated","data":{}}"#),
            Ok(WebhookHint::Ignored)
        );
        assert_eq!(luma(br#"{"data":{}}"#), Err(WebhookError::Missing("type")));
        assert_eq!(
            luma(br#"{"type":"guest.updated","data":{"event":{"api_id":"e"}}}"#),
            Err(WebhookError::Missing("guest id"))
        );
        assert_eq!(luma(b"{"), Err(WebhookError::NotJson));
    }

    #[test]
    fn a_luma_guest_delivery_carries_the_guest_to_apply() {
        let body = serde_json::json!({"type": "guest.updated", "data": {
            "id": "gst-7", "api_id": "gst-7", "user_email": "ada@example.com", "user_first_name": "Ada",
            "user_last_name": "Lovelace", "approval_status": "approved",
            "registration_answers": [{"question_type": "company", "value": {"company": "Engines", "job_title": null}}],
            "event_tickets": [{"name": "VIP", "checked_in_at": "2026-12-05T09:14:00Z"}],
            "event": {"id": "evt-3", "name": "Meetup"}}});
        let Ok(WebhookHint::LumaGuest {
            event_id,
            guest: Some(guest),
            ..
        }) = luma(body.to_string().as_bytes())
        else {
            panic!("the guest maps");
        };
        assert_eq!(event_id, "evt-3");
        assert_eq!(guest.provider_attendee_id, "gst-7");
        assert_eq!(guest.company.as_deref(), Some("Engines"));
        assert_eq!(guest.provider_checked_in_at, Some(1_796_462_040_000));
    }

    #[test]
    fn eventbrites_test_delivery_is_recognised_on_any_host() {
        let test = r#"{"config":{"action":"test","endpoint_url":"https://lanyard.test/webhooks/eventbrite/t","webhook_id":"1"},"api_url":"https://www.eventbriteapi.com/v3/api-endpoint-to-fetch-object-details/"}"#;
        assert_eq!(
            eventbrite(test.as_bytes(), "http://127.0.0.1:3900/eventbrite/v3"),
            Ok(WebhookHint::EventbriteTest)
        );
    }
}
