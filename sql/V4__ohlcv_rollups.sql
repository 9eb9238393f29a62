-- Rollups of ohlcv_1m to 5 minutes, 15 minutes, 1 hour and 1 day, with the same columns as
-- ohlcv_1m, under the same names on both database paths so the same queries work:
--
--   TimescaleDB: continuous aggregates, hierarchical (5m <- 1m, 15m <- 5m, 1h <- 15m, 1d <- 15m),
--   real-time (materialized_only = false), refreshed by policies whose window reaches back
--   latenessHorizon (${latenessHorizon}) plus two buckets, so every upsert the job can still make is
--   picked up by the next refresh of each level.
--   Plain PostgreSQL: ohlcv_5m, ohlcv_15m, ohlcv_1h are views over ohlcv_1m (always current);
--   ohlcv_1d is a view over a table of complete days, refreshed by refresh_ohlcv_rollups(), plus the
--   days since that refresh aggregated on the fly (the same real-time semantics).
--
-- Exact roll-up rules: open is the first bar's open and close the last bar's close by time; high,
-- low are max, min; volume, turnover, buy_volume, sell_volume, trade_count are sums; vwap is
-- sum(turnover) / sum(volume), rounded half-even to 10 places like ohlcv_1m.vwap (never an average
-- of averages). Days start at midnight in exchangeTimeZone (${exchangeTimeZone}), not UTC. The
-- daily level is built from 15 minutes, not 1 hour: hour buckets are UTC-aligned and would straddle
-- the exchange's midnight in zones with half-hour offsets (Asia/Kolkata, Australia/Adelaide).

-- turnover / volume rounded half-even to 10 decimal places, exactly (numeric division alone rounds
-- half away from zero, after choosing its own scale). NULL when volume is 0.
CREATE OR REPLACE FUNCTION bars_vwap(turnover numeric, volume numeric) RETURNS numeric
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT CASE WHEN volume = 0 THEN NULL ELSE
        (q + CASE WHEN 2 * r > volume OR (2 * r = volume AND mod(q, 2) = 1) THEN 1 ELSE 0 END) * 0.0000000001
    END
    FROM (SELECT div(turnover * 10000000000, volume) AS q,
                 turnover * 10000000000 - div(turnover * 10000000000, volume) * volume AS r) AS d
$$;

DO $$
DECLARE
    tz               text     := '${exchangeTimeZone}';
    lateness_horizon interval := INTERVAL '${latenessHorizon}';
    -- name, source, bucket width, refresh schedule
    lvl              record;
    sums             text := 'max(high) AS high, min(low) AS low, %s AS close, sum(volume) AS volume,'
        ' sum(turnover) AS turnover, bars_vwap(sum(turnover), sum(volume)) AS vwap,'
        ' sum(trade_count)::bigint AS trade_count, sum(buy_volume) AS buy_volume, sum(sell_volume) AS sell_volume,'
        ' min(first_trade_at) AS first_trade_at, max(last_trade_at) AS last_trade_at';
BEGIN
    PERFORM pg_timezone_names.name FROM pg_timezone_names WHERE name = tz;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'exchangeTimeZone % is not a time zone PostgreSQL knows', tz;
    END IF;

    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        FOR lvl IN
            SELECT * FROM (VALUES
                ('ohlcv_5m',  'ohlcv_1m',  INTERVAL '5 minutes',  INTERVAL '1 minute'),
                ('ohlcv_15m', 'ohlcv_5m',  INTERVAL '15 minutes', INTERVAL '5 minutes'),
                ('ohlcv_1h',  'ohlcv_15m', INTERVAL '1 hour',     INTERVAL '15 minutes'),
                ('ohlcv_1d',  'ohlcv_15m', INTERVAL '1 day',      INTERVAL '1 hour'))
                AS t (name, source, width, schedule)
        LOOP
            EXECUTE format('CREATE MATERIALIZED VIEW %I WITH (timescaledb.continuous, timescaledb.materialized_only = false)'
                ' AS SELECT symbol, %s AS bucket, first(open, bucket) AS open, ' || sums
                || ' FROM %I GROUP BY symbol, %s WITH NO DATA',
                lvl.name,
                CASE WHEN lvl.width = INTERVAL '1 day' THEN format('time_bucket(%L::interval, bucket, %L)', lvl.width, tz)
                     ELSE format('time_bucket(%L::interval, bucket)', lvl.width) END,
                'last(close, bucket)', lvl.source,
                CASE WHEN lvl.width = INTERVAL '1 day' THEN format('time_bucket(%L::interval, bucket, %L)', lvl.width, tz)
                     ELSE format('time_bucket(%L::interval, bucket)', lvl.width) END);
            PERFORM add_continuous_aggregate_policy(lvl.name::regclass,
                start_offset => lateness_horizon + 2 * lvl.width, end_offset => lvl.width,
                schedule_interval => lvl.schedule, if_not_exists => TRUE);
        END LOOP;
        RAISE NOTICE 'TimescaleDB: ohlcv_5m, ohlcv_15m, ohlcv_1h, ohlcv_1d are real-time continuous aggregates (days in %)', tz;
        RETURN;
    END IF;

    RAISE NOTICE 'TimescaleDB not installed: ohlcv_5m, ohlcv_15m, ohlcv_1h are views; ohlcv_1d is materialized by CALL refresh_ohlcv_rollups(from, to) (days in %)', tz;
    FOR lvl IN
        SELECT * FROM (VALUES ('ohlcv_5m', INTERVAL '5 minutes'), ('ohlcv_15m', INTERVAL '15 minutes'), ('ohlcv_1h', INTERVAL '1 hour'))
            AS t (name, width)
    LOOP
        EXECUTE format('CREATE VIEW %I AS SELECT symbol, date_bin(%L::interval, bucket, TIMESTAMPTZ ''2000-01-03 00:00:00+00'') AS bucket,'
            ' (array_agg(open ORDER BY bucket))[1] AS open, ' || sums || ' FROM ohlcv_1m GROUP BY 1, 2',
            lvl.name, lvl.width, '(array_agg(close ORDER BY bucket DESC))[1]');
    END LOOP;

    CREATE TABLE ohlcv_1d_materialized (
        symbol text, bucket timestamptz, open numeric, high numeric, low numeric, close numeric,
        volume numeric, turnover numeric, vwap numeric, trade_count bigint, buy_volume numeric,
        sell_volume numeric, first_trade_at timestamptz, last_trade_at timestamptz,
        PRIMARY KEY (symbol, bucket));
    COMMENT ON TABLE ohlcv_1d_materialized IS 'Complete days of ohlcv_1d before ohlcv_1d_watermark; written by refresh_ohlcv_rollups()';
    -- One row: days before it are in ohlcv_1d_materialized, days from it on are aggregated on the fly.
    CREATE TABLE ohlcv_1d_watermark (only_row boolean PRIMARY KEY DEFAULT TRUE CHECK (only_row), watermark timestamptz NOT NULL);
    INSERT INTO ohlcv_1d_watermark (watermark) VALUES ('-infinity');
    EXECUTE format('CREATE VIEW ohlcv_1d AS'
        ' SELECT m.* FROM ohlcv_1d_materialized m WHERE m.bucket < (SELECT watermark FROM ohlcv_1d_watermark)'
        ' UNION ALL'
        ' SELECT symbol, date_trunc(''day'', bucket, %L) AS bucket, (array_agg(open ORDER BY bucket))[1] AS open, ' || sums
        || ' FROM ohlcv_1m WHERE bucket >= (SELECT watermark FROM ohlcv_1d_watermark) GROUP BY 1, 2',
        tz, '(array_agg(close ORDER BY bucket DESC))[1]');
END
$$;

-- Brings every rollup up to date for buckets entirely inside [p_from, p_to) (NULL: unbounded),
-- coarser levels after the finer ones they read. The refresh policies (TimescaleDB) cover the
-- job's lateness horizon; call this after backfilling older data (import-csv, a replay), and on
-- plain PostgreSQL from a scheduler, e.g. CALL refresh_ohlcv_rollups(now() - INTERVAL '4 days', NULL).
-- Run it as the schema owner (the job's role may not).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        CREATE PROCEDURE refresh_ohlcv_rollups(p_from timestamptz, p_to timestamptz)
            LANGUAGE plpgsql
        AS $body$
        BEGIN
            CALL refresh_continuous_aggregate('ohlcv_5m', p_from, p_to);
            COMMIT;
            CALL refresh_continuous_aggregate('ohlcv_15m', p_from, p_to);
            COMMIT;
            CALL refresh_continuous_aggregate('ohlcv_1h', p_from, p_to);
            COMMIT;
            CALL refresh_continuous_aggregate('ohlcv_1d', p_from, p_to);
        END
        $body$;
    ELSE
        -- Only the daily level is materialized here. Days in [from, to) that are complete (ended
        -- before now) are recomputed from ohlcv_1m; the watermark moves to the end of the last
        -- complete day, and any days it passes are computed first, so ohlcv_1d never has a gap.
        CREATE PROCEDURE refresh_ohlcv_rollups(p_from timestamptz, p_to timestamptz)
            LANGUAGE plpgsql
        AS $body$
        DECLARE
            tz     text := '${exchangeTimeZone}';
            old_wm timestamptz;
            lo     timestamptz := date_trunc('day', coalesce(p_from, '-infinity'), tz);
            hi     timestamptz := date_trunc('day', least(coalesce(p_to, 'infinity'), now()), tz);
        BEGIN
            SELECT watermark INTO old_wm FROM ohlcv_1d_watermark FOR UPDATE;
            IF hi > old_wm THEN
                lo := least(lo, old_wm);
            END IF;
            IF lo >= hi THEN
                RETURN;
            END IF;
            DELETE FROM ohlcv_1d_materialized WHERE bucket >= lo AND bucket < hi;
            INSERT INTO ohlcv_1d_materialized
            SELECT symbol, date_trunc('day', bucket, tz), (array_agg(open ORDER BY bucket))[1], max(high), min(low),
                   (array_agg(close ORDER BY bucket DESC))[1], sum(volume), sum(turnover),
                   bars_vwap(sum(turnover), sum(volume)), sum(trade_count)::bigint, sum(buy_volume),
                   sum(sell_volume), min(first_trade_at), max(last_trade_at)
            FROM ohlcv_1m WHERE bucket >= lo AND bucket < hi
            GROUP BY 1, 2;
            UPDATE ohlcv_1d_watermark SET watermark = greatest(old_wm, hi);
        END
        $body$;
    END IF;
END
$$;
