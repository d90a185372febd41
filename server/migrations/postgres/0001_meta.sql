-- Facts about this installation (created_at, and later the instance id).
CREATE TABLE signet_meta (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
INSERT INTO signet_meta (key, value) VALUES ('created_at', now()::text);
