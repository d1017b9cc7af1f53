-- Core tables: what was asked for (sources, runs), what came back (pages),
-- and what was read out of it (articles, facts). Every derived row carries the
-- run_id that wrote it.

CREATE TABLE sources (
    name                 VARCHAR PRIMARY KEY,
    kind                 VARCHAR NOT NULL,      -- rss | atom | sitemap | urls | homepage
    location             VARCHAR NOT NULL,      -- feed/sitemap/homepage URL, or a URL count for lists
    language             VARCHAR,
    enabled              BOOLEAN NOT NULL DEFAULT true,
    last_success_at      TIMESTAMP,
    last_error           VARCHAR,
    last_error_at        TIMESTAMP,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    first_seen_at        TIMESTAMP NOT NULL DEFAULT current_timestamp,
    run_id               VARCHAR
);

CREATE TABLE runs (
    run_id       VARCHAR PRIMARY KEY,
    flow_run_id  VARCHAR,
    flow_name    VARCHAR,
    started_at   TIMESTAMP NOT NULL,
    ended_at     TIMESTAMP,
    status       VARCHAR NOT NULL,              -- running | completed | failed | crashed
    discovered   INTEGER DEFAULT 0,
    fetched      INTEGER DEFAULT 0,
    unchanged    INTEGER DEFAULT 0,
    failed       INTEGER DEFAULT 0,
    articles     INTEGER DEFAULT 0,
    facts        INTEGER DEFAULT 0,
    parameters   JSON
);

-- One row per source per run: the yield figures the health checks read.
CREATE TABLE source_runs (
    run_id       VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    status       VARCHAR NOT NULL,              -- ok | failed | skipped
    error        VARCHAR,
    discovered   INTEGER DEFAULT 0,
    fetched      INTEGER DEFAULT 0,
    unchanged    INTEGER DEFAULT 0,
    skipped      INTEGER DEFAULT 0,
    failed       INTEGER DEFAULT 0,
    rejected     INTEGER DEFAULT 0,
    articles     INTEGER DEFAULT 0,
    new_articles INTEGER DEFAULT 0,
    facts        INTEGER DEFAULT 0,
    no_date      INTEGER DEFAULT 0,
    failed_by_reason JSON,
    PRIMARY KEY (run_id, source)
);

-- Latest fetch of every URL, successful or not, with the raw bytes kept
-- (gzip) so extraction can be re-run without the network.
CREATE TABLE pages (
    url            VARCHAR PRIMARY KEY,          -- canonicalised request URL
    source         VARCHAR,
    final_url      VARCHAR,
    status         VARCHAR NOT NULL,             -- fetched | unchanged | failed | skipped | rejected
    http_status    INTEGER,
    reason         VARCHAR,                      -- stable code: timeout, http_404, robots, not_html, too_short…
    detail         VARCHAR,
    content_type   VARCHAR,
    charset        VARCHAR,
    etag           VARCHAR,
    last_modified  VARCHAR,
    content_hash   VARCHAR,
    raw_gz         BLOB,
    article_id     VARCHAR,
    fetched_at     TIMESTAMP,                    -- last time bytes arrived
    checked_at     TIMESTAMP NOT NULL,           -- last time the URL was tried
    run_id         VARCHAR NOT NULL
);

CREATE TABLE articles (
    article_id        VARCHAR PRIMARY KEY,       -- hash of canonical_url
    canonical_url     VARCHAR NOT NULL,          -- unique: article_id is its hash
    url               VARCHAR NOT NULL,
    source            VARCHAR,
    title             VARCHAR,
    text              VARCHAR NOT NULL,
    published         DATE,
    date_source       VARCHAR,
    language          VARCHAR,
    authors           VARCHAR[],
    site_name         VARCHAR,
    description       VARCHAR,
    topics            VARCHAR[],
    content_hash      VARCHAR,
    extractor_version VARCHAR NOT NULL,
    first_seen_at     TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    run_id            VARCHAR NOT NULL
);

CREATE TABLE facts (
    fact_id           VARCHAR NOT NULL,  -- article_id-ordinal, unique by construction (load.py); no index: bulk speed
    article_id        VARCHAR NOT NULL,
    fact_type         VARCHAR NOT NULL,
    actor             VARCHAR,
    target_country    VARCHAR,
    jurisdiction      VARCHAR,
    amount            DOUBLE,
    currency          VARCHAR,
    amount_usd        DOUBLE,
    fx_rate_date      DATE,
    horizon           VARCHAR,
    period_end        DATE,
    stage             VARCHAR,
    revises           BOOLEAN NOT NULL DEFAULT false,
    background        BOOLEAN NOT NULL,
    confidence        DOUBLE,
    evidence          VARCHAR NOT NULL,
    evidence_start    INTEGER NOT NULL,
    evidence_end      INTEGER NOT NULL,
    published         DATE,
    extractor_version VARCHAR NOT NULL,
    run_id            VARCHAR NOT NULL
);

