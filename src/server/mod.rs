//! Server-only code: configuration, storage, authentication and the HTTP application.

pub mod accounts;
pub mod assets;
pub mod auth;
pub mod badges;
pub mod budget;
pub mod check_ins;
pub mod config;
pub mod crypto;
pub mod db;
pub mod events;
pub mod export;
pub mod integrations;
pub mod live;
pub mod members;
pub mod oauth;
pub mod providers;
pub mod secrets;
pub mod staff_access;
pub mod state;
pub mod station_routes;
pub mod stations;
pub mod sync;
pub mod web;
pub mod webhooks;

pub use state::AppState;

/// Milliseconds since the Unix epoch: the one time representation stored in the database.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A fresh random id for a new row.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
