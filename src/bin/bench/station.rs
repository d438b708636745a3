//! The staff station benchmark, through the real HTTP path of a running instance, on SQLite
//! and PostgreSQL, at 50,000 attendees:
//!
//! 1. Scan-to-drawer: a phone's `station_find` for a scanned barcode, one after another
//!    (what the drawer waits for). Baseline: the same station session's `current_station`,
//!    the HTTP and session floor with the event looked up by its code.
//! 2. Print-job delivery: a phone checks someone in with a print station chosen; the time
//!    from sending the request to the job arriving on the print station's open stream.
//!    Baseline: the check-in request's own round trip (its answer).
//!
//! Both are measured twice: on an idle instance, and while 19 other phones scan as fast as
//! they are answered (a busy door).
//!
//! Environment: `LANYARD_BENCH_STATION_ATTENDEES` (default 50000).

use super::desk::call;
use super::desk::Latencies;
use lanyard::server::config::Config;
use lanyard::simulator::RunningSimulator;
use std::time::{Duration, Instant};

const SCANS: usize = 500;
const JOBS: usize = 200;
/// Phones scanning beside the measured one in the busy run.
const BUSY_PHONES: usize = 19;

struct StationFigures {
    database: &'static str,
    load: &'static str,
    /// Scans the busy phones were answered meanwhile, per second.
    background_per_s: f64,
    find: Latencies,
    floor: Latencies,
    delivery: Latencies,
    answer: Latencies,
}

pub async fn run_all(sim: &RunningSimulator) {
    let size = super::env_or("LANYARD_BENCH_STATION_ATTENDEES", 50_000);
    println!();
    println!(
        "Staff station: {size} attendees, one phone and one print station (HTTP, station sessions)"
    );
    let mut results = Vec::new();
    let dir = std::env::temp_dir().join(format!("lanyard-bench-station-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let sqlite_url = format!("sqlite://{}/station.db?mode=rwc", dir.display());
    results.extend(run(sim, "SQLite", &sqlite_url, &dir, size).await);
    let server = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    match super::scratch_postgres(&server).await {
        Some((url, name)) => {
            let pg_dir = dir.join("postgres");
            std::fs::create_dir_all(&pg_dir).expect("scratch dir");
            results.extend(run(sim, "PostgreSQL", &url, &pg_dir, size).await);
            super::drop_postgres(&server, &name).await;
        }
        None => println!("PostgreSQL at {server} unreachable: skipped"),
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!("| database | load | scan-to-drawer p50 / p95 | floor p95 | ratio p95 | target | job delivery p50 / p95 | check-in answer p95 | target |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for f in &results {
        let find95 = f.find.ms(95.0);
        let delivery95 = f.delivery.ms(95.0);
        println!(
            "| {} | {} | {:.1} / {:.1} ms | {:.1} ms | {:.1} | < 50 ms: {} | {:.1} / {:.1} ms | {:.1} ms | < 250 ms: {} |",
            f.database,
            if f.background_per_s > 0.0 { format!("{} ({:.0} scans/s beside)", f.load, f.background_per_s) } else { f.load.to_string() },
            f.find.ms(50.0),
            find95,
            f.floor.ms(95.0),
            find95 / f.floor.ms(95.0).max(0.001),
            super::desk::verdict(find95 < 50.0),
            f.delivery.ms(50.0),
            delivery95,
            f.answer.ms(95.0),
            super::desk::verdict(delivery95 < 250.0),
        );
    }
}

async fn run(
    sim: &RunningSimulator,
    database: &'static str,
    url: &str,
    dir: &std::path::Path,
    size: usize,
) -> Vec<StationFigures> {
    sim.sim.world().limits.enabled = false;
    let config = Config {
        sync_workers: 1,
        poll_seconds: 3_600,
        ..Config::local(
            "127.0.0.1:0".parse().unwrap(),
            url.to_string(),
            dir.to_path_buf(),
            lanyard::demo::provider_urls(sim),
        )
    };
    let super::desk::Imported {
        address,
        state,
        event_id,
        ..
    } = super::desk::imported_event(
        sim,
        config,
        database,
        "Station",
        "station-admin@bench.test",
        "STAT23",
        size,
    )
    .await;
    let pool = &state.db.pool;
    let code: String = sqlx::query_scalar("SELECT access_code FROM events WHERE id = $1")
        .bind(&event_id)
        .fetch_one(pool)
        .await
        .unwrap();
    let phone = station(&address, &code, "Door 1").await;
    let printer = station(&address, &code, "Printer A").await;
    let imported: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attendees WHERE event_id = $1")
        .bind(&event_id)
        .fetch_one(pool)
        .await
        .unwrap();
    println!("{database}: {imported} attendees imported");
    let codes: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, barcode FROM attendees WHERE event_id = $1 AND status = 'ATTENDING'
            AND checked_in_at IS NULL AND provider_checked_in_at IS NULL AND barcode IS NOT NULL
         ORDER BY id",
    )
    .bind(&event_id)
    .fetch_all(pool)
    .await
    .unwrap();
    let (status, me) = call(&printer, &address, "register_print_station", &[]).await;
    assert_eq!(status, 200, "{me}");
    let me: serde_json::Value = serde_json::from_str(&me).unwrap();
    let print_station = me["id"].as_str().unwrap().to_string();

    // Idle: the first half of the attendees; busy: the second, with other phones scanning.
    let half = codes.len() / 2;
    let idle = measure(
        &phone,
        &printer,
        &address,
        &print_station,
        &codes[..half],
        database,
        "idle",
    )
    .await;
    let mut busy_phones = Vec::new();
    for i in 0..BUSY_PHONES {
        busy_phones.push(station(&address, &code, &format!("Door {}", i + 2)).await);
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let barcodes: std::sync::Arc<Vec<String>> =
        std::sync::Arc::new(codes.iter().map(|(_, b)| b.clone()).collect());
    let mut background = Vec::new();
    for (i, client) in busy_phones.into_iter().enumerate() {
        let (stop, answered, barcodes, address) = (
            stop.clone(),
            answered.clone(),
            barcodes.clone(),
            address.clone(),
        );
        background.push(tokio::spawn(async move {
            let mut k = i * 7_919;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let code = &barcodes[k % barcodes.len()];
                if call(&client, &address, "station_find", &[("code", code)])
                    .await
                    .0
                    == 200
                {
                    answered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                k += 13;
            }
        }));
    }
    let started = Instant::now();
    let mut busy = measure(
        &phone,
        &printer,
        &address,
        &print_station,
        &codes[half..],
        database,
        "busy",
    )
    .await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for task in background {
        let _ = task.await;
    }
    busy.background_per_s = answered.load(std::sync::atomic::Ordering::Relaxed) as f64
        / started.elapsed().as_secs_f64();
    vec![idle, busy]
}

/// Scan-to-drawer and job delivery for one phone, over `codes` (attendee id, barcode).
async fn measure(
    phone: &reqwest::Client,
    printer: &reqwest::Client,
    address: &str,
    print_station: &str,
    codes: &[(String, String)],
    database: &'static str,
    load: &'static str,
) -> StationFigures {
    let step = (codes.len() / SCANS).max(1);
    let mut find = Vec::with_capacity(SCANS);
    for (_, barcode) in codes.iter().step_by(step).take(SCANS) {
        let started = Instant::now();
        let (status, body) = call(phone, address, "station_find", &[("code", barcode)]).await;
        find.push(started.elapsed());
        assert!(
            status == 200 && body.contains(barcode.as_str()),
            "{status} {body}"
        );
    }
    let mut floor = Vec::with_capacity(SCANS);
    for _ in 0..SCANS {
        let started = Instant::now();
        let (status, _) = call(phone, address, "current_station", &[]).await;
        floor.push(started.elapsed());
        assert_eq!(status, 200);
    }

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(String, Instant)>();
    let stream = printer
        .get(format!(
            "{address}/api/station/print-stations/{print_station}/jobs"
        ))
        .timeout(Duration::from_secs(3_600))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let reader = tokio::spawn(async move {
        let mut stream = stream;
        let mut buffer = String::new();
        while let Ok(Some(chunk)) = stream.chunk().await {
            let at = Instant::now();
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buffer.find("\n\n") {
                let frame: String = buffer.drain(..end + 2).collect();
                let data: String = frame
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(str::trim_start)
                    .collect();
                if let Ok(job) = serde_json::from_str::<serde_json::Value>(&data) {
                    if let Some(id) = job["id"].as_str() {
                        let _ = tx.send((id.to_string(), at));
                    }
                }
            }
        }
    });
    let mut delivery = Vec::with_capacity(JOBS);
    let mut answer = Vec::with_capacity(JOBS);
    let step = (codes.len() / JOBS).max(1);
    for (i, (attendee, _)) in codes.iter().step_by(step).take(JOBS).enumerate() {
        let nonce = format!(
            "{:013x}-{:08x}-{:08x}",
            1_700_000_000_000u64 + i as u64,
            i,
            // The idle and busy runs' nonces apart.
            if load == "idle" { 1 } else { 2 }
        );
        let started = Instant::now();
        let (status, body) = call(
            phone,
            address,
            "check_in_at_station",
            &[
                ("attendee_id", attendee),
                ("nonce", &nonce),
                ("force", "false"),
                ("print_station_id", print_station),
            ],
        )
        .await;
        answer.push(started.elapsed());
        assert_eq!(status, 200, "{body}");
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        let job_id = body["job"]["id"]
            .as_str()
            .expect("a job was sent")
            .to_string();
        loop {
            let (id, at) = tokio::time::timeout(Duration::from_secs(10), rx.recv())
                .await
                .expect("the job reaches the stream")
                .expect("the stream stays open");
            if id == job_id {
                delivery.push(at - started);
                break;
            }
        }
        // The station prints at once: the job leaves the waiting list as it would.
        call(
            printer,
            address,
            "report_print",
            &[("job_id", &job_id), ("event", "Printed")],
        )
        .await;
    }
    reader.abort();
    StationFigures {
        database,
        load,
        background_per_s: 0.0,
        find: Latencies::new(find),
        floor: Latencies::new(floor),
        delivery: Latencies::new(delivery),
        answer: Latencies::new(answer),
    }
}

/// A client with a station session open on `code` and named.
async fn station(address: &str, code: &str, name: &str) -> reqwest::Client {
    let res = reqwest::Client::new()
        .post(format!("{address}/api/open_station"))
        .form(&[("code", code)])
        .send()
        .await
        .expect("open_station");
    assert!(res.status().is_success(), "open_station: {}", res.status());
    let client = super::desk::with_session_of(&res);
    let (status, body) = call(&client, address, "name_station", &[("name", name)]).await;
    assert_eq!(status, 200, "{body}");
    client
}
