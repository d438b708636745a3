//! The Import Event dialog's server functions.

use crate::helpers::spawn_app_with;
use lanyard::domain::Role;
use lanyard::server::db::Backend;
use lanyard::simulator::{self, world::Which};
use serde_json::Value;

async fn an_admin_imports_a_provider_event_once_and_others_cannot(backend: Backend) {
    let sim = simulator::start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let Some(app) = spawn_app_with(backend, Some(&sim)).await else {
        return;
    };
    let ws = app.create_workspace("Acme", "admin@acme.test").await;
    app.add_member(&ws, "staff@acme.test", Role::Staff).await;
    let key = {
        let mut world = sim.sim.world();
        let (calendar, key) = world.create_account(Which::Luma, "cal@acme.test", "Cal");
        world.create_event(
            &calendar.owner_id,
            Which::Luma,
            "Meetup",
            1_796_461_200_000,
            12,
        );
        key
    };
    let admin = app.signed_in("admin@acme.test").await;
    let card: Value = app
        .call(&admin, "connect_luma", &[("api_key", &key)])
        .await
        .json()
        .await
        .unwrap();
    let integration = card["id"].as_str().unwrap();

    let options: Vec<Value> = app
        .call(
            &admin,
            "list_provider_events",
            &[("integration_id", integration)],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(options.len(), 1);
    assert_eq!(
        (
            options[0]["name"].as_str(),
            options[0]["attendee_count"].as_i64(),
            options[0]["already_added"].as_bool()
        ),
        // Luma's event listing carries no guest count (only events/get does, one call an
        // event): the dialog leaves it out rather than spend the key's budget on it.
        (Some("Meetup"), None, Some(false))
    );
    let dates = options[0]["dates"].as_str().unwrap();
    assert!(
        dates.ends_with(" GMT") || dates.ends_with(" BST"),
        "in the event's zone (Europe/London): {dates}"
    );
    let pid = options[0]["provider_event_id"].as_str().unwrap();

    let res = app
        .call(
            &admin,
            "import_event",
            &[("integration_id", integration), ("provider_event_id", pid)],
        )
        .await;
    assert_eq!(res.status(), 200);
    let event_id: String = res.json().await.unwrap();
    let event: Value = app
        .call(&admin, "get_event", &[("event_id", &event_id)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(event["sync_status"], "Pending");
    let code = event["access_code"].as_str().unwrap();
    assert!(
        lanyard::domain::access_code::AccessCode::parse(code).as_deref() == Some(code),
        "a 6-character code: {code}"
    );
    let live: Value = app
        .call(&admin, "event_live", &[("event_id", &event_id)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        live["job"],
        serde_json::json!({"processed": 0, "total": null}),
        "the import job is queued"
    );

    let again = app
        .call(
            &admin,
            "import_event",
            &[("integration_id", integration), ("provider_event_id", pid)],
        )
        .await;
    assert_eq!(again.status(), 422);
    assert!(again
        .text()
        .await
        .unwrap()
        .contains("already in the workspace"));
    let options: Vec<Value> = app
        .call(
            &admin,
            "list_provider_events",
            &[("integration_id", integration)],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(options[0]["already_added"], true);

    let staff = app.signed_in("staff@acme.test").await;
    assert_eq!(
        app.call(
            &staff,
            "import_event",
            &[("integration_id", integration), ("provider_event_id", pid)]
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        app.call(
            &staff,
            "list_provider_events",
            &[("integration_id", integration)]
        )
        .await
        .status(),
        403
    );

    // The key is revoked at Luma: the dialog's next listing says so, and the integration and
    // the imported event turn DISCONNECTED at once instead of waiting for the next sync.
    sim.sim.world().credentials.remove(&key);
    let res = app
        .call(
            &admin,
            "list_provider_events",
            &[("integration_id", integration)],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("disconnected"));
    let status: String = sqlx::query_scalar("SELECT status FROM integrations WHERE id = $1")
        .bind(integration)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(status, "DISCONNECTED");
    let event: Value = app
        .call(&admin, "get_event", &[("event_id", &event_id)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(event["sync_status"], "Disconnected");
}

async fn the_recovery_dialog_relinks_the_event_and_queues_one_import_for_admins_only(
    backend: Backend,
) {
    use lanyard::domain::Provider;
    let Some(app) = crate::helpers::spawn_app(backend).await else {
        return;
    };
    let ws = app.create_workspace("Acme", "admin@acme.test").await;
    let other_ws = app.create_workspace("Globex", "admin@globex.test").await;
    app.add_member(&ws, "staff@acme.test", Role::Staff).await;
    let old = app
        .insert_integration(&ws, Provider::Luma, "old@acme.test")
        .await;
    let good = app
        .insert_integration(&ws, Provider::Luma, "new@acme.test")
        .await;
    let dead = app
        .insert_integration(&ws, Provider::Luma, "dead@acme.test")
        .await;
    lanyard::server::db::integrations::mark_disconnected(&app.db.pool, &dead, "revoked")
        .await
        .unwrap();
    let eventbrite = app
        .insert_integration(&ws, Provider::Eventbrite, "eb@acme.test")
        .await;
    let foreign = app
        .insert_integration(&other_ws, Provider::Luma, "luma@globex.test")
        .await;
    let event = app
        .insert_event(&ws, Some(&old), Provider::Luma, "evt-1", "RETRY2")
        .await;
    let admin = app.signed_in("admin@acme.test").await;
    let staff = app.signed_in("staff@acme.test").await;
    async fn reconnect_with(
        app: &crate::helpers::TestApp,
        client: &reqwest::Client,
        event: &str,
        integration: &str,
    ) -> u16 {
        let form = [("event_id", event), ("integration_id", integration)];
        app.call(client, "reconnect_event", &form)
            .await
            .status()
            .as_u16()
    }
    macro_rules! reconnect {
        ($client:expr, $integration:expr) => {
            reconnect_with(&app, $client, &event, $integration)
        };
    }

    assert_eq!(
        reconnect!(&staff, &good).await,
        403,
        "only admins recover events"
    );
    let live: Value = app
        .call(&admin, "event_live", &[("event_id", &event)])
        .await
        .json()
        .await
        .unwrap();
    assert!(
        live["job"].is_null() && live["sync_status"] == "Pending",
        "PENDING with no job: the page shows Import failed"
    );
    assert_eq!(
        reconnect!(&admin, &dead).await,
        422,
        "a disconnected integration is refused"
    );
    assert_eq!(
        reconnect!(&admin, &eventbrite).await,
        422,
        "another provider is refused"
    );
    assert_eq!(
        reconnect!(&admin, &foreign).await,
        404,
        "another workspace's integration"
    );
    // A Sync left queued before the failure (a crashed import's resume, say) is replaced:
    // Reconnect asks for a fresh import.
    let stale = lanyard::server::db::jobs::enqueue(
        &mut app.db.pool.acquire().await.unwrap(),
        &ws,
        &event,
        lanyard::server::db::jobs::JobKind::Resync,
        lanyard::domain::Trigger::Manual,
        None,
    )
    .await
    .unwrap();
    sqlx::query("UPDATE sync_jobs SET resume_cursor = 'page-7', attempts = 2 WHERE id = $1")
        .bind(&stale)
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(reconnect!(&admin, &good).await, 200);
    assert_eq!(
        reconnect!(&admin, &good).await,
        200,
        "a second click joins the queued job"
    );
    let (kind, trigger, cursor, attempts): (String, String, Option<String>, i64) = sqlx::query_as(
        "SELECT kind, trigger, resume_cursor, attempts FROM sync_jobs WHERE id = $1",
    )
    .bind(&stale)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        (kind.as_str(), trigger.as_str(), cursor, attempts),
        ("IMPORT", "RECONNECT", None, 0)
    );

    let jobs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sync_jobs WHERE event_id = $1")
        .bind(&event)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(jobs, 1);
    let linked: lanyard::domain::IntegrationId =
        sqlx::query_scalar("SELECT integration_id FROM events WHERE id = $1")
            .bind(&event)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        linked, good,
        "the event now syncs through the chosen integration"
    );
    let live: Value = app
        .call(&admin, "event_live", &[("event_id", &event)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        live["job"],
        serde_json::json!({"processed": 0, "total": null})
    );
    let form = [
        ("event_id", "no-such-event"),
        ("integration_id", good.as_str()),
    ];
    assert_eq!(
        app.call(&admin, "reconnect_event", &form).await.status(),
        404
    );
}

crate::on_both_databases!(
    an_admin_imports_a_provider_event_once_and_others_cannot,
    the_recovery_dialog_relinks_the_event_and_queues_one_import_for_admins_only,
);
