//! Pushes each event's live state to the pages watching it.
//!
//! Publishers (the job runner, recovery actions) build the event's [`EventLive`] from the
//! database and publish it; every subscriber of that event receives it over Server-Sent
//! Events. On SQLite (one instance) delivery is in-process. On PostgreSQL several app
//! instances share the database, so a publish goes through `pg_notify` and every instance
//! (this one included) LISTENs and forwards to its own subscribers: a page connected to
//! instance B sees a job that runs on instance A.

use crate::domain::views::EventLive;
use crate::domain::EventId;
use crate::domain::Permission;
use crate::server::db::{events, Backend, DbError};
use crate::server::web::{HttpError, SignedIn};
use crate::server::AppState;
use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sqlx::AnyPool;
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;

const CHANNEL: &str = "lanyard_live";
/// Updates a slow subscriber may fall behind before it skips to the newest; every update
/// is a whole state, so skipping loses nothing.
const BUFFER: usize = 16;
/// A workspace stream carries every event's updates, and a skipped one leaves a card
/// stale until that event's next: a deeper buffer.
const WORKSPACE_BUFFER: usize = 256;

#[derive(Clone)]
pub struct LiveHub {
    inner: Arc<Inner>,
}

struct Inner {
    subscribers: Mutex<HashMap<String, broadcast::Sender<Arc<str>>>>,
    relay: Relay,
    /// Events with a coalesced publish already scheduled (see `publish_soon`).
    scheduled: Mutex<std::collections::HashSet<EventId>>,
}

/// How long check-ins and flag changes gather before their event's state is read and
/// published once: a busy desk makes hundreds of check-ins a second, and each state read
/// counts the whole event (tens of milliseconds at 50,000 attendees).
const COALESCE: Duration = Duration::from_millis(100);

enum Relay {
    InProcess,
    Postgres(AnyPool),
}

impl LiveHub {
    /// A hub for `pool`; on PostgreSQL it starts the LISTEN task that feeds this instance.
    pub async fn start(pool: &AnyPool, backend: Backend, url: &str) -> Result<LiveHub, DbError> {
        let relay = match backend {
            Backend::Sqlite => Relay::InProcess,
            Backend::Postgres => Relay::Postgres(pool.clone()),
        };
        let hub = LiveHub {
            inner: Arc::new(Inner {
                subscribers: Mutex::new(HashMap::new()),
                relay,
                scheduled: Mutex::new(Default::default()),
            }),
        };
        if backend == Backend::Postgres {
            let mut listener = sqlx::postgres::PgListener::connect(url).await?;
            listener.listen(CHANNEL).await?;
            let weak = Arc::downgrade(&hub.inner);
            tokio::spawn(async move {
                loop {
                    // `recv` reconnects by itself after a dropped connection.
                    let notification = listener.recv().await;
                    let Some(inner) = weak.upgrade() else { return };
                    match notification {
                        Ok(n) => LiveHub { inner }.deliver(n.payload()),
                        Err(error) => {
                            tracing::warn!(%error, "live updates: LISTEN failed; retrying");
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                    }
                }
            });
        }
        Ok(hub)
    }

    /// Receives every update of `event_id` published from now on.
    pub fn subscribe_event(&self, event_id: &EventId) -> broadcast::Receiver<Arc<str>> {
        self.subscribe(event_id.to_string(), BUFFER)
    }

    /// Receives every update of every event in the workspace published from now on.
    pub fn subscribe_workspace(&self, workspace_id: &str) -> broadcast::Receiver<Arc<str>> {
        self.subscribe(workspace_key(workspace_id), WORKSPACE_BUFFER)
    }

    /// Receives every message published to `key` with [`publish_to`](Self::publish_to).
    pub fn subscribe_key(&self, key: &str) -> broadcast::Receiver<Arc<str>> {
        self.subscribe(key.to_string(), BUFFER)
    }

    /// Sends `message` to the subscribers of `key` on every instance, at once (not
    /// coalesced): a print station's next job.
    pub async fn publish_to(&self, key: &str, message: &str) {
        let payload = serde_json::json!({ "to": key, "message": message }).to_string();
        self.send(payload).await
    }

    fn subscribe(&self, key: String, depth: usize) -> broadcast::Receiver<Arc<str>> {
        let mut subscribers = self.inner.subscribers.lock().expect("live hub lock");
        subscribers.retain(|_, tx| tx.receiver_count() > 0);
        subscribers
            .entry(key)
            .or_insert_with(|| broadcast::channel(depth).0)
            .subscribe()
    }

    /// Reads the event's live state and sends it to every subscriber, on every instance.
    pub async fn publish_event(&self, pool: &AnyPool, event_id: &EventId) {
        self.publish_event_with(pool, event_id, Vec::new()).await
    }

    /// As [`publish_event`](Self::publish_event), naming the attendees that changed.
    pub async fn publish_event_with(
        &self,
        pool: &AnyPool,
        event_id: &EventId,
        changed: Vec<String>,
    ) {
        match events::live_state(pool, event_id).await {
            Ok(Some(mut state)) => {
                state.changed = changed;
                self.publish(&state).await
            }
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, event = %event_id, "live update not sent"),
        }
    }

    /// Publishes the event's state within [`COALESCE`], once for every change made
    /// meanwhile. The event leaves the schedule before its state is read, so a change
    /// committed after that read schedules a publish of its own: none is missed.
    pub fn publish_soon(&self, pool: &AnyPool, event_id: &EventId) {
        let fresh = self
            .inner
            .scheduled
            .lock()
            .expect("live hub lock")
            .insert(event_id.clone());
        if !fresh {
            return;
        }
        let (hub, pool, event_id) = (self.clone(), pool.clone(), event_id.clone());
        tokio::spawn(async move {
            tokio::time::sleep(COALESCE).await;
            hub.inner
                .scheduled
                .lock()
                .expect("live hub lock")
                .remove(&event_id);
            hub.publish_event(&pool, &event_id).await;
        });
    }

    pub async fn publish(&self, state: &EventLive) {
        let payload = serde_json::to_string(state).expect("live state serialises");
        self.send(payload).await
    }

    async fn send(&self, payload: String) {
        match &self.inner.relay {
            Relay::InProcess => self.deliver(&payload),
            Relay::Postgres(pool) => {
                if let Err(error) = crate::server::db::notify(pool, CHANNEL, &payload).await {
                    tracing::warn!(%error, "live update not sent");
                }
            }
        }
    }

    /// Ends every open stream, so a graceful shutdown is not held up by open pages.
    pub fn close(&self) {
        self.inner
            .subscribers
            .lock()
            .expect("live hub lock")
            .clear();
    }

    /// Hands a payload to its subscribers: a keyed message (`publish_to`) to its key's, an
    /// event's state to the event's and its workspace's. One parse for either shape: event
    /// states are the busy kind, sent on every check-in burst.
    fn deliver(&self, payload: &str) {
        #[derive(serde::Deserialize)]
        struct Addressed {
            #[serde(default)]
            event_id: String,
            #[serde(default)]
            workspace_id: String,
            to: Option<String>,
            message: Option<String>,
        }
        let Ok(to) = serde_json::from_str::<Addressed>(payload) else {
            tracing::warn!("unreadable live update ignored");
            return;
        };
        let subscribers = self.inner.subscribers.lock().expect("live hub lock");
        if let (Some(key), Some(message)) = (to.to, to.message) {
            if let Some(tx) = subscribers.get(&key) {
                let _ = tx.send(Arc::from(message));
            }
            return;
        }
        if to.event_id.is_empty() {
            tracing::warn!("live update without an event id ignored");
            return;
        }
        let payload: Arc<str> = Arc::from(payload);
        for key in [to.event_id, workspace_key(&to.workspace_id)] {
            if let Some(tx) = subscribers.get(&key) {
                let _ = tx.send(payload.clone());
            }
        }
    }
}

/// The hub key of a workspace's stream; event ids are UUIDs, so the two never meet.
fn workspace_key(workspace_id: &str) -> String {
    format!("workspace:{workspace_id}")
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/live/events/{event_id}", get(event_stream))
        .route(
            crate::domain::views::WORKSPACE_LIVE_URL,
            get(workspace_stream),
        )
}

/// The event's live state as Server-Sent Events: the current state first, then each update.
/// Same rules as the event page: signed in, allowed to view events, and the event is in the
/// member's workspace (another workspace's event is a 404).
async fn event_stream(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(event_id): Path<String>,
) -> Result<Response, HttpError> {
    let member = viewer.require(Permission::ViewEvents)?;
    let event_id = crate::domain::EventId::parse(&event_id).ok_or(HttpError::NotFound)?;
    let pool = &state.db.pool;
    if !events::in_workspace(pool, &member.workspace_id, &event_id).await? {
        return Err(HttpError::NotFound);
    }
    // Subscribe before reading the current state, so nothing falls between the two.
    let updates = state.live.subscribe_event(&event_id);
    let current = events::live_state(pool, &event_id)
        .await?
        .ok_or(HttpError::NotFound)?;
    let first: Arc<str> = Arc::from(serde_json::to_string(&current).expect("serialises"));
    Ok(sse(Some(first), updates))
}

/// Every update of every event in the member's workspace, for the Events page's cards.
async fn workspace_stream(
    State(state): State<AppState>,
    viewer: SignedIn,
) -> Result<Response, HttpError> {
    let member = viewer.require(Permission::ViewEvents)?;
    Ok(sse(
        None,
        state.live.subscribe_workspace(&member.workspace_id),
    ))
}

fn sse(first: Option<Arc<str>>, updates: broadcast::Receiver<Arc<str>>) -> Response {
    let stream =
        futures_util::stream::unfold((first, updates), |(first, mut updates)| async move {
            if let Some(first) = first {
                return Some((message(&first), (None, updates)));
            }
            loop {
                match updates.recv().await {
                    Ok(payload) => return Some((message(&payload), (None, updates))),
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        });
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

fn message(payload: &str) -> Result<Event, Infallible> {
    Ok(Event::default().data(payload))
}
