-- Storage policies for the 1-minute bar tables on TimescaleDB: chunk size, compression of old
-- chunks and retention. Every value is a Flyway placeholder (defaults in schema/MigrationSettings):
--
--   chunkInterval     ${chunkInterval}   time range of one chunk
--   latenessHorizon   ${latenessHorizon}   oldest bar the job may still upsert (allowed lateness, plus
--                                         the outage a restore from a checkpoint replays)
--   compressAfter     ${compressAfter}   chunks whose END is older than this are compressed
--   retention         ${retention}   chunks whose end is older than this are dropped ('none': never)
--
-- Compression only ever touches chunks whose whole range is older than compressAfter, and this
-- migration refuses a compressAfter shorter than latenessHorizon: the job's upserts never reach a
-- compressed chunk (where they would be slow, or fail with "tuple decompression limit exceeded").
-- On plain PostgreSQL nothing here applies; the migration says so and succeeds.
DO $$
DECLARE
    chunk_interval   interval := INTERVAL '${chunkInterval}';
    lateness_horizon interval := INTERVAL '${latenessHorizon}';
    compress_after   interval := INTERVAL '${compressAfter}';
    retention        text     := '${retention}';
    bar_table        record;
BEGIN
    IF compress_after < lateness_horizon THEN
        RAISE EXCEPTION 'compressAfter (%) must be at least latenessHorizon (%): the job would upsert into compressed chunks',
            compress_after, lateness_horizon;
    END IF;
    IF retention <> 'none' AND retention::interval <= compress_after THEN
        RAISE EXCEPTION 'retention (%) must exceed compressAfter (%)', retention, compress_after;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        RAISE NOTICE 'TimescaleDB not installed: no chunks, compression or retention for ohlcv_1m, basis_1m and foreign_flow_1m (plain tables; delete old rows yourself)';
        RETURN;
    END IF;
    FOR bar_table IN
        SELECT * FROM (VALUES ('ohlcv_1m', 'symbol'), ('basis_1m', 'contract'), ('foreign_flow_1m', 'symbol')) AS t (name, segment_by)
    LOOP
        -- Applies to chunks created from now on; existing ones keep their range.
        PERFORM set_chunk_time_interval(bar_table.name::regclass, chunk_interval);
        -- One compressed segment per symbol (contract), rows in time order: a symbol's range query
        -- decompresses only its own segments.
        EXECUTE format('ALTER TABLE %I SET (timescaledb.compress, timescaledb.compress_segmentby = %L,'
                       ' timescaledb.compress_orderby = %L)', bar_table.name, bar_table.segment_by, 'bucket DESC');
        PERFORM add_compression_policy(bar_table.name::regclass, compress_after => compress_after, if_not_exists => TRUE);
        IF retention <> 'none' THEN
            PERFORM add_retention_policy(bar_table.name::regclass, drop_after => retention::interval, if_not_exists => TRUE);
        END IF;
    END LOOP;
    RAISE NOTICE 'TimescaleDB: ohlcv_1m, basis_1m, foreign_flow_1m in % chunks, compressed after %, retention %',
        chunk_interval, compress_after, retention;
END
$$;
