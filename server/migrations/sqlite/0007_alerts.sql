-- Alerts (issue 13): where a team's alerts go, what was raised, and each delivery.
--
-- An alert is raised once: `dedup_key` is unique (e.g. `expiry:<credential>:<not_after>:7`),
-- so replicas that notice the same thing insert it once. Each (alert, destination) gets one
-- delivery row; a replica sends it only after winning a lease on that row with a conditional
-- UPDATE, so several replicas on one database deliver it once.
CREATE TABLE alert_destinations (
    id TEXT PRIMARY KEY NOT NULL,
    team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    label TEXT NOT NULL,
    secret TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX alert_destinations_team ON alert_destinations(team_id);

CREATE TABLE alert_events (
    id TEXT PRIMARY KEY NOT NULL,
    team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    dedup_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    summary TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE alert_deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    event_id TEXT NOT NULL REFERENCES alert_events(id) ON DELETE CASCADE,
    destination_id TEXT NOT NULL REFERENCES alert_destinations(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT NOT NULL,
    lease_owner TEXT,
    last_status BIGINT,
    last_error TEXT,
    sent_at BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (event_id, destination_id)
);
CREATE INDEX alert_deliveries_due ON alert_deliveries(status, next_attempt_at);
CREATE INDEX alert_deliveries_team ON alert_deliveries(team_id, created_at);

-- The alert scan reads recent entries of a few actions.
CREATE INDEX audit_action_at ON audit_log(action, at);
