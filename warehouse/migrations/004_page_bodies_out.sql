-- Page bodies move out of DuckDB into the content-addressed archive beside
-- the warehouse (warehouse/archive.py): a BLOB column made every checkpoint
-- rewrite the bodies stored so far. The migration runner first copies each
-- stored body into the archive, under its content_hash, then this drops it.
ALTER TABLE pages DROP COLUMN raw_gz;
