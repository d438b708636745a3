use crate::helpers::{spawn_app_with, TestApp};
use lanyard::domain::sync_status::SyncEvent;
use lanyard::domain::{Provider, Role};
use lanyard::server::db::Backend;
use lanyard::simulator::{self, RunningSimulator};
use reqwest::Client;
use serde_json::{json, Value};

async fn setup(backend: Backend) -> Option<(TestApp, RunningSimulator)> {
    let sim = simulator::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let app = spawn_app_with(backend, Some(&sim)).await?;
    Some((app, sim))
}

async fn sim_account(sim: &RunningSimulator, provider: &str, email: &str) -> (String, String) {
    let a: Value = reqwest::Client::new()
        .post(format!("{}/admin/accounts", sim.url))
        .json(&json!({"provider": provider, "email": email, "name": "Pat Provider"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        a["account_id"].as_str().unwrap().into(),
        a["credential"].as_str().unwrap().into(),
    )
}

/// A new key (or token) for the simulator account, as its dashboard hands out.
async fn new_credential(sim: &RunningSimulator, account_id: &str) -> String {
    let created: Value = reqwest::Client::new()
        .post(format!(
            "{}/admin/accounts/{account_id}/credentials",
            sim.url
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    created["credential"].as_str().unwrap().to_string()
}

/// Clicks "Allow" on the simulator's approve page; returns the callback URL it redirects to.
async fn approve(
    plain: &Client,
    authorize: &url::Url,
    redirect_uri: &str,
    state: &str,
    account_id: &str,
) -> String {
    let form = [
        ("redirect_uri", redirect_uri),
        ("client_id", "test-client"),
        ("state", state),
        ("account_id", account_id),
    ];
    let approved = plain
        .post(authorize.as_str())
        .form(&form)
        .send()
        .await
        .unwrap();
    approved.headers()["location"].to_str().unwrap().to_string()
}

async fn integrations(app: &TestApp, client: &Client) -> Vec<Value> {
    app.call(client, "list_integrations", &[])
        .await
        .json()
        .await
        .unwrap()
}

async fn raw_credentials(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT credentials FROM integrations")
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
}

async fn luma_key_is_checked_encrypted_and_reconnects_in_place(backend: Backend) {
    let Some((app, sim)) = setup(backend).await else {
        return;
    };
    app.create_workspace("Acme", "admin@acme.test").await;
    let admin = app.signed_in("admin@acme.test").await;
    let (account_id, key) = sim_account(&sim, "luma", "Calendar@Acme.test").await;

    let res = app
        .call(&admin, "connect_luma", &[("api_key", "secret-wrong")])
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("rejected this key"));
    assert!(
        integrations(&app, &admin).await.is_empty(),
        "a bad key saves nothing"
    );

    let res = app
        .call(&admin, "connect_luma", &[("api_key", &format!("  {key} "))])
        .await;
    assert_eq!(res.status(), 200);
    let card: Value = res.json().await.unwrap();
    assert_eq!(card["status"], "Connected");
    assert_eq!(card["account_email"], "calendar@acme.test");
    let body = serde_json::to_string(&integrations(&app, &admin).await).unwrap();
    assert!(
        !body.contains(&key),
        "the key never goes back to the browser"
    );

    let stored = raw_credentials(&app).await;
    assert_eq!(stored.len(), 1);
    assert!(
        !stored[0].contains(&key) && !stored[0].contains("secret-"),
        "no plaintext at rest"
    );

    // The same key again is the same integration.
    let same: Value = app
        .call(&admin, "connect_luma", &[("api_key", &key)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(same["id"], card["id"]);

    // Reconnect on the card: a new key for the same calendar updates it in place.
    let id = card["id"].as_str().unwrap();
    let replacement = new_credential(&sim, &account_id).await;
    let again: Value = app
        .call(
            &admin,
            "connect_luma",
            &[("api_key", &replacement), ("integration_id", id)],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["id"], card["id"]);
    assert_eq!(integrations(&app, &admin).await.len(), 1);

    // A key of another Luma account cannot take over the card.
    let (_, stranger) = sim_account(&sim, "luma", "someone-else@acme.test").await;
    let res = app
        .call(
            &admin,
            "connect_luma",
            &[("api_key", &stranger), ("integration_id", id)],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("another account"));

    // Connect (not Reconnect) with another key is another integration: a Luma key is scoped
    // to one calendar but names only its user, who may hold keys for several calendars.
    let other = new_credential(&sim, &account_id).await;
    let separate: Value = app
        .call(&admin, "connect_luma", &[("api_key", &other)])
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(separate["id"], card["id"]);
    assert_eq!(integrations(&app, &admin).await.len(), 2);
}

async fn only_admins_connect_and_remove(backend: Backend) {
    let Some((app, sim)) = setup(backend).await else {
        return;
    };
    let ws = app.create_workspace("Acme", "admin@acme.test").await;
    app.add_member(&ws, "staff@acme.test", Role::Staff).await;
    app.add_member(&ws, "support@acme.test", Role::Support)
        .await;
    let (_, key) = sim_account(&sim, "luma", "cal@acme.test").await;
    let admin = app.signed_in("admin@acme.test").await;
    let card: Value = app
        .call(&admin, "connect_luma", &[("api_key", &key)])
        .await
        .json()
        .await
        .unwrap();
    let id = card["id"].as_str().unwrap();

    for email in ["staff@acme.test", "support@acme.test"] {
        let client = app.signed_in(email).await;
        let writes: [(&str, &[(&str, &str)]); 3] = [
            ("connect_luma", &[("api_key", &key)]),
            ("remove_integration", &[("integration_id", id)]),
            ("check_integration", &[("integration_id", id)]),
        ];
        for (endpoint, form) in writes {
            let status = app.call(&client, endpoint, form).await.status();
            assert_eq!(status, 403, "{email} {endpoint}");
        }
        let connect = app.get(&client, "/integrations/eventbrite/connect").await;
        assert_eq!(connect.status(), 403, "{email}");
    }
    // Another workspace's admin cannot touch it either.
    app.create_workspace("Other", "admin@other.test").await;
    let other = app.signed_in("admin@other.test").await;
    assert_eq!(
        app.call(&other, "remove_integration", &[("integration_id", id)])
            .await
            .status(),
        404
    );

    let event = app
        .insert_event(
            &ws,
            Some(&lanyard::domain::IntegrationId::parse(id).unwrap()),
            Provider::Luma,
            "evt-removed",
            "RMV234",
        )
        .await;
    lanyard::server::db::events::apply_sync_event(
        &mut app.db.pool.acquire().await.unwrap(),
        &event,
        SyncEvent::SyncSucceeded,
    )
    .await
    .unwrap();
    assert_eq!(
        app.call(&admin, "remove_integration", &[("integration_id", id)])
            .await
            .status(),
        200
    );
    assert!(integrations(&app, &admin).await.is_empty());
    // Its event stays, DISCONNECTED and unlinked, until an admin re-links it.
    assert_eq!(event_status(&app, &event).await, "DISCONNECTED");
    let linked: Option<String> =
        sqlx::query_scalar("SELECT integration_id FROM events WHERE id = $1")
            .bind(&event)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(linked, None);
}

async fn event_status(app: &TestApp, event_id: &str) -> String {
    sqlx::query_scalar("SELECT sync_status FROM events WHERE id = $1")
        .bind(event_id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn eventbrite_connects_through_oauth_and_state_is_checked(backend: Backend) {
    let Some((app, sim)) = setup(backend).await else {
        return;
    };
    app.create_workspace("Acme", "admin@acme.test").await;
    let (account_id, _) = sim_account(&sim, "eventbrite", "Organizer@Acme.test").await;
    let admin = app.signed_in("admin@acme.test").await;

    let start = app.get(&admin, "/integrations/eventbrite/connect").await;
    assert_eq!(start.status(), 303);
    let authorize = url::Url::parse(start.headers()["location"].to_str().unwrap()).unwrap();
    assert!(authorize.as_str().starts_with(&sim.eventbrite_oauth()));
    let q: std::collections::HashMap<_, _> = authorize.query_pairs().into_owned().collect();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], "test-client");
    let state = q["state"].clone();
    assert!(state.len() >= 16, "a random state");

    // The approve page, then the user clicks "Allow".
    let plain = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = plain
        .get(authorize.clone())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Allow as organizer@acme.test"));
    let callback = approve(&plain, &authorize, &q["redirect_uri"], &state, &account_id).await;
    assert!(callback.starts_with(&format!(
        "{}/integrations/eventbrite/callback?code=",
        app.address
    )));

    // A wrong state is refused, and consumes the pending one.
    let forged = callback.replace(&format!("state={state}"), "state=forged");
    let res = admin.get(&forged).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("not valid"));
    assert!(integrations(&app, &admin).await.is_empty());

    // A fresh start and approve: this time the callback is the real one.
    let start = app.get(&admin, "/integrations/eventbrite/connect").await;
    let authorize = url::Url::parse(start.headers()["location"].to_str().unwrap()).unwrap();
    let state: String = authorize
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let callback = approve(&plain, &authorize, &q["redirect_uri"], &state, &account_id).await;
    let done = admin.get(&callback).send().await.unwrap();
    assert_eq!(done.status(), 303);
    assert_eq!(
        done.headers()["location"],
        "/settings/integrations?connected=eventbrite"
    );
    let list = integrations(&app, &admin).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["provider"], "Eventbrite");
    assert_eq!(list[0]["account_email"], "organizer@acme.test");
    assert_eq!(list[0]["status"], "Connected");

    // Replaying the same callback is refused.
    let replay = admin.get(&callback).send().await.unwrap();
    assert_eq!(replay.status(), 400);
    assert_eq!(integrations(&app, &admin).await.len(), 1);

    // Like Eventbrite, the simulator knows only registered apps and their secrets.
    let mut unknown = authorize.clone();
    unknown
        .query_pairs_mut()
        .clear()
        .append_pair("response_type", "code")
        .append_pair("client_id", "not-registered")
        .append_pair("redirect_uri", &q["redirect_uri"]);
    assert_eq!(plain.get(unknown).send().await.unwrap().status(), 400);
    let start = app.get(&admin, "/integrations/eventbrite/connect").await;
    let authorize = url::Url::parse(start.headers()["location"].to_str().unwrap()).unwrap();
    let callback = approve(&plain, &authorize, &q["redirect_uri"], "s", &account_id).await;
    let code = url::Url::parse(&callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let res = plain
        .post(format!("{}/token", sim.eventbrite_oauth()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", "test-client"),
            ("client_secret", "wrong-secret"),
            ("redirect_uri", &q["redirect_uri"]),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
}

async fn a_revoked_token_turns_the_integration_disconnected(backend: Backend) {
    let Some((app, sim)) = setup(backend).await else {
        return;
    };
    app.create_workspace("Acme", "admin@acme.test").await;
    let (_, key) = sim_account(&sim, "luma", "cal@acme.test").await;
    let admin = app.signed_in("admin@acme.test").await;
    let card: Value = app
        .call(&admin, "connect_luma", &[("api_key", &key)])
        .await
        .json()
        .await
        .unwrap();
    let id = card["id"].as_str().unwrap();
    // Two ACTIVE events on the integration, one of them open in a page.
    let ws: String = sqlx::query_scalar("SELECT workspace_id FROM integrations WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let mut events = Vec::new();
    for (n, code) in ["AAA333", "AAA222"].into_iter().enumerate() {
        let event = app
            .insert_event(
                &ws,
                Some(&lanyard::domain::IntegrationId::parse(id).unwrap()),
                Provider::Luma,
                &format!("evt-{n}"),
                code,
            )
            .await;
        lanyard::server::db::events::apply_sync_event(
            &mut app.db.pool.acquire().await.unwrap(),
            &event,
            SyncEvent::SyncSucceeded,
        )
        .await
        .unwrap();
        events.push(event);
    }
    let mut page = app.state.live.subscribe_event(&events[1]);

    let checked: Value = app
        .call(&admin, "check_integration", &[("integration_id", id)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(checked["status"], "Connected");
    reqwest::Client::new()
        .post(format!("{}/admin/revoke", sim.url))
        .json(&json!({"credential": key}))
        .send()
        .await
        .unwrap();
    let checked: Value = app
        .call(&admin, "check_integration", &[("integration_id", id)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(checked["status"], "Disconnected");
    assert!(checked["last_error"].as_str().unwrap().contains("rejected"));
    // Every event on it is DISCONNECTED too, and an open page hears of it at once.
    for event in &events {
        assert_eq!(event_status(&app, event).await, "DISCONNECTED", "{event}");
    }
    let update = tokio::time::timeout(std::time::Duration::from_secs(10), page.recv())
        .await
        .expect("the open page gets an update")
        .unwrap();
    let update: Value = serde_json::from_str(&update).unwrap();
    assert_eq!(update["sync_status"], "Disconnected");

    // No further calls go out on a dead credential.
    let calls = |sim: &RunningSimulator| sim.sim.world().calls.get(&key).copied().unwrap_or(0);
    let before = calls(&sim);
    app.call(&admin, "check_integration", &[("integration_id", id)])
        .await;
    assert_eq!(calls(&sim), before);
}

crate::on_both_databases!(
    luma_key_is_checked_encrypted_and_reconnects_in_place,
    only_admins_connect_and_remove,
    eventbrite_connects_through_oauth_and_state_is_checked,
    a_revoked_token_turns_the_integration_disconnected,
);
