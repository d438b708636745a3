-- A reconnect clears Luma's calendar-wide webhook so the new key registers its own; the old
-- one's id is kept here until the new registration deletes it on Luma, so a calendar is
-- never left delivering twice.
ALTER TABLE integrations ADD COLUMN replaced_webhook_id TEXT;
