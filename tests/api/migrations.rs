use crate::helpers::TestDatabase;
use lanyard::server::db::{Backend, Db};

const TABLES: [&str; 10] = [
    "workspaces",
    "users",
    "memberships",
    "integrations",
    "events",
    "attendees",
    "sync_jobs",
    "sync_runs",
    "webhook_deliveries",
    "provider_budgets",
];

async fn migrations_apply_to_an_empty_database_and_are_idempotent(backend: Backend) {
    let Some(database) = TestDatabase::create(backend).await else {
        return;
    };
    let db = Db::connect(&database.url).await.unwrap();
    db.migrate().await.unwrap();
    db.migrate().await.expect("a second run is a no-op");
    for table in TABLES {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&db.pool)
            .await
            .unwrap_or_else(|e| panic!("table {table}: {e}"));
        assert_eq!(n, 0, "{table}");
    }
}

async fn the_schema_enforces_the_model(backend: Backend) {
    let Some(database) = TestDatabase::create(backend).await else {
        return;
    };
    let db = Db::connect(&database.url).await.unwrap();
    db.migrate().await.unwrap();
    let exec = |sql: &'static str| {
        let pool = db.pool.clone();
        async move { sqlx::query(sql).execute(&pool).await }
    };
    exec("INSERT INTO workspaces (id, name, created_at) VALUES ('w', 'W', 0)")
        .await
        .unwrap();
    exec("INSERT INTO events (id, workspace_id, provider, provider_event_id, name, timezone, access_code, sync_status, created_at, updated_at)
          VALUES ('e', 'w', 'LUMA', 'evt-1', 'E', 'UTC', 'ABCDEF', 'PENDING', 0, 0)").await.unwrap();

    // Unknown statuses, a foreign key to nowhere and a reused access code are refused.
    assert!(
        exec("UPDATE events SET sync_status = 'SYNCING' WHERE id = 'e'")
            .await
            .is_err()
    );
    assert!(exec("INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES ('w', 'nobody', 'ADMIN', 0)").await.is_err());
    assert!(exec("INSERT INTO events (id, workspace_id, provider, provider_event_id, name, timezone, access_code, sync_status, created_at, updated_at)
          VALUES ('e2', 'w', 'LUMA', 'evt-2', 'E2', 'UTC', 'ABCDEF', 'PENDING', 0, 0)").await.is_err());

    // One attendee per provider id per event.
    let attendee = "INSERT INTO attendees (id, event_id, provider_attendee_id, status, created_at, updated_at) VALUES ";
    sqlx::query(&format!(
        "{attendee} ('a1', 'e', 'gst-1', 'ATTENDING', 0, 0)"
    ))
    .execute(&db.pool)
    .await
    .unwrap();
    assert!(sqlx::query(&format!(
        "{attendee} ('a2', 'e', 'gst-1', 'ATTENDING', 0, 0)"
    ))
    .execute(&db.pool)
    .await
    .is_err());

    // At most one queued or running job per event; finished ones do not count.
    let job = "INSERT INTO sync_jobs (id, workspace_id, event_id, kind, state, trigger, run_after, created_at) VALUES ";
    sqlx::query(&format!(
        "{job} ('j1', 'w', 'e', 'IMPORT', 'SUCCEEDED', 'IMPORT', 0, 0)"
    ))
    .execute(&db.pool)
    .await
    .unwrap();
    sqlx::query(&format!(
        "{job} ('j2', 'w', 'e', 'IMPORT', 'RUNNING', 'IMPORT', 0, 0)"
    ))
    .execute(&db.pool)
    .await
    .unwrap();
    assert!(sqlx::query(&format!(
        "{job} ('j3', 'w', 'e', 'RESYNC', 'QUEUED', 'MANUAL', 0, 0)"
    ))
    .execute(&db.pool)
    .await
    .is_err());

    // Deleting a workspace takes everything of it along.
    exec("DELETE FROM workspaces WHERE id = 'w'").await.unwrap();
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attendees")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

crate::on_both_databases!(
    migrations_apply_to_an_empty_database_and_are_idempotent,
    the_schema_enforces_the_model
);
