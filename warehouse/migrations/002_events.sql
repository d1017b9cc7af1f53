-- Events: one row per real-world fact, however many articles report it.
-- Rebuilt from facts by warehouse/events.py; fact_mentions links each fact to its event.

CREATE TABLE events (
    event_id          VARCHAR PRIMARY KEY,
    fact_type         VARCHAR NOT NULL,
    actor             VARCHAR,
    target_country    VARCHAR,
    jurisdiction      VARCHAR,
    amount            DOUBLE,        -- as first reported, in its currency
    currency          VARCHAR,
    amount_usd        DOUBLE,
    fx_rate_date      DATE,
    horizon           VARCHAR,
    period_end        DATE,
    stage             VARCHAR,       -- latest stage reported (regulation: proposed → passed → in_force)
    event_date        DATE NOT NULL, -- earliest publication date of a mention
    first_seen_at     TIMESTAMP NOT NULL,  -- when the pipeline first saw a mention
    last_seen_at      TIMESTAMP NOT NULL,
    mention_count     INTEGER NOT NULL,
    article_count     INTEGER NOT NULL,
    sources           VARCHAR[],     -- outlets (site names or hosts) that reported it
    representative_fact_id VARCHAR NOT NULL,
    evidence          VARCHAR NOT NULL,
    evidence_url      VARCHAR,
    valid_from        DATE NOT NULL,
    valid_to          DATE,          -- set when a later event revises this one
    superseded_by     VARCHAR,
    is_current        BOOLEAN NOT NULL,
    first_run_id      VARCHAR,       -- run that loaded its first mention
    run_id            VARCHAR NOT NULL  -- run that last rebuilt it
);

CREATE TABLE fact_mentions (
    fact_id   VARCHAR PRIMARY KEY,
    event_id  VARCHAR NOT NULL,
    run_id    VARCHAR NOT NULL
);
