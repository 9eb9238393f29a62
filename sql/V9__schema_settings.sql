-- The settings a migration baked into the schema, recorded so that the job can check it agrees
-- with them at start. Today one: exchange_time_zone, the day boundary of the daily rollups (V4)
-- and of ohlcv_daily (V5), which must be the job's --exchange-time-zone (its foreign-flow trading
-- day and the as-of join's session). A placeholder takes effect only when the migration that
-- reads it first runs, so the zone of a schema migrated before V9 is read back from ohlcv_daily
-- (V5) rather than from ${exchangeTimeZone}: a migrate that passes another zone fails here, saying
-- which zone the schema has, instead of recording a zone the rollups do not use.
CREATE TABLE bars_schema_settings (
    name  text PRIMARY KEY,
    value text NOT NULL
);

DO $$
DECLARE
    requested text := '${exchangeTimeZone}';
    applied   text;
    job_role  text := '${jobRole}';
BEGIN
    SELECT substring(p.prosrc FROM $re$make_timestamptz\(p_year, 1, 1, 0, 0, 0, '([^']+)'\)$re$) INTO applied
    FROM pg_proc p WHERE p.proname = 'ohlcv_daily' AND p.pronamespace = current_schema()::regnamespace;
    IF applied IS NOT NULL AND applied <> requested THEN
        RAISE EXCEPTION 'exchange time zone %: the schema''s daily rollups were migrated with %; run migrate with --exchange-time-zone % (and the job too)',
            requested, applied, applied;
    END IF;
    INSERT INTO bars_schema_settings (name, value) VALUES ('exchange_time_zone', coalesce(applied, requested));
    EXECUTE format('GRANT SELECT ON bars_schema_settings TO %I', job_role);
END
$$;

COMMENT ON TABLE bars_schema_settings IS 'Settings the migrations baked into the schema; the job refuses to start when its options differ';
