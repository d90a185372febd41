-- Robot tokens that follow assignments (issue 12 §3). A token made by a current client has a
-- card (its public key and app scope, signed by the admin who made it) and an anchor (the
-- team's log pin sealed under a key from the token's secret); the server can check neither
-- and decrypts nothing. Tokens made before have neither and keep only their old grants.
ALTER TABLE robots ADD COLUMN card TEXT;
ALTER TABLE robots ADD COLUMN anchor TEXT;

-- A grant is either sealed under the token's grant key (`sealed`, as before) or a signed
-- ECIES wrap to the token's public key (`ecies`), made by whoever assigned the credential;
-- `sender_id` is that member, whose signature the robot checks against the team's log.
ALTER TABLE robot_grants ADD COLUMN kind TEXT NOT NULL DEFAULT 'sealed';
ALTER TABLE robot_grants ADD COLUMN sender_id TEXT;
