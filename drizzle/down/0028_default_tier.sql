-- Undoes 0028_default_tier: nothing. The default tier it made may have users and changed limits by now, and a
-- database without one serves every request unlimited; the schema is the same either way. Delete the tier by
-- hand (after making another the default) if it must go.
SELECT 1;
