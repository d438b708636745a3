//! The budget run: 20 ACTIVE events on one Luma key and 20 on one Eventbrite token, with the
//! simulator enforcing the providers' volume limits (Luma 200/min per key, Eventbrite
//! 2,000/h per token). Measured for real: the imports (provider calls per attendee) and a
//! stretch of live polling by the app's own runner (calls, 429s). An hour cannot be waited
//! out in a benchmark, so the hour is then played on a virtual clock through the same
//! planner (`poller::choose`, `poll_cost`, `poll_since`) that the runner uses, counting
//! calls per provider window.

use lanyard::domain::Provider;
use lanyard::server::config::Config;
use lanyard::server::db::{events, jobs};
use lanyard::server::integrations;
use lanyard::server::providers::Credential;
use lanyard::server::sync::poller::{self, ListingHistory, PollCandidate, PollConfig};
use lanyard::simulator::world::{Limits, Which};
use lanyard::simulator::RunningSimulator;
use lanyard::startup::Application;
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

pub struct BudgetFigures {
    pub events_per_provider: usize,
    pub attendees_per_event: usize,
    /// (provider, import calls, attendees imported)
    pub imports: Vec<(&'static str, u64, u64)>,
    /// (provider, calls in the live stretch, its seconds)
    pub live_polls: Vec<(&'static str, u64, f64)>,
    pub limited_429: u64,
    pub rate_limited_runs: i64,
    /// (provider, calls in the virtual hour, polls per event, busiest window's calls, limit)
    pub modelled: Vec<(&'static str, i64, f64, i64, i64)>,
}

pub async fn run(
    sim: &RunningSimulator,
    per_provider: usize,
    attendees: usize,
    live_secs: u64,
) -> BudgetFigures {
    sim.sim.world().limits = Limits::default();
    let dir = std::env::temp_dir().join(format!("lanyard-bench-budget-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let config = Config {
        sync_workers: 4,
        ..Config::local(
            "127.0.0.1:0".parse().unwrap(),
            format!("sqlite://{}/budget.db?mode=rwc", dir.display()),
            dir.clone(),
            lanyard::demo::provider_urls(sim),
        )
    };
    let (_, state) = Application::spawn(config).await.expect("app starts");
    let member = super::admin_member(&state, "Budget", "budget@lanyard.test").await;
    let workspace = member.workspace_id.clone();
    let pool = &state.db.pool;

    let week = chrono::Utc::now().timestamp_millis() + 7 * 86_400_000;
    let mut tokens = Vec::new();
    for (which, provider, label) in [
        (Which::Eventbrite, Provider::Eventbrite, "eventbrite"),
        (Which::Luma, Provider::Luma, "luma"),
    ] {
        let (token, owner, ids) = {
            let mut world = sim.sim.world();
            let (account, token) =
                world.create_account(which, &format!("{label}@budget.test"), "Budget Org");
            let ids: Vec<String> = (0..per_provider)
                .map(|i| {
                    world.create_event(
                        &account.owner_id,
                        which,
                        &format!("Budget {i}"),
                        week,
                        attendees,
                    )
                })
                .collect();
            (token, account.owner_id, ids)
        };
        let _ = owner;
        let credential = match which {
            Which::Eventbrite => Credential::EventbriteToken(token.clone().into()),
            Which::Luma => Credential::LumaApiKey(token.clone().into()),
        };
        let integration = integrations::connect(&state, &member, credential)
            .await
            .expect("integration");
        for (i, id) in ids.iter().enumerate() {
            let event =
                events::insert(
                    pool,
                    events::NewEvent {
                        workspace_id: &workspace,
                        integration_id: Some(&integration.id),
                        provider,
                        provider_event_id: id,
                        name: &format!("Budget {label} {i}"),
                        starts_at: Some(week),
                        ends_at: Some(week + 8 * 3_600_000),
                        timezone: "Europe/London",
                        access_code: &lanyard::domain::access_code::AccessCode::from_random_bytes(
                            [label.len() as u8, (i / 256) as u8, i as u8, 7, 11, 13],
                        ),
                    },
                )
                .await
                .expect("event");
            jobs::enqueue(
                &mut lanyard::server::db::conn(pool).await.unwrap(),
                &workspace,
                &event,
                jobs::JobKind::Import,
                lanyard::domain::Trigger::ImportDialog,
                None,
            )
            .await
            .expect("import queued");
        }
        tokens.push((label, token));
    }
    let calls = |token: &str| sim.sim.world().calls.get(token).copied().unwrap_or(0);
    // Every import done (rate-limited ones wait in the queue and resume).
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let open: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sync_jobs WHERE kind = 'IMPORT' AND state IN ('QUEUED', 'RUNNING')",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if open == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "budget bench: imports did not finish"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let imported = (per_provider * attendees) as u64;
    let imports = tokens
        .iter()
        .map(|(label, token)| (*label, calls(token), imported))
        .collect();

    // Live polling by the runner, as configured for production (every minute, planned
    // from each credential's budget).
    let before: Vec<u64> = tokens.iter().map(|(_, t)| calls(t)).collect();
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(live_secs)).await;
    let secs = started.elapsed().as_secs_f64();
    let live_polls = tokens
        .iter()
        .zip(before)
        .map(|((label, token), b)| (*label, calls(token) - b, secs))
        .collect();
    let limited_429 = sim.sim.world().limited;
    let rate_limited_runs: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sync_runs WHERE outcome = 'RATE_LIMITED'")
            .fetch_one(pool)
            .await
            .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    BudgetFigures {
        events_per_provider: per_provider,
        attendees_per_event: attendees,
        imports,
        live_polls,
        limited_429,
        rate_limited_runs,
        modelled: vec![
            model_hour(Provider::Eventbrite, per_provider, attendees),
            model_hour(Provider::Luma, per_provider, attendees),
        ],
    }
}

/// One hour of the runner's 5-second ticks on a virtual clock: each chosen poll costs what
/// the planner expects (an Eventbrite poll lists everything when `poll_since` asks for a
/// complete listing). Returns (provider, calls, polls per event, busiest provider window's
/// calls, the documented limit of that window).
fn model_hour(
    provider: Provider,
    events: usize,
    attendees: usize,
) -> (&'static str, i64, f64, i64, i64) {
    let config = PollConfig::default();
    let start: i64 = 1_800_000_000_000;
    let mut last: Vec<(i64, i64)> = vec![(start - 30_000, start - 60_000); events]; // (synced, complete listing)
    let mut spent: VecDeque<(i64, i64)> = VecDeque::new(); // (time, calls) of polls
    let (window_ms, documented) = match provider {
        Provider::Eventbrite => (3_600_000, 2_000),
        Provider::Luma => (60_000, 200),
    };
    let (mut total, mut polls, mut busiest) = (0i64, 0i64, 0i64);
    let mut t = start;
    let ids: Vec<lanyard::domain::EventId> = (0..events)
        .map(|_| lanyard::domain::EventId::mint())
        .collect();
    let index: HashMap<&lanyard::domain::EventId, usize> =
        ids.iter().enumerate().map(|(i, id)| (id, i)).collect();
    while t < start + 3_600_000 {
        while spent.front().is_some_and(|(at, _)| *at <= t - 60_000) {
            spent.pop_front();
        }
        let recent_calls: i64 = spent.iter().map(|(_, c)| c).sum();
        let recent = HashMap::from([("k".to_string(), (spent.len(), recent_calls))]);
        let candidates: Vec<PollCandidate> = (0..events)
            .map(|i| PollCandidate {
                event_id: ids[i].clone(),
                workspace_id: lanyard::domain::WorkspaceId::mint(),
                integration_id: "k".into(),
                starts_at: Some(start + 7 * 86_400_000),
                ends_at: Some(start + 7 * 86_400_000 + 8 * 3_600_000),
                last_synced_at: Some(last[i].0),
                provider,
                attendees: attendees as i64,
                last_poll_calls: 0,
            })
            .collect();
        for c in poller::choose(&config, t, candidates, &recent) {
            let i = index[&c.event_id];
            let history = ListingHistory {
                last_success_started: Some(last[i].0),
                last_complete_started: Some(last[i].1),
            };
            let since =
                poller::poll_since(t, provider == Provider::Eventbrite, history, c.starts_at);
            let cost = match (provider, since) {
                (Provider::Eventbrite, None) => (attendees as i64 + 49) / 50,
                _ => poller::poll_cost(&c),
            };
            if since.is_none() {
                last[i].1 = t;
            }
            last[i].0 = t;
            spent.push_back((t, cost));
            total += cost;
            polls += 1;
        }
        // The busiest provider window ending now.
        let in_window: i64 = if window_ms == 60_000 {
            spent.iter().map(|(_, c)| c).sum()
        } else {
            total
        };
        busiest = busiest.max(in_window);
        t += config.tick.as_millis() as i64;
    }
    (
        provider.label(),
        total,
        polls as f64 / events as f64,
        busiest,
        documented,
    )
}
