use crate::helpers::spawn_app;
use lanyard::server::db::Backend;

async fn health_check_reports_the_database(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let res = app.get(&app.client(), "/healthz").await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["database"], "ok");

    // With the database gone, the health check says so instead of pretending.
    app.db.pool.close().await;
    let res = app.get(&app.client(), "/healthz").await;
    assert_eq!(res.status(), 503);
}

crate::on_both_databases!(health_check_reports_the_database);
