//! Settings → Members: invites by link, role changes, removals, the last-admin rule, and the
//! sign-in throttle.

use crate::fixtures::wait_for;
use crate::helpers::{spawn_app, spawn_app_configured, TestApp, PASSWORD};
use lanyard::api::ApiError;
use lanyard::domain::Role;
use lanyard::server::auth::throttle::AttemptQuota;
use lanyard::server::db::Backend;
use reqwest::{Client, Response};
use serde_json::Value;
use std::time::Duration;

const NEW_PASSWORD: &str = "a brand new passphrase";
const LAST_ADMIN: &str = r#"{"Invalid":"A workspace needs at least one admin."}"#;

/// Creates an invite as `admin`: the answer (invite and link) and the link's token.
async fn invite(app: &TestApp, admin: &Client, email: &str, role: &str) -> (Value, String) {
    let res = app
        .call(admin, "create_invite", &[("email", email), ("role", role)])
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let created: Value = res.json().await.unwrap();
    let link = created["link"].as_str().unwrap();
    let token = link
        .strip_prefix(&format!("{}/invite/", app.address))
        .unwrap_or_else(|| panic!("{link} is an invite link of this app"))
        .to_string();
    (created, token)
}

async fn accept(
    app: &TestApp,
    client: &Client,
    token: &str,
    name: &str,
    password: &str,
) -> Response {
    app.call(
        client,
        "accept_invite",
        &[
            ("token", token),
            ("display_name", name),
            ("password", password),
        ],
    )
    .await
}

async fn overview(app: &TestApp, admin: &Client) -> Value {
    let res = app.call(admin, "list_members", &[]).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn session(app: &TestApp, client: &Client) -> Value {
    app.call(client, "session", &[]).await.json().await.unwrap()
}

async fn user_id(app: &TestApp, email: &str) -> String {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn admins(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE role = 'ADMIN'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn an_invited_person_joins_through_the_link_and_signs_in_with_the_role(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_workspace("Acme Summit", "admin@acme.test").await;
    let admin = app.signed_in("admin@acme.test").await;

    let (created, token) = invite(&app, &admin, " New.Person@Acme.test ", "STAFF").await;
    assert_eq!(created["invite"]["email"], "new.person@acme.test");
    assert_eq!(created["invite"]["role"], "Staff");
    let week = created["invite"]["expires_at"].as_i64().unwrap()
        - created["invite"]["created_at"].as_i64().unwrap();
    assert_eq!(week, 7 * 24 * 3600 * 1000, "an invite lasts seven days");
    let listed = overview(&app, &admin).await;
    assert_eq!(listed["invites"].as_array().unwrap().len(), 1);
    assert!(
        !listed.to_string().contains(&token),
        "the link is shown once, never listed"
    );
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM invites")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(
        stored.len() == 64 && !stored.contains(&token),
        "only a hash is stored"
    );

    // The invite page is open to a signed-out visitor.
    let visitor = app.client();
    let page = app.get(&visitor, &format!("/invite/{token}")).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Join Acme Summit"), "{html}");
    assert!(html.contains("new.person@acme.test") && html.contains("Join workspace"));
    let details: Value = app
        .call(&visitor, "read_invite", &[("token", &token)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(details["has_account"], false);
    assert_eq!(details["role"], "Staff");

    let res = accept(&app, &visitor, &token, "Nia New", "short").await;
    assert_eq!(res.status(), 422);
    let res = accept(&app, &visitor, &token, "Nia New", NEW_PASSWORD).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let joined = session(&app, &visitor).await;
    assert_eq!(joined["workspace_name"], "Acme Summit");
    assert_eq!(joined["role"], "Staff");
    assert_eq!(joined["display_name"], "Nia New");
    assert_eq!(app.call(&visitor, "list_events", &[]).await.status(), 200);
    assert_eq!(app.call(&visitor, "list_members", &[]).await.status(), 403);

    // A fresh sign-in with the chosen password has the role too.
    let again = app.client();
    let res = app
        .sign_in(&again, "new.person@acme.test", NEW_PASSWORD)
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(session(&app, &again).await["role"], "Staff");

    let listed = overview(&app, &admin).await;
    assert!(listed["invites"].as_array().unwrap().is_empty());
    let members = listed["members"].as_array().unwrap();
    assert_eq!(members.len(), 2);
    assert!(members
        .iter()
        .any(|m| m["email"] == "new.person@acme.test" && m["role"] == "Staff"));
}

async fn an_invite_link_works_once(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_workspace("Acme Summit", "admin@acme.test").await;
    let admin = app.signed_in("admin@acme.test").await;
    let (_, token) = invite(&app, &admin, "twice@acme.test", "SUPPORT").await;

    // Two submits at once: exactly one joins.
    let (one, two) = (app.client(), app.client());
    let (a, b) = tokio::join!(
        accept(&app, &one, &token, "First", NEW_PASSWORD),
        accept(&app, &two, &token, "Second", NEW_PASSWORD),
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 410]);
    let accounts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = $1")
        .bind("twice@acme.test")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(accounts, 1);

    let third = app.client();
    let res = accept(&app, &third, &token, "Third", NEW_PASSWORD).await;
    assert_eq!(res.status(), 410);
    assert!(res.text().await.unwrap().contains("already been used"));
    assert!(session(&app, &third).await.is_null());
    let page = app
        .get(&third, &format!("/invite/{token}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("already been used"), "{page}");

    // A link that matches no invite says so.
    let made_up = "x".repeat(43);
    let res = app
        .call(&third, "read_invite", &[("token", &made_up)])
        .await;
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("not valid"));
}

async fn an_expired_invite_link_is_refused(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_workspace("Acme Summit", "admin@acme.test").await;
    let admin = app.signed_in("admin@acme.test").await;
    let (_, token) = invite(&app, &admin, "late@acme.test", "STAFF").await;
    sqlx::query("UPDATE invites SET expires_at = $1")
        .bind(chrono::Utc::now().timestamp_millis() - 1)
        .execute(&app.db.pool)
        .await
        .unwrap();

    let visitor = app.client();
    let res = app
        .call(&visitor, "read_invite", &[("token", &token)])
        .await;
    assert_eq!(res.status(), 410);
    assert!(res.text().await.unwrap().contains("expired"));
    let res = accept(&app, &visitor, &token, "Late", NEW_PASSWORD).await;
    assert_eq!(res.status(), 410);
    assert!(session(&app, &visitor).await.is_null());
    assert!(overview(&app, &admin).await["invites"]
        .as_array()
        .unwrap()
        .is_empty());
}

async fn a_revoked_invite_link_is_refused(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_workspace("Acme Summit", "admin@acme.test").await;
    let admin = app.signed_in("admin@acme.test").await;
    let (created, token) = invite(&app, &admin, "maybe@acme.test", "STAFF").await;
    let id = created["invite"]["id"].as_str().unwrap();

    let res = app
        .call(&admin, "revoke_invite", &[("invite_id", id)])
        .await;
    assert_eq!(res.status(), 200);
    assert!(overview(&app, &admin).await["invites"]
        .as_array()
        .unwrap()
        .is_empty());
    let res = app
        .call(&admin, "revoke_invite", &[("invite_id", id)])
        .await;
    assert_eq!(res.status(), 404, "already revoked");

    let visitor = app.client();
    let res = accept(&app, &visitor, &token, "Maybe", NEW_PASSWORD).await;
    assert_eq!(res.status(), 410);
    assert!(res.text().await.unwrap().contains("revoked"));

    // Inviting the same email again replaces a pending link with a new one.
    let (_, first) = invite(&app, &admin, "again@acme.test", "STAFF").await;
    let (_, second) = invite(&app, &admin, "again@acme.test", "SUPPORT").await;
    let pending = overview(&app, &admin).await["invites"].clone();
    assert_eq!(pending.as_array().unwrap().len(), 1);
    assert_eq!(pending[0]["role"], "Support");
    assert_eq!(
        accept(&app, &visitor, &first, "Again", NEW_PASSWORD)
            .await
            .status(),
        410
    );
    assert_eq!(
        accept(&app, &visitor, &second, "Again", NEW_PASSWORD)
            .await
            .status(),
        200
    );
    assert_eq!(session(&app, &visitor).await["role"], "Support");
}

async fn inviting_a_current_member_or_a_non_address_is_refused(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let ws = app.create_workspace("Acme Summit", "admin@acme.test").await;
    app.add_member(&ws, "staff@acme.test", Role::Staff).await;
    let admin = app.signed_in("admin@acme.test").await;

    for email in ["staff@acme.test", "ADMIN@acme.test"] {
        let res = app
            .call(
                &admin,
                "create_invite",
                &[("email", email), ("role", "SUPPORT")],
            )
            .await;
        assert_eq!(res.status(), 422, "{email}");
        assert_eq!(
            res.text().await.unwrap(),
            r#"{"Invalid":"This person is already a member of this workspace."}"#
        );
    }
    let res = app
        .call(
            &admin,
            "create_invite",
            &[("email", "nobody"), ("role", "STAFF")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let res = app
        .call(
            &admin,
            "create_invite",
            &[("email", "x@acme.test"), ("role", "OWNER")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(overview(&app, &admin).await["invites"]
        .as_array()
        .unwrap()
        .is_empty());
}

async fn an_existing_account_joins_another_workspace_with_its_own_password(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let a = app.create_workspace("Workspace A", "admin@a.test").await;
    app.add_member(&a, "both@a.test", Role::Staff).await;
    app.create_workspace("Workspace B", "admin@b.test").await;
    let admin_b = app.signed_in("admin@b.test").await;
    let (_, token) = invite(&app, &admin_b, "both@a.test", "SUPPORT").await;

    let visitor = app.client();
    let details: Value = app
        .call(&visitor, "read_invite", &[("token", &token)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(details["has_account"], true);
    assert_eq!(details["workspace_name"], "Workspace B");

    let res = accept(&app, &visitor, &token, "", "not the password").await;
    assert_eq!(res.status(), 401);
    assert!(session(&app, &visitor).await.is_null());
    // The name typed is ignored: the account keeps its own, and its password.
    let res = accept(&app, &visitor, &token, "Someone Else", PASSWORD).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let joined = session(&app, &visitor).await;
    assert_eq!(joined["workspace_name"], "Workspace B", "bound to B");
    assert_eq!(joined["role"], "Support");
    assert_eq!(joined["display_name"], "Some One");
    let b_members = overview(&app, &admin_b).await["members"].clone();
    assert!(b_members
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["email"] == "both@a.test"));
    // Still staff of A, with the same password.
    let again = app.signed_in("both@a.test").await;
    assert_eq!(session(&app, &again).await["workspace_name"], "Workspace A");
}

async fn a_role_change_takes_effect_on_the_members_next_request(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let ws = app.create_workspace("Acme Summit", "admin@acme.test").await;
    app.add_member(&ws, "staff@acme.test", Role::Staff).await;
    let admin = app.signed_in("admin@acme.test").await;
    let staff = app.signed_in("staff@acme.test").await;
    let staff_id = user_id(&app, "staff@acme.test").await;
    assert_eq!(
        app.call(&staff, "list_integrations", &[]).await.status(),
        403
    );

    let res = app
        .call(
            &admin,
            "change_member_role",
            &[("user_id", &staff_id), ("role", "SUPPORT")],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(session(&app, &staff).await["role"], "Support");
    assert_eq!(
        app.call(&staff, "list_integrations", &[]).await.status(),
        200
    );
    assert_eq!(app.call(&staff, "list_members", &[]).await.status(), 403);

    app.call(
        &admin,
        "change_member_role",
        &[("user_id", &staff_id), ("role", "ADMIN")],
    )
    .await;
    assert_eq!(app.call(&staff, "list_members", &[]).await.status(), 200);
    let page = app.get(&staff, "/settings/members").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Settings → Members"));

    let res = app
        .call(
            &admin,
            "change_member_role",
            &[("user_id", "nobody"), ("role", "STAFF")],
        )
        .await;
    assert_eq!(res.status(), 404);
}

async fn the_last_admin_cannot_be_demoted_or_removed_until_there_is_another(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let ws = app.create_workspace("Acme Summit", "admin@acme.test").await;
    app.add_member(&ws, "staff@acme.test", Role::Staff).await;
    let admin = app.signed_in("admin@acme.test").await;
    let admin_id = user_id(&app, "admin@acme.test").await;
    let staff_id = user_id(&app, "staff@acme.test").await;

    for role in ["STAFF", "SUPPORT"] {
        let res = app
            .call(
                &admin,
                "change_member_role",
                &[("user_id", &admin_id), ("role", role)],
            )
            .await;
        assert_eq!(res.status(), 422);
        assert_eq!(res.text().await.unwrap(), LAST_ADMIN);
    }
    let res = app
        .call(&admin, "remove_member", &[("user_id", &admin_id)])
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(res.text().await.unwrap(), LAST_ADMIN);
    assert_eq!(session(&app, &admin).await["role"], "Admin");
    // Making the last admin an admin again is no change, and allowed.
    let res = app
        .call(
            &admin,
            "change_member_role",
            &[("user_id", &admin_id), ("role", "ADMIN")],
        )
        .await;
    assert_eq!(res.status(), 200);

    // With a second admin, the first may step down, and the second removes them.
    let res = app
        .call(
            &admin,
            "change_member_role",
            &[("user_id", &staff_id), ("role", "ADMIN")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let second = app.signed_in("staff@acme.test").await;
    let res = app
        .call(
            &admin,
            "change_member_role",
            &[("user_id", &admin_id), ("role", "STAFF")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .call(&second, "remove_member", &[("user_id", &staff_id)])
        .await;
    assert_eq!(res.text().await.unwrap(), LAST_ADMIN, "now the last admin");
    let res = app
        .call(&second, "remove_member", &[("user_id", &admin_id)])
        .await;
    assert_eq!(res.status(), 200);

    // The removed member's next request is signed out; their account stays.
    assert_eq!(app.call(&admin, "list_events", &[]).await.status(), 401);
    assert!(session(&app, &admin).await.is_null());
    assert_eq!(app.get(&admin, "/events").await.status(), 303);
    let members = overview(&app, &second).await["members"].clone();
    assert_eq!(members.as_array().unwrap().len(), 1);
    user_id(&app, "admin@acme.test").await;
}

async fn two_admins_demoting_each_other_at_once_leave_one_admin(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let ws = app.create_workspace("Acme Summit", "one@acme.test").await;
    app.add_member(&ws, "two@acme.test", Role::Admin).await;
    let (one, two) = (
        app.signed_in("one@acme.test").await,
        app.signed_in("two@acme.test").await,
    );
    let (one_id, two_id) = (
        user_id(&app, "one@acme.test").await,
        user_id(&app, "two@acme.test").await,
    );
    let demote_two = [("user_id", two_id.as_str()), ("role", "STAFF")];
    let demote_one = [("user_id", one_id.as_str()), ("role", "STAFF")];
    for round in 0..3 {
        let (a, b) = tokio::join!(
            app.call(&one, "change_member_role", &demote_two),
            app.call(&two, "change_member_role", &demote_one),
        );
        let mut statuses = [a.status().as_u16(), b.status().as_u16()];
        statuses.sort();
        // The loser is refused by the rule, or (when it is read after the winner's change)
        // is no admin any more.
        assert_eq!(statuses[0], 200, "round {round}: {statuses:?}");
        assert!(
            [403, 422].contains(&statuses[1]),
            "round {round}: {statuses:?}"
        );
        assert_eq!(admins(&app).await, 1, "round {round}");
        // Whoever is still admin makes the other admin again for the next round.
        let (winner, loser_id) = if a.status() == 200 {
            (&one, &two_id)
        } else {
            (&two, &one_id)
        };
        let res = app
            .call(
                winner,
                "change_member_role",
                &[("user_id", loser_id), ("role", "ADMIN")],
            )
            .await;
        assert_eq!(res.status(), 200);
    }
    let (remove_two, remove_one) = (
        [("user_id", two_id.as_str())],
        [("user_id", one_id.as_str())],
    );
    let (a, b) = tokio::join!(
        app.call(&one, "remove_member", &remove_two),
        app.call(&two, "remove_member", &remove_one),
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    // The loser is either refused (last admin) or already removed (signed out).
    assert_eq!(statuses[0], 200, "{statuses:?}");
    assert!(statuses[1] == 401 || statuses[1] == 422, "{statuses:?}");
    assert_eq!(admins(&app).await, 1);
}

async fn staff_and_support_are_refused_every_members_server_function(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let ws = app.create_workspace("Acme Summit", "admin@acme.test").await;
    app.add_member(&ws, "staff@acme.test", Role::Staff).await;
    app.add_member(&ws, "support@acme.test", Role::Support)
        .await;
    let admin = app.signed_in("admin@acme.test").await;
    let (created, _) = invite(&app, &admin, "new@acme.test", "STAFF").await;
    let invite_id = created["invite"]["id"].as_str().unwrap().to_string();
    let admin_id = user_id(&app, "admin@acme.test").await;

    for email in ["staff@acme.test", "support@acme.test"] {
        let client = app.signed_in(email).await;
        let calls: [(&str, Vec<(&str, &str)>); 5] = [
            ("list_members", vec![]),
            (
                "create_invite",
                vec![("email", "x@acme.test"), ("role", "ADMIN")],
            ),
            ("revoke_invite", vec![("invite_id", &invite_id)]),
            (
                "change_member_role",
                vec![("user_id", &admin_id), ("role", "STAFF")],
            ),
            ("remove_member", vec![("user_id", &admin_id)]),
        ];
        for (endpoint, form) in calls {
            let res = app.call(&client, endpoint, &form).await;
            assert_eq!(res.status(), 403, "{email} {endpoint}");
            assert_eq!(res.text().await.unwrap(), r#""Forbidden""#);
        }
        // No link to the page either.
        let html = app.get(&client, "/events").await.text().await.unwrap();
        assert!(!html.contains("Settings → Members"), "{email}");
    }
    let signed_out = app.client();
    let res = app.call(&signed_out, "list_members", &[]).await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        app.get(&signed_out, "/settings/members").await.status(),
        303
    );

    let listed = overview(&app, &admin).await;
    assert_eq!(listed["members"].as_array().unwrap().len(), 3);
    assert_eq!(listed["invites"].as_array().unwrap().len(), 1);
    let html = app
        .get(&admin, "/settings/members")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Settings → Members") && html.contains("Invite member"));
}

async fn an_admin_of_another_workspace_can_neither_see_nor_change_its_members(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let a = app.create_workspace("Workspace A", "admin@a.test").await;
    app.add_member(&a, "staff@a.test", Role::Staff).await;
    app.create_workspace("Workspace B", "admin@b.test").await;
    let admin_a = app.signed_in("admin@a.test").await;
    let (created, token) = invite(&app, &admin_a, "new@a.test", "STAFF").await;
    let invite_id = created["invite"]["id"].as_str().unwrap().to_string();
    let staff_id = user_id(&app, "staff@a.test").await;
    let admin_a_id = user_id(&app, "admin@a.test").await;

    let admin_b = app.signed_in("admin@b.test").await;
    let listed = overview(&app, &admin_b).await.to_string();
    assert!(!listed.contains("@a.test"), "{listed}");
    for (endpoint, form) in [
        (
            "change_member_role",
            vec![("user_id", staff_id.as_str()), ("role", "ADMIN")],
        ),
        (
            "change_member_role",
            vec![("user_id", admin_a_id.as_str()), ("role", "STAFF")],
        ),
        ("remove_member", vec![("user_id", staff_id.as_str())]),
        ("remove_member", vec![("user_id", admin_a_id.as_str())]),
        ("revoke_invite", vec![("invite_id", invite_id.as_str())]),
    ] {
        let res = app.call(&admin_b, endpoint, &form).await;
        assert_eq!(res.status(), 404, "{endpoint} {form:?}");
    }

    // A's members, roles and invite are as they were.
    let listed = overview(&app, &admin_a).await;
    let members = listed["members"].as_array().unwrap();
    assert_eq!(members.len(), 2);
    assert!(members
        .iter()
        .any(|m| m["email"] == "staff@a.test" && m["role"] == "Staff"));
    assert_eq!(listed["invites"].as_array().unwrap().len(), 1);
    let visitor = app.client();
    assert_eq!(
        app.call(&visitor, "read_invite", &[("token", &token)])
            .await
            .status(),
        200
    );
}

/// The message a throttled sign-in shows, checked against its HTTP form: 429, `Retry-After`
/// and the error's text "Too many attempts, try again in N s".
async fn assert_throttled(res: Response) -> u64 {
    assert_eq!(res.status(), 429);
    let retry_after: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let error: ApiError = res.json().await.unwrap();
    let ApiError::TooManyAttempts(seconds) = error else {
        panic!("{error:?}");
    };
    assert!(seconds >= 1);
    assert_eq!(seconds, retry_after);
    assert_eq!(
        error.to_string(),
        format!("Too many attempts, try again in {seconds} s")
    );
    seconds
}

/// Signs in with the right password until it is let through (the quota came back), within
/// `deadline`; every refusal on the way is the throttle's.
async fn signs_in_again_after_the_window(app: &TestApp, email: &str, deadline: Duration) {
    let client = app.client();
    wait_for(
        "the throttle to let the right password through",
        deadline,
        || {
            let client = client.clone();
            async move {
                let res = app.sign_in(&client, email, PASSWORD).await;
                match res.status().as_u16() {
                    200 => Some(()),
                    429 => None,
                    other => panic!("{email}: {other} {}", res.text().await.unwrap()),
                }
            }
        },
    )
    .await;
    assert_eq!(session(app, &client).await["email"], email);
}

async fn sign_in_is_throttled_per_account(backend: Backend) {
    let Some(app) = spawn_app_configured(backend, None, |config| {
        config.sign_in_per_account = AttemptQuota {
            burst: 2,
            every: Duration::from_secs(1),
        };
        // Polling for the window's end must not run into the address's quota.
        config.sign_in_per_address = AttemptQuota {
            burst: 10_000,
            every: Duration::from_millis(1),
        };
    })
    .await
    else {
        return;
    };
    app.create_workspace("Acme Summit", "admin@acme.test").await;
    app.create_workspace("Other", "other@acme.test").await;
    let client = app.client();
    for _ in 0..2 {
        let res = app
            .sign_in(&client, "admin@acme.test", "wrong password")
            .await;
        assert_eq!(res.status(), 401);
    }
    // Over the quota: refused before the password is looked at, the right one too, and
    // counted on the account whatever the letters' case.
    assert_throttled(app.sign_in(&client, "admin@acme.test", PASSWORD).await).await;
    assert_throttled(
        app.sign_in(&app.client(), " ADMIN@acme.test", PASSWORD)
            .await,
    )
    .await;
    assert!(session(&app, &client).await.is_null());
    // Another account from the same address is not held up.
    app.signed_in("other@acme.test").await;

    signs_in_again_after_the_window(&app, "admin@acme.test", Duration::from_secs(10)).await;
}

async fn sign_in_is_throttled_per_address(backend: Backend) {
    let Some(app) = spawn_app_configured(backend, None, |config| {
        config.sign_in_per_address = AttemptQuota {
            burst: 3,
            every: Duration::from_secs(1),
        };
    })
    .await
    else {
        return;
    };
    app.create_workspace("Acme Summit", "admin@acme.test").await;
    let client = app.client();
    for email in ["a@acme.test", "b@acme.test", "c@acme.test"] {
        let res = app.sign_in(&client, email, PASSWORD).await;
        assert_eq!(res.status(), 401, "{email}");
    }
    // Every account is held up from this address, the right password too.
    let seconds = assert_throttled(app.sign_in(&client, "admin@acme.test", PASSWORD).await).await;
    assert!(
        seconds <= 1,
        "one attempt comes back each second: {seconds}"
    );

    signs_in_again_after_the_window(&app, "admin@acme.test", Duration::from_secs(10)).await;
}

crate::on_both_databases!(
    an_invited_person_joins_through_the_link_and_signs_in_with_the_role,
    an_invite_link_works_once,
    an_expired_invite_link_is_refused,
    a_revoked_invite_link_is_refused,
    inviting_a_current_member_or_a_non_address_is_refused,
    an_existing_account_joins_another_workspace_with_its_own_password,
    a_role_change_takes_effect_on_the_members_next_request,
    the_last_admin_cannot_be_demoted_or_removed_until_there_is_another,
    two_admins_demoting_each_other_at_once_leave_one_admin,
    staff_and_support_are_refused_every_members_server_function,
    an_admin_of_another_workspace_can_neither_see_nor_change_its_members,
    sign_in_is_throttled_per_account,
    sign_in_is_throttled_per_address,
);
