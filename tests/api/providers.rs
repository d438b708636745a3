//! Contract tests: the real clients against the simulator over HTTP.

use lanyard::domain::mapping::AttendeeRecord;
use lanyard::domain::AttendanceStatus;
use lanyard::server::providers::{Credential, ProviderClient, ProviderError, ProviderUrls};
use lanyard::simulator::{self, RunningSimulator};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::Duration;

async fn sim() -> RunningSimulator {
    simulator::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

async fn admin(sim: &RunningSimulator, method: reqwest::Method, path: &str, body: Value) -> Value {
    let res = reqwest::Client::new()
        .request(method, format!("{}/admin{path}", sim.url))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "admin {path}: {}", res.status());
    res.json().await.unwrap_or(Value::Null)
}

/// An account with one event of `n` attendees: (client, credential, account id, event id).
async fn account(
    sim: &RunningSimulator,
    provider: &str,
    n: usize,
) -> (ProviderClient, String, String, String) {
    let a = admin(sim, reqwest::Method::POST, "/accounts", json!({"provider": provider, "email": format!("Host@{provider}.test"), "name": "Hedy Host"})).await;
    let credential = a["credential"].as_str().unwrap().to_string();
    let account_id = a["account_id"].as_str().unwrap().to_string();
    let e = admin(
        sim,
        reqwest::Method::POST,
        "/events",
        json!({"account_id": account_id, "name": "Launch Party", "attendees": n}),
    )
    .await;
    let cred = match provider {
        "eventbrite" => Credential::EventbriteToken(credential.clone().into()),
        _ => Credential::LumaApiKey(credential.clone().into()),
    };
    let client = ProviderClient::new(&lanyard::demo::provider_urls(sim), cred).unwrap();
    (
        client,
        credential,
        account_id,
        e["event_id"].as_str().unwrap().to_string(),
    )
}

async fn all_pages(
    client: &ProviderClient,
    event: &str,
) -> Result<(Vec<lanyard::domain::mapping::AttendeeRecord>, usize), ProviderError> {
    let (mut all, mut cursor, mut pages) = (Vec::new(), None::<String>, 0);
    loop {
        let page = client
            .attendees_page(event, cursor.as_deref(), None)
            .await?;
        pages += 1;
        all.extend(page.attendees);
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok((all, pages)),
        }
    }
}

async fn faults(sim: &RunningSimulator, f: Value) {
    admin(sim, reqwest::Method::PUT, "/faults", f).await;
}

#[tokio::test]
async fn both_clients_read_accounts_events_and_every_attendee_page() {
    let sim = sim().await;
    for provider in ["eventbrite", "luma"] {
        let (client, _, _, event) = account(&sim, provider, 123).await;
        let me = client.whoami().await.unwrap();
        assert_eq!(
            me.email,
            format!("host@{provider}.test"),
            "{provider}: primary email, lower-cased"
        );
        let events = client.list_events().await.unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].provider_event_id, event);
        assert_eq!(events[0].name, "Launch Party");

        let (all, pages) = all_pages(&client, &event).await.unwrap();
        assert_eq!(all.len(), 123, "{provider}");
        // Eventbrite pages hold 50; Luma's client asks for 100 (the spec gives no maximum).
        let expected_pages = if provider == "luma" { 2 } else { 3 };
        assert_eq!(pages, expected_pages, "{provider}: pages of 50 / 100");
        let ids: HashSet<_> = all.iter().map(|a| a.provider_attendee_id.clone()).collect();
        assert_eq!(ids.len(), 123, "{provider}: no attendee twice");
        assert!(all.iter().all(|a| a.email.is_some()
            && a.ticket_name.is_some()
            && a.status == AttendanceStatus::Attending));

        let one = client
            .attendee(&event, &all[7].provider_attendee_id)
            .await
            .unwrap();
        // Luma guests carry no change time: each copy is versioned by when it was read.
        let unversioned = |r: &AttendeeRecord| AttendeeRecord {
            provider_changed_at: None,
            ..r.clone()
        };
        assert_eq!(
            unversioned(&one),
            unversioned(&all[7]),
            "{provider}: a single fetch maps like the listing"
        );
        if provider == "luma" {
            assert!(
                one.provider_changed_at > all[7].provider_changed_at,
                "read later, newer"
            );
        }
        let hook = client
            .register_webhook(&event, "http://127.0.0.1:1/webhooks/x")
            .await
            .unwrap();
        assert!(!hook.id.is_empty());
        // Luma returns the secret its deliveries are signed with; Eventbrite has none.
        assert_eq!(
            hook.secret
                .as_ref()
                .map(|s| secrecy::ExposeSecret::expose_secret(s).starts_with("whsec_")),
            (provider == "luma").then_some(true),
            "{provider}"
        );
    }
}

#[tokio::test]
async fn cancellations_refunds_and_edits_show_in_the_next_read() {
    let sim = sim().await;
    for provider in ["eventbrite", "luma"] {
        let (client, _, _, event) = account(&sim, provider, 3).await;
        let (all, _) = all_pages(&client, &event).await.unwrap();
        let (a, b) = (&all[0].provider_attendee_id, &all[1].provider_attendee_id);
        admin(
            &sim,
            reqwest::Method::POST,
            &format!("/events/{event}/attendees/{a}/cancel"),
            json!({}),
        )
        .await;
        admin(
            &sim,
            reqwest::Method::POST,
            &format!("/events/{event}/attendees/{b}/refund"),
            json!({}),
        )
        .await;
        let c = &all[2].provider_attendee_id;
        admin(
            &sim,
            reqwest::Method::PATCH,
            &format!("/events/{event}/attendees/{c}"),
            json!({"first_name": "Renée", "company": "New Co", "ticket_name": "Speaker"}),
        )
        .await;
        admin(
            &sim,
            reqwest::Method::POST,
            &format!("/events/{event}/attendees"),
            json!({}),
        )
        .await;

        let (after, _) = all_pages(&client, &event).await.unwrap();
        assert_eq!(after.len(), 4, "{provider}: the new registration is listed");
        let by_id = |id: &str| {
            after
                .iter()
                .find(|x| x.provider_attendee_id == id)
                .unwrap()
                .clone()
        };
        assert_eq!(
            by_id(a).status,
            AttendanceStatus::NotAttending,
            "{provider}: cancelled"
        );
        assert_eq!(
            by_id(b).status,
            AttendanceStatus::NotAttending,
            "{provider}: refunded"
        );
        let edited = by_id(c);
        assert_eq!(
            (
                edited.first_name.as_str(),
                edited.company.as_deref(),
                edited.ticket_name.as_deref()
            ),
            ("Renée", Some("New Co"), Some("Speaker"))
        );
    }
}

#[tokio::test]
async fn eventbrite_changed_since_lists_only_recent_changes() {
    let sim = sim().await;
    let (client, _, _, event) = account(&sim, "eventbrite", 60).await;
    let (all, _) = all_pages(&client, &event).await.unwrap();
    let later = chrono::Utc::now().timestamp_millis() + 1_000;
    tokio::time::sleep(Duration::from_millis(1_100)).await; // the API's resolution is one second
    let id = &all[10].provider_attendee_id;
    admin(
        &sim,
        reqwest::Method::POST,
        &format!("/events/{event}/attendees/{id}/cancel"),
        json!({}),
    )
    .await;
    let page = client
        .attendees_page(&event, None, Some(later))
        .await
        .unwrap();
    assert_eq!(page.attendees.len(), 1);
    assert_eq!(&page.attendees[0].provider_attendee_id, id);
    assert!(page.next.is_none());
}

#[tokio::test]
async fn a_revoked_credential_is_unauthorized() {
    let sim = sim().await;
    for provider in ["eventbrite", "luma"] {
        let (client, credential, _, event) = account(&sim, provider, 5).await;
        admin(
            &sim,
            reqwest::Method::POST,
            "/revoke",
            json!({"credential": credential}),
        )
        .await;
        assert_eq!(
            client.whoami().await.unwrap_err(),
            ProviderError::Unauthorized,
            "{provider}"
        );
        assert_eq!(
            client.attendees_page(&event, None, None).await.unwrap_err(),
            ProviderError::Unauthorized
        );
    }
}

#[tokio::test]
async fn every_error_kind_is_classified() {
    let sim = sim().await;
    let (eb, _, _, eb_event) = account(&sim, "eventbrite", 5).await;
    let (luma, _, _, luma_event) = account(&sim, "luma", 5).await;

    faults(&sim, json!({"error_rate": 1.0})).await;
    assert!(matches!(eb.whoami().await, Err(ProviderError::Transient(m)) if m.contains("500")));
    assert!(matches!(
        luma.whoami().await,
        Err(ProviderError::Transient(_))
    ));

    // Luma sends Retry-After; Eventbrite does not, and its x-rate-limit header says when to come back.
    faults(&sim, json!({"rate_limit_next": 2, "retry_after_secs": 7})).await;
    assert_eq!(
        luma.whoami().await.unwrap_err(),
        ProviderError::RateLimited {
            retry_after: Some(Duration::from_secs(7))
        }
    );
    assert_eq!(
        eb.whoami().await.unwrap_err(),
        ProviderError::RateLimited {
            retry_after: Some(Duration::from_secs(2))
        }
    );

    faults(&sim, json!({"malformed_next": 2})).await;
    assert!(
        matches!(eb.attendees_page(&eb_event, None, None).await, Err(ProviderError::Invalid(m)) if m.contains("not JSON"))
    );
    assert!(matches!(
        luma.attendees_page(&luma_event, None, None).await,
        Err(ProviderError::Invalid(_))
    ));

    faults(&sim, json!({"drop_next": 2})).await;
    let dropped = eb.attendees_page(&eb_event, None, None).await;
    // Whether the cut lands before or after the headers, it is a transient failure.
    assert!(
        matches!(&dropped, Err(ProviderError::Transient(_))),
        "{dropped:?}"
    );
    assert!(matches!(
        luma.whoami().await,
        Err(ProviderError::Transient(_))
    ));

    faults(&sim, json!({})).await;
    assert!(matches!(
        eb.attendees_page("no-such-event", None, None).await,
        Err(ProviderError::Refused { status: 404, .. })
    ));
    assert!(
        eb.attendees_page(&eb_event, None, None).await.is_ok(),
        "faults cleared"
    );

    // A connection refused is transient too.
    let nowhere = ProviderUrls {
        eventbrite_api: "http://127.0.0.1:9/v3".into(),
        eventbrite_oauth: String::new(),
        luma_api: String::new(),
    };
    let dead = ProviderClient::new(&nowhere, Credential::EventbriteToken("t".into())).unwrap();
    assert!(
        matches!(dead.whoami().await, Err(ProviderError::Transient(m)) if m.contains("connect"))
    );
}

#[tokio::test]
async fn a_slow_provider_times_out_as_transient() {
    let sim = sim().await;
    let (client, credential, _, _) = account(&sim, "luma", 1).await;
    faults(&sim, json!({"latency_ms": 1_500})).await;
    let quick = ProviderClient::with_timeout(
        &lanyard::demo::provider_urls(&sim),
        Credential::LumaApiKey(credential.into()),
        Duration::from_millis(300),
    )
    .unwrap();
    assert!(
        matches!(quick.whoami().await, Err(ProviderError::Transient(m)) if m.contains("timed out"))
    );
    assert!(
        client.whoami().await.is_ok(),
        "the default timeout waits out 1.5 s"
    );
}

#[tokio::test]
async fn a_page_with_a_missing_field_names_it() {
    // Served by a tiny local server: the simulator only ever sends well-formed records.
    let app = axum::Router::new().route(
        "/v1/events/guests/list",
        axum::routing::get(|| async { axum::Json(json!({"entries": [{"id": "gst-1"}, {"user_email": "x@y.test"}], "has_more": false})) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let urls = ProviderUrls {
        eventbrite_api: String::new(),
        eventbrite_oauth: String::new(),
        luma_api: base,
    };
    let client = ProviderClient::new(&urls, Credential::LumaApiKey("k".into())).unwrap();
    let err = client
        .attendees_page("evt-1", None, None)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ProviderError::Invalid("entries[1].id is missing or malformed".into())
    );
}

#[tokio::test]
async fn rough_error_answers_are_classified_as_the_documented_ones() {
    // Answers the simulator does not give, served by a tiny local server.
    use axum::http::{header, StatusCode};
    let app = axum::Router::new()
        // Eventbrite's reference lists INVALID_AUTH as a 400: still a dead credential.
        .route(
            "/v3/users/me/",
            axum::routing::get(|| async {
                (
                    StatusCode::BAD_REQUEST,
                    axum::Json(json!({"status_code": 400, "error": "INVALID_AUTH", "error_description": "The OAuth token you provided was invalid."})),
                )
            }),
        )
        // A bare 429: no Retry-After, no x-rate-limit.
        .route(
            "/luma/v1/users/get-self",
            axum::routing::get(|| async { StatusCode::TOO_MANY_REQUESTS }),
        )
        // A 429 whose Retry-After is an HTTP-date in the past.
        .route(
            "/luma/v1/calendars/events/list",
            axum::routing::get(|| async {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, "Tue, 01 Jan 2002 00:00:00 GMT")],
                )
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let urls = ProviderUrls {
        eventbrite_api: format!("{base}/v3"),
        eventbrite_oauth: String::new(),
        luma_api: format!("{base}/luma"),
    };
    let eb = ProviderClient::new(&urls, Credential::EventbriteToken("t".into())).unwrap();
    assert_eq!(eb.whoami().await.unwrap_err(), ProviderError::Unauthorized);
    let luma = ProviderClient::new(&urls, Credential::LumaApiKey("k".into())).unwrap();
    assert_eq!(
        luma.whoami().await.unwrap_err(),
        ProviderError::RateLimited { retry_after: None }
    );
    assert_eq!(
        luma.list_events().await.unwrap_err(),
        ProviderError::RateLimited {
            retry_after: Some(Duration::ZERO)
        }
    );
}

#[tokio::test]
async fn bad_cursors_are_refused_like_the_real_api() {
    let sim = sim().await;
    let (client, _, _, event) = account(&sim, "eventbrite", 120).await;
    let err = client
        .attendees_page(&event, Some("not-a-real-cursor"), None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ProviderError::Refused { status: 400, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn webhooks_are_delivered_and_name_the_changed_resource() {
    use tokio::sync::mpsc;
    let (tx, mut rx) = mpsc::unbounded_channel::<Value>();
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(body);
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await });

    let sim = sim().await;
    let (eb, _, _, eb_event) = account(&sim, "eventbrite", 2).await;
    let (luma, _, _, luma_event) = account(&sim, "luma", 2).await;
    eb.register_webhook(&eb_event, &hook_url).await.unwrap();
    // Creating an Eventbrite webhook sends a test delivery with a placeholder api_url.
    let test = recv(&mut rx).await;
    assert_eq!(test["config"]["action"], "test");
    assert!(test["api_url"]
        .as_str()
        .unwrap()
        .ends_with("/api-endpoint-to-fetch-object-details/"));
    luma.register_webhook(&luma_event, &hook_url).await.unwrap();

    let (eb_people, _) = all_pages(&eb, &eb_event).await.unwrap();
    let id = &eb_people[0].provider_attendee_id;
    admin(
        &sim,
        reqwest::Method::PATCH,
        &format!("/events/{eb_event}/attendees/{id}"),
        json!({"last_name": "Byron"}),
    )
    .await;
    let delivery = recv(&mut rx).await;
    assert_eq!(delivery["config"]["action"], "attendee.updated");
    let api_url = delivery["api_url"].as_str().unwrap();
    assert_eq!(
        api_url,
        format!("{}/events/{eb_event}/attendees/{id}/", sim.eventbrite_api())
    );
    // The delivery is a hint: the record itself is fetched with the account's own token.
    let fetched = eb.attendee(&eb_event, id).await.unwrap();
    assert_eq!(fetched.last_name, "Byron");

    let lanyard::server::providers::ProviderClient::Eventbrite(eb_client) = &eb else {
        panic!("an Eventbrite client")
    };
    let raw: Value = reqwest::Client::new()
        .get(api_url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        raw["error"], "NO_AUTH",
        "without a token the provider refuses"
    );
    let order_id = sim.sim.world().events[&eb_event].people[0]["order_id"]
        .as_str()
        .unwrap()
        .to_string();
    let order = eb_client.order_attendees(&order_id).await.unwrap();
    assert_eq!(order.len(), 1);
    assert_eq!(&order[0].provider_attendee_id, id);

    admin(
        &sim,
        reqwest::Method::POST,
        &format!("/events/{luma_event}/attendees"),
        json!({}),
    )
    .await;
    let delivery = recv(&mut rx).await;
    assert_eq!(delivery["type"], "guest.registered");
    assert_eq!(delivery["data"]["event"]["id"], luma_event);
    let guest_id = delivery["data"]["id"].as_str().unwrap();
    assert_eq!(
        luma.attendee(&luma_event, guest_id)
            .await
            .unwrap()
            .provider_attendee_id,
        guest_id
    );
}

async fn recv(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Value>) -> Value {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("a delivery within 5 s")
        .unwrap()
}
