-- A programme total and its named parts are each events, but a trend sum
-- never adds a total to its own parts (FACTS.md, "Edge cases, decided"):
-- warehouse/events.py links a part to its total, and the views sum only
-- events that are no part of another.
ALTER TABLE events ADD COLUMN part_of VARCHAR;

COMMENT ON COLUMN events.part_of IS
    'The event_id of the total this event is a named part of (reported in the same article); NULL for a whole.';

CREATE OR REPLACE VIEW trend_investment_by_country_month AS
SELECT target_country                                       AS country,
       strftime(date_trunc('month', event_date), '%Y-%m')   AS month,
       count(*)                                             AS events,
       round(sum(amount_usd) FILTER (WHERE part_of IS NULL) / 1e9, 2) AS usd_billions,
       string_agg(DISTINCT actor, ', ' ORDER BY actor)      AS actors
FROM events
WHERE fact_type = 'investment' AND is_current AND target_country IS NOT NULL
GROUP BY ALL
ORDER BY month DESC, usd_billions DESC NULLS LAST, country;

COMMENT ON VIEW trend_investment_by_country_month IS
    'Investment commitments by target country and month first reported: events (each counted once) and total billions of USD (a part of a total is not added again).';

CREATE OR REPLACE VIEW trend_top_actors AS
SELECT actor,
       count(*)                                                   AS events,
       round(COALESCE(sum(amount_usd) FILTER (WHERE part_of IS NULL), 0) / 1e9, 2) AS usd_billions,
       string_agg(DISTINCT fact_type, ', ' ORDER BY fact_type)    AS fact_types,
       max(event_date)                                            AS latest
FROM events
WHERE is_current AND actor IS NOT NULL
GROUP BY actor
ORDER BY events DESC, usd_billions DESC, actor;

COMMENT ON VIEW trend_top_actors IS
    'Actors by number of current events and by total USD of the events that carry an amount (a part of a total is not added again).';
