-- The password policy (等保 2.0 level 3, 身份鉴别): when each password was set, and whether
-- its owner must change it before anything else (a password set by the security
-- administrator is the owner's to replace). Passwords already stored count from now.
ALTER TABLE reporters ADD COLUMN password_set_at TIMESTAMP;
ALTER TABLE reporters ADD COLUMN password_must_change BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE reporters SET password_set_at = (now() AT TIME ZONE 'UTC')
    WHERE password_hash IS NOT NULL;
