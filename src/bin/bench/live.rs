//! The live-sync benchmark: how long a change on the provider takes to reach a page that
//! watches the event, through every real part on loopback. The simulator changes an
//! attendee and posts its webhook; the app queues the delivery, re-fetches the attendee
//! with the integration's credential, upserts it and publishes; a subscriber of the event's
//! Server-Sent Events stream reads the update naming that attendee.
//!
//! Then fan-out: many subscribers on one event, one change, the time until the last of them
//! has it, and the memory each open stream costs.

use lanyard::api::live::{live_url, EventLive};
use lanyard::server::config::Config;
use lanyard::server::db::jobs;
use lanyard::simulator::RunningSimulator;
use lanyard::startup::Application;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

const EMAIL: &str = "admin@bench.test";
pub const PASSWORD: &str = "bench-password";
/// Longest any single wait may take before the benchmark reports a failure.
const DEADLINE: Duration = Duration::from_secs(60);

pub struct LiveFigures {
    pub latencies: Vec<Duration>,
    pub subscribers: usize,
    /// Change to the first and to the last subscriber holding it.
    pub fanout_first: Duration,
    pub fanout_last: Duration,
    /// RSS growth per open stream, both ends (server and client live in this process).
    pub kib_per_subscriber: f64,
}

impl LiveFigures {
    pub fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
        sorted[rank.clamp(1, sorted.len()) - 1]
    }
}

/// What every subscriber has seen: for each provider attendee id, when the first update
/// naming it arrived, and the latest sync status.
#[derive(Default)]
struct Seen {
    at: HashMap<String, Vec<Instant>>,
    opened: usize,
    status: Option<String>,
}

#[derive(Clone, Default)]
struct Watch {
    seen: Arc<Mutex<Seen>>,
    notify: Arc<Notify>,
}

impl Watch {
    async fn until<T>(&self, what: &str, mut check: impl FnMut(&Seen) -> Option<T>) -> T {
        let started = Instant::now();
        loop {
            let notified = self.notify.notified();
            if let Some(value) = check(&self.seen.lock().unwrap()) {
                return value;
            }
            let left = DEADLINE.saturating_sub(started.elapsed());
            if tokio::time::timeout(left, notified).await.is_err() {
                panic!("live bench: timed out waiting for {what}");
            }
        }
    }
}

pub async fn run(sim: &RunningSimulator, changes: usize, subscribers: usize) -> LiveFigures {
    let dir = std::env::temp_dir().join(format!("lanyard-bench-live-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let bind_addr: std::net::SocketAddr = "127.0.0.1:0".parse().unwrap();
    let providers = lanyard::demo::provider_urls(sim);
    let database_url = format!("sqlite://{}/live.db?mode=rwc", dir.display());
    let config = Config {
        sync_workers: 1,
        // The poll would only add noise: every change here arrives by webhook.
        poll_seconds: 3_600,
        ..Config::local(bind_addr, database_url, dir.clone(), providers)
    };
    let (address, state) = Application::spawn(config).await.expect("app starts");
    let member = super::admin_member(&state, "Bench Live", EMAIL).await;
    let (workspace, user) = (member.workspace_id.clone(), member.user_id.clone());
    let pool = &state.db.pool;
    let (token, provider_event_id) =
        super::eventbrite_event(sim, "live@lanyard.test", "Live Bench Day", changes.max(1));
    let people: Vec<String> = sim.sim.world().events[&provider_event_id]
        .people
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    let event_id = super::connected_event(
        &state,
        &member,
        token,
        &provider_event_id,
        "Live Bench Day",
        "UTC",
        "RAVE22",
    )
    .await;
    jobs::enqueue(
        &mut lanyard::server::db::conn(pool).await.unwrap(),
        &workspace,
        &event_id,
        jobs::JobKind::Import,
        lanyard::domain::Trigger::ImportDialog,
        Some(&user),
    )
    .await
    .unwrap();

    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(subscribers + 8)
        .build()
        .unwrap();
    let cookie = sign_in(&http, &address).await;
    let stream_url = format!("{address}{}", live_url(&event_id));

    // Latency: one subscriber, one change at a time. The import registered the webhook.
    let watch = Watch::default();
    tokio::spawn(subscribe(
        http.clone(),
        stream_url.clone(),
        cookie.clone(),
        watch.clone(),
    ));
    watch
        .until("the import to finish", |s| {
            (s.status.as_deref() == Some("ACTIVE")).then_some(())
        })
        .await;
    let admin_api = format!("{}/admin/events/{provider_event_id}/attendees", sim.url);
    let mut latencies = Vec::with_capacity(changes);
    for (i, person) in people.iter().take(changes).enumerate() {
        let started = Instant::now();
        edit(&http, &admin_api, person, &format!("Edit{i}")).await;
        let arrived = watch
            .until("an edit to arrive", |s| {
                s.at.get(person)
                    .and_then(|t| t.iter().copied().find(|t| *t >= started))
            })
            .await;
        latencies.push(arrived - started);
    }

    // Fan-out: open the streams, wait until each has its first state, then one change.
    let fan = Watch::default();
    let rss_before = rss_kib();
    for _ in 0..subscribers {
        tokio::spawn(subscribe(
            http.clone(),
            stream_url.clone(),
            cookie.clone(),
            fan.clone(),
        ));
    }
    fan.until("every subscriber to connect", |s| {
        (s.opened >= subscribers).then_some(())
    })
    .await;
    let rss_after = rss_kib();
    let person = &people[0];
    let started = Instant::now();
    edit(&http, &admin_api, person, "Fanout").await;
    let (first, last) = fan
        .until("every subscriber to get the change", |s| {
            let times: Vec<Instant> =
                s.at.get(person)?
                    .iter()
                    .copied()
                    .filter(|t| *t >= started)
                    .collect();
            (times.len() >= subscribers)
                .then(|| (*times.iter().min().unwrap(), *times.iter().max().unwrap()))
        })
        .await;
    state.live.close();
    let _ = std::fs::remove_dir_all(&dir);
    LiveFigures {
        latencies,
        subscribers,
        fanout_first: first - started,
        fanout_last: last - started,
        kib_per_subscriber: rss_after.saturating_sub(rss_before) as f64 / subscribers as f64,
    }
}

async fn sign_in(http: &reqwest::Client, address: &str) -> String {
    let res = http
        .post(format!("{address}/api/sign_in"))
        .form(&[("email", EMAIL), ("password", PASSWORD)])
        .send()
        .await
        .expect("sign-in request");
    assert!(res.status().is_success(), "sign-in: {}", res.status());
    res.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_string))
        .collect::<Vec<_>>()
        .join("; ")
}

async fn edit(http: &reqwest::Client, admin_api: &str, person: &str, name: &str) {
    let res = http
        .patch(format!("{admin_api}/{person}"))
        .json(&serde_json::json!({ "first_name": name }))
        .send()
        .await
        .expect("simulator edit");
    assert!(
        res.status().is_success(),
        "simulator edit: {}",
        res.status()
    );
}

/// Reads one Server-Sent Events stream to its end, recording each update's arrival.
async fn subscribe(http: reqwest::Client, url: String, cookie: String, watch: Watch) {
    let mut res = http
        .get(&url)
        .header(reqwest::header::COOKIE, cookie)
        .send()
        .await
        .expect("live stream");
    assert!(res.status().is_success(), "live stream: {}", res.status());
    let mut buffer = String::new();
    let mut first = true;
    while let Ok(Some(chunk)) = res.chunk().await {
        let now = Instant::now();
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        // Events end with a blank line; a chunk may hold several or half of one.
        while let Some(end) = buffer.find("\n\n") {
            let message: String = buffer.drain(..end + 2).collect();
            let data: String = message
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(str::trim_start)
                .collect();
            let Ok(update) = serde_json::from_str::<EventLive>(&data) else {
                continue; // keep-alive comments
            };
            let mut seen = watch.seen.lock().unwrap();
            if first {
                seen.opened += 1;
                first = false;
            }
            seen.status = Some(update.sync_status.as_str().to_string());
            for id in update.changed {
                seen.at.entry(id).or_default().push(now);
            }
            drop(seen);
            watch.notify.notify_waiters();
        }
    }
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
