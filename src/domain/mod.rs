//! Pure domain types and rules: no I/O, compiled for the server and the browser alike.

pub mod access_code;
pub mod badge;
pub mod budget;
pub mod check_in;
pub mod email;
pub mod ids;
pub mod invite;
#[cfg(feature = "ssr")]
pub mod local_time;
pub mod mapping;
pub mod print_job;
pub mod role;
pub mod search;
pub mod station;
pub mod status;
pub mod sync_job;
pub mod sync_status;
pub mod views;
pub mod webhook;
#[cfg(feature = "ssr")]
pub mod webhook_signature;

pub use email::EmailAddress;
pub use ids::{EventId, IntegrationId, WorkspaceId};
pub use role::{Permission, Role};
pub use status::{AttendanceStatus, IntegrationStatus, Provider, SyncStatus};
pub use sync_job::{JobKind, JobState, RunOutcome, Trigger};
