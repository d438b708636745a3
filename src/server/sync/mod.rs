//! The sync engine: imports and resyncs of an event's attendees.

pub mod import;
pub mod runner;
