-- Numbered as PostgreSQL's 0010 (its check of known codes, once per statement). SQLite's
-- triggers of 0003 compare codes under the same collation as the keys they look up, so
-- each row costs one index probe already: nothing changes here.
SELECT 1;
