//! The sync engine: imports and resyncs of an event's attendees.

pub mod import;
pub mod poller;
pub mod retry;
pub mod runner;

/// A helper task that dies with the task that started it: when a job's task is dropped (a
/// crash, an abort), its lease renewer and page fetcher must not live on.
pub(crate) use tokio_util::task::AbortOnDropHandle as AbortOnDrop;
