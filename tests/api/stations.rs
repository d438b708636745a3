//! Staff stations over HTTP, on both databases: a station opened by access code reaches its
//! one event's attendees and check-in and nothing else; rotating the code ends it; wrong
//! codes are slowed down and then refused; a badge job goes from a phone to its print station
//! live and its status comes back; templates are picked by ticket name.

use crate::check_ins::{desk, Desk};
use crate::helpers::{spawn_app_configured, TestApp};
use crate::live::Stream;
use lanyard::domain::station::WrongCodePolicy;
use lanyard::domain::Provider;
use lanyard::server::db::Backend;
use reqwest::Client;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

async fn code_of(app: &TestApp, event_id: &str) -> String {
    sqlx::query_scalar("SELECT access_code FROM events WHERE id = $1")
        .bind(event_id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn call(
    app: &TestApp,
    client: &Client,
    endpoint: &str,
    form: &[(&str, &str)],
) -> (u16, Value) {
    let res = app.call(client, endpoint, form).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn call_json(app: &TestApp, client: &Client, endpoint: &str, body: Value) -> (u16, Value) {
    let res = client
        .post(format!("{}/api/{endpoint}", app.address))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn print_status(app: &TestApp, phone: &Client, ids: Vec<&str>) -> Value {
    call_json(app, phone, "print_status", json!({ "job_ids": ids }))
        .await
        .1
}

/// A client with a station open on `code` and named `name`.
async fn station(app: &TestApp, code: &str, name: &str) -> Client {
    let client = app.client();
    let (status, info) = call(app, &client, "open_station", &[("code", code)]).await;
    assert_eq!(status, 200, "{info}");
    let (status, info) = call(app, &client, "name_station", &[("name", name)]).await;
    assert_eq!(status, 200, "{info}");
    client
}

async fn barcode_of(d: &Desk, attendee_id: &str) -> String {
    sqlx::query_scalar("SELECT barcode FROM attendees WHERE id = $1")
        .bind(attendee_id)
        .fetch_one(&d.q.app.db.pool)
        .await
        .unwrap()
}

/// What a station may do, and everything it may not: every member's server function and
/// route answers it as signed out, and another event's attendees are not found.
async fn a_station_reaches_its_events_attendees_and_check_in_and_nothing_else(backend: Backend) {
    let Some(d) = desk(backend, 60).await else {
        return;
    };
    let app = &d.q.app;
    let event_id = d.q.event_id.to_string();
    let code = code_of(app, &event_id).await;
    let phone = app.client();
    // Typed in lower case with spaces: the code is the code.
    let typed = format!("  {}  ", code.to_lowercase());
    let (status, info) = call(app, &phone, "open_station", &[("code", &typed)]).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["event_id"], event_id.as_str());
    assert_eq!(info["station_name"], Value::Null);
    let first = d.attendee(0).await;
    let nonce = "0000000000001-aaaaaaaa-bbbbbbbb";
    let check_in = [
        ("attendee_id", first.as_str()),
        ("nonce", nonce),
        ("force", "false"),
    ];
    let (status, refused) = call(app, &phone, "check_in_at_station", &check_in).await;
    assert_eq!(status, 422, "a station checks in under its name: {refused}");

    let (status, info) = call(app, &phone, "name_station", &[("name", "  Door   2 ")]).await;
    assert_eq!(status, 200);
    assert_eq!(info["station_name"], "Door 2");
    let (_, info) = call(app, &phone, "current_station", &[]).await;
    assert_eq!(info["station_name"], "Door 2");

    let barcode = barcode_of(&d, &first).await;
    let (status, found) = call(app, &phone, "station_find", &[("code", &barcode)]).await;
    assert_eq!(status, 200);
    assert_eq!(found["id"], first.as_str());
    let (_, found) = call(
        app,
        &phone,
        "station_search",
        &[("query", ""), ("vip_only", "false")],
    )
    .await;
    assert_eq!(found.as_array().unwrap().len(), 50, "at most 50 results");

    let (status, done) = call(app, &phone, "check_in_at_station", &check_in).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["answer"]["outcome"], "CheckedIn");
    assert_eq!(done["job"], Value::Null, "no print station chosen: no job");
    let (_, again) = call(app, &phone, "check_in_at_station", &check_in).await;
    assert_eq!(
        again["answer"]["outcome"], "CheckedIn",
        "the same request resent counts once"
    );
    let other = [
        ("attendee_id", first.as_str()),
        ("nonce", "0000000000002-aaaaaaaa-bbbbbbbb"),
        ("force", "false"),
    ];
    let (_, second) = call(app, &phone, "check_in_at_station", &other).await;
    assert!(
        second["answer"]["outcome"]["AlreadyCheckedIn"]
            .as_str()
            .unwrap()
            .contains("by Door 2"),
        "{second}"
    );
    let (rows, source, station): (i64, String, String) = sqlx::query_as(
        "SELECT COUNT(*), MIN(source), MIN(station) FROM check_ins WHERE attendee_id = $1",
    )
    .bind(&first)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        (rows, source.as_str(), station.as_str()),
        (1, "STATION", "Door 2")
    );

    // Nothing of the signed-in app.
    let event_form = [("event_id", event_id.as_str())];
    for endpoint in [
        "list_events",
        "get_staff_access",
        "rotate_access_code",
        "load_arrivals",
        "load_badge_settings",
        "list_members",
    ] {
        let (status, _) = call(app, &phone, endpoint, &event_form).await;
        assert_eq!(status, 401, "{endpoint}");
    }
    let (_, session) = call(app, &phone, "session", &[]).await;
    assert_eq!(session, Value::Null, "a station is nobody's session");
    for (endpoint, form) in [
        (
            "list_attendees",
            vec![
                ("event_id", event_id.as_str()),
                ("search", ""),
                ("page", "0"),
            ],
        ),
        (
            "check_in",
            vec![
                ("event_id", event_id.as_str()),
                ("attendee_id", first.as_str()),
                ("nonce", nonce),
                ("force", "false"),
            ],
        ),
        (
            "load_attendee",
            vec![
                ("event_id", event_id.as_str()),
                ("attendee_id", first.as_str()),
            ],
        ),
        (
            "find_by_barcode",
            vec![("event_id", event_id.as_str()), ("code", barcode.as_str())],
        ),
        (
            "set_vip",
            vec![
                ("event_id", event_id.as_str()),
                ("attendee_id", first.as_str()),
                ("vip", "true"),
            ],
        ),
        (
            "attendee_badge",
            vec![
                ("event_id", event_id.as_str()),
                ("attendee_id", first.as_str()),
            ],
        ),
    ] {
        assert_eq!(
            call(app, &phone, endpoint, &form).await.0,
            401,
            "{endpoint}"
        );
    }
    for path in [
        format!("/api/live/events/{event_id}"),
        format!("/events/{event_id}/attendees.csv"),
    ] {
        let status = phone
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 401, "{path}");
    }
    let page = phone
        .get(format!("{}/events", app.address))
        .send()
        .await
        .unwrap();
    assert!(
        page.status().is_redirection(),
        "the app's pages send a station to sign in"
    );

    // Another workspace's event and attendees do not exist for it.
    let globex: String = sqlx::query_scalar("SELECT id FROM workspaces WHERE name = 'Globex'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let theirs = app
        .insert_event(&globex, None, Provider::Luma, "evt-theirs", "THEIRS")
        .await;
    sqlx::query(
        "INSERT INTO attendees (id, event_id, provider_attendee_id, first_name, last_name, barcode,
            status, created_at, updated_at, search_text)
         VALUES ('their-attendee', $1, 'p1', 'Their', 'Guest', 'THEIR-CODE', 'ATTENDING', 0, 0, 'their guest')",
    )
    .bind(theirs.to_string())
    .execute(&app.db.pool)
    .await
    .unwrap();
    let (_, found) = call(app, &phone, "station_find", &[("code", "THEIR-CODE")]).await;
    assert_eq!(found, Value::Null);
    let theirs_in = [
        ("attendee_id", "their-attendee"),
        ("nonce", "0000000000003-aaaaaaaa-bbbbbbbb"),
        ("force", "false"),
    ];
    assert_eq!(
        call(app, &phone, "check_in_at_station", &theirs_in).await.0,
        404
    );
    let (_, found) = call(
        app,
        &phone,
        "station_search",
        &[("query", "their guest"), ("vip_only", "false")],
    )
    .await;
    assert_eq!(found.as_array().unwrap().len(), 0);

    // Rotating the code ends the station at its next request.
    let (status, _) = call(app, &d.admin, "rotate_access_code", &event_form).await;
    assert_eq!(status, 200);
    let (status, _) = call(app, &phone, "station_find", &[("code", &barcode)]).await;
    assert_eq!(status, 401, "a rotated code closes the station");
    let (_, info) = call(app, &phone, "current_station", &[]).await;
    assert_eq!(info, Value::Null);
    let (status, _) = call(app, &phone, "open_station", &[("code", &code)]).await;
    assert_eq!(status, 422, "the old code opens nothing");
    d.runner.shutdown().await;
}

/// An app whose stations refuse an address after 4 wrong codes (for a minute), the first
/// `free` answered at once and each after them `delay_step_ms` slower.
async fn app_refusing_after_four(
    backend: Backend,
    free: u32,
    delay_step_ms: u64,
) -> Option<TestApp> {
    let policy = WrongCodePolicy {
        free,
        refuse_after: 4,
        delay_step_ms,
        refused_for_ms: 60_000,
        forget_after_ms: 600_000,
    };
    spawn_app_configured(backend, None, |c| c.wrong_access_codes = policy).await
}

/// Wrong codes from one address: free, then each answer slower, then refused (right codes
/// too, so the refusal tells nothing); the deep link says why on `/staff`.
async fn wrong_codes_are_slowed_down_and_then_refused(backend: Backend) {
    let Some(app) = app_refusing_after_four(backend, 1, 300).await else {
        return;
    };
    let workspace = app.create_workspace("Acme", "admin@acme.test").await;
    let event = app
        .insert_event(&workspace, None, Provider::Luma, "evt-1", "OPENME")
        .await;
    let code = code_of(&app, &event.to_string()).await;
    let client = app.client();
    let wrong = if code == "222222" { "333333" } else { "222222" };
    let mut waits = Vec::new();
    for typed in [wrong, "not-a-code", wrong] {
        let started = Instant::now();
        let (status, error) = call(&app, &client, "open_station", &[("code", typed)]).await;
        waits.push(started.elapsed());
        assert_eq!(status, 422, "{error}");
        assert_eq!(
            error["Invalid"],
            "That code does not open any event. Check it and try again."
        );
    }
    assert!(waits[1] < Duration::from_millis(300), "{waits:?}");
    assert!(
        waits[2] >= Duration::from_millis(300),
        "the third wrong code waits: {waits:?}"
    );
    // The deep link's wrong code counts too, and goes back to /staff saying so.
    let res = client
        .get(format!("{}/staff/{wrong}", app.address))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection());
    assert_eq!(res.headers()["location"], "/staff?error=wrong");
    let res = app.call(&client, "open_station", &[("code", &code)]).await;
    assert_eq!(res.status(), 429, "refused, the right code included");
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let res = client
        .get(format!("{}/staff/{code}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/staff?error=refused");
}

/// Guesses sent all at once from one address are counted as they arrive, not after they
/// are answered: of 12 sent together under a refusal after 4, at most 4 are checked.
async fn a_burst_of_wrong_codes_sent_at_once_is_refused_like_one_sent_in_turn(backend: Backend) {
    let Some(app) = app_refusing_after_four(backend, 10, 0).await else {
        return;
    };
    let client = app.client();
    let guesses = (0..12).map(|i| {
        let (app, client) = (&app, &client);
        async move {
            let code = format!("ZZZZ{}{}", 2 + i / 8, 2 + i % 8);
            app.call(client, "open_station", &[("code", &code)])
                .await
                .status()
                .as_u16()
        }
    });
    let answers = futures_util::future::join_all(guesses).await;
    assert_eq!(
        answers.iter().filter(|s| **s == 422).count(),
        4,
        "{answers:?}"
    );
    assert_eq!(
        answers.iter().filter(|s| **s == 429).count(),
        8,
        "{answers:?}"
    );
}

/// A badge job from a phone reaches its print station's stream at once with the badge its
/// ticket name picks, moves Queued → Printing → Done as the station reports, and the phone
/// sees each status; only the print station opens its stream and reports on its jobs; a
/// resent request prints once; a finished job stays finished; a station whose stream closes
/// shows Disconnected, and jobs sent meanwhile wait for it.
async fn a_badge_job_goes_from_a_phone_to_its_print_station_and_back(backend: Backend) {
    let Some(d) = desk(backend, 8).await else {
        return;
    };
    let app = &d.q.app;
    let event_id = d.q.event_id.to_string();
    let code = code_of(app, &event_id).await;
    let phone = station(app, &code, "Door 1").await;
    let printer = station(app, &code, "Printer A").await;
    let (status, me) = call(app, &printer, "register_print_station", &[]).await;
    assert_eq!(status, 200, "{me}");
    let print_station = me["id"].as_str().unwrap().to_string();
    let url = format!(
        "{}/api/station/print-stations/{print_station}/jobs",
        app.address
    );
    assert_eq!(
        phone
            .get(format!(
                "{}/api/station/print-stations/nope/jobs",
                app.address
            ))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        phone.get(&url).send().await.unwrap().status(),
        403,
        "only the print station itself takes its jobs"
    );
    let mut stream = Stream::open(&printer, &url).await;
    let status = print_status(app, &phone, vec![]).await;
    assert_eq!(status["print_stations"][0]["name"], "Printer A");
    assert_eq!(status["print_stations"][0]["connected"], true);

    // A variant for the first attendee's ticket name.
    let first = d.attendee(0).await;
    let ticket: String = sqlx::query_scalar("SELECT ticket_name FROM attendees WHERE id = $1")
        .bind(&first)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let variant = json!({ "template": {
        "id": "", "name": "Their variant", "is_default": false, "ticket_names": [ticket.to_uppercase()],
        "size": "FourBySix", "fields": ["FirstName", "QrCode", "VipMarker"]
    }});
    let (status, saved) = call_json(app, &d.admin, "save_badge_template", variant.clone()).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(
        call_json(app, &d.staff, "save_badge_template", variant)
            .await
            .0,
        403
    );

    let nonce = "0000000000011-aaaaaaaa-bbbbbbbb";
    let form = [
        ("attendee_id", first.as_str()),
        ("nonce", nonce),
        ("force", "false"),
        ("print_station_id", print_station.as_str()),
    ];
    let (status, done) = call(app, &phone, "check_in_at_station", &form).await;
    assert_eq!(status, 200, "{done}");
    let job_id = done["job"]["id"].as_str().unwrap().to_string();
    assert_eq!(done["job"]["status"], "Queued");
    let sent = stream.next(Duration::from_secs(10)).await;
    assert_eq!(sent["id"], job_id.as_str());
    assert_eq!(
        sent["badge"]["template"]["name"], "Their variant",
        "the ticket name picked it"
    );
    assert_eq!(sent["badge"]["template"]["size"], "FourBySix");
    assert!(sent["badge"]["qr_svg"]
        .as_str()
        .unwrap()
        .starts_with("<svg"));
    let elsewhere = [
        ("attendee_id", d.attendee(5).await),
        ("nonce", "0000000000019-aaaaaaaa-bbbbbbbb".to_string()),
        ("force", "false".to_string()),
        ("print_station_id", "not-a-print-station".to_string()),
    ];
    let elsewhere: Vec<(&str, &str)> = elsewhere.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        call(app, &phone, "check_in_at_station", &elsewhere).await.0,
        404
    );
    let fifth: Option<i64> =
        sqlx::query_scalar("SELECT checked_in_at FROM attendees WHERE id = $1")
            .bind(elsewhere[0].1)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(fifth, None, "an unknown print station checks nobody in");
    let (_, resent) = call(app, &phone, "check_in_at_station", &form).await;
    assert_eq!(
        resent["job"]["id"],
        job_id.as_str(),
        "a resent request is the same job"
    );

    let (status, _) = call(
        app,
        &phone,
        "report_print",
        &[("job_id", job_id.as_str()), ("event", "Printed")],
    )
    .await;
    assert_eq!(status, 403, "a phone cannot mark a badge printed");
    let status = print_status(app, &phone, vec![job_id.as_str()]).await;
    assert_eq!(status["jobs"][0]["status"], "Queued");

    for (event, expected) in [("Started", "Printing"), ("Printed", "Done")] {
        let (status, job) = call(
            app,
            &printer,
            "report_print",
            &[("job_id", job_id.as_str()), ("event", event)],
        )
        .await;
        assert_eq!(status, 200, "{job}");
        assert_eq!(job["status"], expected);
        let status = print_status(app, &phone, vec![job_id.as_str()]).await;
        assert_eq!(status["jobs"][0]["status"], expected, "the phone sees it");
    }
    let (status, _) = call(
        app,
        &printer,
        "report_print",
        &[("job_id", job_id.as_str()), ("event", "PrintFailed")],
    )
    .await;
    assert_eq!(status, 422, "a finished job stays finished");

    // Another attendee, the Default badge; a failure is told with why.
    let second = d.attendee(1).await;
    let reprint = [
        ("attendee_id", second.as_str()),
        ("print_station_id", print_station.as_str()),
        ("nonce", "0000000000012-aaaaaaaa-bbbbbbbb"),
    ];
    let (status, job) = call(app, &phone, "station_reprint", &reprint).await;
    assert_eq!(status, 200, "{job}");
    let sent = stream.next(Duration::from_secs(10)).await;
    assert_eq!(sent["id"], job["id"]);
    let second_ticket: Option<String> =
        sqlx::query_scalar("SELECT ticket_name FROM attendees WHERE id = $1")
            .bind(&second)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let expected = if second_ticket.as_deref().map(str::to_lowercase) == Some(ticket.to_lowercase())
    {
        "Their variant"
    } else {
        "Default badge"
    };
    assert_eq!(sent["badge"]["template"]["name"], expected);
    let failed = [
        ("job_id", job["id"].as_str().unwrap()),
        ("event", "PrintFailed"),
        ("error", "Out of labels"),
    ];
    let (_, job) = call(app, &printer, "report_print", &failed).await;
    assert_eq!(
        (job["status"].as_str(), job["error"].as_str()),
        (Some("Failed"), Some("Out of labels"))
    );

    // The station goes away: Disconnected within seconds; a job sent meanwhile waits.
    drop(stream);
    crate::fixtures::wait_for(
        "the print station shows Disconnected",
        Duration::from_secs(15),
        || async {
            (print_status(app, &phone, vec![]).await["print_stations"][0]["connected"] == false)
                .then_some(())
        },
    )
    .await;
    let third = d.attendee(2).await;
    let waiting = [
        ("attendee_id", third.as_str()),
        ("print_station_id", print_station.as_str()),
        ("nonce", "0000000000013-aaaaaaaa-bbbbbbbb"),
    ];
    let (_, job) = call(app, &phone, "station_reprint", &waiting).await;
    assert_eq!(
        print_status(app, &phone, vec![]).await["print_stations"][0]["waiting"],
        1
    );
    let mut back = Stream::open(&printer, &url).await;
    let sent = back.next(Duration::from_secs(10)).await;
    assert_eq!(
        sent["id"], job["id"],
        "the waiting job arrives when the station is back"
    );
    d.runner.shutdown().await;
}

/// Badge templates are the admins', per workspace; a bad one is refused with why.
async fn badge_templates_are_per_workspace_and_checked(backend: Backend) {
    let Some(d) = desk(backend, 3).await else {
        return;
    };
    let app = &d.q.app;
    let (status, settings) = call(app, &d.admin, "load_badge_settings", &[]).await;
    assert_eq!(status, 200, "{settings}");
    assert_eq!(settings["templates"][0]["name"], "Default badge");
    assert!(
        settings["sample"]["first_name"].is_string(),
        "a real attendee for the preview"
    );
    for client in [&d.staff, &d.support] {
        assert_eq!(call(app, client, "load_badge_settings", &[]).await.0, 403);
    }
    let bad = json!({ "template": { "id": "", "name": "Crew", "is_default": false, "ticket_names": [], "size": "A6", "fields": ["FirstName"] }});
    let (status, error) = call_json(app, &d.admin, "save_badge_template", bad).await;
    assert_eq!(status, 422);
    assert_eq!(
        error["Invalid"],
        "A variant template needs at least one ticket name."
    );
    let default = json!({ "template": { "id": "", "name": "Default badge", "is_default": true, "ticket_names": [], "size": "Mm62x100", "fields": ["LastName", "FirstName"] }});
    let (_, saved) = call_json(app, &d.admin, "save_badge_template", default.clone()).await;
    let (_, again) = call_json(app, &d.admin, "save_badge_template", default).await;
    assert_eq!(saved["id"], again["id"], "one Default badge per workspace");
    let (_, settings) = call(app, &d.admin, "load_badge_settings", &[]).await;
    assert_eq!(settings["templates"].as_array().unwrap().len(), 1);
    assert_eq!(settings["templates"][0]["size"], "Mm62x100");
    let (_, theirs) = call(app, &d.stranger, "load_badge_settings", &[]).await;
    assert_eq!(
        theirs["templates"][0]["size"], "FourByThree",
        "another workspace keeps its own"
    );
    let (status, _) = call(
        app,
        &d.stranger,
        "delete_badge_template",
        &[("id", saved["id"].as_str().unwrap())],
    )
    .await;
    assert_eq!(status, 404);
    d.runner.shutdown().await;
}

crate::on_both_databases!(
    a_station_reaches_its_events_attendees_and_check_in_and_nothing_else,
    wrong_codes_are_slowed_down_and_then_refused,
    a_burst_of_wrong_codes_sent_at_once_is_refused_like_one_sent_in_turn,
    a_badge_job_goes_from_a_phone_to_its_print_station_and_back,
    badge_templates_are_per_workspace_and_checked,
);
