-- Backfills from web archives: one row per WARC file (or listing) a backfill
-- worked on. A file marked done is skipped by later runs; a file whose run
-- was killed, or that could not be read to its end, is done again (its pages
-- are upserted, so nothing is duplicated).
CREATE TABLE warc_files (
    location          VARCHAR PRIMARY KEY,   -- local path or URL, listing entries resolved
    kind              VARCHAR NOT NULL,      -- warc | listing
    source            VARCHAR,
    status            VARCHAR NOT NULL,      -- done | failed
    size_bytes        BIGINT,                -- bytes read from the file (compressed)
    records_read      INTEGER DEFAULT 0,     -- WARC records of every type
    html_records      INTEGER DEFAULT 0,     -- HTML response records that passed the filters
    pages_kept        INTEGER DEFAULT 0,     -- pages loaded into `pages` (articles or rejections)
    articles          INTEGER DEFAULT 0,
    facts             INTEGER DEFAULT 0,
    failures          INTEGER DEFAULT 0,
    failed_by_reason  JSON,                  -- corrupt_gzip, truncated, length_mismatch, too_large, http_404…
    skipped_by_reason JSON,                  -- filters and non-HTML records: host, url_pattern, date, language…
    error             VARCHAR,               -- why reading stopped early, for a failed file
    started_at        TIMESTAMP,
    finished_at       TIMESTAMP,
    run_id            VARCHAR NOT NULL
);

COMMENT ON TABLE warc_files IS
    'WARC files and listings read by backfills: figures per file; done files are skipped by later runs.';
