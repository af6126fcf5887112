-- A user can be disabled (no sign-in, every session ended) without losing their history.
ALTER TABLE reporters ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;

-- Bumped by every change of a user (role, scope, password, disabled): every running server
-- compares it on each request and reloads the users when it moved, so a change made by the
-- command line or another server takes effect on the next request.
CREATE TABLE auth_epoch (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    epoch  BIGINT NOT NULL
);
INSERT INTO auth_epoch (id, epoch) VALUES (1, 1);

CREATE FUNCTION reporters_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE auth_epoch SET epoch = epoch + 1 WHERE id = 1;
    RETURN NULL;
END $$;
CREATE TRIGGER reporters_epoch AFTER INSERT OR UPDATE OR DELETE ON reporters
    FOR EACH STATEMENT EXECUTE FUNCTION reporters_epoch();
