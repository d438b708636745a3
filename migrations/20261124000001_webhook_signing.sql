-- Luma registers one calendar-wide webhook per integration: its id (so it is registered once)
-- and its signing secret (sealed like the credentials) verify every delivery. A reconnect
-- clears both, so the next import registers again with the new key.
ALTER TABLE integrations ADD COLUMN webhook_id TEXT;
ALTER TABLE integrations ADD COLUMN webhook_secret TEXT;
