-- Invites: a single-use link that adds one person to a workspace with a role.

CREATE TABLE invites (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    -- Lower-cased, like users.email: the account the invite creates or joins.
    email        TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('ADMIN', 'STAFF', 'SUPPORT')),
    -- SHA-256 (hex) of the link's random token. The token itself is shown once to the admin
    -- and never stored, so a copy of the database opens no workspace.
    token_hash   TEXT NOT NULL UNIQUE,
    invited_by   TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    -- Accepting sets used_at with a conditional UPDATE (still unused, unrevoked, unexpired),
    -- so two submits of one link cannot both join.
    used_at      BIGINT,
    -- Kept rather than deleted, so a revoked link says "revoked", not "not valid".
    revoked_at   BIGINT
);
-- The Members page lists a workspace's pending invites; inviting an email again revokes
-- its pending one.
CREATE INDEX invites_workspace_idx ON invites (workspace_id, email);
