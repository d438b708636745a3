//! Server functions: the browser's only way into the server. Each one is thin: it checks the
//! caller's permission, scopes the work to the caller's workspace and calls the server code.

pub mod attendees;
pub mod auth;
pub mod badges;
pub mod check_ins;
pub mod error;
pub mod events;
#[cfg(feature = "ssr")]
pub mod guard;
pub mod integrations;
pub mod live;
pub mod members;
pub mod station;

pub use error::ApiError;
