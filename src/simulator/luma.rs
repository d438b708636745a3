//! Luma public API (current paths), as documented.

use super::world::{iso, Which};
use super::{faults, Sim};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use serde_json::{json, Value};
use std::collections::HashMap;

const MAX_LIMIT: usize = 100;
const DEFAULT_LIMIT: usize = 50;

pub fn router(_sim: Sim) -> Router<Sim> {
    Router::new()
        .route("/v1/users/get-self", get(get_self))
        .route("/v1/calendars/events/list", get(list_events))
        .route("/v1/events/get", get(get_event))
        .route("/v1/events/guests/list", get(list_guests))
        .route("/v1/events/guests/get", get(get_guest))
        .route("/v2/webhooks/create", post(create_webhook))
        .route("/v1/webhooks/delete", post(delete_webhook))
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"message": message}))).into_response()
}

fn rate_limited(retry_after: Option<u64>) -> Response {
    let secs = retry_after.unwrap_or(60);
    let mut res = error(
        StatusCode::TOO_MANY_REQUESTS,
        "Rate limit exceeded. Please try again later.",
    );
    res.headers_mut()
        .insert("retry-after", secs.to_string().parse().unwrap());
    res.headers_mut()
        .insert("x-ratelimit-limit", "200".parse().unwrap());
    res.headers_mut()
        .insert("x-ratelimit-remaining", "0".parse().unwrap());
    res
}

async fn authorise(sim: &Sim, headers: &HeaderMap) -> Result<(String, String), Response> {
    if let Some(res) = faults::inject(sim, rate_limited).await {
        return Err(res);
    }
    let Some(key) = headers.get("x-luma-api-key").and_then(|v| v.to_str().ok()) else {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "Missing x-luma-api-key header.",
        ));
    };
    let mut world = sim.world();
    *world.calls.entry(key.to_string()).or_default() += 1;
    let who = match world.account_for(key) {
        Some(a) if a.which == Which::Luma => (a.id.clone(), a.owner_id.clone()),
        _ => return Err(error(StatusCode::UNAUTHORIZED, "Invalid API key.")),
    };
    // Over 200 a minute: a 429 with no Retry-After (the spec documents none).
    if world.count_call(Which::Luma, key).over {
        return Err(error(
            StatusCode::TOO_MANY_REQUESTS,
            "Rate limit exceeded. Please back off before retrying.",
        ));
    }
    Ok(who)
}

macro_rules! authorised {
    ($sim:expr, $headers:expr) => {
        match authorise(&$sim, &$headers).await {
            Ok(who) => who,
            Err(res) => return res,
        }
    };
}

fn page(items: &[Value], scope: &str, q: &HashMap<String, String>) -> Response {
    let limit = match q.get("pagination_limit").map(|l| l.parse::<usize>()) {
        None => DEFAULT_LIMIT,
        Some(Ok(l)) if l > 0 => l.min(MAX_LIMIT),
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "pagination_limit must be a positive integer.",
            )
        }
    };
    let offset = match q.get("pagination_cursor") {
        None => 0,
        Some(c) => {
            let decoded = URL_SAFE_NO_PAD
                .decode(c)
                .ok()
                .and_then(|b| String::from_utf8(b).ok());
            match decoded
                .as_deref()
                .and_then(|t| t.strip_prefix(scope))
                .and_then(|o| o.strip_prefix('|'))
                .and_then(|o| o.parse().ok())
            {
                Some(o) => o,
                None => return error(StatusCode::BAD_REQUEST, "Invalid pagination_cursor."),
            }
        }
    };
    let total = items.len();
    let entries: Vec<Value> = items.iter().skip(offset).take(limit).cloned().collect();
    let has_more = offset + entries.len() < total;
    // Like the real API, a cursor may be present on the last page: clients must obey has_more.
    let next_cursor = URL_SAFE_NO_PAD.encode(format!("{scope}|{}", offset + entries.len()));
    Json(json!({"entries": entries, "has_more": has_more, "next_cursor": next_cursor}))
        .into_response()
}

fn event_json(e: &super::world::Event) -> Value {
    json!({"id": e.id, "name": e.name, "start_at": iso(e.start), "end_at": iso(e.end), "timezone": e.timezone,
        "url": format!("https://luma.com/{}", e.id), "visibility": "public", "calendar_id": e.owner_id,
        "platform": "luma", "user_id": e.owner_id, "cover_url": null, "description": null, "geo_address_json": null})
}

/// `guest_counts` on `events/get`: `{guests, tickets}` per approval state, and checked in.
fn guest_counts(e: &super::world::Event) -> Value {
    let mut counts = serde_json::Map::new();
    for state in [
        "approved",
        "pending_approval",
        "waitlist",
        "invited",
        "declined",
    ] {
        let guests: Vec<&Value> = e
            .people
            .iter()
            .filter(|g| g["approval_status"] == state)
            .collect();
        let tickets: usize = guests
            .iter()
            .map(|g| g["event_tickets"].as_array().map_or(0, Vec::len))
            .sum();
        counts.insert(
            state.into(),
            json!({"guests": guests.len(), "tickets": tickets}),
        );
    }
    let checked_in: Vec<&Value> = e
        .people
        .iter()
        .filter(|g| {
            g["event_tickets"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| !t["checked_in_at"].is_null()))
        })
        .collect();
    counts.insert(
        "checked_in".into(),
        json!({"guests": checked_in.len(), "tickets": checked_in.len()}),
    );
    Value::Object(counts)
}

async fn get_self(State(sim): State<Sim>, headers: HeaderMap) -> Response {
    let (id, _) = authorised!(sim, headers);
    let world = sim.world();
    let a = &world.accounts[&id];
    let (first, last) = a.name.split_once(' ').unwrap_or((&a.name, ""));
    Json(json!({"id": a.id, "name": a.name, "email": a.email, "first_name": first, "last_name": last, "avatar_url": null})).into_response()
}

async fn list_events(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (_, calendar) = authorised!(sim, headers);
    let world = sim.world();
    let mut list: Vec<_> = world
        .events
        .values()
        .filter(|e| e.owner_id == calendar)
        .collect();
    list.sort_by_key(|e| e.start);
    if q.get("sort_direction").map(String::as_str) == Some("desc") {
        list.reverse();
    }
    // Entries are flat events (the spec); a calendar also lists events hosted elsewhere.
    let mut list: Vec<Value> = list.into_iter().map(event_json).collect();
    list.push(
        json!({"id": format!("evt-ext-{calendar}"), "name": "Community meetup (hosted elsewhere)",
        "start_at": iso(chrono::Utc::now().timestamp_millis() + 14 * 86_400_000), "end_at": null,
        "timezone": "UTC", "platform": "external", "url": "https://example.test/meetup"}),
    );
    page(&list, &format!("events/{calendar}"), &q)
}

#[allow(
    clippy::result_large_err,
    reason = "the provider's error answer, returned as is by the handler"
)]
fn own_event<'a>(
    world: &'a super::World,
    calendar: &str,
    q: &HashMap<String, String>,
) -> Result<&'a super::world::Event, Response> {
    let Some(id) = q.get("event_id").or_else(|| q.get("api_id")) else {
        return Err(error(StatusCode::BAD_REQUEST, "event_id is required."));
    };
    match world.events.get(id) {
        Some(e) if e.owner_id == calendar => Ok(e),
        Some(_) => Err(error(
            StatusCode::FORBIDDEN,
            "This API key does not have access to this event.",
        )),
        None => Err(error(StatusCode::NOT_FOUND, "Event not found.")),
    }
}

async fn get_event(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (id, calendar) = authorised!(sim, headers);
    let world = sim.world();
    match own_event(&world, &calendar, &q) {
        Ok(e) => {
            let host = &world.accounts[&id];
            let mut body = event_json(e);
            body["hosts"] = json!([{"id": host.id, "name": host.name, "email": host.email}]);
            body["guest_counts"] = guest_counts(e);
            Json(body).into_response()
        }
        Err(res) => res,
    }
}

async fn list_guests(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (_, calendar) = authorised!(sim, headers);
    let world = sim.world();
    match own_event(&world, &calendar, &q) {
        Ok(e) => {
            let listed: Vec<Value> = if world.faults.listing_delay_ms > 0 {
                e.people.iter().map(|p| world.listed(p).clone()).collect()
            } else {
                Vec::new()
            };
            let people = if listed.is_empty() {
                &e.people
            } else {
                &listed
            };
            page(people, &format!("guests/{}", e.id), &q)
        }
        Err(res) => res,
    }
}

async fn get_guest(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (_, calendar) = authorised!(sim, headers);
    let world = sim.world();
    let event = match own_event(&world, &calendar, &q) {
        Ok(e) => e,
        Err(res) => return res,
    };
    let wanted = q
        .get("id")
        .or_else(|| q.get("guest_id"))
        .or_else(|| q.get("api_id"));
    // `id` may be the guest id or the guest's email (ticket and guest keys are not simulated).
    let matches = |p: &&Value, id: &str| {
        p["id"] == id
            || p["user_email"]
                .as_str()
                .is_some_and(|e| e.eq_ignore_ascii_case(id))
    };
    match wanted.and_then(|id| event.people.iter().find(|p| matches(p, id))) {
        Some(g) => {
            let mut guest = g.clone();
            guest["event_ticket_orders"] = json!([]);
            Json(guest).into_response()
        }
        None => error(StatusCode::NOT_FOUND, "Guest not found."),
    }
}

async fn delete_webhook(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let (_, calendar) = authorised!(sim, headers);
    let Some(id) = body["id"].as_str() else {
        return error(StatusCode::BAD_REQUEST, "id is required.");
    };
    let mut world = sim.world();
    let before = world.webhooks.len();
    world
        .webhooks
        .retain(|w| !(w.id == id && w.which == Which::Luma && w.owner_id == calendar));
    if world.webhooks.len() < before {
        Json(json!({})).into_response()
    } else {
        error(StatusCode::NOT_FOUND, "Webhook not found.")
    }
}

async fn create_webhook(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let (account, calendar) = authorised!(sim, headers);
    let (Some(url), Some(types)) = (body["url"].as_str(), body["event_types"].as_array()) else {
        return error(StatusCode::BAD_REQUEST, "url and event_types are required.");
    };
    let mut world = sim.world();
    let signing = world.accounts[&account].signing;
    let n = world.next_id();
    let id = format!("wh-{n:08}");
    let secret = world.webhook_secret();
    world.webhooks.push(super::world::Webhook {
        id: id.clone(),
        which: Which::Luma,
        owner_id: calendar,
        event_id: None,
        url: url.into(),
        secret: Some(secret.clone()),
        signing,
    });
    Json(
        json!({"id": id, "url": url, "event_types": types, "status": "active", "secret": secret,
        "created_at": iso(chrono::Utc::now().timestamp_millis())}),
    )
    .into_response()
}
