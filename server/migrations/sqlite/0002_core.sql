-- Accounts, sessions, teams, members, invitations, apps, credentials, assignments, robot
-- tokens, audit log and rate limits. Portable SQL: the Postgres migration differs only in
-- the audit log's id column. Times are Unix seconds; booleans are 0/1.

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    kdf_params TEXT NOT NULL,
    kdf_salt TEXT NOT NULL,
    auth_hash TEXT NOT NULL,
    recovery_auth_hash TEXT NOT NULL,
    wrapped_user_key TEXT NOT NULL,
    recovery_wrapped_user_key TEXT NOT NULL,
    public_keys TEXT NOT NULL,
    sealed_private_keys TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    client TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE teams (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    key_version BIGINT NOT NULL,
    rotation_needed BIGINT NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    deleted_at BIGINT
);

CREATE TABLE members (
    team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    key_version BIGINT NOT NULL,
    key_kind TEXT NOT NULL,
    wrapped_team_key TEXT NOT NULL,
    key_sender_id TEXT,
    joined_at BIGINT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX members_user ON members(user_id);

CREATE TABLE invites (
    id TEXT PRIMARY KEY NOT NULL,
    team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    wrapped_team_key TEXT,
    key_version BIGINT NOT NULL,
    note TEXT,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_by TEXT REFERENCES users(id)
);
CREATE INDEX invites_team ON invites(team_id);

CREATE TABLE apps (
    id TEXT PRIMARY KEY NOT NULL,
    team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    android_package TEXT,
    ios_targets TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (team_id, name)
);

CREATE TABLE credentials (
    id TEXT PRIMARY KEY NOT NULL,
    team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    metadata TEXT NOT NULL,
    metadata_signature TEXT NOT NULL,
    author_id TEXT NOT NULL REFERENCES users(id),
    key_version BIGINT NOT NULL,
    wrapped_key TEXT NOT NULL,
    payload TEXT NOT NULL,
    revision BIGINT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX credentials_team ON credentials(team_id, created_at);

CREATE TABLE assignments (
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    platform TEXT NOT NULL,
    profile TEXT NOT NULL,
    target TEXT NOT NULL,
    credential_id TEXT NOT NULL REFERENCES credentials(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    is_default BIGINT NOT NULL,
    PRIMARY KEY (app_id, platform, profile, target, credential_id)
);
CREATE UNIQUE INDEX assignments_one_default
    ON assignments(app_id, platform, profile, target, kind) WHERE is_default = 1;
CREATE INDEX assignments_credential ON assignments(credential_id);

CREATE TABLE robots (
    id TEXT PRIMARY KEY NOT NULL,
    team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    auth_hash TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    last_used_at BIGINT
);

CREATE TABLE robot_apps (
    robot_id TEXT NOT NULL REFERENCES robots(id) ON DELETE CASCADE,
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    PRIMARY KEY (robot_id, app_id)
);

CREATE TABLE robot_grants (
    robot_id TEXT NOT NULL REFERENCES robots(id) ON DELETE CASCADE,
    credential_id TEXT NOT NULL REFERENCES credentials(id) ON DELETE CASCADE,
    wrapped_key TEXT NOT NULL,
    PRIMARY KEY (robot_id, credential_id)
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id TEXT,
    at BIGINT NOT NULL,
    action TEXT NOT NULL,
    actor_user_id TEXT,
    actor_email TEXT,
    actor_robot_id TEXT,
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    detail TEXT NOT NULL,
    ip TEXT NOT NULL
);
CREATE INDEX audit_team ON audit_log(team_id, id);

CREATE TABLE rate_limits (
    bucket TEXT PRIMARY KEY NOT NULL,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL
);
