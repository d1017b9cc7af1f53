-- The top-actors view over a start date: `newsfacts report --since` narrows
-- every part of the report, and this view has no month or week column to
-- filter on. One definition serves both: the view is the macro from the start
-- of time.
CREATE OR REPLACE MACRO top_actors_since(since) AS TABLE
SELECT actor,
       count(*)                                                   AS events,
       round(COALESCE(sum(amount_usd) FILTER (WHERE part_of IS NULL), 0) / 1e9, 2) AS usd_billions,
       string_agg(DISTINCT fact_type, ', ' ORDER BY fact_type)    AS fact_types,
       max(event_date)                                            AS latest
FROM events
WHERE is_current AND actor IS NOT NULL AND (since IS NULL OR event_date >= CAST(since AS DATE))
GROUP BY actor
ORDER BY events DESC, usd_billions DESC, actor;

CREATE OR REPLACE VIEW trend_top_actors AS SELECT * FROM top_actors_since(NULL);

COMMENT ON VIEW trend_top_actors IS
    'Actors by number of current events and by total USD of the events that carry an amount (a part of a total is not added again).';
