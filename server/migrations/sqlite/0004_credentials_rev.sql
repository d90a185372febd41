-- A team's credential list changes only when one of its credential rows does. Every insert,
-- update and delete bumps the team's counter in the same transaction (triggers, so no code path
-- can forget), which lets a replica reuse a rendered page of the list for exactly as long as
-- the counter it was rendered at is still current.
ALTER TABLE teams ADD COLUMN credentials_rev BIGINT NOT NULL DEFAULT 0;

CREATE TRIGGER credentials_rev_insert AFTER INSERT ON credentials BEGIN
    UPDATE teams SET credentials_rev = credentials_rev + 1 WHERE id = NEW.team_id;
END;

CREATE TRIGGER credentials_rev_update AFTER UPDATE ON credentials BEGIN
    UPDATE teams SET credentials_rev = credentials_rev + 1 WHERE id = NEW.team_id;
END;

CREATE TRIGGER credentials_rev_delete AFTER DELETE ON credentials BEGIN
    UPDATE teams SET credentials_rev = credentials_rev + 1 WHERE id = OLD.team_id;
END;
