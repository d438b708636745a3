-- Lanyard's data model. One portable dialect serves SQLite and PostgreSQL: ids are
-- application-made UUID strings, times are BIGINT milliseconds since the Unix epoch (UTC),
-- flags are BIGINT 0/1 (sqlx's Any driver cannot decode SQLite booleans).

CREATE TABLE workspaces (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    -- Stored lower-cased so sign-in is case-insensitive and the UNIQUE means what it says.
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE memberships (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role         TEXT NOT NULL CHECK (role IN ('ADMIN', 'STAFF', 'SUPPORT')),
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
-- Sign-in looks up a user's workspaces.
CREATE INDEX memberships_user_idx ON memberships (user_id, created_at);

CREATE TABLE integrations (
    id                  TEXT PRIMARY KEY,
    workspace_id        TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    provider            TEXT NOT NULL CHECK (provider IN ('EVENTBRITE', 'LUMA')),
    provider_account_id TEXT NOT NULL,
    account_email       TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('CONNECTED', 'DISCONNECTED')),
    -- AEAD ciphertext (nonce || sealed JSON), base64. Never plaintext.
    credentials         TEXT NOT NULL,
    -- Unguessable token carried in this integration's webhook URLs.
    webhook_token       TEXT NOT NULL UNIQUE,
    connected_by        TEXT REFERENCES users(id) ON DELETE SET NULL,
    connected_at        BIGINT NOT NULL,
    disconnected_at     BIGINT,
    last_error          TEXT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    -- Reconnecting the same provider account updates this row in place, so its events recover.
    UNIQUE (workspace_id, provider, provider_account_id)
);
CREATE INDEX integrations_workspace_idx ON integrations (workspace_id, provider, status);

CREATE TABLE events (
    id                TEXT PRIMARY KEY,
    workspace_id      TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    -- Kept when an integration is removed: the event and its attendees stay, DISCONNECTED.
    integration_id    TEXT REFERENCES integrations(id) ON DELETE SET NULL,
    provider          TEXT NOT NULL CHECK (provider IN ('EVENTBRITE', 'LUMA')),
    provider_event_id TEXT NOT NULL,
    name              TEXT NOT NULL,
    starts_at         BIGINT,
    ends_at           BIGINT,
    timezone          TEXT NOT NULL,
    access_code       TEXT NOT NULL UNIQUE,
    sync_status       TEXT NOT NULL CHECK (sync_status IN ('PENDING', 'ACTIVE', 'FAILED', 'DISCONNECTED')),
    -- Attendee total as last reported by the provider (null when it does not say).
    provider_total    BIGINT,
    last_synced_at    BIGINT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    -- The same provider event cannot be added twice to one workspace.
    UNIQUE (workspace_id, provider, provider_event_id)
);
-- The Events page lists a workspace's events by start date.
CREATE INDEX events_workspace_start_idx ON events (workspace_id, starts_at);
-- A rejected credential disconnects every event on the integration.
CREATE INDEX events_integration_idx ON events (integration_id);

CREATE TABLE attendees (
    id                   TEXT PRIMARY KEY,
    event_id             TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    provider_attendee_id TEXT NOT NULL,
    email                TEXT,
    first_name           TEXT NOT NULL DEFAULT '',
    last_name            TEXT NOT NULL DEFAULT '',
    company              TEXT,
    job_title            TEXT,
    ticket_name          TEXT,
    barcode              TEXT,
    status               TEXT NOT NULL CHECK (status IN ('ATTENDING', 'NOT_ATTENDING')),
    -- The provider's own status word (e.g. Luma's "waitlist"), shown beside ours.
    provider_status      TEXT,
    -- Lanyard's own fields: no sync ever writes these.
    is_vip               BIGINT NOT NULL DEFAULT 0,
    checked_in_at        BIGINT,
    checked_in_by        TEXT,
    check_in_nonce       TEXT,
    provider_changed_at  BIGINT,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    UNIQUE (event_id, provider_attendee_id)
);
-- The Attendees table sorts by name and searches by email; the desk scans barcodes.
CREATE INDEX attendees_event_name_idx ON attendees (event_id, last_name, first_name);
CREATE INDEX attendees_event_email_idx ON attendees (event_id, email);
CREATE INDEX attendees_event_barcode_idx ON attendees (event_id, barcode);

CREATE TABLE sync_jobs (
    id               TEXT PRIMARY KEY,
    workspace_id     TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    event_id         TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    kind             TEXT NOT NULL CHECK (kind IN ('IMPORT', 'RESYNC')),
    state            TEXT NOT NULL CHECK (state IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
    trigger          TEXT NOT NULL,
    requested_by     TEXT REFERENCES users(id) ON DELETE SET NULL,
    processed_count  BIGINT NOT NULL DEFAULT 0,
    total_count      BIGINT,
    created_count    BIGINT NOT NULL DEFAULT 0,
    updated_count    BIGINT NOT NULL DEFAULT 0,
    cancelled_count  BIGINT NOT NULL DEFAULT 0,
    unchanged_count  BIGINT NOT NULL DEFAULT 0,
    provider_calls   BIGINT NOT NULL DEFAULT 0,
    -- Where a crashed job resumes (the provider's opaque cursor after the last saved page).
    resume_cursor    TEXT,
    attempts         BIGINT NOT NULL DEFAULT 0,
    run_after        BIGINT NOT NULL,
    lease_owner      TEXT,
    lease_expires_at BIGINT,
    error            TEXT,
    created_at       BIGINT NOT NULL,
    started_at       BIGINT,
    finished_at      BIGINT
);
-- Workers claim the oldest due job.
CREATE INDEX sync_jobs_claim_idx ON sync_jobs (state, run_after);
CREATE INDEX sync_jobs_event_idx ON sync_jobs (event_id, created_at);
-- At most one queued or running job per event, whatever the number of app instances.
CREATE UNIQUE INDEX sync_jobs_one_active_per_event ON sync_jobs (event_id)
    WHERE state IN ('QUEUED', 'RUNNING');

CREATE TABLE sync_runs (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    job_id          TEXT REFERENCES sync_jobs(id) ON DELETE SET NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('IMPORT', 'RESYNC')),
    trigger         TEXT NOT NULL,
    triggered_by    TEXT REFERENCES users(id) ON DELETE SET NULL,
    outcome         TEXT NOT NULL CHECK (outcome IN ('RUNNING', 'SUCCEEDED', 'FAILED', 'DISCONNECTED')),
    started_at      BIGINT NOT NULL,
    finished_at     BIGINT,
    created_count   BIGINT NOT NULL DEFAULT 0,
    updated_count   BIGINT NOT NULL DEFAULT 0,
    cancelled_count BIGINT NOT NULL DEFAULT 0,
    unchanged_count BIGINT NOT NULL DEFAULT 0,
    provider_calls  BIGINT NOT NULL DEFAULT 0,
    error           TEXT
);
-- Sync history shows an event's latest runs first.
CREATE INDEX sync_runs_event_idx ON sync_runs (event_id, started_at);
