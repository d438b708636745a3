//! The print-job state machine: how a badge job sent from a phone moves at its print
//! station. The database writes what [`next`] answers and nothing else moves a job.

use serde::{Deserialize, Serialize};

/// Where a job stands. Queued jobs wait for their station, however long it is away.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PrintJobStatus {
    Queued,
    Printing,
    Done,
    Failed,
}
super::status::db_enum!(PrintJobStatus {
    Queued => "QUEUED",
    Printing => "PRINTING",
    Done => "DONE",
    Failed => "FAILED",
});

impl PrintJobStatus {
    pub fn label(self) -> &'static str {
        match self {
            PrintJobStatus::Queued => "Queued",
            PrintJobStatus::Printing => "Printing",
            PrintJobStatus::Done => "Done",
            PrintJobStatus::Failed => "Failed",
        }
    }

    pub fn is_final(self) -> bool {
        matches!(self, PrintJobStatus::Done | PrintJobStatus::Failed)
    }
}

/// What a print station reports about a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PrintJobEvent {
    /// The station took the job and opened the print dialog.
    Started,
    /// The browser's print returned.
    Printed,
    /// The badge could not be printed (the reason is stored beside the status).
    PrintFailed,
    /// The station came back (a reload, a reconnect) with a job it had started: it prints
    /// the job again rather than lose it.
    Resumed,
}

/// The status after `event`, or `None` when the event is refused: a finished job stays
/// finished (a late or doubled report changes nothing).
pub fn next(current: PrintJobStatus, event: PrintJobEvent) -> Option<PrintJobStatus> {
    use PrintJobEvent::*;
    use PrintJobStatus::*;
    match (current, event) {
        (Queued | Printing, Started) => Some(Printing),
        (Queued | Printing, Printed) => Some(Done),
        (Queued | Printing, PrintFailed) => Some(Failed),
        (Printing, Resumed) => Some(Queued),
        (Queued, Resumed) => Some(Queued),
        (Done | Failed, _) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::PrintJobEvent::*;
    use super::PrintJobStatus::*;
    use super::*;

    #[test]
    fn every_transition() {
        let table = [
            (Queued, Started, Some(Printing)),
            (Queued, Printed, Some(Done)),
            (Queued, PrintFailed, Some(Failed)),
            (Queued, Resumed, Some(Queued)),
            (Printing, Started, Some(Printing)),
            (Printing, Printed, Some(Done)),
            (Printing, PrintFailed, Some(Failed)),
            (Printing, Resumed, Some(Queued)),
            (Done, Started, None),
            (Done, Printed, None),
            (Done, PrintFailed, None),
            (Done, Resumed, None),
            (Failed, Started, None),
            (Failed, Printed, None),
            (Failed, PrintFailed, None),
            (Failed, Resumed, None),
        ];
        let events = [Started, Printed, PrintFailed, Resumed];
        assert_eq!(
            table.len(),
            PrintJobStatus::ALL.len() * events.len(),
            "every (status, event) pair has a row"
        );
        for (from, event, to) in table {
            assert_eq!(next(from, event), to, "{from:?} + {event:?}");
        }
    }

    #[test]
    fn statuses_round_trip_through_their_stored_names() {
        for status in PrintJobStatus::ALL {
            assert_eq!(PrintJobStatus::parse(status.as_str()), Some(*status));
        }
        assert_eq!(PrintJobStatus::parse("queued"), None);
    }
}
