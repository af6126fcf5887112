-- The audit chain's head when an upload committed (its last audit row, or the head it left
-- where it was when nothing changed). A later upload of the same bytes changes nothing
-- when no audit row since then changed a value of the file's indicators and places, nor
-- the plan or the places: it is recorded without comparing its rows one by one
-- (ValueStore::repeat_upload). NULL for uploads recorded before this column.
ALTER TABLE uploads ADD COLUMN head_seq INTEGER;
