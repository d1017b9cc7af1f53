-- First trend views, read straight from facts (main facts only: a background
-- mention is dated by the article that repeats it, not by the event).

CREATE OR REPLACE VIEW trend_investment_by_country_month AS
SELECT target_country                                  AS country,
       strftime(date_trunc('month', published), '%Y-%m') AS month,
       count(*)                                         AS events,
       round(sum(amount_usd) / 1e9, 2)                  AS usd_billions,
       string_agg(DISTINCT actor, ', ' ORDER BY actor)  AS actors
FROM facts
WHERE fact_type = 'investment' AND NOT background AND published IS NOT NULL
GROUP BY ALL
ORDER BY month DESC, usd_billions DESC NULLS LAST;

COMMENT ON VIEW trend_investment_by_country_month IS
    'Investment commitments by target country and month: count and total in billions of USD.';

CREATE OR REPLACE VIEW trend_facts_by_type_week AS
SELECT strftime(date_trunc('week', published), '%Y-%m-%d') AS week,
       fact_type,
       count(*) AS facts
FROM facts
WHERE NOT background AND published IS NOT NULL
GROUP BY ALL
ORDER BY week DESC, facts DESC;

COMMENT ON VIEW trend_facts_by_type_week IS
    'Facts per type per week (ISO week starting Monday), main facts only.';
