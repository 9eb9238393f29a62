-- Futures-versus-index basis bars, one row per (futures contract, minute). Each futures trade is
-- joined as of its timestamp with the latest index value at or before it on the same trading day;
-- basis = futures price - index value. Columns about the basis are NULL when no trade of the minute
-- had an index value to join (start of day): those trades are counted in unjoined_count.
CREATE TABLE IF NOT EXISTS basis_1m (
    contract         text        NOT NULL,
    bucket           timestamptz NOT NULL,
    underlying       text        NOT NULL,
    basis_open       numeric,
    basis_high       numeric,
    basis_low        numeric,
    basis_close      numeric,
    futures_close    numeric     NOT NULL,
    index_close      numeric,
    index_close_at   timestamptz,
    basis_close_bps  numeric,
    joined_count     bigint      NOT NULL,
    unjoined_count   bigint      NOT NULL,
    first_trade_at   timestamptz NOT NULL,
    last_trade_at    timestamptz NOT NULL,
    PRIMARY KEY (contract, bucket),
    CHECK (joined_count >= 0 AND unjoined_count >= 0 AND joined_count + unjoined_count > 0),
    CHECK ((joined_count = 0) = (basis_close IS NULL)),
    CHECK (basis_low <= basis_open AND basis_open <= basis_high AND basis_low <= basis_close AND basis_close <= basis_high)
);

COMMENT ON TABLE basis_1m IS 'Futures minus index, one row per futures contract and minute; written by the market-bars Flink job';
COMMENT ON COLUMN basis_1m.bucket IS 'Start of the minute (UTC instant)';
COMMENT ON COLUMN basis_1m.futures_close IS 'Price of the minute''s last futures trade';
COMMENT ON COLUMN basis_1m.index_close IS 'Index value joined to the minute''s last futures trade (latest at or before it)';
COMMENT ON COLUMN basis_1m.index_close_at IS 'Timestamp of that index value';
COMMENT ON COLUMN basis_1m.basis_close_bps IS 'basis_close / index_close x 10000, rounded half-even to 4 decimal places';
COMMENT ON COLUMN basis_1m.unjoined_count IS 'Futures trades of the minute with no index value yet on their trading day';

-- Foreign-investor flow bars, one row per (symbol, minute), from the feed's cumulative-for-the-day
-- snapshots. Flow is the sum of deltas between consecutive snapshots of one trading day in event
-- time; a counter that moves backwards is a feed reset (counted in reset_count, no negative flow).
CREATE TABLE IF NOT EXISTS foreign_flow_1m (
    symbol            text        NOT NULL,
    bucket            timestamptz NOT NULL,
    trading_day       date        NOT NULL,
    buy_qty           numeric     NOT NULL,
    sell_qty          numeric     NOT NULL,
    net_qty           numeric     NOT NULL,
    buy_value         numeric,
    sell_value        numeric,
    net_value         numeric,
    day_buy_qty       numeric     NOT NULL,
    day_sell_qty      numeric     NOT NULL,
    day_buy_value     numeric,
    day_sell_value    numeric,
    buy_qty_per_min   numeric,
    sell_qty_per_min  numeric,
    net_qty_per_min   numeric,
    rated_span_ms     bigint      NOT NULL,
    snapshot_count    integer     NOT NULL,
    reset_count       integer     NOT NULL,
    last_snapshot_at  timestamptz NOT NULL,
    PRIMARY KEY (symbol, bucket),
    CHECK (buy_qty >= 0 AND sell_qty >= 0 AND net_qty = buy_qty - sell_qty),
    CHECK (snapshot_count > 0 AND reset_count >= 0 AND rated_span_ms >= 0)
);

COMMENT ON TABLE foreign_flow_1m IS 'Foreign-investor buying and selling per symbol and minute; written by the market-bars Flink job';
COMMENT ON COLUMN foreign_flow_1m.trading_day IS 'Trading day of the minute in the exchange time zone (--exchange-time-zone)';
COMMENT ON COLUMN foreign_flow_1m.buy_value IS 'NULL when a snapshot of the minute (or its predecessor) carried no values';
COMMENT ON COLUMN foreign_flow_1m.day_buy_qty IS 'Sum of buy deltas since the start of the trading day, at the minute''s last snapshot';
COMMENT ON COLUMN foreign_flow_1m.net_qty_per_min IS 'Net delta over snapshots with a same-day predecessor x 60000 / rated_span_ms, half-even to 6 places';
COMMENT ON COLUMN foreign_flow_1m.rated_span_ms IS 'Milliseconds covered by the rated deltas (from each snapshot''s predecessor to it)';

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        PERFORM create_hypertable('basis_1m', 'bucket', chunk_time_interval => INTERVAL '1 day', if_not_exists => TRUE);
        PERFORM create_hypertable('foreign_flow_1m', 'bucket', chunk_time_interval => INTERVAL '1 day', if_not_exists => TRUE);
        RAISE NOTICE 'basis_1m and foreign_flow_1m are TimescaleDB hypertables';
    ELSE
        RAISE NOTICE 'TimescaleDB extension not installed: basis_1m and foreign_flow_1m stay plain PostgreSQL tables';
    END IF;
END
$$;
