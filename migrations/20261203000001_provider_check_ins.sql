-- A check-in made through the provider's own tools (Eventbrite's organizer app, Luma's
-- check-in) is the provider's fact: sync writes it here, never into Lanyard's own
-- checked_in_at, and both count as checked in. 0 means "checked in, time not given".
ALTER TABLE attendees ADD COLUMN provider_checked_in_at BIGINT;
