-- A user can be disabled (no sign-in, every session ended) without losing their history.
ALTER TABLE reporters ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1));

-- Bumped by every change of a user (role, scope, password, disabled): every running server
-- compares it on each request and reloads the users when it moved, so a change made by the
-- command line or another server takes effect on the next request.
CREATE TABLE auth_epoch (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    epoch  INTEGER NOT NULL
);
INSERT INTO auth_epoch (id, epoch) VALUES (1, 1);

CREATE TRIGGER reporters_epoch_insert AFTER INSERT ON reporters
BEGIN
    UPDATE auth_epoch SET epoch = epoch + 1 WHERE id = 1;
END;
CREATE TRIGGER reporters_epoch_update AFTER UPDATE ON reporters
BEGIN
    UPDATE auth_epoch SET epoch = epoch + 1 WHERE id = 1;
END;
CREATE TRIGGER reporters_epoch_delete AFTER DELETE ON reporters
BEGIN
    UPDATE auth_epoch SET epoch = epoch + 1 WHERE id = 1;
END;
