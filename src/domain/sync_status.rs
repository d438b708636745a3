//! The sync-status state machine: the one place that decides how an event's status moves.
//! Storage and the sync engine ask [`next`] and write what it answers; nothing else writes
//! `sync_status`.

use super::SyncStatus;

/// Something that happened to an event's link with its provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncEvent {
    /// An admin asked for a fresh (re-)import: Import, Retry or Reconnect.
    ImportRequested,
    /// An import or resync finished with every page read.
    SyncSucceeded,
    /// Transient errors outlasted the retry budget.
    RetriesExhausted,
    /// The provider rejected the credential (401, revoked key).
    CredentialRejected,
}

/// The status after `event`, or `None` when the event must not move the status: a late
/// success from a job that ran on a credential since rejected cannot revive a DISCONNECTED
/// event; only a recovery (a new import) can.
pub fn next(current: SyncStatus, event: SyncEvent) -> Option<SyncStatus> {
    use SyncEvent::*;
    use SyncStatus::*;
    match (current, event) {
        (_, ImportRequested) => Some(Pending),
        (_, CredentialRejected) => Some(Disconnected),
        (Disconnected, SyncSucceeded | RetriesExhausted) => None,
        (Pending | Active | Failed, SyncSucceeded) => Some(Active),
        (Pending | Active | Failed, RetriesExhausted) => Some(Failed),
    }
}

#[cfg(test)]
mod tests {
    use super::SyncEvent::*;
    use super::*;
    use SyncStatus::*;

    #[test]
    fn every_transition() {
        // (from, event, to); None = the status stays and the event is ignored.
        let table = [
            (Pending, ImportRequested, Some(Pending)),
            (Pending, SyncSucceeded, Some(Active)),
            (Pending, RetriesExhausted, Some(Failed)),
            (Pending, CredentialRejected, Some(Disconnected)),
            (Active, ImportRequested, Some(Pending)),
            (Active, SyncSucceeded, Some(Active)),
            (Active, RetriesExhausted, Some(Failed)),
            (Active, CredentialRejected, Some(Disconnected)),
            (Failed, ImportRequested, Some(Pending)),
            (Failed, SyncSucceeded, Some(Active)),
            (Failed, RetriesExhausted, Some(Failed)),
            (Failed, CredentialRejected, Some(Disconnected)),
            (Disconnected, ImportRequested, Some(Pending)),
            (Disconnected, SyncSucceeded, None),
            (Disconnected, RetriesExhausted, None),
            (Disconnected, CredentialRejected, Some(Disconnected)),
        ];
        assert_eq!(
            table.len(),
            SyncStatus::ALL.len() * 4,
            "every (status, event) pair has a row"
        );
        for (from, event, to) in table {
            assert_eq!(next(from, event), to, "{from:?} + {event:?}");
        }
    }

    #[test]
    fn a_rejected_credential_after_a_reconnect_ends_disconnected_not_pending() {
        let reconnecting = next(Disconnected, ImportRequested).unwrap();
        assert_eq!(next(reconnecting, CredentialRejected), Some(Disconnected));
    }
}
