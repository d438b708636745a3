//! The event's live stream (Server-Sent Events): who may open it, what the first message
//! says, and that every open page follows an import to its end.

use crate::fixtures::{queued_import, runner_config};
use lanyard::domain::Role;
use lanyard::server::db::Backend;
use lanyard::server::sync::runner::Runner;
use serde_json::Value;
use std::time::Duration;

/// An open stream, read message by message.
pub(crate) struct Stream {
    response: reqwest::Response,
    buffer: String,
}

impl Stream {
    pub(crate) async fn open(client: &reqwest::Client, url: &str) -> Stream {
        let response = client.get(url).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        Stream {
            response,
            buffer: String::new(),
        }
    }

    /// The next message's data, within `deadline`.
    pub(crate) async fn next(&mut self, deadline: Duration) -> Value {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                let data: String = frame
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(str::trim_start)
                    .collect();
                if data.is_empty() {
                    continue; // a keep-alive comment
                }
                return serde_json::from_str(&data).unwrap();
            }
            let chunk = tokio::time::timeout(deadline, self.response.chunk())
                .await
                .expect("a live message in time")
                .unwrap()
                .expect("the stream stays open");
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }

    /// Reads messages until one matches, returning every message read.
    pub(crate) async fn until(&mut self, done: impl Fn(&Value) -> bool) -> Vec<Value> {
        let mut seen = Vec::new();
        loop {
            let message = self.next(Duration::from_secs(30)).await;
            let last = done(&message);
            seen.push(message);
            if last {
                return seen;
            }
        }
    }
}

fn finished(m: &Value) -> bool {
    m["sync_status"] == "Active" && m["job"].is_null()
}

async fn every_open_page_follows_an_import_live_to_its_end(backend: Backend) {
    let Some(q) = queued_import(backend, 2_000, 10).await else {
        return;
    };
    q.app
        .add_member(&q.workspace_id, "support@acme.test", Role::Support)
        .await;
    let url = format!("{}/api/live/events/{}", q.app.address, q.event_id);
    let admin = q.app.signed_in("admin@acme.test").await;
    let support = q.app.signed_in("support@acme.test").await;
    let mut a = Stream::open(&admin, &url).await;
    let mut b = Stream::open(&support, &url).await;
    for stream in [&mut a, &mut b] {
        let first = stream.next(Duration::from_secs(5)).await;
        assert_eq!(first["sync_status"], "Pending");
        assert_eq!(
            first["job"]["processed"], 0,
            "the current state comes first"
        );
    }

    let runner = Runner::spawn(q.app.state.clone(), runner_config());
    let seen_a = a
        .until(|m| m["job"]["processed"].as_i64().unwrap_or(0) >= 500 || finished(m))
        .await;
    // A page opened now starts from the current count, not from zero.
    let mut late = Stream::open(&admin, &url).await;
    let first_late = late.next(Duration::from_secs(5)).await;
    let progress_at_open = seen_a.last().unwrap()["job"]["processed"]
        .as_i64()
        .unwrap_or(2_000);
    assert!(
        first_late["job"]["processed"].as_i64().unwrap_or(2_000) >= progress_at_open,
        "late page starts at {first_late} (had {progress_at_open})"
    );

    let rest_a = a.until(finished).await;
    let seen_b = b.until(finished).await;
    late.until(finished).await;
    runner.shutdown().await;

    let progress: Vec<i64> = seen_a
        .iter()
        .chain(rest_a.iter())
        .filter_map(|m| m["job"]["processed"].as_i64())
        .collect();
    assert!(
        progress.len() >= 3,
        "several progress updates were pushed: {progress:?}"
    );
    assert!(
        progress.windows(2).all(|w| w[0] <= w[1]),
        "progress only rises: {progress:?}"
    );
    assert!(
        progress.iter().any(|p| *p > 0 && *p < 2_000),
        "{progress:?}"
    );
    assert_eq!(seen_b.last().unwrap()["attendee_count"], 2_000);
    assert_eq!(rest_a.last().unwrap()["attendee_count"], 2_000);
    assert_eq!(rest_a.last().unwrap()["job"], Value::Null);
}

async fn the_live_stream_is_for_signed_in_members_of_the_events_workspace(backend: Backend) {
    let Some(q) = queued_import(backend, 10, 0).await else {
        return;
    };
    let url = format!("{}/api/live/events/{}", q.app.address, q.event_id);
    let anonymous = q.app.client();
    assert_eq!(anonymous.get(&url).send().await.unwrap().status(), 401);
    q.app.create_workspace("Globex", "admin@globex.test").await;
    let stranger = q.app.signed_in("admin@globex.test").await;
    assert_eq!(
        stranger.get(&url).send().await.unwrap().status(),
        404,
        "another workspace's event does not exist for them"
    );
    let admin = q.app.signed_in("admin@acme.test").await;
    let missing = format!("{}/api/live/events/no-such-event", q.app.address);
    assert_eq!(admin.get(&missing).send().await.unwrap().status(), 404);
}

async fn the_events_page_stream_carries_its_workspaces_events_and_no_others(backend: Backend) {
    let Some(q) = queued_import(backend, 100, 0).await else {
        return;
    };
    let url = format!("{}/api/live/workspace", q.app.address);
    assert_eq!(q.app.client().get(&url).send().await.unwrap().status(), 401);
    let globex = q.app.create_workspace("Globex", "admin@globex.test").await;
    let admin = q.app.signed_in("admin@acme.test").await;
    let stranger = q.app.signed_in("admin@globex.test").await;
    let mut ours = Stream::open(&admin, &url).await;
    let mut theirs = Stream::open(&stranger, &url).await;

    let runner = Runner::spawn(q.app.state.clone(), runner_config());
    let seen = ours.until(finished).await;
    runner.shutdown().await;
    assert!(seen.iter().all(|m| m["event_id"] == q.event_id.as_str()));
    assert_eq!(seen.last().unwrap()["attendee_count"], 100);

    // Globex's stream heard nothing of Acme's import: its first message is its own event.
    let own = q
        .app
        .insert_event(
            &globex,
            None,
            lanyard::domain::Provider::Luma,
            "evt-globex",
            "GLOBX1",
        )
        .await;
    q.app.state.live.publish_event(&q.app.db.pool, &own).await;
    let first = theirs.next(Duration::from_secs(10)).await;
    assert_eq!(first["event_id"], own.as_str(), "{first}");
}

crate::on_both_databases!(
    every_open_page_follows_an_import_live_to_its_end,
    the_live_stream_is_for_signed_in_members_of_the_events_workspace,
    the_events_page_stream_carries_its_workspaces_events_and_no_others,
);
