-- Signed-in sessions, shared by every server process on the database and kept across a
-- restart. The id is stored as its SHA-256 only (a copy of the table signs nobody in);
-- times are UTC. Expiry (idle time, absolute lifetime) is judged on every read.
CREATE TABLE sessions (
    id_hash     TEXT PRIMARY KEY,
    login       TEXT NOT NULL,
    csrf        TEXT NOT NULL,
    stamp       TEXT NOT NULL,
    change_due  TEXT,
    started_at  TIMESTAMP NOT NULL,
    last_seen   TIMESTAMP NOT NULL
);
CREATE INDEX sessions_last_seen ON sessions (last_seen);
CREATE INDEX sessions_started_at ON sessions (started_at);
