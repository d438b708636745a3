//! A stored value outside what the code expects (written by hand, by an older version) is an
//! error answered cleanly, never a panic in the request or the worker that read it.

use crate::helpers::spawn_app;
use lanyard::server::db::Backend;

async fn a_row_with_an_id_that_is_not_ours_answers_an_error_and_the_server_stays_up(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    for sql in [
        "INSERT INTO workspaces (id, name, created_at) VALUES ('not-a-uuid', 'Hand-made', 0)",
        "INSERT INTO integrations (id, workspace_id, provider, provider_account_id, account_email, status,
            credentials, webhook_token, connected_at, created_at, updated_at)
         VALUES ('also-not-a-uuid', 'not-a-uuid', 'LUMA', 'acct', 'x@example.com', 'CONNECTED',
            'sealed', 'hand-made-token', 0, 0, 0)",
    ] {
        sqlx::query(sql).execute(&app.db.pool).await.unwrap();
    }
    let client = reqwest::Client::new();
    let delivery = client
        .post(format!("{}/webhooks/luma/hand-made-token", app.address))
        .body("{}")
        .send()
        .await
        .unwrap();
    // The lookup could not decode the row: a 503 asks the provider to come back, as for any
    // storage failure; nothing was applied.
    assert_eq!(delivery.status(), 503);
    let health = client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200, "the server is still serving");
}

crate::on_both_databases!(
    a_row_with_an_id_that_is_not_ours_answers_an_error_and_the_server_stays_up
);
