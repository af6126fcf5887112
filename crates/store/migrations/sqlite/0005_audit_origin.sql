-- Where an audited action came from: 'cli:<os-user>@<host>' for the command line, NULL for
-- the web (the signed-in user) and for every row written before. A row's hash covers its
-- origin only when it has one, so the chains written before verify unchanged (src/audit.rs).
-- The append-only triggers (audit_no_update, audit_no_delete) are on the table, not on
-- columns: they refuse changing or deleting the new column too.
ALTER TABLE audit ADD COLUMN origin TEXT;
