-- 1-minute OHLCV bars, one row per (symbol, minute). Prices and sums are NUMERIC: exact decimals,
-- so a stored open equals the traded price's decimal text.
CREATE TABLE IF NOT EXISTS ohlcv_1m (
    symbol          text        NOT NULL,
    bucket          timestamptz NOT NULL,
    open            numeric     NOT NULL,
    high            numeric     NOT NULL,
    low             numeric     NOT NULL,
    close           numeric     NOT NULL,
    volume          numeric     NOT NULL,
    turnover        numeric     NOT NULL,
    vwap            numeric,
    trade_count     bigint      NOT NULL,
    buy_volume      numeric     NOT NULL,
    sell_volume     numeric     NOT NULL,
    first_trade_at  timestamptz NOT NULL,
    last_trade_at   timestamptz NOT NULL,
    PRIMARY KEY (symbol, bucket),
    CHECK (low <= open AND open <= high AND low <= close AND close <= high),
    CHECK (trade_count > 0),
    CHECK (buy_volume + sell_volume <= volume)
);

COMMENT ON TABLE ohlcv_1m IS 'One row per symbol and minute; written by the market-bars Flink job with idempotent upserts';
COMMENT ON COLUMN ohlcv_1m.bucket IS 'Start of the minute (UTC instant)';
COMMENT ON COLUMN ohlcv_1m.turnover IS 'Sum of price x qty over the minute, exact';
COMMENT ON COLUMN ohlcv_1m.vwap IS 'turnover / volume rounded half-even to 10 decimal places; NULL when volume is 0';
COMMENT ON COLUMN ohlcv_1m.buy_volume IS 'Volume of buyer-initiated trades: explicit side, else quote rule, else tick rule';

-- On TimescaleDB the same table becomes a hypertable; on plain PostgreSQL it stays a table.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
        CREATE EXTENSION IF NOT EXISTS timescaledb;
        PERFORM create_hypertable('ohlcv_1m', 'bucket', chunk_time_interval => INTERVAL '1 day', if_not_exists => TRUE);
        RAISE NOTICE 'ohlcv_1m is a TimescaleDB hypertable';
    ELSE
        RAISE NOTICE 'TimescaleDB extension not available: ohlcv_1m stays a plain PostgreSQL table';
    END IF;
END
$$;
