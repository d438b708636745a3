-- Whether a successful run read the provider's complete listing (no changed-since filter):
-- polls reach back from the last good run's start, and a filtering provider still gets a
-- complete listing hourly.
ALTER TABLE sync_runs ADD COLUMN complete_listing BIGINT NOT NULL DEFAULT 0;
