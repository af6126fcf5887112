-- The password policy (等保 2.0 level 3, 身份鉴别): when each password was set, and whether
-- its owner must change it before anything else (a password set by the security
-- administrator is the owner's to replace). Passwords already stored count from now.
ALTER TABLE reporters ADD COLUMN password_set_at TEXT;
ALTER TABLE reporters ADD COLUMN password_must_change INTEGER NOT NULL DEFAULT 0
    CHECK (password_must_change IN (0, 1));
UPDATE reporters SET password_set_at = strftime('%Y-%m-%d %H:%M:%f', 'now')
    WHERE password_hash IS NOT NULL;
