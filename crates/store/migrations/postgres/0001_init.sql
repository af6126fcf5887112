-- youxiang schema, PostgreSQL. Times are UTC (TIMESTAMP without zone).

-- Every version of every plan ever saved (the plan as a JSON document).
CREATE TABLE plan_versions (
    code      TEXT      NOT NULL,
    version   BIGINT    NOT NULL,
    document  TEXT      NOT NULL,
    saved_at  TIMESTAMP NOT NULL,
    saved_by  TEXT      NOT NULL,
    PRIMARY KEY (code, version)
);

-- Which plan version is current (one row).
CREATE TABLE current_plan (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    code     TEXT    NOT NULL,
    version  BIGINT  NOT NULL,
    FOREIGN KEY (code, version) REFERENCES plan_versions (code, version)
);

CREATE TABLE places (
    code    TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    level   TEXT NOT NULL,
    parent  TEXT REFERENCES places (code) DEFERRABLE INITIALLY DEFERRED,
    lon     DOUBLE PRECISION,
    lat     DOUBLE PRECISION,
    ord     BIGINT NOT NULL
);
CREATE INDEX places_parent ON places (parent);

CREATE TABLE place_population (
    place       TEXT             NOT NULL REFERENCES places (code) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    year        INTEGER          NOT NULL,
    population  DOUBLE PRECISION NOT NULL,
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
    updated_at     TIMESTAMP NOT NULL
);

-- The current value of every indicator x place x period x component.
CREATE TABLE observations (
    indicator    TEXT COLLATE "C" NOT NULL,
    place        TEXT COLLATE "C" NOT NULL,
    period       TEXT COLLATE "C" NOT NULL,
    component    TEXT COLLATE "C" NOT NULL,
    value        DOUBLE PRECISION NOT NULL,
    state        TEXT             NOT NULL CHECK (state IN ('draft', 'submitted', 'approved')),
    reporter     TEXT             NOT NULL,
    reported_at  TIMESTAMP        NOT NULL,
    comment      TEXT             NOT NULL DEFAULT '',
    PRIMARY KEY (indicator, place, period, component)
);
CREATE INDEX observations_place ON observations (place, indicator);

CREATE TABLE uploads (
    id         BIGSERIAL PRIMARY KEY,
    sha256     TEXT      NOT NULL,
    file_name  TEXT      NOT NULL,
    actor      TEXT      NOT NULL,
    at         TIMESTAMP NOT NULL,
    rows       BIGINT    NOT NULL,
    changed    BIGINT    NOT NULL
);
CREATE INDEX uploads_sha256 ON uploads (sha256);

-- The audit trail: append-only, hash-chained (see src/audit.rs).
CREATE TABLE audit (
    seq        BIGINT PRIMARY KEY,
    at         TIMESTAMP NOT NULL,
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

-- The last row of the chain, updated in the same transaction as every append; writers
-- lock this row first, which serialises appends.
CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   BIGINT NOT NULL,
    hash  TEXT   NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit is append-only';
END
$$;

CREATE TRIGGER audit_no_update_delete BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

CREATE FUNCTION audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.seq < OLD.seq THEN
        RAISE EXCEPTION 'audit head only moves forward';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER audit_head_forward BEFORE UPDATE OR DELETE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION audit_head_forward();
