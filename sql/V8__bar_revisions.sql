-- Every version of a bar is identifiable by its revision, so an older version can never overwrite a
-- newer one (a replay after a restore, a writer that outlived its failover), and a deliberate
-- correction has a documented path (README, "Correcting stored bars"). The job's upserts apply a
-- version only when its revision is at least the stored one's, compared as a row (lexicographically):
--
--   ohlcv_1m         (revision_epoch, trade_count)
--   basis_1m         (revision_epoch, joined_count + unjoined_count, index_revision)
--   foreign_flow_1m  (revision_epoch, snapshot_revision)
--
-- revision_epoch is the job's --revision-epoch (default 0): a correction run with a higher epoch
-- replaces the rows it writes even with fewer trades. index_revision and snapshot_revision count the
-- index values (snapshots) the key had admitted when the version was computed: a late index value or
-- a corrected snapshot changes a row without changing any of its counts.
--
-- Rows written before this migration, and by a 0.1.0 job still writing while it runs (its INSERTs
-- do not name these columns), get 0: every later version passes the guard. ADD COLUMN with a
-- constant default rewrites no row on PostgreSQL 11+, and TimescaleDB accepts it on hypertables
-- with compression enabled (compressed chunks return the default).
ALTER TABLE ohlcv_1m ADD COLUMN IF NOT EXISTS revision_epoch integer NOT NULL DEFAULT 0;
ALTER TABLE basis_1m ADD COLUMN IF NOT EXISTS index_revision bigint NOT NULL DEFAULT 0;
ALTER TABLE basis_1m ADD COLUMN IF NOT EXISTS revision_epoch integer NOT NULL DEFAULT 0;
ALTER TABLE foreign_flow_1m ADD COLUMN IF NOT EXISTS snapshot_revision bigint NOT NULL DEFAULT 0;
ALTER TABLE foreign_flow_1m ADD COLUMN IF NOT EXISTS revision_epoch integer NOT NULL DEFAULT 0;

COMMENT ON COLUMN ohlcv_1m.revision_epoch IS 'The --revision-epoch of the run that wrote the row; a higher epoch replaces it (a correction)';
COMMENT ON COLUMN basis_1m.revision_epoch IS 'The --revision-epoch of the run that wrote the row; a higher epoch replaces it (a correction)';
COMMENT ON COLUMN foreign_flow_1m.revision_epoch IS 'The --revision-epoch of the run that wrote the row; a higher epoch replaces it (a correction)';
COMMENT ON COLUMN basis_1m.index_revision IS 'Index values the underlying had admitted when this version was computed (orders versions with equal trade counts)';
COMMENT ON COLUMN foreign_flow_1m.snapshot_revision IS 'Snapshots the symbol had admitted when this version was computed (orders the versions of the row)';

-- The query helpers of V5 read one-minute bars with SELECT * into ohlcv_1m's fourteen bar columns;
-- with revision_epoch added that no longer matches their result type. Each is re-created from its
-- own definition with the columns named, so the path-specific rest of the body (rollups on
-- TimescaleDB, on-the-fly aggregation on plain PostgreSQL) stays exactly what V5 generated.
DO $$
DECLARE
    fn   regprocedure;
    def  text;
    bars text := 'SELECT b.symbol, b.bucket, b.open, b.high, b.low, b.close, b.volume, b.turnover, b.vwap,'
        ' b.trade_count, b.buy_volume, b.sell_volume, b.first_trade_at, b.last_trade_at FROM ohlcv_1m b';
BEGIN
    FOREACH fn IN ARRAY ARRAY['ohlcv_bars(text, text, timestamptz, timestamptz)'::regprocedure,
                              'ohlcv_latest(text, text, integer)'::regprocedure]
    LOOP
        def := pg_get_functiondef(fn);
        IF position('SELECT * FROM ohlcv_1m b' IN def) = 0 THEN
            RAISE EXCEPTION '% no longer reads ohlcv_1m as V5 created it: adapt V8', fn;
        END IF;
        EXECUTE replace(def, 'SELECT * FROM ohlcv_1m b', bars);
    END LOOP;
    RAISE NOTICE 'Revisions: ohlcv_1m, basis_1m, foreign_flow_1m have revision_epoch; ohlcv_bars and ohlcv_latest name their columns';
END
$$;
