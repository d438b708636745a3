use crate::helpers::TestDatabase;
use lanyard::server::db::{Backend, Db};

const TABLES: [&str; 11] = [
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
    "invites",
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
        "{job} ('j1', 'w', 'e', 'IMPORT', 'SUCCEEDED', 'IMPORT_DIALOG', 0, 0)"
    ))
    .execute(&db.pool)
    .await
    .unwrap();
    sqlx::query(&format!(
        "{job} ('j2', 'w', 'e', 'IMPORT', 'RUNNING', 'IMPORT_DIALOG', 0, 0)"
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

    // Triggers are a closed set, on jobs and on runs.
    assert!(sqlx::query(&format!(
        "{job} ('j4', 'w', 'e', 'RESYNC', 'SUCCEEDED', 'BENCH', 0, 0)"
    ))
    .execute(&db.pool)
    .await
    .is_err());
    let run = "INSERT INTO sync_runs (id, workspace_id, event_id, job_id, kind, trigger, outcome, started_at) VALUES ";
    sqlx::query(&format!(
        "{run} ('r1', 'w', 'e', 'j1', 'IMPORT', 'IMPORT_DIALOG', 'SUCCEEDED', 0)"
    ))
    .execute(&db.pool)
    .await
    .unwrap();
    assert!(sqlx::query(&format!(
        "{run} ('r2', 'w', 'e', 'j1', 'IMPORT', 'SOMETIME', 'SUCCEEDED', 0)"
    ))
    .execute(&db.pool)
    .await
    .is_err());
    // A run's job is still a foreign key after the tables were rebuilt.
    assert!(sqlx::query(&format!(
        "{run} ('r3', 'w', 'e', 'nojob', 'IMPORT', 'POLL', 'SUCCEEDED', 0)"
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

/// The typed-triggers migration rebuilds sync_jobs and sync_runs: rows already there keep
/// every column, and a run keeps its job (dropping the jobs table first would have nulled it).
async fn rebuilding_the_job_tables_keeps_their_rows_and_links(backend: Backend) {
    let Some(database) = TestDatabase::create(backend).await else {
        return;
    };
    let db = Db::connect(&database.url).await.unwrap();
    let mut before = sqlx::migrate::Migrator::new(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/migrations"
    )))
    .await
    .unwrap();
    before.migrations = before
        .migrations
        .iter()
        .filter(|m| m.version < 20261203000006)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    before.run(&db.pool).await.unwrap();
    for sql in [
        "INSERT INTO workspaces (id, name, created_at) VALUES ('w', 'W', 0)",
        "INSERT INTO events (id, workspace_id, provider, provider_event_id, name, timezone, access_code, sync_status, created_at, updated_at)
         VALUES ('e', 'w', 'LUMA', 'evt-1', 'E', 'UTC', 'ABCDEF', 'ACTIVE', 0, 0)",
        "INSERT INTO sync_jobs (id, workspace_id, event_id, kind, state, trigger, run_after, created_at, processed_count, resume_cursor)
         VALUES ('j1', 'w', 'e', 'IMPORT', 'QUEUED', 'IMPORT_DIALOG', 5, 1, 300, 'cursor-300')",
        "INSERT INTO sync_runs (id, workspace_id, event_id, job_id, kind, trigger, outcome, started_at, created_count)
         VALUES ('r1', 'w', 'e', 'j1', 'IMPORT', 'IMPORT_DIALOG', 'RATE_LIMITED', 2, 300)",
    ] {
        sqlx::query(sql).execute(&db.pool).await.unwrap();
    }
    db.migrate().await.unwrap();
    let job: (String, i64, Option<String>) = sqlx::query_as(
        "SELECT state, processed_count, resume_cursor FROM sync_jobs WHERE id = 'j1'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        job,
        ("QUEUED".to_string(), 300, Some("cursor-300".to_string()))
    );
    let run: (Option<String>, String, i64) =
        sqlx::query_as("SELECT job_id, outcome, created_count FROM sync_runs WHERE id = 'r1'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(
        run,
        (Some("j1".to_string()), "RATE_LIMITED".to_string(), 300)
    );
    // Still one active job per event.
    assert!(sqlx::query(
        "INSERT INTO sync_jobs (id, workspace_id, event_id, kind, state, trigger, run_after, created_at)
         VALUES ('j2', 'w', 'e', 'RESYNC', 'QUEUED', 'POLL', 0, 0)"
    )
    .execute(&db.pool)
    .await
    .is_err());
}

crate::on_both_databases!(
    migrations_apply_to_an_empty_database_and_are_idempotent,
    the_schema_enforces_the_model,
    rebuilding_the_job_tables_keeps_their_rows_and_links
);
