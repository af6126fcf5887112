-- The management loop's documents: a JSON body under (kind, id), versioned; the audit trail
-- keeps every change.
CREATE TABLE records (
    kind        TEXT    NOT NULL,
    id          TEXT    NOT NULL,
    unit        TEXT    NOT NULL DEFAULT '',
    state       TEXT    NOT NULL DEFAULT '',
    due         DATE,
    body        TEXT    NOT NULL,
    version     BIGINT  NOT NULL CHECK (version >= 1),
    created_at  TIMESTAMP   NOT NULL,
    created_by  TEXT    NOT NULL,
    updated_at  TIMESTAMP   NOT NULL,
    updated_by  TEXT    NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX records_unit ON records (kind, unit, state);
CREATE INDEX records_due ON records (kind, due);

-- Evidence files, content-addressed.
CREATE TABLE attachments (
    sha256       TEXT PRIMARY KEY,
    name         TEXT    NOT NULL,
    mime         TEXT    NOT NULL,
    size         BIGINT  NOT NULL,
    bytes        BYTEA   NOT NULL,
    uploaded_by  TEXT    NOT NULL,
    uploaded_at  TIMESTAMP   NOT NULL
);
