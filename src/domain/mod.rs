//! Pure domain types and rules: no I/O, compiled for the server and the browser alike.

pub mod access_code;
pub mod budget;
#[cfg(feature = "ssr")]
pub mod local_time;
pub mod mapping;
pub mod role;
pub mod status;
pub mod sync_status;
pub mod webhook;

pub use role::{Permission, Role};
pub use status::{AttendanceStatus, IntegrationStatus, Provider, SyncStatus};
