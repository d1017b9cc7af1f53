-- Batches handed to workers: one row per batch of a run, written by the worker
-- that loaded it. The run that planned the batch reads its figures back from
-- here, so nothing about a batch lives only in the memory of the process that
-- ran it (a work pool's flow runs may be on other machines).
CREATE TABLE batch_runs (
    run_id       VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    batch_no     INTEGER NOT NULL,
    pages        INTEGER NOT NULL,      -- URLs in the batch
    outcome      JSON NOT NULL,         -- the batch's counts: fetched, unchanged, failed, articles, facts, reasons...
    flow_run_id  VARCHAR,               -- the Prefect flow run that loaded it, where there was one
    worker       VARCHAR,               -- host and process that loaded it: 'host pid=N ppid=N'
    finished_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (run_id, source, batch_no)
);

COMMENT ON TABLE batch_runs IS
    'Batches of a run loaded by workers: figures per batch, read back by the run that planned them.';
