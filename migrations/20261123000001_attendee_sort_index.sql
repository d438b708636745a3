-- Indexes for the queries the pages make, and no others: each index is one more B-tree
-- write per imported row.
-- The Attendees table sorts by LOWER(last_name), LOWER(first_name), id, which neither the
-- name index nor the email index could serve, and its search is a substring match that no
-- B-tree serves: one index matching the sort replaces both.
DROP INDEX attendees_event_name_idx;
DROP INDEX attendees_event_email_idx;
CREATE INDEX attendees_event_sort_idx ON attendees (event_id, LOWER(last_name), LOWER(first_name), id);
-- No query looks attendees up by barcode yet; the check-in desk adds its index with its query.
DROP INDEX attendees_event_barcode_idx;
