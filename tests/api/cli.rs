use crate::helpers::{TestDatabase, PASSWORD};
use lanyard::server::db::{users, Backend, Db};
use std::process::Command;

#[tokio::test]
async fn create_admin_makes_a_workspace_and_an_admin_who_can_sign_in() {
    let database = TestDatabase::create(Backend::Sqlite).await.unwrap();
    let run = |email: &str| {
        Command::new(env!("CARGO_BIN_EXE_lanyard"))
            .args([
                "create-admin",
                "--workspace",
                "Acme Summit",
                "--email",
                email,
            ])
            .env("DATABASE_URL", &database.url)
            .env("LANYARD_DATA_DIR", database.data_dir())
            .env("LANYARD_ADMIN_PASSWORD", PASSWORD)
            .output()
            .expect("the binary runs")
    };
    let out = run("founder@acme.test");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let db = Db::connect(&database.url).await.unwrap();
    let creds = users::credentials_by_email(&db.pool, "founder@acme.test")
        .await
        .unwrap()
        .expect("user exists");
    assert!(
        creds.password_hash.starts_with("$argon2id$"),
        "only a hash is stored"
    );
    let member = users::first_membership(&db.pool, &creds.user_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(member.workspace_name, "Acme Summit");
    assert_eq!(member.role, lanyard::domain::Role::Admin);

    // The same email twice is a clear error, not a second account.
    let out = run("founder@acme.test");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
}
