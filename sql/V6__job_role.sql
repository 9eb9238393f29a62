-- The job's least-privilege role, ${jobRole}: SELECT, INSERT and UPDATE on the tables it upserts
-- (UPDATE for ON CONFLICT DO UPDATE, SELECT for its WHERE on the stored row), nothing else: no
-- DELETE, TRUNCATE or DDL, nothing on the rollups. It is NOLOGIN and holds no password, so no
-- secret is ever in a migration. The job logs in as a user created out of band and made a member:
--     CREATE ROLE bars LOGIN IN ROLE ${jobRole};   then \password bars   (psql sends only a hash)
-- and reads that user's password from BARS_DB_PASSWORD. Migrations run as another user, the owner.
DO $$
DECLARE
    job_role text := '${jobRole}';
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = job_role) THEN
        IF NOT (SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user) THEN
            RAISE EXCEPTION 'role % does not exist and % may not create it: run CREATE ROLE % NOLOGIN as an administrator, or grant % CREATEROLE',
                job_role, current_user, job_role, current_user;
        END IF;
        EXECUTE format('CREATE ROLE %I NOLOGIN', job_role);
        RAISE NOTICE 'Created role % (NOLOGIN); grant it to the job''s login user', job_role;
    END IF;
    IF job_role = current_user THEN
        RAISE EXCEPTION 'jobRole % is the migration user: the job must not run as the owner of its tables', job_role;
    END IF;
    -- Whatever the role held before on these tables, it now holds exactly this.
    EXECUTE format('REVOKE ALL ON ohlcv_1m, basis_1m, foreign_flow_1m FROM %I', job_role);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE ON ohlcv_1m, basis_1m, foreign_flow_1m TO %I', job_role);
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', current_schema(), job_role);
    IF has_schema_privilege(job_role, current_schema(), 'CREATE') THEN
        RAISE WARNING 'role % can create tables in schema % (through PUBLIC before PostgreSQL 15?): REVOKE CREATE ON SCHEMA % FROM PUBLIC',
            job_role, current_schema(), current_schema();
    END IF;
END
$$;
