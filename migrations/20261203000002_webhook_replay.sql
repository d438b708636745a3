-- Signed deliveries seen lately, per integration: a delivery whose id comes again within the
-- signature's 5-minute window is a replay and is refused. Rows older than the window are
-- deleted as new ones arrive.
CREATE TABLE webhook_deliveries (
    integration_id TEXT NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
    delivery_id    TEXT NOT NULL,
    received_at    BIGINT NOT NULL,
    PRIMARY KEY (integration_id, delivery_id)
);
CREATE INDEX webhook_deliveries_age_idx ON webhook_deliveries (received_at);
-- Which signature scheme Luma's deliveries last verified with (Luma documents none).
ALTER TABLE integrations ADD COLUMN webhook_scheme TEXT;
