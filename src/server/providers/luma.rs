//! Luma public API (https://public-api.luma.com): `x-luma-api-key`, cursor pagination.

use super::http::{invalid, send_json};
use super::{Account, Page, ProviderError};
use crate::domain::mapping::{luma as map, AttendeeRecord, ProviderEvent};
use reqwest::StatusCode;
use serde_json::Value;

/// "The server will enforce a maximum number" (no figure given): ask for 100, accept fewer.
const PAGE_LIMIT: &str = "100";

#[derive(Clone)]
pub struct LumaClient {
    http: reqwest::Client,
    base: String,
    key: secrecy::SecretString,
    pub(super) gate: super::Gate,
}

impl std::fmt::Debug for LumaClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LumaClient")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// Beyond a 401, a 403 from `users/get-self` (the key's own identity) says the key is dead;
/// a 403 elsewhere is a key without access to one event or calendar, and 400 a missing
/// header (our bug): neither says the key itself is dead. Luma documents no error at all.
fn is_dead_credential(_: StatusCode, _: &Value) -> bool {
    false
}

fn is_dead_on_self(status: StatusCode, _: &Value) -> bool {
    status == StatusCode::FORBIDDEN
}

/// The spec gives a guest no change time; the time it was read orders copies of it instead
/// (a page read before a webhook never overwrites the webhook's newer guest).
fn stamp_read_time(records: &mut [AttendeeRecord], read_at: i64) {
    for r in records {
        r.provider_changed_at.get_or_insert(read_at);
    }
}

impl LumaClient {
    pub fn new(http: reqwest::Client, base: &str, key: secrecy::SecretString) -> LumaClient {
        LumaClient {
            http,
            base: base.trim_end_matches('/').to_string(),
            key,
            gate: None,
        }
    }

    async fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, ProviderError> {
        let dead = if path == "/v1/users/get-self" {
            is_dead_on_self
        } else {
            is_dead_credential
        };
        let request = self
            .http
            .get(format!("{}{path}", self.base))
            .header(
                "x-luma-api-key",
                secrecy::ExposeSecret::expose_secret(&self.key),
            )
            .query(query);
        send_json(request, dead, &self.gate).await
    }

    pub async fn whoami(&self) -> Result<Account, ProviderError> {
        let me = self.get("/v1/users/get-self", &[]).await?;
        let user = me.get("user").filter(|u| u.is_object()).unwrap_or(&me);
        let id = ["id", "api_id"]
            .iter()
            .find_map(|k| user.get(*k).and_then(Value::as_str))
            .ok_or_else(|| ProviderError::Invalid("get-self: id is missing".into()))?;
        let email = map::account_email(&me)
            .ok_or_else(|| ProviderError::Invalid("get-self: email is missing".into()))?;
        Ok(Account {
            id: id.to_string(),
            email,
        })
    }

    pub async fn list_events(&self) -> Result<Vec<ProviderEvent>, ProviderError> {
        let mut events = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut query = vec![
                ("pagination_limit", PAGE_LIMIT),
                ("sort_column", "start_at"),
                ("sort_direction", "desc"),
            ];
            if let Some(c) = &cursor {
                query.push(("pagination_cursor", c.as_str()));
            }
            let body = self.get("/v1/calendars/events/list", &query).await?;
            events.extend(map::event_page(&body).map_err(invalid)?);
            cursor = map::next_cursor(&body).map_err(invalid)?;
            if cursor.is_none() {
                return Ok(events);
            }
        }
    }

    pub async fn guests_page(
        &self,
        event_id: &str,
        cursor: Option<&str>,
    ) -> Result<Page, ProviderError> {
        let mut query = vec![("event_id", event_id), ("pagination_limit", PAGE_LIMIT)];
        if let Some(c) = cursor {
            query.push(("pagination_cursor", c));
        }
        let read_at = chrono::Utc::now().timestamp_millis();
        let body = self.get("/v1/events/guests/list", &query).await?;
        let mut attendees = map::guest_page(&body).map_err(invalid)?;
        stamp_read_time(&mut attendees, read_at);
        Ok(Page {
            attendees,
            next: map::next_cursor(&body).map_err(invalid)?,
            total: None,
        })
    }

    /// The guests a complete listing will return, from `events/get`'s `guest_counts`.
    pub async fn expected_guests(&self, event_id: &str) -> Result<Option<i64>, ProviderError> {
        let body = self
            .get("/v1/events/get", &[("event_id", event_id)])
            .await?;
        Ok(map::expected_guests(&body))
    }

    pub async fn guest(
        &self,
        event_id: &str,
        guest_id: &str,
    ) -> Result<AttendeeRecord, ProviderError> {
        let read_at = chrono::Utc::now().timestamp_millis();
        let body = self
            .get(
                "/v1/events/guests/get",
                &[("event_id", event_id), ("id", guest_id)],
            )
            .await?;
        // Answers come as the guest itself or wrapped as {"guest": {...}} (legacy).
        let mut record = map::guest(&body).map_err(invalid)?;
        stamp_read_time(std::slice::from_mut(&mut record), read_at);
        Ok(record)
    }

    /// `POST /v1/webhooks/delete {id}` (v1, while create is v2: as the spec has it); gone
    /// already is fine.
    pub async fn delete_webhook(&self, webhook_id: &str) -> Result<(), ProviderError> {
        let request = self
            .http
            .post(format!("{}/v1/webhooks/delete", self.base))
            .header(
                "x-luma-api-key",
                secrecy::ExposeSecret::expose_secret(&self.key),
            )
            .json(&serde_json::json!({"id": webhook_id}));
        match send_json(request, is_dead_credential, &self.gate).await {
            Ok(_) => Ok(()),
            Err(ProviderError::Refused { status: 404, .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    pub async fn register_webhook(
        &self,
        url: &str,
    ) -> Result<super::WebhookRegistration, ProviderError> {
        let request = self
            .http
            .post(format!("{}/v2/webhooks/create", self.base))
            .header("x-luma-api-key", secrecy::ExposeSecret::expose_secret(&self.key))
            .json(&serde_json::json!({"url": url, "event_types": ["guest.registered", "guest.updated", "ticket.registered"]}));
        let body = send_json(request, is_dead_credential, &self.gate).await?;
        let id = body
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| ProviderError::Invalid("webhook: id is missing".into()))?;
        let secret = body
            .get("secret")
            .and_then(Value::as_str)
            .map(secrecy::SecretString::from);
        Ok(super::WebhookRegistration { id, secret })
    }
}
