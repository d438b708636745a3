-- What asked for a job or a run is one of a closed set (domain::Trigger), now constrained
-- like kind, state and outcome. SQLite cannot add a CHECK in place, so both tables are
-- rebuilt (the same SQL on both databases). sync_runs is rebuilt against the new jobs table
-- before the old tables go: dropping sync_jobs while the old sync_runs still referenced it
-- would run its ON DELETE SET NULL and cut every run off from its job.
CREATE TABLE sync_jobs_next (
    id               TEXT PRIMARY KEY,
    workspace_id     TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    event_id         TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    kind             TEXT NOT NULL CHECK (kind IN ('IMPORT', 'RESYNC')),
    state            TEXT NOT NULL CHECK (state IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
    trigger          TEXT NOT NULL CHECK (trigger IN ('IMPORT_DIALOG', 'RECONNECT', 'MANUAL', 'POLL', 'WEBHOOK', 'AUTO_RETRY')),
    requested_by     TEXT REFERENCES users(id) ON DELETE SET NULL,
    processed_count  BIGINT NOT NULL DEFAULT 0,
    total_count      BIGINT,
    created_count    BIGINT NOT NULL DEFAULT 0,
    updated_count    BIGINT NOT NULL DEFAULT 0,
    cancelled_count  BIGINT NOT NULL DEFAULT 0,
    unchanged_count  BIGINT NOT NULL DEFAULT 0,
    provider_calls   BIGINT NOT NULL DEFAULT 0,
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
INSERT INTO sync_jobs_next (id, workspace_id, event_id, kind, state, trigger, requested_by,
    processed_count, total_count, created_count, updated_count, cancelled_count, unchanged_count,
    provider_calls, resume_cursor, attempts, run_after, lease_owner, lease_expires_at, error,
    created_at, started_at, finished_at)
SELECT id, workspace_id, event_id, kind, state, trigger, requested_by,
    processed_count, total_count, created_count, updated_count, cancelled_count, unchanged_count,
    provider_calls, resume_cursor, attempts, run_after, lease_owner, lease_expires_at, error,
    created_at, started_at, finished_at
FROM sync_jobs;

CREATE TABLE sync_runs_next (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    job_id          TEXT REFERENCES sync_jobs_next(id) ON DELETE SET NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('IMPORT', 'RESYNC')),
    trigger         TEXT NOT NULL CHECK (trigger IN ('IMPORT_DIALOG', 'RECONNECT', 'MANUAL', 'POLL', 'WEBHOOK', 'AUTO_RETRY')),
    triggered_by    TEXT REFERENCES users(id) ON DELETE SET NULL,
    outcome         TEXT NOT NULL CHECK (outcome IN ('RUNNING', 'SUCCEEDED', 'FAILED', 'DISCONNECTED', 'RATE_LIMITED')),
    started_at      BIGINT NOT NULL,
    finished_at     BIGINT,
    created_count   BIGINT NOT NULL DEFAULT 0,
    updated_count   BIGINT NOT NULL DEFAULT 0,
    cancelled_count BIGINT NOT NULL DEFAULT 0,
    unchanged_count BIGINT NOT NULL DEFAULT 0,
    provider_calls  BIGINT NOT NULL DEFAULT 0,
    error           TEXT,
    complete_listing BIGINT NOT NULL DEFAULT 0
);
INSERT INTO sync_runs_next (id, workspace_id, event_id, job_id, kind, trigger, triggered_by, outcome,
    started_at, finished_at, created_count, updated_count, cancelled_count, unchanged_count,
    provider_calls, error, complete_listing)
SELECT id, workspace_id, event_id, job_id, kind, trigger, triggered_by, outcome,
    started_at, finished_at, created_count, updated_count, cancelled_count, unchanged_count,
    provider_calls, error, complete_listing
FROM sync_runs;

DROP TABLE sync_runs;
DROP TABLE sync_jobs;
ALTER TABLE sync_jobs_next RENAME TO sync_jobs;
ALTER TABLE sync_runs_next RENAME TO sync_runs;
CREATE INDEX sync_jobs_claim_idx ON sync_jobs (state, run_after);
CREATE INDEX sync_jobs_event_idx ON sync_jobs (event_id, created_at);
CREATE UNIQUE INDEX sync_jobs_one_active_per_event ON sync_jobs (event_id)
    WHERE state IN ('QUEUED', 'RUNNING');
CREATE INDEX sync_runs_event_idx ON sync_runs (event_id, started_at);
