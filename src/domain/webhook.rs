//! What a provider webhook delivery points at. A delivery is only a hint: Lanyard fetches
//! the named resource with the integration's own credential before changing anything, so
//! parsing here decides just what to fetch, and refuses anything that is not clearly one
//! of the provider's own resources.

use serde_json::Value;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WebhookHint {
    /// Eventbrite `attendee.*`: `{api}/events/{event}/attendees/{attendee}/`.
    EventbriteAttendee {
        event_id: String,
        attendee_id: String,
    },
    /// Eventbrite `order.*`: `{api}/orders/{order}/`; the order names its event.
    EventbriteOrder { order_id: String },
    /// Luma `guest.*`: the guest and its event, re-fetched before use.
    LumaGuest { event_id: String, guest_id: String },
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
    let guest_id = text(data.get("api_id"))
        .or_else(|| text(data.get("id")))
        .or_else(|| text(data.pointer("/guest/api_id")))
        .ok_or(WebhookError::Missing("guest id"))?;
    let event_id = text(data.pointer("/event/api_id"))
        .or_else(|| text(data.pointer("/event/id")))
        .or_else(|| text(data.get("event_api_id")))
        .ok_or(WebhookError::Missing("event id"))?;
    Ok(WebhookHint::LumaGuest { event_id, guest_id })
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
            assert_eq!(
                luma(body.as_bytes()),
                Ok(WebhookHint::LumaGuest {
                    event_id: "evt-1".into(),
                    guest_id: "gst-1".into()
                })
            );
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
}
