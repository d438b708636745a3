//! Eventbrite API v3 and OAuth, as documented.

use super::world::{iso, Which};
use super::{faults, Sim};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

const PAGE_SIZE: usize = 50;

pub fn router(sim: Sim) -> Router<Sim> {
    Router::new()
        .route(
            "/oauth/authorize",
            get(authorize_page).post(authorize_approve),
        )
        .route("/oauth/token", post(token))
        .route("/v3/users/me/", get(me))
        .route("/v3/users/me/organizations/", get(organizations))
        .route("/v3/organizations/{org}/events/", get(events))
        .route("/v3/organizations/{org}/webhooks/", post(create_webhook))
        .route("/v3/events/{event}/attendees/", get(attendees))
        .route("/v3/events/{event}/attendees/{attendee}/", get(attendee))
        .route("/v3/orders/{order}/", get(order))
        .route("/v3/events/{event}/", get(one_event))
        .route("/v3/webhooks/{id}/", axum::routing::delete(delete_webhook))
        .layer(axum::middleware::from_fn_with_state(sim, rate_limit_header))
}

/// Eventbrite's (undocumented) `x-rate-limit` header on every API answer: the token's
/// calls in its hour, the limit, and seconds to the reset. The token itself is not echoed.
async fn rate_limit_header(
    State(sim): State<Sim>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let token = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    let mut response = next.run(request).await;
    if let Some(token) = token {
        let figures = {
            let world = sim.world();
            let limit = world.limits.eventbrite_per_hour;
            world.windows.get(&token).map(|(start, used)| {
                let reset = ((start + 3_600_000 - chrono::Utc::now().timestamp_millis()) / 1000).max(1);
                format!("token:REDACTED {used}/{limit} reset={reset}s, key:APP {used}/{limit} reset={reset}s")
            })
        };
        if let Some(value) = figures.and_then(|f| f.parse().ok()) {
            // An injected 429 brings its own figures.
            response
                .headers_mut()
                .entry("x-rate-limit")
                .or_insert(value);
        }
    }
    response
}

pub fn error(status: StatusCode, code: &str, description: &str) -> Response {
    (status, Json(json!({"status_code": status.as_u16(), "error": code, "error_description": description}))).into_response()
}

fn not_authorized() -> Response {
    error(
        StatusCode::FORBIDDEN,
        "NOT_AUTHORIZED",
        "You do not have permission to access the resource you requested.",
    )
}

fn rate_limited(_: Option<u64>) -> Response {
    let mut res = error(
        StatusCode::TOO_MANY_REQUESTS,
        "HIT_RATE_LIMIT",
        "Hourly rate limit has been reached for this token",
    );
    res.headers_mut().insert(
        "x-rate-limit",
        "token:REDACTED 2000/2000 reset=2s, key:APP 2000/2000 reset=2s"
            .parse()
            .unwrap(),
    );
    res
}

/// Auth and faults for every API call; yields the caller's account id and organization.
async fn authorise(sim: &Sim, headers: &HeaderMap) -> Result<(String, String), Response> {
    if let Some(res) = faults::inject(sim, rate_limited).await {
        return Err(res);
    }
    let Some(token) = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "NO_AUTH",
            "An OAuth token is required for this request.",
        ));
    };
    let mut world = sim.world();
    *world.calls.entry(token.to_string()).or_default() += 1;
    let who = match world.account_for(token) {
        Some(a) if a.which == Which::Eventbrite => (a.id.clone(), a.owner_id.clone()),
        _ => {
            return Err(error(
                StatusCode::UNAUTHORIZED,
                "INVALID_AUTH",
                "The OAuth token you provided was invalid.",
            ))
        }
    };
    if world.count_call(Which::Eventbrite, token).over {
        return Err(error(
            StatusCode::TOO_MANY_REQUESTS,
            "HIT_RATE_LIMIT",
            "Hourly rate limit has been reached for this token",
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

async fn me(State(sim): State<Sim>, headers: HeaderMap) -> Response {
    let (id, _) = authorised!(sim, headers);
    let world = sim.world();
    let a = &world.accounts[&id];
    let (first, last) = a.name.split_once(' ').unwrap_or((&a.name, ""));
    Json(
        json!({"id": a.id, "name": a.name, "first_name": first, "last_name": last,
        "emails": [{"email": format!("old.{}", a.email), "verified": true, "primary": false},
                   {"email": a.email, "verified": true, "primary": true}]}),
    )
    .into_response()
}

async fn organizations(State(sim): State<Sim>, headers: HeaderMap) -> Response {
    let (id, _) = authorised!(sim, headers);
    let world = sim.world();
    let account = &world.accounts[&id];
    let orgs: Vec<Value> = account
        .owners()
        .enumerate()
        .map(|(i, org)| json!({"id": org, "name": format!("{}'s organization {}", account.name, i + 1)}))
        .collect();
    let n = orgs.len();
    Json(json!({"organizations": orgs,
        "pagination": {"object_count": n, "page_number": 1, "page_size": PAGE_SIZE, "page_count": 1, "has_more_items": false}}))
    .into_response()
}

fn event_json(e: &super::world::Event) -> Value {
    json!({"id": e.id, "name": {"text": e.name, "html": format!("<p>{}</p>", e.name)},
        "start": {"timezone": e.timezone, "utc": iso(e.start), "local": iso(e.start).trim_end_matches('Z')},
        "end": {"timezone": e.timezone, "utc": iso(e.end), "local": iso(e.end).trim_end_matches('Z')},
        "status": "live", "url": format!("https://www.eventbrite.com/e/{}", e.id), "capacity": e.people.len() + 100})
}

/// Cursors are opaque to clients: base64 of what the simulator needs to resume.
fn encode_cursor(scope: &str, offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("{scope}:{offset}"))
}

#[allow(
    clippy::result_large_err,
    reason = "the provider's error answer, returned as is by the handler"
)]
fn decode_cursor(scope: &str, cursor: Option<&String>) -> Result<usize, Response> {
    let Some(cursor) = cursor else { return Ok(0) };
    let bad = || {
        error(
            StatusCode::BAD_REQUEST,
            "BAD_CONTINUATION_TOKEN",
            "The continuation token you provided is invalid.",
        )
    };
    let text =
        String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?).map_err(|_| bad())?;
    let (s, offset) = text.rsplit_once(':').ok_or_else(bad)?;
    if s != scope {
        return Err(bad());
    }
    offset.parse().map_err(|_| bad())
}

fn paginated(key: &str, items: Vec<Value>, scope: &str, offset: usize) -> Response {
    let total = items.len();
    let page: Vec<Value> = items.into_iter().skip(offset).take(PAGE_SIZE).collect();
    page_response(key, total, page, scope, offset)
}

/// One page of `total` items, with Eventbrite's pagination object.
fn page_response(
    key: &str,
    total: usize,
    page: Vec<Value>,
    scope: &str,
    offset: usize,
) -> Response {
    let has_more = offset + page.len() < total;
    let mut pagination = json!({"object_count": total, "page_number": offset / PAGE_SIZE + 1, "page_size": PAGE_SIZE,
        "page_count": total.div_ceil(PAGE_SIZE).max(1), "has_more_items": has_more});
    if has_more {
        pagination["continuation"] = json!(encode_cursor(scope, offset + PAGE_SIZE));
    }
    Json(json!({key: page, "pagination": pagination})).into_response()
}

async fn events(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Path(org): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (account, _) = authorised!(sim, headers);
    if !sim.world().reaches(&account, &org) {
        return not_authorized();
    }
    let scope = format!("events/{org}");
    let offset = match decode_cursor(&scope, q.get("continuation")) {
        Ok(o) => o,
        Err(res) => return res,
    };
    let world = sim.world();
    let mut list: Vec<_> = world
        .events
        .values()
        .filter(|e| world.reaches(&account, &e.owner_id))
        .collect();
    list.sort_by_key(|e| std::cmp::Reverse(e.start));
    paginated(
        "events",
        list.into_iter().map(event_json).collect(),
        &scope,
        offset,
    )
}

async fn attendees(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Path(event): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (account, _) = authorised!(sim, headers);
    let since = match q.get("changed_since") {
        None => None,
        Some(s) => match chrono::DateTime::parse_from_rfc3339(s) {
            Ok(t) => Some(t.timestamp_millis()),
            Err(_) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "ARGUMENTS_ERROR",
                    "changed_since: invalid datetime",
                )
            }
        },
    };
    let scope = format!(
        "attendees/{event}/{}",
        q.get("changed_since").map(String::as_str).unwrap_or("")
    );
    let offset = match decode_cursor(&scope, q.get("continuation")) {
        Ok(o) => o,
        Err(res) => return res,
    };
    let world = sim.world();
    let Some(e) = world
        .events
        .get(&event)
        .filter(|e| world.reaches(&account, &e.owner_id))
    else {
        return error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The event you requested does not exist.",
        );
    };
    let changed = |p: &&Value| {
        since.is_none_or(|s| {
            p["changed"]
                .as_str()
                .and_then(|c| chrono::DateTime::parse_from_rfc3339(c).ok())
                .is_some_and(|c| c.timestamp_millis() >= s)
        })
    };
    let wanted = q.get("status").map(String::as_str);
    let status_ok = |p: &&Value| match wanted {
        Some("attending") => {
            !(p["cancelled"] == true || p["refunded"] == true || p["status"] == "Deleted")
        }
        Some("not_attending") => {
            p["cancelled"] == true || p["refunded"] == true || p["status"] == "Deleted"
        }
        _ => true,
    };
    // Only the page is cloned: a 100,000-attendee event must not be copied per request.
    let matching = || {
        e.people
            .iter()
            .map(|p| world.listed(p))
            .filter(changed)
            .filter(status_ok)
    };
    let total = matching().count();
    let page = matching().skip(offset).take(PAGE_SIZE).cloned().collect();
    page_response("attendees", total, page, &scope, offset)
}

async fn attendee(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Path((event, attendee)): Path<(String, String)>,
) -> Response {
    let (account, _) = authorised!(sim, headers);
    let world = sim.world();
    match world
        .events
        .get(&event)
        .filter(|e| world.reaches(&account, &e.owner_id))
        .and_then(|e| e.people.iter().find(|p| p["id"] == attendee.as_str()))
    {
        Some(p) => Json(p.clone()).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The attendee you requested does not exist.",
        ),
    }
}

async fn order(State(sim): State<Sim>, headers: HeaderMap, Path(order): Path<String>) -> Response {
    let (account, _) = authorised!(sim, headers);
    let world = sim.world();
    let people: Vec<Value> = world
        .events
        .values()
        .filter(|e| world.reaches(&account, &e.owner_id))
        .flat_map(|e| e.people.iter())
        .filter(|p| p["order_id"] == order.as_str())
        .cloned()
        .collect();
    if people.is_empty() {
        return error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The order you requested does not exist.",
        );
    }
    Json(json!({"id": order, "status": "placed", "event_id": people[0]["event_id"], "attendees": people})).into_response()
}

async fn one_event(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Path(event): Path<String>,
) -> Response {
    let (account, _) = authorised!(sim, headers);
    let world = sim.world();
    match world
        .events
        .get(&event)
        .filter(|e| world.reaches(&account, &e.owner_id))
    {
        Some(e) => {
            let mut body = event_json(e);
            body["organization_id"] = json!(e.owner_id);
            Json(body).into_response()
        }
        None => error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The event you requested does not exist.",
        ),
    }
}

async fn delete_webhook(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let (account, _) = authorised!(sim, headers);
    let mut world = sim.world();
    let Some(i) = world
        .webhooks
        .iter()
        .position(|w| w.id == id && w.which == Which::Eventbrite)
    else {
        return error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The webhook you requested does not exist.",
        );
    };
    if !world.reaches(&account, &world.webhooks[i].owner_id.clone()) {
        return not_authorized();
    }
    world.webhooks.remove(i);
    Json(json!({"success": true})).into_response()
}

#[derive(Deserialize)]
struct NewWebhook {
    endpoint_url: Option<String>,
    actions: Option<String>,
    event_id: Option<String>,
}

async fn create_webhook(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Path(org): Path<String>,
    Json(body): Json<NewWebhook>,
) -> Response {
    let (account, _) = authorised!(sim, headers);
    if !sim.world().reaches(&account, &org) {
        return not_authorized();
    }
    // As on Eventbrite, a webhook for an event is made in the event's own organization.
    if let Some(event) = &body.event_id {
        let owner = sim.world().events.get(event).map(|e| e.owner_id.clone());
        if owner.is_some_and(|o| o != org) {
            return error(
                StatusCode::BAD_REQUEST,
                "ARGUMENTS_ERROR",
                "The event does not belong to this organization.",
            );
        }
    }
    let (Some(url), Some(actions)) = (body.endpoint_url, body.actions) else {
        return error(
            StatusCode::BAD_REQUEST,
            "ARGUMENTS_ERROR",
            "endpoint_url and actions are required",
        );
    };
    let mut world = sim.world();
    let id = format!("{}", 40_000 + world.next_id());
    world.webhooks.push(super::world::Webhook {
        id: id.clone(),
        which: Which::Eventbrite,
        owner_id: org,
        event_id: body.event_id.clone(),
        url: url.clone(),
        secret: None,
        signing: Default::default(),
    });
    drop(world);
    // As Eventbrite does, creating a webhook sends a test delivery with a placeholder api_url.
    sim.deliver(vec![super::world::Delivery {
        url: url.clone(),
        body: json!({
            "config": {"action": "test", "user_id": "", "endpoint_url": url, "webhook_id": id},
            "api_url": "https://www.eventbriteapi.com/v3/api-endpoint-to-fetch-object-details/"
        }),
        secret: None,
        signing: Default::default(),
    }]);
    Json(json!({"id": id, "endpoint_url": url, "actions": actions.split(',').collect::<Vec<_>>(), "event_id": body.event_id})).into_response()
}

#[derive(Deserialize)]
struct AuthorizeQuery {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    state: Option<String>,
}

/// The approve page: lists the simulator's Eventbrite accounts to sign in as.
async fn authorize_page(State(sim): State<Sim>, Query(q): Query<AuthorizeQuery>) -> Response {
    if q.response_type.as_deref() != Some("code")
        || q.client_id.is_none()
        || q.redirect_uri.is_none()
    {
        return (StatusCode::BAD_REQUEST, Html("<h1>Invalid OAuth request</h1><p>response_type=code, client_id and redirect_uri are required.</p>")).into_response();
    }
    let world = sim.world();
    let client_id = q.client_id.as_deref().unwrap_or_default();
    if !world.apps.contains_key(client_id) {
        return (
            StatusCode::BAD_REQUEST,
            Html("<h1>Invalid OAuth request</h1><p>Unknown client_id: no app is registered with this API key.</p>"),
        )
            .into_response();
    }
    let mut accounts: Vec<_> = world
        .accounts
        .values()
        .filter(|a| a.which == Which::Eventbrite)
        .collect();
    accounts.sort_by(|a, b| a.email.cmp(&b.email));
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('<', "&lt;")
    };
    let hidden = format!(
        r#"<input type="hidden" name="redirect_uri" value="{}"><input type="hidden" name="state" value="{}"><input type="hidden" name="client_id" value="{}">"#,
        esc(q.redirect_uri.as_deref().unwrap_or_default()),
        esc(q.state.as_deref().unwrap_or_default()),
        esc(client_id)
    );
    let buttons: String = accounts.iter().map(|a| format!(
        r#"<form method="post">{hidden}<input type="hidden" name="account_id" value="{}"><button type="submit">Allow as {}</button></form>"#,
        esc(&a.id), esc(&a.email))).collect();
    Html(format!(r#"<!doctype html><html><head><title>Eventbrite (simulator): authorize</title></head>
        <body style="font-family:system-ui;max-width:32rem;margin:4rem auto"><h1>Allow Lanyard to access your Eventbrite account?</h1>
        <p>This is the provider simulator's approve page.</p>{buttons}
        <form method="post">{hidden}<input type="hidden" name="deny" value="1"><button type="submit">Deny</button></form></body></html>"#)).into_response()
}

#[derive(Deserialize)]
struct Approval {
    redirect_uri: String,
    client_id: String,
    state: Option<String>,
    account_id: Option<String>,
    deny: Option<String>,
}

async fn authorize_approve(State(sim): State<Sim>, Form(form): Form<Approval>) -> Response {
    let Ok(mut target) = url::Url::parse(&form.redirect_uri) else {
        return (StatusCode::BAD_REQUEST, "invalid redirect_uri").into_response();
    };
    {
        let mut pairs = target.query_pairs_mut();
        match (form.deny, form.account_id) {
            (None, Some(account_id)) => {
                let mut world = sim.world();
                let code = world.random_secret("code-");
                world.codes.insert(
                    code.clone(),
                    (
                        account_id,
                        form.redirect_uri.clone(),
                        form.client_id.clone(),
                    ),
                );
                pairs.append_pair("code", &code);
            }
            _ => {
                pairs.append_pair("error", "access_denied");
            }
        }
        if let Some(state) = &form.state {
            pairs.append_pair("state", state);
        }
    }
    Redirect::to(target.as_str()).into_response()
}

#[derive(Deserialize)]
struct TokenRequest {
    grant_type: Option<String>,
    code: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    redirect_uri: Option<String>,
}

async fn token(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Form(req): Form<TokenRequest>,
) -> Response {
    let oauth_error = |code: &str, text: &str| {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": code, "error_description": text})),
        )
            .into_response()
    };
    if req.grant_type.as_deref() != Some("authorization_code") {
        return oauth_error(
            "unsupported_grant_type",
            "only authorization_code is supported",
        );
    }
    // Client credentials may come in the form or as HTTP Basic (as the oauth2 crate sends them).
    let Some((client_id, client_secret)) = basic_credentials(&headers)
        .or_else(|| req.client_id.clone().zip(req.client_secret.clone()))
    else {
        return oauth_error("invalid_client", "client_id and client_secret are required");
    };
    let mut world = sim.world();
    if world.apps.get(&client_id) != Some(&client_secret) {
        return oauth_error("invalid_client", "Client authentication failed.");
    }
    let Some((account_id, redirect_uri, issued_to)) =
        req.code.as_ref().and_then(|c| world.codes.remove(c))
    else {
        return oauth_error(
            "invalid_grant",
            "The authorization code is invalid or was already used.",
        );
    };
    if req.redirect_uri.as_deref() != Some(redirect_uri.as_str()) {
        return oauth_error("invalid_grant", "redirect_uri does not match");
    }
    if issued_to != client_id {
        return oauth_error("invalid_grant", "The code was issued to another client.");
    }
    let token = world.issue_credential(&account_id, "");
    Json(json!({"access_token": token, "token_type": "bearer"})).into_response()
}

/// `Authorization: Basic base64(urlencoded id ":" urlencoded secret)` (RFC 6749, 2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    use base64::Engine as _;
    let encoded = headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("v={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((unescape(id)?, unescape(secret)?))
}
