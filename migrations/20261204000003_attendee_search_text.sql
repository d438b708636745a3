-- The Attendees search compared LOWER(first_name || ' ' || ... || barcode) on every row of
-- the event, twice per search (the count and the page): 180 ms at 50,000 attendees. The
-- folded text is now written with the attendee (by the app, Unicode-aware) and searched over
-- an index of it.
ALTER TABLE attendees ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
-- Rows already stored: SQLite's LOWER folds ASCII only; the next sync rewrites any row the
-- provider changes, and the app's own folding is used from then on.
UPDATE attendees SET search_text = LOWER(first_name || ' ' || last_name || ' ' || COALESCE(email, '')
    || ' ' || COALESCE(company, '') || ' ' || COALESCE(ticket_name, '') || ' ' || COALESCE(barcode, ''));
-- The index a search reads is the engine's own (db::migrate): on SQLite a partial B-tree of
-- (event_id, search_text), on PostgreSQL a trigram index; the migrations are shared SQL.
