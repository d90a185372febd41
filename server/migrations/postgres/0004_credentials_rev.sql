-- A team's credential list changes only when one of its credential rows does. Every insert,
-- update and delete bumps the team's counter in the same transaction (a trigger, so no code
-- path can forget), which lets a replica reuse a rendered page of the list for exactly as long
-- as the counter it was rendered at is still current.
ALTER TABLE teams ADD COLUMN credentials_rev BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION signet_bump_credentials_rev() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE teams SET credentials_rev = credentials_rev + 1 WHERE id = OLD.team_id;
    ELSE
        UPDATE teams SET credentials_rev = credentials_rev + 1 WHERE id = NEW.team_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER credentials_rev AFTER INSERT OR UPDATE OR DELETE ON credentials
    FOR EACH ROW EXECUTE FUNCTION signet_bump_credentials_rev();
