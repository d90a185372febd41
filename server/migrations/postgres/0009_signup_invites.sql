-- An invite-only server lets a new account in with a pending invitation; each invitation
-- admits one new account, recorded here (the account that signed up with it). Joining the
-- team stays a separate step (`accepted_by`).
ALTER TABLE invites ADD COLUMN signup_user_id TEXT;
