-- Query helpers, the same on both database paths (each path gets the body that reads its own
-- rollups fast). Intervals: '1m', '5m', '15m', '1h', '1d'. Rows have ohlcv_1m's columns.
--
--   ohlcv_bars(symbol, interval, from, to)  bars whose bucket starts in [from, to), oldest first
--   ohlcv_latest(symbol, interval, n)       the n newest bars, oldest first
--   ohlcv_daily(symbol, year)               daily bars of a calendar year in the exchange time zone
DO $$
DECLARE
    timescale boolean := EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb');
    cols      text := 'symbol text, bucket timestamptz, open numeric, high numeric, low numeric, close numeric,'
        ' volume numeric, turnover numeric, vwap numeric, trade_count bigint, buy_volume numeric,'
        ' sell_volume numeric, first_trade_at timestamptz, last_trade_at timestamptz';
    rollup    text;
    latest    text;
BEGIN
    IF timescale THEN
        -- The continuous aggregates carry an index on (symbol, bucket): a range scan each. Static
        -- statements, one per level, so PL/pgSQL caches their plans.
        SELECT 'CASE p_interval ' || string_agg(format(
                   'WHEN %L THEN RETURN QUERY SELECT * FROM %I b WHERE b.symbol = p_symbol AND b.bucket >= p_from'
                   ' AND b.bucket < p_to ORDER BY b.bucket;', i, 'ohlcv_' || i), ' ') || ' END CASE;',
               'CASE p_interval ' || string_agg(format(
                   'WHEN %L THEN RETURN QUERY SELECT * FROM (SELECT * FROM %I b WHERE b.symbol = p_symbol'
                   ' ORDER BY b.bucket DESC LIMIT p_count) n ORDER BY n.bucket;', i, 'ohlcv_' || i), ' ') || ' END CASE;'
          INTO rollup, latest
          FROM unnest(ARRAY['5m', '15m', '1h', '1d']) AS i;
    ELSE
        -- Plain views cannot use an index on bucket through their GROUP BY, so 5m, 15m and 1h are
        -- aggregated here from the 1-minute rows of just the range; 1d reads ohlcv_1d's table.
        rollup := 'IF p_interval = ''1d'' THEN'
            '  RETURN QUERY SELECT * FROM ohlcv_1d b WHERE b.symbol = p_symbol AND b.bucket >= p_from AND b.bucket < p_to ORDER BY b.bucket;'
            ' ELSE'
            '  RETURN QUERY SELECT * FROM ohlcv_1m_rollup(p_symbol, width, p_from, p_to);'
            ' END IF;';
        -- The n newest buckets of width w hold at most n * w/1min one-minute rows.
        latest := 'IF p_interval = ''1d'' THEN'
            '  RETURN QUERY SELECT * FROM (SELECT * FROM ohlcv_1d b WHERE b.symbol = p_symbol ORDER BY b.bucket DESC LIMIT p_count) n ORDER BY n.bucket;'
            ' ELSE'
            '  RETURN QUERY SELECT * FROM (SELECT * FROM ohlcv_1m_rollup(p_symbol, width, coalesce((SELECT o.bucket FROM ohlcv_1m o'
            '    WHERE o.symbol = p_symbol ORDER BY o.bucket DESC OFFSET p_count * (extract(epoch FROM width) / 60)::int - 1 LIMIT 1), ''-infinity''),'
            '    ''infinity'') r ORDER BY r.bucket DESC LIMIT p_count) n ORDER BY n.bucket;'
            ' END IF;';
        EXECUTE format($f$
            CREATE FUNCTION ohlcv_1m_rollup(p_symbol text, p_width interval, p_from timestamptz, p_to timestamptz)
                RETURNS TABLE (%s) LANGUAGE sql STABLE
            AS $body$
                SELECT o.symbol, date_bin(p_width, o.bucket, TIMESTAMPTZ '2000-01-03 00:00:00+00'),
                       (array_agg(o.open ORDER BY o.bucket))[1], max(o.high), min(o.low),
                       (array_agg(o.close ORDER BY o.bucket DESC))[1], sum(o.volume), sum(o.turnover),
                       bars_vwap(sum(o.turnover), sum(o.volume)), sum(o.trade_count)::bigint, sum(o.buy_volume),
                       sum(o.sell_volume), min(o.first_trade_at), max(o.last_trade_at)
                FROM ohlcv_1m o
                WHERE o.symbol = p_symbol
                  -- the first bucket starting at or after p_from, up to the first at or after p_to
                  AND o.bucket >= date_bin(p_width, p_from, TIMESTAMPTZ '2000-01-03 00:00:00+00')
                      + CASE WHEN date_bin(p_width, p_from, TIMESTAMPTZ '2000-01-03 00:00:00+00') = p_from THEN INTERVAL '0' ELSE p_width END
                  AND o.bucket < date_bin(p_width, p_to, TIMESTAMPTZ '2000-01-03 00:00:00+00')
                      + CASE WHEN date_bin(p_width, p_to, TIMESTAMPTZ '2000-01-03 00:00:00+00') = p_to THEN INTERVAL '0' ELSE p_width END
                GROUP BY 1, 2
                ORDER BY 2
            $body$ $f$, cols);
        COMMENT ON FUNCTION ohlcv_1m_rollup IS 'Plain PostgreSQL: 1-minute bars of one symbol rolled up to p_width for buckets starting in [p_from, p_to)';
    END IF;

    EXECUTE format($f$
        CREATE FUNCTION ohlcv_bars(p_symbol text, p_interval text, p_from timestamptz, p_to timestamptz)
            RETURNS TABLE (%s) LANGUAGE plpgsql STABLE
        AS $body$
        DECLARE
            width    interval := ohlcv_width(p_interval);
        BEGIN
            IF p_interval = '1m' THEN
                RETURN QUERY SELECT * FROM ohlcv_1m b WHERE b.symbol = p_symbol AND b.bucket >= p_from AND b.bucket < p_to ORDER BY b.bucket;
            ELSE
                %s
            END IF;
        END
        $body$ $f$, cols, rollup);

    EXECUTE format($f$
        CREATE FUNCTION ohlcv_latest(p_symbol text, p_interval text, p_count integer)
            RETURNS TABLE (%s) LANGUAGE plpgsql STABLE
        AS $body$
        DECLARE
            width    interval := ohlcv_width(p_interval);
        BEGIN
            IF p_interval = '1m' THEN
                RETURN QUERY SELECT * FROM (SELECT * FROM ohlcv_1m b WHERE b.symbol = p_symbol ORDER BY b.bucket DESC LIMIT p_count) n ORDER BY n.bucket;
            ELSE
                %s
            END IF;
        END
        $body$ $f$, cols, latest);
END
$$;

CREATE FUNCTION ohlcv_width(p_interval text) RETURNS interval LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
    CASE p_interval
        WHEN '1m' THEN RETURN INTERVAL '1 minute';
        WHEN '5m' THEN RETURN INTERVAL '5 minutes';
        WHEN '15m' THEN RETURN INTERVAL '15 minutes';
        WHEN '1h' THEN RETURN INTERVAL '1 hour';
        WHEN '1d' THEN RETURN INTERVAL '1 day';
        ELSE RAISE EXCEPTION 'interval must be 1m, 5m, 15m, 1h or 1d, not %', p_interval;
    END CASE;
END
$$;

CREATE FUNCTION ohlcv_daily(p_symbol text, p_year integer)
    RETURNS TABLE (symbol text, bucket timestamptz, open numeric, high numeric, low numeric, close numeric,
        volume numeric, turnover numeric, vwap numeric, trade_count bigint, buy_volume numeric,
        sell_volume numeric, first_trade_at timestamptz, last_trade_at timestamptz)
    LANGUAGE sql STABLE
AS $$
    SELECT * FROM ohlcv_bars(p_symbol, '1d', make_timestamptz(p_year, 1, 1, 0, 0, 0, '${exchangeTimeZone}'),
                             make_timestamptz(p_year + 1, 1, 1, 0, 0, 0, '${exchangeTimeZone}'))
$$;

COMMENT ON FUNCTION ohlcv_bars IS 'Bars of one symbol and interval (1m, 5m, 15m, 1h, 1d) starting in [p_from, p_to), oldest first';
COMMENT ON FUNCTION ohlcv_latest IS 'The p_count newest bars of one symbol and interval, oldest first';
COMMENT ON FUNCTION ohlcv_daily IS 'Daily bars of one symbol for a calendar year of the exchange time zone';
