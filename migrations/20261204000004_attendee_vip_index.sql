-- The VIP filter: VIPs are few (a handful in a thousand), so a search filtered to them read
-- and counted every row of the event (48 ms on SQLite, 70 ms on PostgreSQL at 50,000). A
-- partial index holds only the VIPs; a check-in does not touch its columns, so on
-- PostgreSQL check-ins stay HOT updates.
CREATE INDEX attendees_vip_idx ON attendees (event_id) WHERE is_vip = 1;
