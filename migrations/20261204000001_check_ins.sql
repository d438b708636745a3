-- The check-in desk. Every check-in made in Lanyard is a row here, and its undo marks the
-- row; the attendee's checked_in_* columns mirror the standing one (written in the same
-- transaction) so counts, sorts and the table read one row per attendee.
CREATE TABLE check_ins (
    id             TEXT PRIMARY KEY,
    event_id       TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    attendee_id    TEXT NOT NULL REFERENCES attendees(id) ON DELETE CASCADE,
    -- The client-made id of the request: a retried or doubled request is this same row.
    nonce          TEXT NOT NULL,
    checked_in_at  BIGINT NOT NULL,
    checked_in_by  TEXT REFERENCES users(id) ON DELETE SET NULL,
    -- Names as they were, so history reads the same after a member is removed.
    by_name        TEXT NOT NULL,
    source         TEXT NOT NULL CHECK (source IN ('PAGE', 'STATION')),
    station        TEXT,
    forced         BIGINT NOT NULL DEFAULT 0,
    undone_at      BIGINT,
    undone_by      TEXT REFERENCES users(id) ON DELETE SET NULL,
    undone_by_name TEXT,
    undo_reason    TEXT,
    UNIQUE (event_id, nonce)
);
-- At most one standing check-in per attendee: two desks checking the same person in at the
-- same moment make one row, and the other insert does nothing (no read-then-write).
CREATE UNIQUE INDEX check_ins_one_standing ON check_ins (attendee_id) WHERE undone_at IS NULL;
-- An attendee's history, newest first.
CREATE INDEX check_ins_attendee_idx ON check_ins (attendee_id, checked_in_at);
-- The arrivals chart counts an event's check-ins by time.
CREATE INDEX check_ins_event_time_idx ON check_ins (event_id, checked_in_at);

-- What a sync changed on an attendee (an edit or a cancellation; creation is the row's
-- created_at), so support can answer "why did this person's ticket change?".
CREATE TABLE attendee_changes (
    id                   TEXT PRIMARY KEY,
    event_id             TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    provider_attendee_id TEXT NOT NULL,
    changed_at           BIGINT NOT NULL,
    -- "Ticket: General → VIP; Company: — → Acme" (built by domain::mapping::describe_changes).
    summary              TEXT NOT NULL
);
CREATE INDEX attendee_changes_attendee_idx ON attendee_changes (event_id, provider_attendee_id, changed_at);

-- A scanned barcode finds its attendee without a scan of the event.
CREATE INDEX attendees_event_barcode_idx ON attendees (event_id, barcode);
