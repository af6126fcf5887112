-- youxiang schema, SQLite. Times are UTC text 'YYYY-MM-DD HH:MM:SS.ffffff'.

-- Every version of every plan ever saved (the plan as a JSON document).
CREATE TABLE plan_versions (
    code      TEXT    NOT NULL,
    version   INTEGER NOT NULL,
    document  TEXT    NOT NULL,
    saved_at  TEXT    NOT NULL,
    saved_by  TEXT    NOT NULL,
    PRIMARY KEY (code, version)
);

-- Which plan version is current (one row).
CREATE TABLE current_plan (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    code     TEXT    NOT NULL,
    version  INTEGER NOT NULL,
    FOREIGN KEY (code, version) REFERENCES plan_versions (code, version)
);

CREATE TABLE places (
    code    TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    level   TEXT NOT NULL,
    parent  TEXT REFERENCES places (code) DEFERRABLE INITIALLY DEFERRED,
    lon     REAL,
    lat     REAL,
    ord     INTEGER NOT NULL
);
CREATE INDEX places_parent ON places (parent);

CREATE TABLE place_population (
    place       TEXT    NOT NULL REFERENCES places (code) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    year        INTEGER NOT NULL,
    population  REAL    NOT NULL,
    PRIMARY KEY (place, year)
);

-- Users: role and scope (JSON of core::scope::Scope). Passwords come later.
CREATE TABLE reporters (
    login          TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    unit           TEXT NOT NULL,
    role           TEXT NOT NULL,
    scope          TEXT NOT NULL,
    password_hash  TEXT,
    updated_at     TEXT NOT NULL
);

-- The current value of every indicator x place x period x component.
CREATE TABLE observations (
    indicator    TEXT NOT NULL,
    place        TEXT NOT NULL,
    period       TEXT NOT NULL,
    component    TEXT NOT NULL,
    value        REAL NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'approved')),
    reporter     TEXT NOT NULL,
    reported_at  TEXT NOT NULL,
    comment      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (indicator, place, period, component)
) WITHOUT ROWID;
CREATE INDEX observations_place ON observations (place, indicator);

CREATE TABLE uploads (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    sha256     TEXT    NOT NULL,
    file_name  TEXT    NOT NULL,
    actor      TEXT    NOT NULL,
    at         TEXT    NOT NULL,
    rows       INTEGER NOT NULL,
    changed    INTEGER NOT NULL
);
CREATE INDEX uploads_sha256 ON uploads (sha256);

-- The audit trail: append-only, hash-chained (see src/audit.rs).
CREATE TABLE audit (
    seq        INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    place      TEXT,
    indicator  TEXT,
    period     TEXT,
    old        TEXT,
    new        TEXT,
    reason     TEXT,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX audit_place ON audit (place);
CREATE INDEX audit_indicator ON audit (indicator);

-- The last row of the chain, updated in the same transaction as every append.
CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   INTEGER NOT NULL,
    hash  TEXT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit is append-only');
END;

CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head
WHEN NEW.seq < OLD.seq
BEGIN
    SELECT RAISE(ABORT, 'audit head only moves forward');
END;

CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN
    SELECT RAISE(ABORT, 'audit head cannot be deleted');
END;
