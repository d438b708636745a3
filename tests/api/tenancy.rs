use crate::helpers::spawn_app;
use lanyard::domain::Provider;
use lanyard::server::db::{events, Backend};

async fn a_member_of_one_workspace_gets_nothing_of_another(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let a = app.create_workspace("Workspace A", "admin@a.test").await;
    let b = app.create_workspace("Workspace B", "admin@b.test").await;
    let code = |c: &str| lanyard::domain::access_code::AccessCode::parse(c).unwrap();
    let (bbb, aaa, ccc) = (code("BBBBBB"), code("AAAAAA"), code("CCCCCC"));
    let new_event = |workspace_id, id, code| events::NewEvent {
        workspace_id,
        integration_id: None,
        provider: Provider::Eventbrite,
        provider_event_id: id,
        name: "B's secret gala",
        starts_at: Some(1_796_461_200_000),
        ends_at: None,
        timezone: "Europe/London",
        access_code: code,
    };
    let b_event = events::insert(&app.db.pool, new_event(&b, "eb-1", &bbb))
        .await
        .unwrap();
    // The same provider event may live in another workspace, but never twice in one.
    events::insert(&app.db.pool, new_event(&a, "eb-1", &aaa))
        .await
        .unwrap();
    let again = events::insert(&app.db.pool, new_event(&b, "eb-1", &ccc)).await;
    assert!(
        matches!(again, Err(lanyard::server::db::DbError::AlreadyExists(_))),
        "{again:?}"
    );

    let client_a = app.signed_in("admin@a.test").await;
    let list: Vec<serde_json::Value> = app
        .call(&client_a, "list_events", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["access_code"], "AAAAAA");

    let res = app
        .call(&client_a, "get_event", &[("event_id", &b_event)])
        .await;
    assert_eq!(
        res.status(),
        404,
        "another workspace's event does not exist for A"
    );
    let page = app
        .get(&client_a, &format!("/events/{b_event}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("secret gala"));

    let client_b = app.signed_in("admin@b.test").await;
    let res = app
        .call(&client_b, "get_event", &[("event_id", &b_event)])
        .await;
    assert_eq!(res.status(), 200);
    let event: serde_json::Value = res.json().await.unwrap();
    assert_eq!(event["name"], "B's secret gala");
    assert_eq!(event["sync_status"], "Pending");
}

crate::on_both_databases!(a_member_of_one_workspace_gets_nothing_of_another);
