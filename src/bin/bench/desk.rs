//! The check-in desk benchmark, through the real HTTP path of a running instance, on SQLite
//! and PostgreSQL. Three questions:
//!
//! 1. Sustained check-ins while the same event re-imports: 20 desks, each its own client
//!    and signed-in STAFF session, check in distinct attendees for a fixed time while the
//!    Sync button's job runs again and again (each round changes a tenth of the event on the
//!    provider, so the import writes rows, not only reads them). About 5 % of requests are a
//!    resent request (same nonce) and 5 % a second desk for someone already in (new nonce):
//!    afterwards the database must hold exactly one standing check-in per attendee answered
//!    "CheckedIn", none lost, none doubled. Baseline: the same clients sending as many
//!    `session` calls under the same re-import (the HTTP and session floor).
//! 2. Search: `list_attendees` with a mix of real queries, one client, one after another;
//!    baseline the same client's `session` calls.
//! 3. The event page rendered on the server (full SSR HTML) as an admin; baseline a cheap
//!    page (`/settings/integrations`) and `/healthz`.
//!
//! Environment: `LANYARD_BENCH_DESK_ATTENDEES` (default 50000), `LANYARD_BENCH_DESK_SECONDS`
//! (10).

use lanyard::api::attendees::AttendeePage;
use lanyard::api::check_ins::{CheckInAnswer, CheckInOutcome};
use lanyard::domain::{EventId, Role};
use lanyard::server::accounts::{self, NewMember};
use lanyard::server::auth::throttle::AttemptQuota;
use lanyard::server::config::Config;
use lanyard::server::db::jobs;
use lanyard::simulator::RunningSimulator;
use lanyard::startup::Application;
use reqwest::header::{HeaderMap, HeaderValue, COOKIE, SET_COOKIE};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Concurrent desks (clients) in the check-in run.
const DESKS: usize = 20;
/// Each re-import round changes every TOUCH_EVERY-th person on the provider.
const TOUCH_EVERY: usize = 10;
const SEARCHES: usize = 300;
const PAGE_RENDERS: usize = 100;
/// Longest the first import or the last re-import may take before the run gives up.
const IMPORT_DEADLINE: Duration = Duration::from_secs(900);
const ADMIN: &str = "desk-admin@bench.test";

/// Sorted latencies.
#[derive(Default)]
pub(crate) struct Latencies(Vec<Duration>);

impl Latencies {
    pub(crate) fn new(mut all: Vec<Duration>) -> Latencies {
        all.sort();
        Latencies(all)
    }

    /// The p-th percentile in milliseconds.
    pub(crate) fn ms(&self, p: f64) -> f64 {
        if self.0.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * self.0.len() as f64).ceil() as usize;
        self.0[rank.clamp(1, self.0.len()) - 1].as_secs_f64() * 1000.0
    }
}

/// What the database holds after the run, against what the desks were told.
pub struct Counted {
    /// check_ins rows not undone.
    standing: i64,
    /// attendees with checked_in_at set.
    marked: i64,
    /// Distinct attendees answered "CheckedIn".
    answered: usize,
    /// Answered "CheckedIn" but not checked in in the database.
    lost: usize,
    /// Checked in in the database without any desk having been told so.
    unanswered: usize,
    /// Attendees with more than one standing check-in.
    doubled: i64,
}

pub struct DeskFigures {
    database: &'static str,
    attendees: usize,
    check_in_window: Duration,
    check_in_requests: usize,
    unique: usize,
    check_in: Latencies,
    baseline_window: Duration,
    baseline_requests: usize,
    baseline: Latencies,
    /// (sent, answered as expected) for resent requests and second desks.
    resent: (usize, usize),
    second: (usize, usize),
    /// Fresh attendees not answered "CheckedIn"; non-200 or unreadable answers (either run).
    unexpected: usize,
    errors: usize,
    first_error: Option<String>,
    counted: Counted,
    /// Share of the check-in window during which a re-import was running.
    overlap: f64,
    /// The active job's state when the check-ins stopped, and when the baseline stopped.
    running_after_check_ins: Option<String>,
    running_after_baseline: Option<String>,
    rounds: Vec<Duration>,
    rounds_failed: i64,
    rows_updated: i64,
    /// (query kind, rows matching, latencies)
    search: Vec<(&'static str, String, Latencies)>,
    search_all: Latencies,
    search_session: Latencies,
    page: Latencies,
    page_bytes: usize,
    /// Renders that held the Attendees table (of PAGE_RENDERS).
    page_complete: usize,
    cheap_page: Latencies,
    healthz: Latencies,
}

/// Both databases, then the tables.
pub async fn run_all(sim: &RunningSimulator) {
    let size = super::env_or("LANYARD_BENCH_DESK_ATTENDEES", 50_000);
    let seconds = super::env_or("LANYARD_BENCH_DESK_SECONDS", 10) as u64;
    println!();
    println!("Check-in desk: {size} attendees, {DESKS} desks for {seconds} s while the event re-imports (HTTP, signed-in sessions)");
    let mut results = Vec::new();
    let dir = std::env::temp_dir().join(format!("lanyard-bench-desk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let sqlite_url = format!("sqlite://{}/desk.db?mode=rwc", dir.display());
    results.push(run(sim, "SQLite", &sqlite_url, &dir, size, seconds).await);
    let server = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    match super::scratch_postgres(&server).await {
        Some((url, name)) => {
            let pg_dir = dir.join("postgres");
            std::fs::create_dir_all(&pg_dir).expect("scratch dir");
            results.push(run(sim, "PostgreSQL", &url, &pg_dir, size, seconds).await);
            super::drop_postgres(&server, &name).await;
        }
        None => println!("PostgreSQL at {server} unreachable: skipped"),
    }
    let _ = std::fs::remove_dir_all(&dir);
    for f in &results {
        f.print();
    }
}

async fn run(
    sim: &RunningSimulator,
    database: &'static str,
    url: &str,
    dir: &std::path::Path,
    size: usize,
    seconds: u64,
) -> DeskFigures {
    // The throughput runs measure the app, not the providers' volume limits.
    sim.sim.world().limits.enabled = false;
    let config = Config {
        sync_workers: 1,
        // No poll in the middle: the re-imports are the Sync button's.
        poll_seconds: 3_600,
        // 21 sign-ins from one address in a moment: more than a person's quota.
        sign_in_per_address: AttemptQuota {
            burst: 1_000,
            every: Duration::from_millis(1),
        },
        ..Config::local(
            "127.0.0.1:0".parse().unwrap(),
            url.to_string(),
            dir.to_path_buf(),
            lanyard::demo::provider_urls(sim),
        )
    };
    let started = Instant::now();
    let Imported {
        address,
        state,
        member,
        event_id,
        provider_event_id,
        first_job,
    } = imported_event(sim, config, database, "Desk", ADMIN, "DESK22", size).await;
    let pool = &state.db.pool;
    let workspace = member.workspace_id.clone();
    println!(
        "{database}: first import of {size} attendees in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // Desks: STAFF members, each signed in on its own client (one after another: set-up).
    progress(database, "signing in the desks");
    let mut desks = Vec::with_capacity(DESKS);
    for i in 0..DESKS {
        let email = format!("desk{i}@bench.test");
        let staff = NewMember {
            email: &email,
            display_name: "Desk Staff",
            password: super::live::PASSWORD,
            role: Role::Staff,
        };
        accounts::add_member(&state.db, &workspace, staff)
            .await
            .expect("staff member");
        desks.push(signed_in(&address, &email).await);
    }
    let admin = signed_in(&address, ADMIN).await;

    // Attendees a desk may check in without Force, split between the desks.
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM attendees WHERE event_id = $1 AND status = 'ATTENDING'
            AND provider_checked_in_at IS NULL AND checked_in_at IS NULL ORDER BY id",
    )
    .bind(&event_id)
    .fetch_all(pool)
    .await
    .unwrap();

    // 1. Check-ins, then the baseline, while the Sync button's job runs round after round.
    progress(database, "check-ins while re-importing");
    let stop = AtomicBool::new(false);
    let deadline = Duration::from_secs(seconds);
    let (rounds, (desk, running_after_check_ins, baseline, running_after_baseline)) = tokio::join!(
        keep_importing(
            sim,
            &provider_event_id,
            &admin,
            &address,
            pool,
            &event_id,
            &stop
        ),
        async {
            wait_for_running(pool, &event_id).await;
            let desk = check_ins(&desks, &address, &event_id, &ids, deadline).await;
            let after_check_ins = active_state(pool, &event_id).await;
            let counts: Vec<usize> = desk.tallies.iter().map(|t| t.latencies.len()).collect();
            let baseline = session_calls(&desks, &address, &counts).await;
            let after_baseline = active_state(pool, &event_id).await;
            stop.store(true, Ordering::SeqCst);
            (desk, after_check_ins, baseline, after_baseline)
        }
    );
    let window = (desk.started, desk.started + desk.elapsed);
    let overlap: Duration = rounds
        .iter()
        .map(|&(from, to)| {
            to.min(window.1)
                .saturating_duration_since(from.max(window.0))
        })
        .sum();
    let (rounds_failed, rows_updated): (i64, i64) = {
        let jobs: Vec<(String, i64)> = sqlx::query_as(
            "SELECT state, updated_count FROM sync_jobs WHERE event_id = $1 AND id <> $2",
        )
        .bind(&event_id)
        .bind(&first_job)
        .fetch_all(pool)
        .await
        .unwrap();
        (
            jobs.iter().filter(|(s, _)| s != "SUCCEEDED").count() as i64,
            jobs.iter().map(|(_, n)| n).sum(),
        )
    };

    // The count, once every re-import has finished: nothing lost, nothing doubled.
    progress(database, "counting");
    let answered: HashSet<&str> = desk
        .tallies
        .iter()
        .flat_map(|t| t.answered.iter().map(String::as_str))
        .collect();
    let counted = count(pool, &event_id, &answered).await;
    let mut check_in = Vec::new();
    let (mut resent, mut second) = ((0, 0), (0, 0));
    let (mut unexpected, mut errors, mut first_error) = (0, baseline.errors, baseline.first_error);
    for t in &desk.tallies {
        check_in.extend_from_slice(&t.latencies);
        resent = (resent.0 + t.resent.0, resent.1 + t.resent.1);
        second = (second.0 + t.second.0, second.1 + t.second.1);
        unexpected += t.unexpected;
        errors += t.errors;
        first_error = first_error.or_else(|| t.first_error.clone());
    }
    let unique = desk.tallies.iter().map(|t| t.fresh_checked_in).sum();

    // 2. Search, with some VIPs to filter on (every hundredth barcode).
    sqlx::query("UPDATE attendees SET is_vip = 1 WHERE event_id = $1 AND barcode LIKE '%00'")
        .bind(&event_id)
        .execute(pool)
        .await
        .unwrap();
    progress(database, "searches");
    let searcher = &desks[0];
    let (search, search_all) = searches(searcher, &address, pool, &event_id).await;
    let search_session = session_sequential(searcher, &address, SEARCHES).await;

    // 3. The event page, rendered on the server.
    progress(database, "page renders");
    let (page, page_bytes, page_complete) = gets(
        &admin,
        &address,
        &format!("/events/{event_id}"),
        "data-testid=\"attendees-table\"",
    )
    .await;
    if let Ok(dir) = std::env::var("LANYARD_BENCH_DUMP") {
        // The page as rendered, to look at (its size alone does not say what it showed).
        let body = admin
            .get(format!("{address}/events/{event_id}"))
            .send()
            .await
            .expect("GET")
            .text()
            .await
            .expect("body");
        let _ = std::fs::write(format!("{dir}/desk-page-{database}.html"), body);
    }
    let (cheap_page, ..) = gets(&admin, &address, "/settings/integrations", "").await;
    let (healthz, ..) = gets(&admin, &address, "/healthz", "").await;

    state.live.close();
    sim.sim.world().events.remove(&provider_event_id);
    DeskFigures {
        database,
        attendees: size,
        check_in_window: desk.elapsed,
        check_in_requests: check_in.len(),
        unique,
        check_in: Latencies::new(check_in),
        baseline_window: baseline.elapsed,
        baseline_requests: baseline.latencies.len(),
        baseline: Latencies::new(baseline.latencies),
        resent,
        second,
        unexpected,
        errors,
        first_error,
        counted,
        overlap: overlap.as_secs_f64() / desk.elapsed.as_secs_f64(),
        running_after_check_ins,
        running_after_baseline,
        rounds: rounds.iter().map(|(from, to)| *to - *from).collect(),
        rounds_failed,
        rows_updated,
        search,
        search_all,
        search_session,
        page,
        page_bytes,
        page_complete,
        cheap_page,
        healthz,
    }
}

/// An instance with one event of `size` attendees fully imported by its own runner.
pub(crate) struct Imported {
    pub address: String,
    pub state: lanyard::server::AppState,
    pub member: lanyard::server::auth::Member,
    pub event_id: EventId,
    pub provider_event_id: String,
    /// The first import's job id.
    pub first_job: String,
}

/// Starts an instance with `config`, an admin `admin`, and the "`label` Bench Expo" event
/// (access code `code`) of `size` attendees on the simulator, imported in full.
pub(crate) async fn imported_event(
    sim: &RunningSimulator,
    config: Config,
    database: &str,
    label: &str,
    admin: &str,
    code: &str,
    size: usize,
) -> Imported {
    let (address, state) = Application::spawn(config).await.expect("app starts");
    let pool = &state.db.pool;
    let member = super::admin_member(&state, &format!("Bench {label}"), admin).await;
    let event_name = format!("{label} Bench Expo");
    let (token, provider_event_id) = super::eventbrite_event(
        sim,
        &format!(
            "{}-{}@lanyard.test",
            label.to_lowercase(),
            database.to_lowercase()
        ),
        &event_name,
        size,
    );
    let event_id = super::connected_event(
        &state,
        &member,
        token,
        &provider_event_id,
        &event_name,
        "Europe/London",
        code,
    )
    .await;
    let first_job = jobs::enqueue(
        &mut lanyard::server::db::conn(pool).await.unwrap(),
        &member.workspace_id,
        &event_id,
        jobs::JobKind::Import,
        lanyard::domain::Trigger::ImportDialog,
        Some(&member.user_id),
    )
    .await
    .unwrap();
    wait_for_no_job(pool, &event_id).await;
    let state_of: String = sqlx::query_scalar("SELECT state FROM sync_jobs WHERE id = $1")
        .bind(&first_job)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(state_of, "SUCCEEDED", "the first import");
    Imported {
        address,
        state,
        member,
        event_id,
        provider_event_id,
        first_job,
    }
}

/// Where a run is, on stderr, so a run that stops can be seen to stop somewhere.
fn progress(database: &str, phase: &str) {
    eprintln!(
        "  [{}] {database}: {phase}",
        chrono::Utc::now().format("%H:%M:%S")
    );
}

/// A client carrying a new session of `email` (the bench binary has no cookie store).
async fn signed_in(address: &str, email: &str) -> reqwest::Client {
    let res = reqwest::Client::new()
        .post(format!("{address}/api/sign_in"))
        .form(&[("email", email), ("password", super::live::PASSWORD)])
        .send()
        .await
        .expect("sign-in request");
    assert!(res.status().is_success(), "sign-in: {}", res.status());
    let client = with_session_of(&res);
    let session = call(&client, address, "session", &[]).await;
    assert!(session.1.contains(email), "session of {email}: {session:?}");
    client
}

/// A client that sends the session cookie `res` set, on every request.
pub(crate) fn with_session_of(res: &reqwest::Response) -> reqwest::Client {
    let cookie: Vec<String> = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_string))
        .collect();
    let mut headers = HeaderMap::new();
    headers.insert(COOKIE, HeaderValue::from_str(&cookie.join("; ")).unwrap());
    reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// A server function called as the page calls it; (status, body).
pub(crate) async fn call(
    client: &reqwest::Client,
    address: &str,
    endpoint: &str,
    form: &[(&str, &str)],
) -> (u16, String) {
    match client
        .post(format!("{address}/api/{endpoint}"))
        .form(form)
        .send()
        .await
    {
        Ok(res) => {
            let status = res.status().as_u16();
            (status, res.text().await.unwrap_or_default())
        }
        Err(e) => (0, e.to_string()),
    }
}

/// The Sync button pressed again as soon as the previous run is over, each time after a
/// tenth of the event changed on the provider, until `stop`; then the last run is waited
/// out. Each run's (start, end).
async fn keep_importing(
    sim: &RunningSimulator,
    provider_event_id: &str,
    admin: &reqwest::Client,
    address: &str,
    pool: &sqlx::AnyPool,
    event_id: &EventId,
    stop: &AtomicBool,
) -> Vec<(Instant, Instant)> {
    let mut rounds = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        fresh_budget(sim, pool).await;
        touch_tenth(sim, provider_event_id, rounds.len());
        let started = Instant::now();
        let (status, body) = call(
            admin,
            address,
            "sync_event",
            &[("event_id", event_id.as_str())],
        )
        .await;
        assert_eq!(status, 200, "sync_event: {body}");
        wait_for_no_job(pool, event_id).await;
        rounds.push((started, Instant::now()));
        progress(
            "re-import",
            &format!(
                "round {} in {:.1} s",
                rounds.len(),
                started.elapsed().as_secs_f64()
            ),
        );
    }
    rounds
}

/// Every round is a full listing (1,000 calls at 50,000 attendees, half the token's hour):
/// the run measures the desk beside a running import, not Eventbrite's hourly budget, so the
/// budget starts afresh, on the simulator and in Lanyard, before each round. Without this
/// the second round is handed back to the queue for an hour (seen: the run sat idle).
async fn fresh_budget(sim: &RunningSimulator, pool: &sqlx::AnyPool) {
    sim.sim.world().windows.clear();
    sqlx::query("UPDATE provider_budgets SET used = 0, blocked_until = 0, window_started_at = $1")
        .bind(chrono::Utc::now().timestamp_millis())
        .execute(pool)
        .await
        .expect("budget reset");
}

/// Changes every TOUCH_EVERY-th person's job title on the provider, stamped now.
fn touch_tenth(sim: &RunningSimulator, provider_event_id: &str, round: usize) {
    let stamp = serde_json::json!(lanyard::simulator::world::iso(
        chrono::Utc::now().timestamp_millis()
    ));
    let title = serde_json::json!(format!("Title {round}"));
    let mut world = sim.sim.world();
    let event = world
        .events
        .get_mut(provider_event_id)
        .expect("the simulator's event");
    for p in event
        .people
        .iter_mut()
        .skip(round % TOUCH_EVERY)
        .step_by(TOUCH_EVERY)
    {
        p["profile"]["job_title"] = title.clone();
        p["changed"] = stamp.clone();
    }
}

/// The state of the event's queued or running job, if it has one.
async fn active_state(pool: &sqlx::AnyPool, event_id: &EventId) -> Option<String> {
    sqlx::query_scalar(
        "SELECT state FROM sync_jobs WHERE event_id = $1 AND state IN ('QUEUED', 'RUNNING')",
    )
    .bind(event_id)
    .fetch_optional(pool)
    .await
    .unwrap()
}

pub(crate) async fn wait_for_no_job(pool: &sqlx::AnyPool, event_id: &EventId) {
    let started = Instant::now();
    while active_state(pool, event_id).await.is_some() {
        assert!(started.elapsed() < IMPORT_DEADLINE, "an import did not end");
        let deferred: Option<i64> = sqlx::query_scalar(
            "SELECT run_after FROM sync_jobs WHERE event_id = $1 AND state = 'QUEUED' AND run_after > $2",
        )
        .bind(event_id)
        .bind(chrono::Utc::now().timestamp_millis() + 60_000)
        .fetch_optional(pool)
        .await
        .unwrap();
        assert!(
            deferred.is_none(),
            "an import was handed back to the queue for later (a rate limit or the call budget)"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_for_running(pool: &sqlx::AnyPool, event_id: &EventId) {
    let started = Instant::now();
    while active_state(pool, event_id).await.as_deref() != Some("RUNNING") {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no re-import ran"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// One desk's requests and what they were answered.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    /// Attendees answered "CheckedIn" (fresh requests and resent ones).
    answered: Vec<String>,
    fresh_checked_in: usize,
    resent: (usize, usize),
    second: (usize, usize),
    unexpected: usize,
    errors: usize,
    first_error: Option<String>,
}

struct DeskRun {
    tallies: Vec<Tally>,
    started: Instant,
    elapsed: Duration,
}

/// The desks at once, each on its own share of the attendees, until the time is up or its
/// share is used.
async fn check_ins(
    desks: &[reqwest::Client],
    address: &str,
    event_id: &EventId,
    ids: &[String],
    duration: Duration,
) -> DeskRun {
    let started = Instant::now();
    let deadline = started + duration;
    let tasks: Vec<_> = desks
        .iter()
        .enumerate()
        .map(|(d, client)| {
            let share: Vec<String> = ids.iter().skip(d).step_by(desks.len()).cloned().collect();
            tokio::spawn(one_desk(
                client.clone(),
                address.to_string(),
                event_id.to_string(),
                d,
                share,
                deadline,
            ))
        })
        .collect();
    let tallies = futures_util::future::join_all(tasks)
        .await
        .into_iter()
        .map(|t| t.expect("desk task"))
        .collect();
    DeskRun {
        tallies,
        started,
        elapsed: started.elapsed(),
    }
}

async fn one_desk(
    client: reqwest::Client,
    address: String,
    event_id: String,
    d: usize,
    share: Vec<String>,
    deadline: Instant,
) -> Tally {
    enum Kind {
        Fresh,
        Resent,
        Second,
    }
    let mut tally = Tally::default();
    let mut fresh = share.iter();
    // (attendee, nonce) of this desk's check-ins so far.
    let mut done: Vec<(String, String)> = Vec::new();
    let mut k = 0usize;
    while Instant::now() < deadline {
        // One request in twenty is a resend of the last check-in (a retry after a dropped
        // answer), one in twenty another desk's attempt at someone already in.
        let kind = match k % 20 {
            9 if !done.is_empty() => Kind::Resent,
            19 if !done.is_empty() => Kind::Second,
            _ => Kind::Fresh,
        };
        let (attendee, nonce) = match kind {
            Kind::Resent => done.last().cloned().unwrap(),
            Kind::Second => (
                done[(k / 20) % done.len()].0.clone(),
                format!("desk-{d:02}-{k:07}"),
            ),
            Kind::Fresh => match fresh.next() {
                Some(id) => (id.clone(), format!("desk-{d:02}-{k:07}")),
                None => break,
            },
        };
        k += 1;
        let form = [
            ("event_id", event_id.as_str()),
            ("attendee_id", attendee.as_str()),
            ("nonce", nonce.as_str()),
            ("force", "false"),
        ];
        let sent = Instant::now();
        let (status, body) = call(&client, &address, "check_in", &form).await;
        tally.latencies.push(sent.elapsed());
        let answer = match serde_json::from_str::<CheckInAnswer>(&body) {
            Ok(answer) if status == 200 && answer.attendee.id == attendee => answer,
            _ => {
                tally.errors += 1;
                tally
                    .first_error
                    .get_or_insert_with(|| format!("check_in {status}: {body}"));
                continue;
            }
        };
        let checked_in = answer.outcome == CheckInOutcome::CheckedIn;
        match kind {
            Kind::Fresh if checked_in => {
                tally.fresh_checked_in += 1;
                tally.answered.push(attendee.clone());
                done.push((attendee, nonce));
            }
            Kind::Fresh => tally.unexpected += 1,
            Kind::Resent => {
                tally.resent.0 += 1;
                if checked_in {
                    tally.resent.1 += 1;
                    tally.answered.push(attendee);
                }
            }
            Kind::Second => {
                tally.second.0 += 1;
                tally.second.1 += usize::from(!checked_in);
                if checked_in {
                    tally.answered.push(attendee);
                }
            }
        }
    }
    tally
}

struct SessionRun {
    latencies: Vec<Duration>,
    elapsed: Duration,
    errors: usize,
    first_error: Option<String>,
}

/// The baseline: each desk sends as many `session` calls as it sent check-ins, all at once.
async fn session_calls(desks: &[reqwest::Client], address: &str, counts: &[usize]) -> SessionRun {
    let started = Instant::now();
    let tasks: Vec<_> = desks
        .iter()
        .zip(counts)
        .map(|(client, &n)| {
            let (client, address) = (client.clone(), address.to_string());
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(n);
                let mut failed = Vec::new();
                for _ in 0..n {
                    let sent = Instant::now();
                    let (status, body) = call(&client, &address, "session", &[]).await;
                    latencies.push(sent.elapsed());
                    if status != 200 || body == "null" {
                        failed.push(format!("session {status}: {body}"));
                    }
                }
                (latencies, failed)
            })
        })
        .collect();
    let mut run = SessionRun {
        latencies: Vec::new(),
        elapsed: Duration::ZERO,
        errors: 0,
        first_error: None,
    };
    for task in futures_util::future::join_all(tasks).await {
        let (latencies, failed) = task.expect("baseline task");
        run.latencies.extend(latencies);
        run.errors += failed.len();
        run.first_error = run.first_error.or(failed.into_iter().next());
    }
    run.elapsed = started.elapsed();
    run
}

/// `n` `session` calls one after another (after a warm-up).
async fn session_sequential(client: &reqwest::Client, address: &str, n: usize) -> Latencies {
    let mut latencies = Vec::with_capacity(n);
    for i in 0..n + 20 {
        let sent = Instant::now();
        let (status, body) = call(client, address, "session", &[]).await;
        assert_eq!(status, 200, "session: {body}");
        if i >= 20 {
            latencies.push(sent.elapsed());
        }
    }
    Latencies::new(latencies)
}

/// `list_attendees` over a mix of queries made from real attendees, round robin, one after
/// another; per kind and over all.
async fn searches(
    client: &reqwest::Client,
    address: &str,
    pool: &sqlx::AnyPool,
    event_id: &EventId,
) -> (Vec<(&'static str, String, Latencies)>, Latencies) {
    let people: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT first_name, last_name, company, barcode FROM attendees
         WHERE event_id = $1 AND company IS NOT NULL AND barcode IS NOT NULL ORDER BY id LIMIT 10",
    )
    .bind(event_id)
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(!people.is_empty(), "attendees with a company and a barcode");
    let first_word = |s: &str| s.split_whitespace().next().unwrap_or_default().to_string();
    // (kind, search, extra fields) for one person.
    let query =
        |kind: usize, (first, last, company, barcode): &(String, String, String, String)| {
            let none: Vec<(&'static str, &'static str)> = Vec::new();
            match kind {
                0 => ("last name word", first_word(last), none),
                1 => ("two words reversed", format!("{last} {first}"), none),
                2 => ("company word", first_word(company), none),
                3 => ("barcode", barcode.clone(), none),
                4 => ("empty", String::new(), none),
                _ => (
                    "filter: not yet, VIP",
                    String::new(),
                    vec![("check_in", "NotYet"), ("vip_only", "true")],
                ),
            }
        };
    const KINDS: usize = 6;
    let mut by_kind: Vec<(&'static str, String, Vec<Duration>)> = Vec::new();
    let mut all = Vec::new();
    let warm_up = KINDS * people.len();
    for i in 0..warm_up + SEARCHES {
        let kind = i % KINDS;
        let (label, search, extra) = query(kind, &people[(i / KINDS) % people.len()]);
        let mut form = vec![
            ("event_id", event_id.as_str()),
            ("search", search.as_str()),
            ("page", "0"),
        ];
        form.extend(extra);
        let sent = Instant::now();
        let (status, body) = call(client, address, "list_attendees", &form).await;
        let took = sent.elapsed();
        let page: AttendeePage = match serde_json::from_str(&body) {
            Ok(page) if status == 200 => page,
            _ => panic!("list_attendees {status}: {body}"),
        };
        if i < warm_up {
            continue;
        }
        all.push(took);
        match by_kind.iter_mut().find(|(l, _, _)| *l == label) {
            Some((_, _, latencies)) => latencies.push(took),
            None => {
                let more = if page.more { "more than " } else { "" };
                by_kind.push((label, format!("{more}{}", page.matching), vec![took]))
            }
        }
    }
    let by_kind = by_kind
        .into_iter()
        .map(|(label, matching, l)| (label, matching, Latencies::new(l)))
        .collect();
    (by_kind, Latencies::new(all))
}

/// GETs of one path, one after another after a warm-up; the latencies, the last body's size
/// and how many bodies held `whole` (a page cut short is fast and proves nothing).
async fn gets(
    client: &reqwest::Client,
    address: &str,
    path: &str,
    whole: &str,
) -> (Latencies, usize, usize) {
    let mut latencies = Vec::with_capacity(PAGE_RENDERS);
    let (mut bytes, mut complete) = (0, 0);
    for i in 0..PAGE_RENDERS + 5 {
        let sent = Instant::now();
        let res = client
            .get(format!("{address}{path}"))
            .send()
            .await
            .expect("GET");
        let status = res.status();
        // The whole body: a streamed page is rendered when its last byte is sent.
        let body = res.bytes().await.expect("body");
        let took = sent.elapsed();
        assert!(status.is_success(), "GET {path}: {status}");
        bytes = body.len();
        if i >= 5 {
            latencies.push(took);
            complete += usize::from(String::from_utf8_lossy(&body).contains(whole));
        }
    }
    (Latencies::new(latencies), bytes, complete)
}

/// What the database holds against the answers the desks were given.
async fn count(pool: &sqlx::AnyPool, event_id: &EventId, answered: &HashSet<&str>) -> Counted {
    let scalar = |sql: &'static str| {
        sqlx::query_scalar::<_, i64>(sql)
            .bind(event_id)
            .fetch_one(pool)
    };
    let standing =
        scalar("SELECT COUNT(*) FROM check_ins WHERE event_id = $1 AND undone_at IS NULL")
            .await
            .unwrap();
    let marked =
        scalar("SELECT COUNT(*) FROM attendees WHERE event_id = $1 AND checked_in_at IS NOT NULL")
            .await
            .unwrap();
    let doubled = scalar(
        "SELECT COUNT(*) FROM (SELECT attendee_id FROM check_ins
            WHERE event_id = $1 AND undone_at IS NULL
            GROUP BY attendee_id HAVING COUNT(*) > 1) AS d",
    )
    .await
    .unwrap();
    let stored: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM attendees WHERE event_id = $1 AND checked_in_at IS NOT NULL",
    )
    .bind(event_id)
    .fetch_all(pool)
    .await
    .unwrap();
    let stored: HashSet<&str> = stored.iter().map(String::as_str).collect();
    Counted {
        standing,
        marked,
        answered: answered.len(),
        lost: answered.difference(&stored).count(),
        unanswered: stored.difference(answered).count(),
        doubled,
    }
}

pub(crate) fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "missed"
    }
}

impl DeskFigures {
    fn print(&self) {
        let per_s = |n: usize, d: Duration| n as f64 / d.as_secs_f64();
        let unique_per_s = per_s(self.unique, self.check_in_window);
        let check_in_rate = per_s(self.check_in_requests, self.check_in_window);
        let baseline_rate = per_s(self.baseline_requests, self.baseline_window);
        let c = &self.counted;
        println!();
        println!(
            "Check-in desk, {}: {} attendees, {DESKS} desks for {:.1} s",
            self.database,
            self.attendees,
            self.check_in_window.as_secs_f64()
        );
        println!("| measure | figure | baseline | target |");
        println!("|---|---|---|---|");
        println!(
            "| check-ins/s (distinct attendees answered CheckedIn) | {unique_per_s:.0} ({} in {:.1} s) | | ≥ 1,000: {} |",
            self.unique,
            self.check_in_window.as_secs_f64(),
            verdict(unique_per_s >= 1_000.0)
        );
        println!(
            "| requests/s, check_in ÷ session (same {DESKS} clients, same count) | {check_in_rate:.0} ÷ {baseline_rate:.0} = {:.2} | {} session calls in {:.1} s | |",
            check_in_rate / baseline_rate,
            self.baseline_requests,
            self.baseline_window.as_secs_f64()
        );
        println!(
            "| check_in p50 / p95 / p99 | {:.1} / {:.1} / {:.1} ms | session {:.1} / {:.1} / {:.1} ms | |",
            self.check_in.ms(50.0),
            self.check_in.ms(95.0),
            self.check_in.ms(99.0),
            self.baseline.ms(50.0),
            self.baseline.ms(95.0),
            self.baseline.ms(99.0),
        );
        println!(
            "| search p50 / p95 / p99 ({SEARCHES}, one client) | {:.1} / {:.1} / {:.1} ms | session p95 {:.1} ms | p95 < 30 ms: {} |",
            self.search_all.ms(50.0),
            self.search_all.ms(95.0),
            self.search_all.ms(99.0),
            self.search_session.ms(95.0),
            verdict(self.search_all.ms(95.0) < 30.0)
        );
        println!(
            "| event page render p50 / p95 ({PAGE_RENDERS}, admin, {:.0} KiB, {} with the Attendees table) | {:.1} / {:.1} ms | /settings/integrations p95 {:.1} ms, /healthz p95 {:.1} ms | p95 < 50 ms: {} |",
            self.page_bytes as f64 / 1024.0,
            self.page_complete,
            self.page.ms(50.0),
            self.page.ms(95.0),
            self.cheap_page.ms(95.0),
            self.healthz.ms(95.0),
            verdict(self.page.ms(95.0) < 50.0 && self.page_complete == PAGE_RENDERS)
        );
        println!(
            "Counted after the re-imports ended: check-ins standing {} / attendees checked in {} / answered CheckedIn {}; lost {}, checked in unanswered {}, doubled {}: {}",
            c.standing,
            c.marked,
            c.answered,
            c.lost,
            c.unanswered,
            c.doubled,
            if c.standing == c.marked
                && c.marked == c.answered as i64
                && c.lost == 0
                && c.doubled == 0
            {
                "consistent"
            } else {
                "INCONSISTENT"
            }
        );
        println!(
            "Resent (same nonce): {} sent, {} answered CheckedIn; second desk (new nonce): {} sent, {} answered already in; fresh not checked in: {}; errors (check-ins and baseline): {}{}",
            self.resent.0,
            self.resent.1,
            self.second.0,
            self.second.1,
            self.unexpected,
            self.errors,
            self.first_error
                .as_deref()
                .map(|e| format!(" (first: {})", e.chars().take(300).collect::<String>()))
                .unwrap_or_default()
        );
        let mean = self.rounds.iter().sum::<Duration>().as_secs_f64() / self.rounds.len() as f64;
        println!(
            "Re-import: {} rounds (mean {mean:.1} s, a tenth of the event changed each, {} rows updated, {} not SUCCEEDED); running for {:.0} % of the check-in window; job at the end of the check-ins: {}, of the baseline: {}",
            self.rounds.len(),
            self.rows_updated,
            self.rounds_failed,
            self.overlap * 100.0,
            self.running_after_check_ins.as_deref().unwrap_or("none"),
            self.running_after_baseline.as_deref().unwrap_or("none"),
        );
        println!("| search | rows matching (first query) | p50 | p95 | p99 |");
        println!("|---|---|---|---|---|");
        for (label, matching, l) in &self.search {
            println!(
                "| {label} | {matching} | {:.1} ms | {:.1} ms | {:.1} ms |",
                l.ms(50.0),
                l.ms(95.0),
                l.ms(99.0)
            );
        }
    }
}
