//! The check-in desk over HTTP, on both databases: the nonce, the race, undo, force, provider
//! check-ins, VIP through every kind of sync, search, the barcode, the export, the live
//! statistics, and who may do what (the role × action matrix, another workspace included).

use crate::fixtures::{queued_import, runner_config, wait_for, Queued};
use crate::live::Stream;
use lanyard::domain::Role;
use lanyard::server::db::Backend;
use lanyard::server::sync::runner::Runner;
use reqwest::Client;
use serde_json::Value;
use std::time::Duration;

/// An imported event of `size` attendees with its runner still going, and a signed-in client
/// per role (and an admin of another workspace).
pub(crate) struct Desk {
    pub(crate) q: Queued,
    pub(crate) runner: Runner,
    pub(crate) admin: Client,
    pub(crate) staff: Client,
    pub(crate) support: Client,
    pub(crate) stranger: Client,
}

pub(crate) async fn desk(backend: Backend, size: usize) -> Option<Desk> {
    let q = queued_import(backend, size, 0).await?;
    let runner = Runner::spawn(q.app.state.clone(), runner_config());
    q.wait_job_state(&q.job_id, "SUCCEEDED").await;
    q.app
        .add_member(&q.workspace_id, "staff@acme.test", Role::Staff)
        .await;
    q.app
        .add_member(&q.workspace_id, "support@acme.test", Role::Support)
        .await;
    q.app.create_workspace("Globex", "admin@globex.test").await;
    Some(Desk {
        admin: q.app.signed_in("admin@acme.test").await,
        staff: q.app.signed_in("staff@acme.test").await,
        support: q.app.signed_in("support@acme.test").await,
        stranger: q.app.signed_in("admin@globex.test").await,
        q,
        runner,
    })
}

impl Desk {
    /// The Lanyard id of the i-th attendee by name order.
    pub(crate) async fn attendee(&self, i: i64) -> String {
        sqlx::query_scalar(
            "SELECT id FROM attendees WHERE event_id = $1
             ORDER BY LOWER(last_name), LOWER(first_name), id LIMIT 1 OFFSET $2",
        )
        .bind(&self.q.event_id)
        .bind(i)
        .fetch_one(&self.q.app.db.pool)
        .await
        .unwrap()
    }

    pub(crate) async fn call(
        &self,
        client: &Client,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> (u16, Value) {
        let res = self.q.app.call(client, endpoint, form).await;
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    async fn check_in(
        &self,
        client: &Client,
        attendee: &str,
        nonce: &str,
        force: bool,
    ) -> (u16, Value) {
        let force = force.to_string();
        let form = [
            ("event_id", self.q.event_id.as_str()),
            ("attendee_id", attendee),
            ("nonce", nonce),
            ("force", force.as_str()),
        ];
        self.call(client, "check_in", &form).await
    }

    async fn undo(&self, client: &Client, attendee: &str, reason: &str) -> (u16, Value) {
        let form = [
            ("event_id", self.q.event_id.as_str()),
            ("attendee_id", attendee),
            ("reason", reason),
        ];
        self.call(client, "undo_check_in", &form).await
    }

    async fn set_vip(&self, client: &Client, attendee: &str, vip: bool) -> (u16, Value) {
        let vip = vip.to_string();
        let form = [
            ("event_id", self.q.event_id.as_str()),
            ("attendee_id", attendee),
            ("vip", vip.as_str()),
        ];
        self.call(client, "set_vip", &form).await
    }

    async fn detail(&self, client: &Client, attendee: &str) -> (u16, Value) {
        let form = [
            ("event_id", self.q.event_id.as_str()),
            ("attendee_id", attendee),
        ];
        self.call(client, "load_attendee", &form).await
    }

    async fn search(&self, query: &str, extra: &[(&str, &str)]) -> Value {
        let mut form = vec![
            ("event_id", self.q.event_id.as_str()),
            ("search", query),
            ("page", "0"),
        ];
        form.extend_from_slice(extra);
        let (status, page) = self.call(&self.staff, "list_attendees", &form).await;
        assert_eq!(status, 200, "{page}");
        page
    }

    /// (check-in rows standing, attendees marked checked in) as stored.
    async fn counted(&self) -> (i64, i64) {
        let pool = &self.q.app.db.pool;
        let rows = sqlx::query_scalar(
            "SELECT COUNT(*) FROM check_ins WHERE event_id = $1 AND undone_at IS NULL",
        )
        .bind(&self.q.event_id)
        .fetch_one(pool)
        .await
        .unwrap();
        let marked = sqlx::query_scalar(
            "SELECT COUNT(*) FROM attendees WHERE event_id = $1 AND checked_in_at IS NOT NULL",
        )
        .bind(&self.q.event_id)
        .fetch_one(pool)
        .await
        .unwrap();
        (rows, marked)
    }
}

fn outcome(answer: &Value) -> &Value {
    &answer["outcome"]
}

async fn a_check_in_counts_once_however_often_its_request_is_sent(backend: Backend) {
    let Some(d) = desk(backend, 30).await else {
        return;
    };
    let jane = d.attendee(0).await;
    let (status, first) = d.check_in(&d.staff, &jane, "nonce-0001-aaaa", false).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(outcome(&first), "CheckedIn");
    assert_eq!(first["attendee"]["checked_in_by"], "Some One");
    // The same request again (a retry after a dropped answer) is the same check-in.
    let (status, again) = d.check_in(&d.staff, &jane, "nonce-0001-aaaa", false).await;
    assert_eq!(status, 200);
    assert_eq!(outcome(&again), "CheckedIn");
    assert_eq!(
        again["attendee"]["checked_in_at"],
        first["attendee"]["checked_in_at"]
    );
    // Another desk's request: nothing counted, and it says when and by whom.
    let (status, other) = d.check_in(&d.admin, &jane, "nonce-0002-bbbb", false).await;
    assert_eq!(status, 200);
    let message = outcome(&other)["AlreadyCheckedIn"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.starts_with("Already checked in at ") && message.ends_with(" by Some One"),
        "{message}"
    );
    assert_eq!(d.counted().await, (1, 1));
    // A nonce already spent on Jane cannot check in someone else.
    let bob = d.attendee(1).await;
    let (status, reused) = d.check_in(&d.staff, &bob, "nonce-0001-aaaa", false).await;
    assert_eq!(status, 422, "{reused}");
    assert_eq!(d.counted().await, (1, 1));
    // A request without a usable nonce is refused, not guessed at.
    let (status, _) = d.check_in(&d.staff, &bob, "x", false).await;
    assert_eq!(status, 422);
    d.runner.shutdown().await;
}

async fn two_desks_checking_in_one_person_at_once_make_one_check_in(backend: Backend) {
    let Some(d) = desk(backend, 30).await else {
        return;
    };
    let jane = d.attendee(3).await;
    // Twelve desks, each its own request, at the same moment.
    let answers = futures_util::future::join_all((0..12).map(|i| {
        let (d, jane) = (&d, &jane);
        async move {
            let client = if i % 2 == 0 { &d.staff } else { &d.admin };
            d.check_in(client, jane, &format!("race-desk-{i:04}"), false)
                .await
        }
    }))
    .await;
    let won = answers
        .iter()
        .filter(|(status, a)| *status == 200 && outcome(a) == "CheckedIn")
        .count();
    let told = answers
        .iter()
        .filter(|(status, a)| *status == 200 && outcome(a)["AlreadyCheckedIn"].is_string())
        .count();
    assert_eq!((won, told), (1, 11), "{answers:?}");
    assert_eq!(d.counted().await, (1, 1));
    // One request sent twelve times at once: all answered as the one check-in.
    let bob = d.attendee(4).await;
    let answers = futures_util::future::join_all(
        (0..12).map(|_| d.check_in(&d.staff, &bob, "same-request-0001", false)),
    )
    .await;
    assert!(
        answers
            .iter()
            .all(|(status, a)| *status == 200 && outcome(a) == "CheckedIn"),
        "{answers:?}"
    );
    assert_eq!(d.counted().await, (2, 2));
    d.runner.shutdown().await;
}

async fn a_not_attending_attendee_is_checked_in_only_by_force(backend: Backend) {
    let Some(d) = desk(backend, 20).await else {
        return;
    };
    let jane = d.attendee(2).await;
    sqlx::query("UPDATE attendees SET status = 'NOT_ATTENDING' WHERE id = $1")
        .bind(&jane)
        .execute(&d.q.app.db.pool)
        .await
        .unwrap();
    let (status, refused) = d.check_in(&d.staff, &jane, "force-test-0001", false).await;
    assert_eq!(status, 422);
    assert!(
        refused["Invalid"]
            .as_str()
            .unwrap()
            .contains("Force Check In"),
        "{refused}"
    );
    assert_eq!(d.counted().await, (0, 0));
    let (status, forced) = d.check_in(&d.staff, &jane, "force-test-0002", true).await;
    assert_eq!(status, 200, "{forced}");
    assert_eq!(outcome(&forced), "CheckedIn");
    let (_, detail) = d.detail(&d.support, &jane).await;
    let history = detail["history"].as_array().unwrap();
    assert_eq!(history[0]["what"], "Force checked in");
    assert_eq!(history[0]["who"], "Some One");
    assert_eq!(history[0]["place"], "Event page");
    d.runner.shutdown().await;
}

async fn undo_is_the_desks_for_ten_minutes_and_the_admins_always(backend: Backend) {
    let Some(d) = desk(backend, 20).await else {
        return;
    };
    let jane = d.attendee(0).await;
    d.check_in(&d.staff, &jane, "undo-test-0001", false).await;
    let (status, undone) = d.undo(&d.staff, &jane, "Wrong Jane").await;
    assert_eq!(status, 200, "{undone}");
    assert!(undone["checked_in_at"].is_null());
    assert_eq!(d.counted().await, (0, 0));
    // Undoing twice changes nothing more.
    let (status, _) = d.undo(&d.staff, &jane, "").await;
    assert_eq!(status, 422);
    // Checked in again, then the desk's window passes.
    let (_, again) = d.check_in(&d.staff, &jane, "undo-test-0002", false).await;
    assert_eq!(outcome(&again), "CheckedIn");
    let long_ago = lanyard::server::now_ms() - 11 * 60 * 1000;
    sqlx::query(
        "UPDATE check_ins SET checked_in_at = $1 WHERE attendee_id = $2 AND undone_at IS NULL",
    )
    .bind(long_ago)
    .bind(&jane)
    .execute(&d.q.app.db.pool)
    .await
    .unwrap();
    let (status, late) = d.undo(&d.staff, &jane, "").await;
    assert_eq!(status, 422);
    assert!(
        late["Invalid"].as_str().unwrap().contains("Only admins"),
        "{late}"
    );
    let (status, _) = d.undo(&d.support, &jane, "").await;
    assert_eq!(status, 403);
    let (status, _) = d.undo(&d.admin, &jane, "Left early").await;
    assert_eq!(status, 200);
    assert_eq!(d.counted().await, (0, 0));
    // The history tells both check-ins and both undos, with the reasons.
    let (_, detail) = d.detail(&d.support, &jane).await;
    let whats = crate::helpers::field_of_each(&detail["history"], "what");
    assert_eq!(
        whats.iter().filter(|w| **w == "Check-in undone").count(),
        2,
        "{whats:?}"
    );
    assert_eq!(whats.iter().filter(|w| **w == "Checked in").count(), 2);
    assert!(
        whats.iter().any(|w| w.starts_with("Imported from")),
        "{whats:?}"
    );
    let reasons: Vec<&str> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["detail"].as_str())
        .collect();
    assert!(reasons.contains(&"Wrong Jane") && reasons.contains(&"Left early"));
    d.runner.shutdown().await;
}

async fn a_provider_check_in_counts_is_shown_as_such_and_is_never_undone(backend: Backend) {
    let Some(d) = desk(backend, 20).await else {
        return;
    };
    let jane = d.attendee(5).await;
    sqlx::query("UPDATE attendees SET provider_checked_in_at = $1 WHERE id = $2")
        .bind(1_796_461_200_000i64)
        .bind(&jane)
        .execute(&d.q.app.db.pool)
        .await
        .unwrap();
    let (status, answer) = d.check_in(&d.staff, &jane, "provider-0001", false).await;
    assert_eq!(status, 200);
    let message = outcome(&answer)["AlreadyCheckedIn"].as_str().unwrap();
    assert!(message.ends_with("via Eventbrite"), "{message}");
    assert_eq!(d.counted().await, (0, 0));
    let (status, refused) = d.undo(&d.admin, &jane, "").await;
    assert_eq!(status, 422);
    assert!(refused["Invalid"]
        .as_str()
        .unwrap()
        .contains("undo it there"));
    let (_, detail) = d.detail(&d.staff, &jane).await;
    assert_eq!(detail["history"][0]["what"], "Checked in at Eventbrite");
    d.runner.shutdown().await;
}

/// Who may do what: every desk action for Admin, Staff, Support and another workspace's
/// admin, as HTTP statuses.
async fn the_role_and_workspace_matrix_holds_for_every_desk_action(backend: Backend) {
    let Some(d) = desk(backend, 40).await else {
        return;
    };
    let event = d.q.event_id.to_string();
    let who: [(&str, &Client); 4] = [
        ("admin", &d.admin),
        ("staff", &d.staff),
        ("support", &d.support),
        ("stranger", &d.stranger),
    ];
    // (action, admin, staff, support, another workspace)
    let table: [(&str, u16, u16, u16, u16); 8] = [
        ("check_in", 200, 200, 403, 404),
        ("undo_check_in", 200, 200, 403, 404),
        ("set_vip", 200, 403, 403, 404),
        ("load_attendee", 200, 200, 200, 404),
        ("find_by_barcode", 200, 200, 200, 404),
        ("load_arrivals", 200, 200, 200, 404),
        ("list_attendees", 200, 200, 200, 404),
        ("attendees.csv", 200, 403, 403, 404),
    ];
    for (i, (action, want_admin, want_staff, want_support, want_stranger)) in
        table.into_iter().enumerate()
    {
        for (j, ((role, client), want)) in who
            .iter()
            .zip([want_admin, want_staff, want_support, want_stranger])
            .enumerate()
        {
            let attendee = d.attendee((i * 4 + j) as i64).await;
            if action == "undo_check_in" {
                // Something to undo, checked in by the admin just now.
                d.check_in(&d.admin, &attendee, &format!("matrix-{i}-{j}-setup"), false)
                    .await;
            }
            let nonce = format!("matrix-{i}-{j}-nonce");
            let status = match action {
                "attendees.csv" => {
                    d.q.app
                        .get(client, &format!("/events/{event}/attendees.csv"))
                        .await
                        .status()
                        .as_u16()
                }
                "check_in" => d.check_in(client, &attendee, &nonce, false).await.0,
                "undo_check_in" => d.undo(client, &attendee, "").await.0,
                "set_vip" => d.set_vip(client, &attendee, true).await.0,
                "load_attendee" => d.detail(client, &attendee).await.0,
                other => {
                    let form = [
                        ("event_id", event.as_str()),
                        ("code", "no-such-code"),
                        ("search", ""),
                        ("page", "0"),
                    ];
                    d.call(client, other, &form).await.0
                }
            };
            assert_eq!(status, want, "{action} as {role}");
        }
    }
    // Signed out: nothing.
    let (status, _) = d
        .check_in(
            &d.q.app.client(),
            &d.attendee(0).await,
            "signed-out-1",
            false,
        )
        .await;
    assert_eq!(status, 401);
    d.runner.shutdown().await;
}

async fn search_finds_words_in_any_order_across_fields_with_filters_and_sort(backend: Backend) {
    let Some(d) = desk(backend, 60).await else {
        return;
    };
    let pool = &d.q.app.db.pool;
    let jane = d.attendee(0).await;
    let other_xylander = d.attendee(1).await;
    for (id, first, last, company, ticket, barcode) in [
        (
            &jane,
            "Jane",
            "Xylander",
            "Acme Rockets",
            "Zeppelin Pass",
            "EB-991-2",
        ),
        (
            &other_xylander,
            "Zed",
            "Xylander",
            "Initech",
            "General Admission",
            "EB-100-7",
        ),
    ] {
        sqlx::query(
            "UPDATE attendees SET first_name = $1, last_name = $2, company = $3, ticket_name = $4,
                barcode = $5 WHERE id = $6",
        )
        .bind(first)
        .bind(last)
        .bind(company)
        .bind(ticket)
        .bind(barcode)
        .bind(id)
        .execute(pool)
        .await
        .unwrap();
    }
    d.q.app.refresh_search_text().await;
    let names = |page: &Value| -> Vec<String> {
        page["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                format!(
                    "{} {}",
                    r["first_name"].as_str().unwrap(),
                    r["last_name"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(
        names(&d.search("xylander jane", &[]).await),
        ["Jane Xylander"]
    );
    assert_eq!(
        names(&d.search("  JANE   xylander ", &[]).await),
        ["Jane Xylander"]
    );
    assert_eq!(
        names(&d.search("rockets xylander", &[]).await),
        ["Jane Xylander"],
        "company"
    );
    assert_eq!(
        names(&d.search("zeppelin", &[]).await),
        ["Jane Xylander"],
        "ticket name"
    );
    assert_eq!(
        names(&d.search("EB-991-2", &[]).await),
        ["Jane Xylander"],
        "barcode"
    );
    assert_eq!(d.search("xylander", &[]).await["matching"], 2);
    assert_eq!(d.search("xylander nobody", &[]).await["matching"], 0);
    // Filters: VIP, checked in, attendance; and the latest check-ins first.
    d.set_vip(&d.admin, &other_xylander, true).await;
    assert_eq!(
        names(&d.search("xylander", &[("vip_only", "true")]).await),
        ["Zed Xylander"]
    );
    d.check_in(&d.staff, &jane, "search-test-0001", false).await;
    let checked = d.search("", &[("check_in", "CheckedIn")]).await;
    assert!(names(&checked).contains(&"Jane Xylander".to_string()));
    let not_yet = d.search("xylander", &[("check_in", "NotYet")]).await;
    assert_eq!(names(&not_yet), ["Zed Xylander"]);
    sqlx::query("UPDATE attendees SET status = 'NOT_ATTENDING' WHERE id = $1")
        .bind(&other_xylander)
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(
        names(
            &d.search("xylander", &[("attendance", "NotAttending")])
                .await
        ),
        ["Zed Xylander"]
    );
    assert_eq!(
        names(&d.search("xylander", &[("attendance", "Attending")]).await),
        ["Jane Xylander"]
    );
    let recent = d.search("", &[("sort", "RecentCheckIns")]).await;
    assert_eq!(names(&recent)[0], "Jane Xylander");
    // A scanned barcode names exactly one attendee; an unknown one none.
    let form = [("event_id", d.q.event_id.as_str()), ("code", " EB-991-2 ")];
    let (status, found) = d.call(&d.staff, "find_by_barcode", &form).await;
    assert_eq!(status, 200);
    assert_eq!(found["id"], jane.as_str());
    let form = [("event_id", d.q.event_id.as_str()), ("code", "EB-991")];
    assert!(d.call(&d.staff, "find_by_barcode", &form).await.1.is_null());
    d.runner.shutdown().await;
}

/// Runs one kind of sync and checks the admin's VIP flag and the desk's check-in survive it.
async fn vip_and_check_in_survive(backend: Backend, kind: &str) {
    let Some(d) = desk(backend, 25).await else {
        return;
    };
    let jane = d.attendee(0).await;
    let provider_id: String =
        sqlx::query_scalar("SELECT provider_attendee_id FROM attendees WHERE id = $1")
            .bind(&jane)
            .fetch_one(&d.q.app.db.pool)
            .await
            .unwrap();
    assert_eq!(d.set_vip(&d.admin, &jane, true).await.0, 200);
    assert_eq!(
        outcome(&d.check_in(&d.staff, &jane, "survive-0001", false).await.1),
        "CheckedIn"
    );
    // The provider edits Jane meanwhile, so the sync really writes her row.
    d.q.admin(
        &format!("/events/{}/attendees/{provider_id}", d.q.provider_event_id),
        reqwest::Method::PATCH,
        serde_json::json!({ "first_name": "Janet" }),
    )
    .await;
    let event = d.q.event_id.to_string();
    match kind {
        "sync" => {
            let form = [("event_id", event.as_str())];
            assert_eq!(d.call(&d.staff, "sync_event", &form).await.0, 200);
        }
        "reconnect" | "retry" => {
            if kind == "retry" {
                sqlx::query("UPDATE events SET sync_status = 'FAILED' WHERE id = $1")
                    .bind(&d.q.event_id)
                    .execute(&d.q.app.db.pool)
                    .await
                    .unwrap();
            } else {
                let rejected = lanyard::domain::sync_status::SyncEvent::CredentialRejected;
                let mut conn = d.q.app.db.pool.acquire().await.unwrap();
                lanyard::server::db::events::apply_sync_event(&mut conn, &d.q.event_id, rejected)
                    .await
                    .unwrap();
            }
            assert_eq!(d.q.reconnect(&d.admin).await, 200);
        }
        other => panic!("unknown sync kind {other}"),
    }
    d.q.wait_row("the provider's edit to arrive", &provider_id, |r| {
        r.0 == "Janet"
    })
    .await;
    d.q.wait_status("ACTIVE").await;
    let row = d.q.row(&provider_id).await.unwrap();
    assert_eq!(row.2, 1, "still VIP after {kind}");
    assert!(row.3.is_some(), "still checked in after {kind}");
    assert_eq!(d.counted().await, (1, 1));
    // Its history shows what the sync changed.
    let (_, detail) = d.detail(&d.support, &jane).await;
    let changed = detail["history"].as_array().unwrap().iter().any(|h| {
        h["detail"]
            .as_str()
            .is_some_and(|s| s.contains("First name:") && s.ends_with("→ Janet"))
    });
    assert!(changed, "{detail}");
    d.runner.shutdown().await;
}

async fn vip_and_check_in_survive_a_sync(backend: Backend) {
    vip_and_check_in_survive(backend, "sync").await
}
async fn vip_and_check_in_survive_a_reconnect_and_its_re_import(backend: Backend) {
    vip_and_check_in_survive(backend, "reconnect").await
}
async fn vip_and_check_in_survive_a_retry(backend: Backend) {
    vip_and_check_in_survive(backend, "retry").await
}

async fn the_export_lists_every_attendee_with_check_in_times(backend: Backend) {
    let Some(d) = desk(backend, 15).await else {
        return;
    };
    let jane = d.attendee(0).await;
    d.check_in(&d.staff, &jane, "export-test-01", false).await;
    sqlx::query("UPDATE attendees SET first_name = '=HYPERLINK(\"x\")' WHERE id = $1")
        .bind(d.attendee(1).await)
        .execute(&d.q.app.db.pool)
        .await
        .unwrap();
    let res =
        d.q.app
            .get(&d.admin, &format!("/events/{}/attendees.csv", d.q.event_id))
            .await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment;"));
    let body = res.text().await.unwrap();
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines.len(), 16, "a header and one line per attendee");
    assert!(lines[0].starts_with("First name,Last name,Email"));
    let checked: Vec<&&str> = lines.iter().filter(|l| l.contains(",Some One,")).collect();
    assert_eq!(checked.len(), 1, "{body}");
    assert!(
        checked[0].contains('T') && checked[0].contains('Z'),
        "a UTC time: {}",
        checked[0]
    );
    assert!(body.contains("'=HYPERLINK"), "a formula is written as text");
    d.runner.shutdown().await;
}

/// The search reads the text the sync writes with each attendee: a name the provider changes
/// is found by its new spelling (folded beyond ASCII, on SQLite too) and no longer by the old.
async fn a_provider_rename_is_found_by_the_search_after_a_sync(backend: Backend) {
    let Some(d) = desk(backend, 25).await else {
        return;
    };
    let jane = d.attendee(0).await;
    let (provider_id, old_last): (String, String) =
        sqlx::query_as("SELECT provider_attendee_id, last_name FROM attendees WHERE id = $1")
            .bind(&jane)
            .fetch_one(&d.q.app.db.pool)
            .await
            .unwrap();
    d.q.admin(
        &format!("/events/{}/attendees/{provider_id}", d.q.provider_event_id),
        reqwest::Method::PATCH,
        serde_json::json!({
            "first_name": "Żaneta",
            "last_name": "Ørnvik",
            "email": "zaneta@ornvik.test"
        }),
    )
    .await;
    let event = d.q.event_id.to_string();
    let form = [("event_id", event.as_str())];
    assert_eq!(d.call(&d.staff, "sync_event", &form).await.0, 200);
    d.q.wait_row("the rename to arrive", &provider_id, |r| r.0 == "Żaneta")
        .await;
    let found = |search: &str| {
        let (d, event) = (&d, event.clone());
        let search = search.to_string();
        async move {
            let form = [
                ("event_id", event.as_str()),
                ("search", search.as_str()),
                ("page", "0"),
            ];
            let (status, page) = d.call(&d.support, "list_attendees", &form).await;
            assert_eq!(status, 200, "{page}");
            crate::helpers::field_of_each(&page["rows"], "id")
                .into_iter()
                .map(str::to_string)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(found("ØRNVIK żaneta").await, vec![jane.clone()]);
    assert_eq!(found("rnvik").await, vec![jane.clone()], "a part of a word");
    assert!(
        !found(&old_last).await.contains(&jane),
        "the old name no longer finds her"
    );
    d.runner.shutdown().await;
}

/// An attendee's id, names and the other searched fields, as stored.
type SearchedRow = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// More matches than the search answers from ids: the count and the page come another way
/// (sorted whole, or counted up to the next 500 past the page and read in the sort index's
/// order); both must agree with the rows themselves, on every page. Two words: one letter (on
/// SQLite too short for the trigram table) and the commonest four-letter run (found through
/// it).
async fn a_search_matching_hundreds_is_counted_and_paged_in_name_order(backend: Backend) {
    let Some(d) = desk(backend, 700).await else {
        return;
    };
    let rows: Vec<SearchedRow> = sqlx::query_as(
        "SELECT id, first_name, last_name, email, company, ticket_name, barcode FROM attendees
             WHERE event_id = $1",
    )
    .bind(&d.q.event_id)
    .fetch_all(&d.q.app.db.pool)
    .await
    .unwrap();
    let texts: Vec<(String, String, String, String)> = rows
        .iter()
        .map(|(id, f, l, e, c, t, b)| {
            let text = [
                Some(f),
                Some(l),
                e.as_ref(),
                c.as_ref(),
                t.as_ref(),
                b.as_ref(),
            ]
            .iter()
            .map(|p| p.map(String::as_str).unwrap_or_default())
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
            (l.to_lowercase(), f.to_lowercase(), id.clone(), text)
        })
        .collect();
    let mut runs: std::collections::BTreeMap<String, usize> = Default::default();
    for (.., text) in &texts {
        let chars: Vec<char> = text.chars().collect();
        let distinct: std::collections::BTreeSet<String> = chars
            .windows(4)
            .map(|w| w.iter().collect::<String>())
            .filter(|w| !w.contains(' '))
            .collect();
        for run in distinct {
            *runs.entry(run).or_default() += 1;
        }
    }
    let common = runs
        .iter()
        .max_by_key(|(run, n)| (**n, std::cmp::Reverse(run.to_string())))
        .map(|(run, _)| run.clone())
        .unwrap();
    let event = d.q.event_id.to_string();
    for word in ["e", common.as_str()] {
        let mut expected: Vec<&(String, String, String, String)> = texts
            .iter()
            .filter(|(.., text)| text.contains(word))
            .collect();
        expected.sort();
        let all = expected.len() as i64;
        assert!(all > 550, "{word:?}: more than ten pages: {all}");
        for (page, counted_to) in [(0, 500), (3, 500), (10, 1_000)] {
            let page_text = page.to_string();
            let form = [
                ("event_id", event.as_str()),
                ("search", word),
                ("page", page_text.as_str()),
            ];
            let (status, answer) = d.call(&d.support, "list_attendees", &form).await;
            assert_eq!(status, 200, "{answer}");
            // Counted whole and exactly where an index narrows the search (PostgreSQL's
            // trigram index; SQLite's trigram table, which a one-letter word cannot use);
            // else "of more than 500" until the page nears the count's end, then exact.
            let narrowed = backend == Backend::Postgres || word.chars().count() >= 3;
            let (matching, more) = (answer["matching"].as_i64().unwrap(), answer["more"] == true);
            let want = if narrowed {
                (all, false)
            } else {
                (all.min(counted_to), all > counted_to)
            };
            assert_eq!((matching, more), want, "{word:?} page {page}");
            let ids = crate::helpers::field_of_each(&answer["rows"], "id");
            let from = page * 50;
            let want: Vec<&str> = expected[from..(from + 50).min(expected.len())]
                .iter()
                .map(|(_, _, id, _)| id.as_str())
                .collect();
            assert!(!ids.is_empty());
            assert_eq!(ids, want, "{word:?} page {page}");
        }
    }
    d.runner.shutdown().await;
}

/// A search whose words the trigram index narrows (three letters and more) finds exactly what
/// testing every row would: whole words, parts of words across fields, letters beyond ASCII,
/// and nothing for runs that occur only split between two fields.
async fn the_search_index_finds_what_a_scan_would(backend: Backend) {
    let Some(d) = desk(backend, 60).await else {
        return;
    };
    let pool = &d.q.app.db.pool;
    let (jane, bob) = (d.attendee(0).await, d.attendee(1).await);
    // Written as a sync writes them, through the app's own folding.
    crate::helpers::rename(pool, &jane, "Żaneta", "Ørnvik-Quixfjord", "Qwertyzco").await;
    crate::helpers::rename(pool, &bob, "Bob", "Vikström", "Quixfjord & Co").await;
    let desk = &d;
    let found = |query: &'static str| async move {
        let d = desk;
        let form = [
            ("event_id", d.q.event_id.as_str()),
            ("search", query),
            ("page", "0"),
        ];
        let (status, answer) = d.call(&d.admin, "list_attendees", &form).await;
        assert_eq!(status, 200, "{answer}");
        let mut ids: Vec<String> = crate::helpers::field_of_each(&answer["rows"], "id")
            .into_iter()
            .map(str::to_string)
            .collect();
        ids.sort();
        ids
    };
    let both = {
        let mut v = vec![jane.clone(), bob.clone()];
        v.sort();
        v
    };
    assert_eq!(found("ØRNVIK").await, vec![jane.clone()]);
    assert_eq!(found("rnvik-qui").await, vec![jane.clone()]);
    assert_eq!(found("quixf").await, both, "a part of a name and a company");
    assert_eq!(found("QUIXFJORD qwertyz").await, vec![jane.clone()]);
    assert_eq!(found("VIKSTRÖM bob").await, vec![bob.clone()]);
    assert_eq!(found("vikstrom").await, Vec::<String>::new(), "ö is not o");
    assert_eq!(
        found("quixfjordqw").await,
        Vec::<String>::new(),
        "not across two fields"
    );
    assert_eq!(
        found("& co").await,
        vec![bob.clone()],
        "short words and symbols"
    );
    d.runner.shutdown().await;
}

async fn every_open_page_sees_a_check_in_in_its_statistics(backend: Backend) {
    let Some(d) = desk(backend, 20).await else {
        return;
    };
    let url = format!("{}/api/live/events/{}", d.q.app.address, d.q.event_id);
    let mut page = Stream::open(&d.support, &url).await;
    let first = page.next(Duration::from_secs(10)).await;
    assert_eq!(first["checked_in_count"], 0);
    let mut cards =
        Stream::open(&d.admin, &format!("{}/api/live/workspace", d.q.app.address)).await;
    let jane = d.attendee(0).await;
    d.check_in(&d.staff, &jane, "live-test-0001", false).await;
    d.set_vip(&d.admin, &jane, true).await;
    page.until(|m| m["checked_in_count"] == 1 && m["vip_count"] == 1)
        .await;
    cards.until(|m| m["checked_in_count"] == 1).await;
    // The arrivals chart counts it in its five-minute slot.
    let form = [("event_id", d.q.event_id.as_str())];
    let chart = wait_for("the chart", Duration::from_secs(10), || async {
        let (_, chart) = d.call(&d.support, "load_arrivals", &form).await;
        let total: i64 = chart["slots"]
            .as_array()?
            .iter()
            .map(|s| s[1].as_i64().unwrap())
            .sum();
        (total == 1).then_some(chart)
    })
    .await;
    assert_eq!(chart["peak"][1], 1);
    d.runner.shutdown().await;
}

/// The Staff Access card: every member who reads the event sees the code, the station link
/// and its QR code; only admins rotate it, and a rotated code is new, well-formed and the
/// only one the event has. Another workspace's event is not found; signed out is refused.
async fn the_staff_access_card_shows_the_code_and_admins_rotate_it(backend: Backend) {
    let Some(d) = desk(backend, 5).await else {
        return;
    };
    let form = [("event_id", d.q.event_id.as_str())];
    let stored = || async {
        sqlx::query_scalar::<_, String>("SELECT access_code FROM events WHERE id = $1")
            .bind(&d.q.event_id)
            .fetch_one(&d.q.app.db.pool)
            .await
            .unwrap()
    };
    let before = stored().await;
    for client in [&d.admin, &d.staff, &d.support] {
        let (status, card) = d.call(client, "get_staff_access", &form).await;
        assert_eq!(status, 200, "{card}");
        assert_eq!(card["code"], before.as_str());
        let link = card["link"].as_str().unwrap();
        assert!(link.ends_with(&format!("/staff/{before}")), "{link}");
        assert!(link.starts_with(&d.q.app.address), "{link}");
        let svg = card["qr_svg"].as_str().unwrap();
        assert!(
            svg.starts_with("<svg") && svg.contains("</svg>"),
            "{svg:.60}"
        );
    }
    assert_eq!(d.call(&d.stranger, "get_staff_access", &form).await.0, 404);
    assert_eq!(d.call(&d.staff, "rotate_access_code", &form).await.0, 403);
    assert_eq!(d.call(&d.support, "rotate_access_code", &form).await.0, 403);
    assert_eq!(
        d.call(&d.stranger, "rotate_access_code", &form).await.0,
        404
    );
    let signed_out = reqwest::Client::new();
    assert_eq!(d.call(&signed_out, "get_staff_access", &form).await.0, 401);
    assert_eq!(stored().await, before, "refused rotations change nothing");

    let (status, rotated) = d.call(&d.admin, "rotate_access_code", &form).await;
    assert_eq!(status, 200, "{rotated}");
    let after = rotated["code"].as_str().unwrap().to_string();
    assert_ne!(after, before);
    assert!(
        lanyard::domain::access_code::AccessCode::parse(&after).is_some(),
        "{after}"
    );
    assert_eq!(stored().await, after);
    assert!(rotated["link"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/staff/{after}")));
    let (_, card) = d.call(&d.support, "get_staff_access", &form).await;
    assert_eq!(
        card["code"],
        after.as_str(),
        "every reader sees the new code"
    );
    d.runner.shutdown().await;
}

crate::on_both_databases!(
    a_check_in_counts_once_however_often_its_request_is_sent,
    two_desks_checking_in_one_person_at_once_make_one_check_in,
    a_not_attending_attendee_is_checked_in_only_by_force,
    undo_is_the_desks_for_ten_minutes_and_the_admins_always,
    a_provider_check_in_counts_is_shown_as_such_and_is_never_undone,
    the_role_and_workspace_matrix_holds_for_every_desk_action,
    search_finds_words_in_any_order_across_fields_with_filters_and_sort,
    vip_and_check_in_survive_a_sync,
    vip_and_check_in_survive_a_reconnect_and_its_re_import,
    vip_and_check_in_survive_a_retry,
    the_export_lists_every_attendee_with_check_in_times,
    every_open_page_sees_a_check_in_in_its_statistics,
    a_provider_rename_is_found_by_the_search_after_a_sync,
    a_search_matching_hundreds_is_counted_and_paged_in_name_order,
    the_search_index_finds_what_a_scan_would,
    the_staff_access_card_shows_the_code_and_admins_rotate_it,
);
