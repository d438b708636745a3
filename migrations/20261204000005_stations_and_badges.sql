-- Staff stations (issue 12): print stations of an event, the badge jobs phones send them,
-- and each workspace's badge templates.
CREATE TABLE print_stations (
    id         TEXT PRIMARY KEY,
    event_id   TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    -- "Printer by Door 2"; registering the same name again is the same station (a reload
    -- or a reconnect finds its waiting jobs).
    name       TEXT NOT NULL,
    -- The last beat of its open job stream (ms since the epoch); 0 once the stream closed.
    -- Kept in the database, not in one instance's memory, so every instance answers alike.
    seen_at    BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    UNIQUE (event_id, name)
);

CREATE TABLE print_jobs (
    id           TEXT PRIMARY KEY,
    event_id     TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    station_id   TEXT NOT NULL REFERENCES print_stations(id) ON DELETE CASCADE,
    attendee_id  TEXT NOT NULL REFERENCES attendees(id) ON DELETE CASCADE,
    status       TEXT NOT NULL CHECK (status IN ('QUEUED', 'PRINTING', 'DONE', 'FAILED')),
    error        TEXT,
    -- The station (phone) that sent it, by name.
    requested_by TEXT NOT NULL,
    -- The sending request's nonce: a resent check-in or reprint makes one job.
    nonce        TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
-- A station's waiting jobs, oldest first, when its stream opens.
CREATE UNIQUE INDEX print_jobs_nonce_idx ON print_jobs (event_id, nonce);
CREATE INDEX print_jobs_station_idx ON print_jobs (station_id, status, created_at);

CREATE TABLE badge_templates (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    is_default   BIGINT NOT NULL DEFAULT 0,
    -- JSON array of the ticket names a variant prints for.
    ticket_names TEXT NOT NULL DEFAULT '[]',
    label_size   TEXT NOT NULL,
    -- JSON array of field names, top to bottom.
    fields       TEXT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX badge_templates_one_default ON badge_templates (workspace_id) WHERE is_default = 1;
CREATE INDEX badge_templates_workspace_idx ON badge_templates (workspace_id);
