//! Eventbrite API v3 (https://www.eventbriteapi.com/v3): bearer token, trailing slashes,
//! `continuation` pagination.

use super::http::{invalid, send_json};
use super::{Account, Page, ProviderError};
use crate::domain::mapping::{eventbrite as map, AttendeeRecord, ProviderEvent};
use reqwest::StatusCode;
use serde_json::Value;

#[derive(Clone)]
pub struct EventbriteClient {
    http: reqwest::Client,
    base: String,
    token: secrecy::SecretString,
    pub(super) gate: super::Gate,
}

impl std::fmt::Debug for EventbriteClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventbriteClient")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// The documented reference lists INVALID_AUTH as a 400; in practice it is a 401. Both mean
/// the token is dead.
fn is_dead_credential(status: StatusCode, body: &Value) -> bool {
    status == StatusCode::BAD_REQUEST
        && matches!(
            body.get("error").and_then(Value::as_str),
            Some("INVALID_AUTH") | Some("INVALID_AUTH_HEADER")
        )
}

impl EventbriteClient {
    pub fn new(
        http: reqwest::Client,
        base: &str,
        token: secrecy::SecretString,
    ) -> EventbriteClient {
        EventbriteClient {
            http,
            base: base.trim_end_matches('/').to_string(),
            token,
            gate: None,
        }
    }

    async fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, ProviderError> {
        let request = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(secrecy::ExposeSecret::expose_secret(&self.token))
            .query(query);
        send_json(request, is_dead_credential, &self.gate).await
    }

    pub async fn whoami(&self) -> Result<Account, ProviderError> {
        let me = self.get("/users/me/", &[]).await?;
        let id = crate::domain::mapping::text(me.get("id"))
            .ok_or_else(|| ProviderError::Invalid("users/me: id is missing".into()))?;
        let email = map::primary_email(&me)
            .ok_or_else(|| ProviderError::Invalid("users/me: emails is missing".into()))?;
        Ok(Account { id, email })
    }

    async fn organization_ids(&self) -> Result<Vec<String>, ProviderError> {
        let mut ids = Vec::new();
        let mut continuation: Option<String> = None;
        loop {
            let mut query = vec![];
            if let Some(c) = &continuation {
                query.push(("continuation", c.as_str()));
            }
            let body = self.get("/users/me/organizations/", &query).await?;
            let orgs = body
                .get("organizations")
                .and_then(Value::as_array)
                .ok_or_else(|| ProviderError::Invalid("organizations is missing".into()))?;
            ids.extend(orgs.iter().filter_map(|o| match o.get("id")? {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            }));
            // Organization listings may omit pagination when everything fits on one page.
            continuation = match body.get("pagination") {
                Some(_) => map::next_continuation(&body).map_err(invalid)?,
                None => None,
            };
            if continuation.is_none() {
                return Ok(ids);
            }
        }
    }

    pub async fn list_events(&self) -> Result<Vec<ProviderEvent>, ProviderError> {
        let mut events = Vec::new();
        for org in self.organization_ids().await? {
            let mut continuation: Option<String> = None;
            loop {
                let mut query = vec![
                    ("status", "live,started,ended,draft"),
                    ("order_by", "start_desc"),
                ];
                if let Some(c) = &continuation {
                    query.push(("continuation", c.as_str()));
                }
                let body = self
                    .get(&format!("/organizations/{org}/events/"), &query)
                    .await?;
                let list = body
                    .get("events")
                    .and_then(Value::as_array)
                    .ok_or_else(|| ProviderError::Invalid("events is missing".into()))?;
                for (i, e) in list.iter().enumerate() {
                    events.push(
                        map::event(e)
                            .map_err(|err| invalid(err.within(&format!("events[{i}]"))))?,
                    );
                }
                continuation = map::next_continuation(&body).map_err(invalid)?;
                if continuation.is_none() {
                    break;
                }
            }
        }
        Ok(events)
    }

    pub async fn attendees_page(
        &self,
        event_id: &str,
        continuation: Option<&str>,
        changed_since: Option<i64>,
    ) -> Result<Page, ProviderError> {
        let since = changed_since
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string());
        let mut query = vec![];
        if let Some(c) = continuation {
            query.push(("continuation", c));
        }
        if let Some(s) = &since {
            query.push(("changed_since", s.as_str()));
        }
        let body = self
            .get(&format!("/events/{event_id}/attendees/"), &query)
            .await?;
        Ok(Page {
            attendees: map::attendee_page(&body).map_err(invalid)?,
            next: map::next_continuation(&body).map_err(invalid)?,
            total: map::object_count(&body),
        })
    }

    pub async fn attendee(
        &self,
        event_id: &str,
        attendee_id: &str,
    ) -> Result<AttendeeRecord, ProviderError> {
        let body = self
            .get(&format!("/events/{event_id}/attendees/{attendee_id}/"), &[])
            .await?;
        map::attendee(&body).map_err(invalid)
    }

    /// The attendees of one order, as `order.*` webhooks name them by `api_url`.
    pub async fn order_attendees(
        &self,
        order_id: &str,
    ) -> Result<Vec<AttendeeRecord>, ProviderError> {
        let body = self
            .get(&format!("/orders/{order_id}/"), &[("expand", "attendees")])
            .await?;
        map::order_attendees(&body).map_err(invalid)
    }

    /// An order's event and attendees, as `order.*` webhooks name them by `api_url`.
    pub async fn order(
        &self,
        order_id: &str,
    ) -> Result<(String, Vec<AttendeeRecord>), ProviderError> {
        let body = self
            .get(&format!("/orders/{order_id}/"), &[("expand", "attendees")])
            .await?;
        let event_id = crate::domain::mapping::text(body.get("event_id"))
            .ok_or_else(|| ProviderError::Invalid("order: event_id is missing".into()))?;
        Ok((event_id, map::order_attendees(&body).map_err(invalid)?))
    }

    /// Deletes a webhook this account made (one being replaced); gone already is fine.
    pub async fn delete_webhook(&self, webhook_id: &str) -> Result<(), ProviderError> {
        let request = self
            .http
            .delete(format!("{}/webhooks/{webhook_id}/", self.base))
            .bearer_auth(secrecy::ExposeSecret::expose_secret(&self.token));
        match send_json(request, is_dead_credential, &self.gate).await {
            Ok(_) => Ok(()),
            Err(ProviderError::Refused { status: 404, .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    pub async fn register_webhook(
        &self,
        event_id: &str,
        endpoint_url: &str,
    ) -> Result<super::WebhookRegistration, ProviderError> {
        // An account can belong to several organizations: the webhook is made in the one
        // that owns the event (its `organization_id`), the first one only when unsaid.
        let event = self.get(&format!("/events/{event_id}/"), &[]).await?;
        let org = match crate::domain::mapping::text(event.get("organization_id")) {
            Some(org) => org,
            None => self
                .organization_ids()
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| ProviderError::Invalid("the account has no organization".into()))?,
        };
        let actions = "order.placed,order.updated,order.refunded,attendee.updated,attendee.checked_in,attendee.checked_out";
        let request = self
            .http
            .post(format!("{}/organizations/{org}/webhooks/", self.base))
            .bearer_auth(secrecy::ExposeSecret::expose_secret(&self.token))
            .json(&serde_json::json!({"endpoint_url": endpoint_url, "actions": actions, "event_id": event_id}));
        let body = send_json(request, is_dead_credential, &self.gate).await?;
        let id = body
            .get("id")
            .and_then(|v| {
                v.as_str()
                    .map(str::to_string)
                    .or_else(|| v.as_i64().map(|n| n.to_string()))
            })
            .ok_or_else(|| ProviderError::Invalid("webhook: id is missing".into()))?;
        Ok(super::WebhookRegistration { id, secret: None })
    }
}
