-- One call budget per provider credential, shared by every instance on this database:
-- imports, polls, webhook re-fetches and the Import dialog all take from it. Keyed by a
-- SHA-256 of the credential (never the credential itself).
CREATE TABLE provider_budgets (
    credential_key    TEXT PRIMARY KEY,
    window_started_at BIGINT NOT NULL,
    window_ms         BIGINT NOT NULL,
    used              BIGINT NOT NULL,
    limit_calls       BIGINT NOT NULL,
    -- A 429 (or the provider's own figures) closes the budget until then.
    blocked_until     BIGINT NOT NULL DEFAULT 0
);

-- A run handed back because the provider's rate limit (or our budget for it) ran out is
-- RATE_LIMITED: the job waits in the queue and resumes from its checkpoint. SQLite cannot
-- change a CHECK constraint in place, so the table is rebuilt (the same SQL on both).
CREATE TABLE sync_runs_next (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    job_id          TEXT REFERENCES sync_jobs(id) ON DELETE SET NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('IMPORT', 'RESYNC')),
    trigger         TEXT NOT NULL,
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
ALTER TABLE sync_runs_next RENAME TO sync_runs;
CREATE INDEX sync_runs_event_idx ON sync_runs (event_id, started_at);

-- Eventbrite webhooks are per event: the one registered for this event, deleted on the
-- provider when a re-import registers its replacement.
ALTER TABLE events ADD COLUMN webhook_id TEXT;
