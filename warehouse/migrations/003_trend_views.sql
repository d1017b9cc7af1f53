-- Named trend views. Money and event counts come from current events (each
-- real-world fact once, its latest version); mention counts from facts.

CREATE OR REPLACE VIEW trend_investment_by_country_month AS
SELECT target_country                                       AS country,
       strftime(date_trunc('month', event_date), '%Y-%m')   AS month,
       count(*)                                             AS events,
       round(sum(amount_usd) / 1e9, 2)                      AS usd_billions,
       string_agg(DISTINCT actor, ', ' ORDER BY actor)      AS actors
FROM events
WHERE fact_type = 'investment' AND is_current AND target_country IS NOT NULL
GROUP BY ALL
ORDER BY month DESC, usd_billions DESC NULLS LAST, country;

COMMENT ON VIEW trend_investment_by_country_month IS
    'Investment commitments by target country and month first reported: events (each counted once) and total billions of USD.';

CREATE OR REPLACE VIEW trend_facts_by_type_week AS
WITH mentions AS (
    SELECT strftime(date_trunc('week', published), '%Y-%m-%d') AS week, fact_type, count(*) AS mentions
    FROM facts WHERE published IS NOT NULL GROUP BY ALL
), firsts AS (
    SELECT strftime(date_trunc('week', event_date), '%Y-%m-%d') AS week, fact_type, count(*) AS new_events
    FROM events WHERE is_current GROUP BY ALL
)
SELECT week, fact_type, COALESCE(new_events, 0) AS new_events, COALESCE(mentions, 0) AS mentions
FROM mentions FULL OUTER JOIN firsts USING (week, fact_type)
ORDER BY week DESC, new_events DESC, fact_type;

COMMENT ON VIEW trend_facts_by_type_week IS
    'Per ISO week (Monday) and fact type: events first reported that week, and fact mentions in articles published that week.';

CREATE OR REPLACE VIEW trend_top_actors AS
SELECT actor,
       count(*)                                                   AS events,
       round(COALESCE(sum(amount_usd), 0) / 1e9, 2)               AS usd_billions,
       string_agg(DISTINCT fact_type, ', ' ORDER BY fact_type)    AS fact_types,
       max(event_date)                                            AS latest
FROM events
WHERE is_current AND actor IS NOT NULL
GROUP BY actor
ORDER BY events DESC, usd_billions DESC, actor;

COMMENT ON VIEW trend_top_actors IS
    'Actors by number of current events and by total USD of the events that carry an amount.';

CREATE OR REPLACE VIEW trend_sovereignty_actions AS
SELECT COALESCE(jurisdiction, '(private)')                         AS jurisdiction,
       strftime(date_trunc('month', event_date), '%Y-%m')          AS month,
       count(*) FILTER (WHERE fact_type = 'enforcement')             AS enforcement,
       count(*) FILTER (WHERE fact_type = 'regulation')              AS regulation,
       count(*) FILTER (WHERE fact_type = 'ownership_action')        AS ownership_action,
       count(*) FILTER (WHERE fact_type = 'data_access_restriction') AS data_access_restriction,
       count(*)                                                    AS total,
       string_agg(DISTINCT actor, ', ' ORDER BY actor)             AS actors
FROM events
WHERE is_current
  AND fact_type IN ('enforcement', 'regulation', 'ownership_action', 'data_access_restriction')
GROUP BY ALL
ORDER BY month DESC, total DESC, jurisdiction;

COMMENT ON VIEW trend_sovereignty_actions IS
    'Data-sovereignty actions (enforcement, regulation, ownership_action, data_access_restriction) by jurisdiction and month.';

CREATE OR REPLACE VIEW trend_topics_week AS
SELECT strftime(date_trunc('week', published), '%Y-%m-%d') AS week,
       topic,
       count(*)                                            AS articles
FROM (SELECT published, unnest(topics) AS topic FROM articles WHERE published IS NOT NULL)
GROUP BY ALL
ORDER BY week DESC, articles DESC, topic;

COMMENT ON VIEW trend_topics_week IS
    'Articles per topic tag per ISO week of publication.';

CREATE OR REPLACE VIEW trend_new_events AS
SELECT CAST(first_seen_at AS DATE) AS first_seen,
       event_date,
       fact_type,
       actor,
       amount,
       currency,
       round(amount_usd / 1e6, 1)  AS usd_millions,
       COALESCE(target_country, jurisdiction) AS country,
       mention_count               AS mentions,
       evidence_url
FROM events
WHERE is_current AND first_seen_at >= current_date - INTERVAL 7 DAY
ORDER BY first_seen_at DESC, mention_count DESC, event_date DESC;

COMMENT ON VIEW trend_new_events IS
    'Events the pipeline first saw in the last 7 days, newest first.';
