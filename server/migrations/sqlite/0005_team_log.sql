-- The signed membership log (signet_core::vault::membership): one row per entry, in order.
-- The server checks each entry against the log's rules before it appends it, in the same
-- transaction as the membership change it records; clients verify the whole log themselves
-- from their own pin, so nothing here is trusted by them.
CREATE TABLE team_log (
    team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    entry TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (team_id, seq)
);

-- The inviting admin's anchor (the team's log pin sealed under the link's secret), handed
-- to whoever previews the invitation with the right token.
ALTER TABLE invites ADD COLUMN anchor TEXT;

-- Each user's trust state (signet_core::vault::trust_state), sealed under her user key.
-- `counter` rises by one on every write, so a client notices a blob that went back.
CREATE TABLE trust_states (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    counter BIGINT NOT NULL,
    sealed TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
