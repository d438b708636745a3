//! The simulator's control API, for tests and the demo. Not part of any provider's API.

use super::world::Which;
use super::{Faults, Sim};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn router() -> Router<Sim> {
    Router::new()
        .route("/accounts", post(create_account))
        .route("/accounts/{id}/credentials", post(new_credential))
        .route("/accounts/{id}/organizations", post(new_organization))
        .route("/events", post(create_event).get(list_events))
        .route("/events/{event}/attendees", post(add_attendee))
        .route("/events/{event}/attendees/{id}", patch(edit_attendee))
        .route(
            "/events/{event}/attendees/{id}/cancel",
            post(cancel_attendee),
        )
        .route(
            "/events/{event}/attendees/{id}/refund",
            post(refund_attendee),
        )
        .route(
            "/events/{event}/attendees/{id}/check-in",
            post(check_in_attendee),
        )
        .route(
            "/events/{event}/attendees/{id}/delete",
            post(delete_attendee),
        )
        .route(
            "/events/{event}/attendees/{id}/waitlist",
            post(waitlist_attendee),
        )
        .route("/apps", post(register_app))
        .route("/revoke", post(revoke))
        .route("/faults", get(get_faults).put(set_faults))
        .route("/limits", get(get_limits).put(set_limits))
        .route("/calls", get(calls))
}

#[derive(Deserialize)]
struct NewApp {
    client_id: String,
    client_secret: String,
}

/// Registers an Eventbrite app (its API key and client secret), as the developer page does.
async fn register_app(State(sim): State<Sim>, Json(app): Json<NewApp>) -> Response {
    sim.world().apps.insert(app.client_id, app.client_secret);
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
struct NewAccount {
    provider: Which,
    email: String,
    name: String,
    /// How Luma signs this account's webhook deliveries.
    #[serde(default)]
    signing: super::world::Signing,
}

/// Creates an Eventbrite account (with an organization) or a Luma calendar, and returns a
/// credential for it: an OAuth token or an API key.
async fn create_account(State(sim): State<Sim>, Json(a): Json<NewAccount>) -> Response {
    let (account, credential) = {
        let mut world = sim.world();
        let (account, credential) = world.create_account(a.provider, &a.email, &a.name);
        if let Some(stored) = world.accounts.get_mut(&account.id) {
            stored.signing = a.signing;
        }
        (account, credential)
    };
    Json(json!({"account_id": account.id, "owner_id": account.owner_id, "credential": credential}))
        .into_response()
}

/// Another Eventbrite organization for the account (one account, several organizations).
async fn new_organization(State(sim): State<Sim>, Path(id): Path<String>) -> Response {
    match sim.world().add_organization(&id) {
        Some(org) => Json(json!({"organization_id": org})).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn new_credential(State(sim): State<Sim>, Path(id): Path<String>) -> Response {
    let mut world = sim.world();
    let Some(which) = world.accounts.get(&id).map(|a| a.which) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let credential = world.issue_credential(&id, if which == Which::Luma { "secret-" } else { "" });
    Json(json!({"credential": credential})).into_response()
}

#[derive(Deserialize)]
struct NewEvent {
    account_id: String,
    name: String,
    #[serde(default)]
    attendees: usize,
    /// ms since the epoch; default: a week from now.
    start: Option<i64>,
    /// Which of the account's organizations owns it (default: its first).
    organization_id: Option<String>,
}

async fn create_event(State(sim): State<Sim>, Json(e): Json<NewEvent>) -> Response {
    let mut world = sim.world();
    let Some(account) = world.accounts.get(&e.account_id).cloned() else {
        return (StatusCode::NOT_FOUND, "no such account").into_response();
    };
    let start = e
        .start
        .unwrap_or_else(|| chrono::Utc::now().timestamp_millis() + 7 * 86_400_000);
    let owner = match e.organization_id {
        Some(org) if account.owners().any(|o| *o == org) => org,
        Some(_) => {
            return (
                StatusCode::BAD_REQUEST,
                "not one of the account's organizations",
            )
                .into_response()
        }
        None => account.owner_id.clone(),
    };
    let id = world.create_event(&owner, account.which, &e.name, start, e.attendees);
    Json(json!({"event_id": id})).into_response()
}

/// Every event with its people's ids and names (either provider's shape), for tests that
/// must name a provider record.
async fn list_events(State(sim): State<Sim>) -> Response {
    let world = sim.world();
    let events: Vec<Value> = world
        .events
        .values()
        .map(|e| {
            let people: Vec<Value> = e
                .people
                .iter()
                .map(|p| {
                    let (first, last) = match e.which {
                        Which::Eventbrite => {
                            (&p["profile"]["first_name"], &p["profile"]["last_name"])
                        }
                        Which::Luma => (&p["user_first_name"], &p["user_last_name"]),
                    };
                    json!({"id": p["id"], "first_name": first, "last_name": last})
                })
                .collect();
            json!({"id": e.id, "name": e.name, "provider": e.which, "people": people})
        })
        .collect();
    Json(events).into_response()
}

async fn add_attendee(State(sim): State<Sim>, Path(event): Path<String>) -> Response {
    let result = sim.world().add_person(&event, &sim.base_url);
    match result {
        Some((id, deliveries)) => {
            sim.deliver(deliveries);
            Json(json!({"id": id})).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[derive(Deserialize, Default)]
struct Edit {
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    company: Option<String>,
    job_title: Option<String>,
    ticket_name: Option<String>,
}

fn changed(sim: &Sim, event: &str, id: &str, change: impl FnOnce(Which, &mut Value)) -> Response {
    let deliveries = sim.world().change_person(event, id, &sim.base_url, change);
    match deliveries {
        Some(d) => {
            sim.deliver(d);
            StatusCode::NO_CONTENT.into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn edit_attendee(
    State(sim): State<Sim>,
    Path((event, id)): Path<(String, String)>,
    Json(edit): Json<Edit>,
) -> Response {
    changed(&sim, &event, &id, |which, p| match which {
        Which::Eventbrite => {
            let profile = &mut p["profile"];
            for (key, value) in [
                ("first_name", &edit.first_name),
                ("last_name", &edit.last_name),
                ("email", &edit.email),
                ("company", &edit.company),
                ("job_title", &edit.job_title),
            ] {
                if let Some(v) = value {
                    profile[key] = json!(v);
                }
            }
            if let Some(t) = &edit.ticket_name {
                p["ticket_class_name"] = json!(t);
            }
        }
        Which::Luma => {
            for (key, value) in [
                ("user_first_name", &edit.first_name),
                ("user_last_name", &edit.last_name),
                ("user_email", &edit.email),
            ] {
                if let Some(v) = value {
                    p[key] = json!(v);
                }
            }
            if edit.first_name.is_some() || edit.last_name.is_some() {
                p["user_name"] = json!(format!(
                    "{} {}",
                    p["user_first_name"].as_str().unwrap_or(""),
                    p["user_last_name"].as_str().unwrap_or("")
                ));
            }
            if edit.company.is_some() || edit.job_title.is_some() {
                let answers = p["registration_answers"].as_array_mut();
                let Some(answers) = answers else { return };
                let company = match answers.iter().position(|a| a["question_type"] == "company") {
                    Some(i) => &mut answers[i],
                    None => {
                        answers.insert(0, json!({"label": "Where do you work?", "question_id": "q-company",
                            "question_type": "company", "value": {"company": null, "job_title": null}}));
                        &mut answers[0]
                    }
                };
                if let Some(c) = &edit.company {
                    company["value"]["company"] = json!(c);
                }
                if let Some(j) = &edit.job_title {
                    company["value"]["job_title"] = json!(j);
                }
            }
            if let Some(t) = &edit.ticket_name {
                p["event_tickets"][0]["name"] = json!(t);
            }
        }
    })
}

async fn cancel_attendee(
    State(sim): State<Sim>,
    Path((event, id)): Path<(String, String)>,
) -> Response {
    changed(&sim, &event, &id, super::world::cancel)
}

async fn check_in_attendee(
    State(sim): State<Sim>,
    Path((event, id)): Path<(String, String)>,
) -> Response {
    changed(&sim, &event, &id, super::world::check_in)
}

async fn delete_attendee(
    State(sim): State<Sim>,
    Path((event, id)): Path<(String, String)>,
) -> Response {
    let deliveries = sim.world().delete_person(&event, &id, &sim.base_url);
    match deliveries {
        Some(d) => {
            sim.deliver(d);
            StatusCode::NO_CONTENT.into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn waitlist_attendee(
    State(sim): State<Sim>,
    Path((event, id)): Path<(String, String)>,
) -> Response {
    changed(&sim, &event, &id, super::world::waitlist)
}

async fn refund_attendee(
    State(sim): State<Sim>,
    Path((event, id)): Path<(String, String)>,
) -> Response {
    changed(&sim, &event, &id, super::world::refund)
}

#[derive(Deserialize)]
struct Revoke {
    /// One token or key...
    credential: Option<String>,
    /// ...or every credential of the account with this email (the app removed on the
    /// provider's dashboard).
    account_email: Option<String>,
}

/// Kills a token or key, as removing the app or deleting the key on the provider does.
async fn revoke(State(sim): State<Sim>, Json(r): Json<Revoke>) -> Response {
    let mut world = sim.world();
    let removed = match (r.credential, r.account_email) {
        (Some(credential), _) => world.credentials.remove(&credential).is_some(),
        (None, Some(email)) => {
            let accounts: Vec<String> = world
                .accounts
                .values()
                .filter(|a| a.email == email)
                .map(|a| a.id.clone())
                .collect();
            let before = world.credentials.len();
            world
                .credentials
                .retain(|_, account| !accounts.contains(account));
            world.credentials.len() < before
        }
        (None, None) => return StatusCode::BAD_REQUEST.into_response(),
    };
    if removed {
        StatusCode::NO_CONTENT.into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

async fn get_faults(State(sim): State<Sim>) -> Response {
    Json(sim.world().faults.clone()).into_response()
}

async fn set_faults(State(sim): State<Sim>, Json(f): Json<Faults>) -> Response {
    sim.world().faults = f;
    StatusCode::NO_CONTENT.into_response()
}

async fn calls(State(sim): State<Sim>) -> Response {
    let world = sim.world();
    let total: u64 = world.calls.values().sum();
    Json(json!({"total": total, "rate_limited": world.limited})).into_response()
}

async fn get_limits(State(sim): State<Sim>) -> Response {
    Json(sim.world().limits.clone()).into_response()
}

async fn set_limits(State(sim): State<Sim>, Json(l): Json<super::world::Limits>) -> Response {
    sim.world().limits = l;
    StatusCode::NO_CONTENT.into_response()
}
