//! The Attendees table's server function: search, paging, tenancy.

use crate::fixtures::{queued_import, runner_config};
use lanyard::server::db::Backend;
use lanyard::server::sync::runner::Runner;
use serde_json::Value;

async fn the_attendees_table_pages_and_searches_by_name_email_and_company(backend: Backend) {
    let Some(q) = queued_import(backend, 120, 0).await else {
        return;
    };
    let runner = Runner::spawn(q.app.state.clone(), runner_config());
    q.wait_job_state(&q.job_id, "SUCCEEDED").await;
    runner.shutdown().await;
    let pool = &q.app.db.pool;
    // Three recognisable rows; the rest are the simulator's generated people.
    for (i, (first, last, email, company)) in [
        ("Zelda", "Xyzzyquux", "zq@example.test", "Frobozz Works"),
        ("Amy", "Xyzzyquux", "amy@example.test", "Frobozz Works"),
        ("Bo", "Smith", "bo@100%real.test", "Umbrella"),
    ]
    .iter()
    .enumerate()
    {
        sqlx::query(
            "UPDATE attendees SET first_name = $1, last_name = $2, email = $3, company = $4
             WHERE id = (SELECT id FROM attendees WHERE event_id = $5 ORDER BY id LIMIT 1 OFFSET $6)",
        )
        .bind(first)
        .bind(last)
        .bind(email)
        .bind(company)
        .bind(&q.event_id)
        .bind(i as i64)
        .execute(pool)
        .await
        .unwrap();
    }
    q.app.refresh_search_text().await;
    let admin = q.app.signed_in("admin@acme.test").await;
    let list = |search: &'static str, page: &'static str| {
        let (app, admin, event) = (&q.app, &admin, q.event_id.clone());
        async move {
            let res = app
                .call(
                    admin,
                    "list_attendees",
                    &[("event_id", &event), ("search", search), ("page", page)],
                )
                .await;
            assert_eq!(res.status(), 200);
            res.json::<Value>().await.unwrap()
        }
    };
    let first = list("", "0").await;
    assert_eq!(first["matching"], 120);
    assert_eq!(first["rows"].as_array().unwrap().len(), 50);
    let third = list("", "2").await;
    assert_eq!(third["rows"].as_array().unwrap().len(), 20);

    let xyzzy = list("XYZZYQUUX", "0").await;
    let names = crate::helpers::field_of_each(&xyzzy["rows"], "first_name");
    assert_eq!(names, ["Amy", "Zelda"], "case-insensitive, sorted by name");
    assert_eq!(list("frobozz", "0").await["matching"], 2, "by company");
    assert_eq!(list("zq@example", "0").await["matching"], 1, "by email");
    assert_eq!(
        list("zelda xyzzyquux", "0").await["matching"],
        1,
        "by full name"
    );
    assert_eq!(list("100%", "0").await["matching"], 1, "% is literal");
    assert_eq!(list("nobody-like-this", "0").await["matching"], 0);

    q.app.create_workspace("Globex", "admin@globex.test").await;
    let stranger = q.app.signed_in("admin@globex.test").await;
    let res = q
        .app
        .call(
            &stranger,
            "list_attendees",
            &[("event_id", &q.event_id), ("search", ""), ("page", "0")],
        )
        .await;
    assert_eq!(res.status(), 404);
}

crate::on_both_databases!(the_attendees_table_pages_and_searches_by_name_email_and_company);
