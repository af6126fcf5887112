-- The store refuses a value for an indicator the current plan does not know, or for a place
-- that is not registered, whoever writes it (the application checks first; this is the
-- second line, for rows written by anything else).
CREATE TABLE plan_indicators (
    code  TEXT PRIMARY KEY
) WITHOUT ROWID;

INSERT INTO plan_indicators (code)
SELECT DISTINCT j.value->>'code'
FROM current_plan c
JOIN plan_versions v ON v.code = c.code AND v.version = c.version,
     json_each(v.document, '$.indicators') AS j
WHERE c.id = 1;

CREATE TRIGGER observations_known_on_insert BEFORE INSERT ON observations
BEGIN
    SELECT RAISE(ABORT, 'unknown indicator')
    WHERE NOT EXISTS (SELECT 1 FROM plan_indicators WHERE code = NEW.indicator);
    SELECT RAISE(ABORT, 'unknown place')
    WHERE NOT EXISTS (SELECT 1 FROM places WHERE code = NEW.place);
END;

CREATE TRIGGER observations_known_on_update BEFORE UPDATE OF indicator, place ON observations
BEGIN
    SELECT RAISE(ABORT, 'unknown indicator')
    WHERE NOT EXISTS (SELECT 1 FROM plan_indicators WHERE code = NEW.indicator);
    SELECT RAISE(ABORT, 'unknown place')
    WHERE NOT EXISTS (SELECT 1 FROM places WHERE code = NEW.place);
END;

-- Values that a plan or place change left without a known indicator or place: kept, not
-- deleted, out of the evaluation, with the reason, until someone deals with them.
CREATE TABLE quarantine (
    indicator    TEXT NOT NULL,
    place        TEXT NOT NULL,
    period       TEXT NOT NULL,
    component    TEXT NOT NULL,
    value        REAL NOT NULL,
    state        TEXT NOT NULL,
    reporter     TEXT NOT NULL,
    reported_at  TEXT NOT NULL,
    comment      TEXT NOT NULL DEFAULT '',
    reason       TEXT NOT NULL,
    moved_at     TEXT NOT NULL,
    PRIMARY KEY (indicator, place, period, component)
);
