use crate::helpers::{spawn_app, PASSWORD};
use lanyard::domain::Role;
use lanyard::server::db::Backend;

async fn sign_in_succeeds_with_the_right_password(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_workspace("Acme Summit", "Admin@Acme.test").await;
    let client = app.client();

    // Email matching ignores case and surrounding spaces.
    let res = app.sign_in(&client, "  admin@acme.TEST ", PASSWORD).await;
    assert_eq!(res.status(), 200);

    let res = app.call(&client, "session", &[]).await;
    let session: serde_json::Value = res.json().await.unwrap();
    assert_eq!(session["workspace_name"], "Acme Summit");
    assert_eq!(session["role"], "Admin");
    assert_eq!(session["email"], "admin@acme.test");

    let page = app.get(&client, "/events").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("No events yet"),
        "signed-in Events page shows its empty state"
    );
}

async fn sign_in_fails_with_a_wrong_password_or_unknown_email(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_workspace("Acme Summit", "admin@acme.test").await;
    let client = app.client();

    for (email, password) in [
        ("admin@acme.test", "wrong password"),
        ("nobody@acme.test", PASSWORD),
    ] {
        let res = app.sign_in(&client, email, password).await;
        assert_eq!(res.status(), 401, "{email}");
        assert_eq!(
            res.text().await.unwrap(),
            r#"{"Invalid":"Wrong email or password."}"#
        );
    }
    let session: serde_json::Value = app
        .call(&client, "session", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(session.is_null(), "no session after failed sign-ins");
    let page = app.get(&client, "/events").await;
    assert_eq!(page.status(), 303);
}

async fn signed_out_requests_are_refused(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let client = app.client();

    for path in [
        "/",
        "/events",
        "/events/some-id",
        "/settings/integrations",
        "/no-such-page",
    ] {
        let res = app.get(&client, path).await;
        assert_eq!(res.status(), 303, "{path}");
        assert_eq!(res.headers()["location"], "/login", "{path}");
    }
    for endpoint in ["list_events", "list_integrations", "get_event"] {
        let res = app.call(&client, endpoint, &[("event_id", "x")]).await;
        assert_eq!(res.status(), 401, "{endpoint}");
        assert_eq!(res.text().await.unwrap(), r#""Unauthenticated""#);
    }
    let login = app.get(&client, "/login").await;
    assert_eq!(login.status(), 200);
    assert!(login
        .text()
        .await
        .unwrap()
        .contains("Sign in to your workspace"));
}

async fn sign_out_ends_the_session(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_workspace("Acme Summit", "admin@acme.test").await;
    let client = app.signed_in("admin@acme.test").await;
    assert_eq!(app.call(&client, "list_events", &[]).await.status(), 200);

    assert_eq!(app.call(&client, "sign_out", &[]).await.status(), 200);
    assert_eq!(app.call(&client, "list_events", &[]).await.status(), 401);
    assert_eq!(app.get(&client, "/events").await.status(), 303);
}

async fn roles_are_enforced_by_the_server(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let ws = app.create_workspace("Acme Summit", "admin@acme.test").await;
    app.add_member(&ws, "staff@acme.test", Role::Staff).await;
    app.add_member(&ws, "support@acme.test", Role::Support)
        .await;

    let staff = app.signed_in("staff@acme.test").await;
    assert_eq!(app.call(&staff, "list_events", &[]).await.status(), 200);
    let res = app.call(&staff, "list_integrations", &[]).await;
    assert_eq!(res.status(), 403);
    assert_eq!(res.text().await.unwrap(), r#""Forbidden""#);

    let support = app.signed_in("support@acme.test").await;
    assert_eq!(
        app.call(&support, "list_integrations", &[]).await.status(),
        200
    );
    let session: serde_json::Value = app
        .call(&support, "session", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(session["role"], "Support");
}

async fn unknown_pages_get_a_404_page(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_workspace("Acme Summit", "admin@acme.test").await;
    let client = app.signed_in("admin@acme.test").await;
    let res = app.get(&client, "/no-such-page").await;
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("Page not found"));
    // A signed-in visit to the sign-in page goes to the app instead.
    let res = app.get(&client, "/login").await;
    assert_eq!(res.headers()["location"], "/events");
}

crate::on_both_databases!(
    sign_in_succeeds_with_the_right_password,
    sign_in_fails_with_a_wrong_password_or_unknown_email,
    signed_out_requests_are_refused,
    sign_out_ends_the_session,
    roles_are_enforced_by_the_server,
    unknown_pages_get_a_404_page,
);
