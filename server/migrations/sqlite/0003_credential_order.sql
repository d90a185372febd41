-- The credential list pages by (created_at, id), newest first: an index in exactly that order
-- lets the database stop after one page instead of sorting the whole team.
DROP INDEX credentials_team;
CREATE INDEX credentials_team_order ON credentials(team_id, created_at, id);
