//! The vocabulary of the sync engine's work: what a job is, where it stands, who or what
//! asked for it, and how its sync run ended. Stored as text under CHECK constraints.

use super::status::db_enum;
use serde::{Deserialize, Serialize};

/// An import lists everything (and may resume from a checkpoint); a resync asks for what
/// changed where the provider can filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobKind {
    Import,
    Resync,
}
db_enum!(JobKind { Import => "IMPORT", Resync => "RESYNC" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}
db_enum!(JobState {
    Queued => "QUEUED",
    Running => "RUNNING",
    Succeeded => "SUCCEEDED",
    Failed => "FAILED",
    Cancelled => "CANCELLED",
});

impl JobState {
    /// Queued or running: the event has work in hand.
    pub fn is_active(self) -> bool {
        matches!(self, JobState::Queued | JobState::Running)
    }
}

/// Why a job was queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Trigger {
    /// Import Event dialog.
    ImportDialog,
    /// The recovery dialog's confirm (Reconnect, Retry, Set Up Sync).
    Reconnect,
    /// The Sync button.
    Manual,
    /// The scheduled safety-net poll.
    Poll,
    /// A provider's webhook delivery.
    Webhook,
    /// A FAILED event tried again in the background.
    AutoRetry,
}
db_enum!(Trigger {
    ImportDialog => "IMPORT_DIALOG",
    Reconnect => "RECONNECT",
    Manual => "MANUAL",
    Poll => "POLL",
    Webhook => "WEBHOOK",
    AutoRetry => "AUTO_RETRY",
});

impl Trigger {
    /// As the sync history shows it.
    pub fn label(self) -> &'static str {
        match self {
            Trigger::ImportDialog => "Import",
            Trigger::Reconnect => "Reconnect",
            Trigger::Manual => "Sync button",
            Trigger::Poll => "Scheduled check",
            Trigger::Webhook => "Provider update",
            Trigger::AutoRetry => "Automatic retry",
        }
    }
}

/// How a sync run ended (or that it has not yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunOutcome {
    Running,
    Succeeded,
    Failed,
    Disconnected,
    /// The provider's budget ran out; the job was handed back to run later.
    RateLimited,
}
db_enum!(RunOutcome {
    Running => "RUNNING",
    Succeeded => "SUCCEEDED",
    Failed => "FAILED",
    Disconnected => "DISCONNECTED",
    RateLimited => "RATE_LIMITED",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_round_trips_through_its_stored_name() {
        for k in JobKind::ALL {
            assert_eq!(JobKind::parse(k.as_str()), Some(*k));
        }
        for s in JobState::ALL {
            assert_eq!(JobState::parse(s.as_str()), Some(*s));
        }
        for t in Trigger::ALL {
            assert_eq!(Trigger::parse(t.as_str()), Some(*t));
        }
        for o in RunOutcome::ALL {
            assert_eq!(RunOutcome::parse(o.as_str()), Some(*o));
        }
        // On the wire (server functions, the live stream) as in the database.
        for t in Trigger::ALL {
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
        }
        for o in RunOutcome::ALL {
            assert_eq!(serde_json::to_value(o).unwrap(), o.as_str());
        }
        assert_eq!(serde_json::to_value(JobKind::Import).unwrap(), "IMPORT");
        assert_eq!(Trigger::parse("poll"), None);
        assert_eq!(Trigger::Poll.label(), "Scheduled check");
        assert!(JobState::Running.is_active() && !JobState::Cancelled.is_active());
    }
}
