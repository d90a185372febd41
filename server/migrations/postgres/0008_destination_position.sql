-- Destinations are listed in the order they were added. `created_at` has a resolution of one
-- second, so two added within a second were ordered by their random id; `position` is the
-- team's running count at insert time and breaks that tie.
ALTER TABLE alert_destinations ADD COLUMN position BIGINT NOT NULL DEFAULT 0;
