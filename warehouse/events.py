"""Facts to events: the same real-world fact reported by many articles counts once.

The fact model's rule (FACTS.md, "The same fact in many articles"): mentions
that agree on type, actor, target country and amount, within rounding after
currency conversion, are one event. Here that is computed in SQL, as a full,
deterministic rebuild from ``facts`` (so a re-run, a re-extraction or a run
killed half-way all end in the same events):

* with an amount: mentions with the same key (type, actor, target country,
  jurisdiction) sorted by USD amount form one event while each amount is
  within ``AMOUNT_TOLERANCE`` of the previous one ("$2.9 billion", "29億ドル"
  and "4조원" all land together);
* without an amount: main mentions with the same key form one event while
  they follow each other within ``WINDOW_DAYS``; a background mention joins
  the latest such event that started on or before its date (an "as of" join),
  or the key's earliest one;
* a mention with an amount but no target country takes the country of the
  mentions it agrees with (same type, actor, jurisdiction, amount within
  tolerance), so "2兆2600億円" without "日本" joins AWS's Japan event instead
  of starting a second one; a main mention without an amount joins the
  amount event of its key that the same article reports, if there is one;
* parts: in one article, the smaller figures of one key whose sum does not
  exceed its largest figure are that total's named parts; their events get
  ``part_of`` (the total's event), and trend sums skip them;
* versions: an event whose mentions revise a figure (``revises``), or that
  reports a later stage of the same kind of act (proposed → passed → in
  force), supersedes the latest earlier event of its key: the older one gets
  ``valid_to`` and ``superseded_by``, and only ``is_current`` events feed the
  trend views.
"""

from __future__ import annotations

import logging

import duckdb

from warehouse.connection import retry_conflicts, transaction, writer

log = logging.getLogger(__name__)

AMOUNT_TOLERANCE = 0.05
WINDOW_DAYS = 30
STAGE_RANK = {"proposed": 1, "draft": 1, "passed": 2, "adopted": 2, "signed": 2, "in_force": 3}

_MENTIONS = """
CREATE OR REPLACE TEMP TABLE ev_mentions AS
WITH adopted AS (
    -- the country of the mentions that agree with a country-less one on everything else
    SELECT n.fact_id, mode(c.target_country) AS target_country
    FROM facts n JOIN facts c
      ON c.fact_type = n.fact_type AND c.actor = n.actor
     AND c.jurisdiction IS NOT DISTINCT FROM n.jurisdiction
     AND c.target_country IS NOT NULL
     AND CASE WHEN c.amount_usd IS NOT NULL AND n.amount_usd IS NOT NULL
              THEN c.amount_usd BETWEEN n.amount_usd / (1 + $tol) AND n.amount_usd * (1 + $tol)
              ELSE c.currency = n.currency
                   AND c.amount BETWEEN n.amount / (1 + $tol) AND n.amount * (1 + $tol)
         END
    WHERE n.target_country IS NULL AND n.amount > 0
      AND n.fact_type IN ('investment', 'facility', 'gov_program')
    GROUP BY n.fact_id
), f AS (
    SELECT facts.* REPLACE (COALESCE(facts.target_country, adopted.target_country) AS target_country)
    FROM facts LEFT JOIN adopted USING (fact_id)
)
SELECT f.fact_id, f.article_id, f.fact_type, f.actor, f.target_country, f.jurisdiction,
       f.amount, f.currency, f.amount_usd, f.fx_rate_date, f.horizon, f.period_end, f.stage,
       f.revises, f.background, COALESCE(f.confidence, 0) AS confidence, f.evidence, f.run_id,
       COALESCE(f.published, a.published, CAST(a.first_seen_at AS DATE)) AS event_date,
       a.first_seen_at, a.canonical_url,
       COALESCE(a.site_name, regexp_extract(a.canonical_url, '^https?://([^/]+)', 1)) AS outlet,
       concat_ws('|', f.fact_type, COALESCE(f.actor, ''), COALESCE(f.target_country, ''),
                 COALESCE(f.jurisdiction, '')) AS k,
       COALESCE(f.amount_usd, f.amount) AS value,
       CASE WHEN f.amount_usd IS NULL AND f.amount IS NOT NULL THEN COALESCE(f.currency, '?') ELSE '' END
           AS value_unit
FROM f JOIN articles a USING (article_id)
"""

_GROUPS = """
CREATE OR REPLACE TEMP TABLE ev_groups AS
WITH by_amount AS (
    SELECT fact_id, k || '|' || value_unit AS gk, value,
           value / NULLIF(lag(value) OVER (PARTITION BY k, value_unit ORDER BY value, fact_id), 0) AS ratio
    FROM ev_mentions WHERE value IS NOT NULL AND value > 0
), amount_groups AS (
    SELECT fact_id, gk || '|a' || sum(CASE WHEN ratio IS NULL OR ratio > 1 + $tol THEN 1 ELSE 0 END)
           OVER (PARTITION BY gk ORDER BY value, fact_id ROWS UNBOUNDED PRECEDING) AS grp
    FROM by_amount
), same_article AS (
    -- a figure-less main mention of what its own article states with a figure is that event
    SELECT n.fact_id, min(ag.grp) AS grp
    FROM ev_mentions n
    JOIN ev_mentions w ON w.article_id = n.article_id AND w.k = n.k AND w.value > 0 AND NOT w.background
    JOIN amount_groups ag ON ag.fact_id = w.fact_id
    WHERE (n.value IS NULL OR n.value <= 0) AND NOT n.background
    GROUP BY n.fact_id
), main_dated AS (
    SELECT fact_id, k, event_date,
           event_date - lag(event_date) OVER (PARTITION BY k ORDER BY event_date, fact_id) AS gap
    FROM ev_mentions WHERE (value IS NULL OR value <= 0) AND NOT background
      AND fact_id NOT IN (SELECT fact_id FROM same_article)
), date_groups AS (
    SELECT fact_id, k, event_date,
           k || '|d' || sum(CASE WHEN gap IS NULL OR gap > $window THEN 1 ELSE 0 END)
           OVER (PARTITION BY k ORDER BY event_date, fact_id ROWS UNBOUNDED PRECEDING) AS grp
    FROM main_dated
), starts AS (
    SELECT k, grp, min(event_date) AS start FROM date_groups GROUP BY k, grp
), earliest AS (
    SELECT k, arg_min(grp, start) AS grp FROM starts GROUP BY k
), background_undated AS (
    SELECT m.fact_id, m.k, m.event_date FROM ev_mentions m
    WHERE (m.value IS NULL OR m.value <= 0) AND m.background
), background_joined AS (
    SELECT b.fact_id, b.k, b.event_date, COALESCE(s.grp, e.grp) AS grp
    FROM background_undated b
    ASOF LEFT JOIN starts s ON b.k = s.k AND b.event_date >= s.start
    LEFT JOIN earliest e ON b.k = e.k
), background_alone AS (
    SELECT fact_id, k || '|b' || sum(CASE WHEN gap IS NULL OR gap > $window THEN 1 ELSE 0 END)
           OVER (PARTITION BY k ORDER BY event_date, fact_id ROWS UNBOUNDED PRECEDING) AS grp
    FROM (SELECT fact_id, k, event_date,
                 event_date - lag(event_date) OVER (PARTITION BY k ORDER BY event_date, fact_id) AS gap
          FROM background_joined WHERE grp IS NULL)
)
SELECT fact_id, grp FROM amount_groups
UNION ALL SELECT fact_id, grp FROM same_article
UNION ALL SELECT fact_id, grp FROM date_groups
UNION ALL SELECT fact_id, grp FROM background_joined WHERE grp IS NOT NULL
UNION ALL SELECT fact_id, grp FROM background_alone
"""

_EVENTS = """
CREATE OR REPLACE TEMP TABLE ev_built AS
WITH ranked AS (
    SELECT m.*, g.grp,
           row_number() OVER (
               PARTITION BY g.grp ORDER BY m.background, m.event_date, m.confidence DESC, m.fact_id
           ) AS rank_in_event,
           first_value(m.fact_id) OVER (PARTITION BY g.grp ORDER BY m.event_date, m.fact_id) AS first_fact,
           COALESCE(st.rank, 0) AS stage_rank
    FROM ev_mentions m JOIN ev_groups g USING (fact_id)
    LEFT JOIN (SELECT unnest($stage_names) AS stage, unnest($stage_ranks) AS rank) st
        ON st.stage = m.stage
), grouped AS (
    SELECT grp,
           substr(md5(any_value(k) || '|' || any_value(first_fact)), 1, 20) AS event_id,
           min(event_date) AS event_date,
           min(first_seen_at) AS first_seen_at,
           max(first_seen_at) AS last_seen_at,
           count(*) AS mention_count,
           count(DISTINCT article_id) AS article_count,
           list(DISTINCT outlet ORDER BY outlet) FILTER (WHERE outlet IS NOT NULL) AS sources,
           arg_max(stage, stage_rank * 100000 + epoch(event_date) / 86400)
               FILTER (WHERE stage IS NOT NULL) AS stage,
           max(stage_rank) AS stage_rank,
           bool_or(revises) AS revises,
           arg_min(run_id, first_seen_at) AS first_run_id
    FROM ranked GROUP BY grp
)
SELECT g.event_id, r.fact_type, r.actor, r.target_country, r.jurisdiction, r.amount, r.currency,
       r.amount_usd, r.fx_rate_date, r.horizon, r.period_end, g.stage, g.event_date, g.first_seen_at,
       g.last_seen_at, g.mention_count, g.article_count, g.sources, r.fact_id AS representative_fact_id,
       r.evidence, r.canonical_url AS evidence_url, g.event_date AS valid_from,
       g.first_run_id, g.revises, g.stage_rank, r.k, g.grp
FROM grouped g JOIN ranked r ON r.grp = g.grp AND r.rank_in_event = 1
"""

# In one article, the smaller figures of one key that add up to no more than
# its largest are that total's parts ("up to 72.5 billion yen in all: 50.1
# billion for Sakura Internet, 10.2 billion for KDDI").
_PARTS = """
CREATE OR REPLACE TEMP TABLE ev_parts AS
WITH figures AS (
    SELECT m.article_id, m.k, m.value, b.event_id
    FROM ev_mentions m JOIN ev_groups g USING (fact_id) JOIN ev_built b USING (grp)
    WHERE m.value > 0 AND NOT m.background
), largest AS (
    SELECT article_id, k, arg_max(event_id, value) AS total_id, max(value) AS total FROM figures GROUP BY ALL
), smaller AS (
    SELECT f.article_id, f.k, f.event_id, f.value, l.total_id, l.total
    FROM figures f JOIN largest l USING (article_id, k)
    WHERE f.event_id <> l.total_id AND f.value < l.total / (1 + $tol)
), summed AS (
    SELECT article_id, k FROM smaller GROUP BY ALL HAVING sum(value) <= any_value(total) * (1 + $tol)
)
SELECT s.event_id, min(s.total_id) AS part_of
FROM smaller s JOIN summed USING (article_id, k)
GROUP BY s.event_id
"""

# An event that revises (a figure, or a later stage) supersedes the latest
# earlier event of the same key; the earliest such reviser wins.
_SUPERSEDE = """
CREATE OR REPLACE TEMP TABLE ev_superseded AS
WITH revisers AS (
    SELECT event_id, k, event_date, stage_rank, revises FROM ev_built
), links AS (
    SELECT p.event_id AS old_id, r.event_id AS new_id, r.event_date AS new_date
    FROM revisers r
    ASOF JOIN ev_built p ON r.k = p.k AND r.event_date > p.event_date
    WHERE r.revises OR (r.stage_rank > 0 AND p.stage_rank > 0 AND r.stage_rank > p.stage_rank)
)
SELECT old_id, arg_min(new_id, new_date) AS new_id, min(new_date) AS valid_to FROM links GROUP BY old_id
"""

_REPLACE = """
DELETE FROM fact_mentions;
DELETE FROM events;
INSERT INTO events
SELECT b.event_id, b.fact_type, b.actor, b.target_country, b.jurisdiction, b.amount, b.currency,
       b.amount_usd, b.fx_rate_date, b.horizon, b.period_end, b.stage, b.event_date, b.first_seen_at,
       b.last_seen_at, b.mention_count, b.article_count, b.sources, b.representative_fact_id,
       b.evidence, b.evidence_url, b.valid_from, s.valid_to, s.new_id, s.old_id IS NULL,
       b.first_run_id, $run_id, p.part_of
FROM ev_built b LEFT JOIN ev_superseded s ON s.old_id = b.event_id
LEFT JOIN ev_parts p ON p.event_id = b.event_id;
INSERT INTO fact_mentions
SELECT g.fact_id, b.event_id, $run_id FROM ev_groups g JOIN ev_built b USING (grp);
"""


def rebuild_events(con: duckdb.DuckDBPyConnection, *, run_id: str) -> int:
    """Recompute ``events`` and ``fact_mentions`` from ``facts`` in one transaction."""
    params = {"tol": AMOUNT_TOLERANCE, "window": WINDOW_DAYS}
    with transaction(con):
        con.execute(_MENTIONS, {"tol": AMOUNT_TOLERANCE})
        con.execute(_GROUPS, params)
        con.execute(_EVENTS, {"stage_names": list(STAGE_RANK), "stage_ranks": list(STAGE_RANK.values())})
        con.execute(_SUPERSEDE)
        con.execute(_PARTS, {"tol": AMOUNT_TOLERANCE})
        for statement in _REPLACE.strip().split(";"):
            if statement.strip():
                con.execute(statement, {"run_id": run_id} if "$run_id" in statement else None)
        for table in ("ev_mentions", "ev_groups", "ev_built", "ev_superseded", "ev_parts"):
            con.execute(f"DROP TABLE {table}")
    row = con.execute("SELECT count(*) FROM events").fetchone()
    count = int(row[0]) if row else 0
    log.info("rebuilt %d events", count)
    return count


@retry_conflicts
def refresh_events(db_path: str, *, run_id: str) -> int:
    """Rebuild events in the working file at ``db_path`` (see :func:`rebuild_events`)."""
    with writer(db_path) as con:
        return rebuild_events(con, run_id=run_id)


def new_events(db_path: str, run_id: str, *, limit: int = 200) -> list[dict[str, object]]:
    """Current events whose first mention this run loaded, largest first."""
    with writer(db_path) as con:
        result = con.execute(
            "SELECT e.event_id, e.fact_type, e.actor, e.target_country, e.jurisdiction, e.amount, e.currency,"
            " e.amount_usd, e.event_date, e.mention_count, e.evidence, e.evidence_url, a.source"
            " FROM events e JOIN facts f ON f.fact_id = e.representative_fact_id"
            " JOIN articles a ON a.article_id = f.article_id"
            " WHERE e.first_run_id = ? AND e.is_current"
            " ORDER BY e.amount_usd DESC NULLS LAST, e.mention_count DESC, e.event_date DESC LIMIT ?",
            [run_id, limit],
        )
        names = [d[0] for d in result.description or []]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
