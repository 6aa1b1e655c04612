-- Tenant isolation enforced by the database too (DESIGN.md §3.6), for transactions that
-- declare whose data they act for: ``db.uow(restaurants=[...])`` switches to the role
-- maitred_tenant and sets maitred.restaurant_ids; row-level security then hides and refuses
-- every row of any other restaurant, whatever the SQL says. Unscoped transactions (system
-- jobs, migrations, superuser tools) run as the connecting owner and are not filtered.
-- depends: 0004.sessions-snapshot

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'maitred_tenant') THEN
        CREATE ROLE maitred_tenant NOLOGIN NOBYPASSRLS;
    END IF;
    -- The connecting role must be able to switch to it.
    IF NOT pg_has_role(current_user, 'maitred_tenant', 'MEMBER') THEN
        EXECUTE format('GRANT maitred_tenant TO %I', current_user);
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO maitred_tenant;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO maitred_tenant;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO maitred_tenant;
-- Tables and sequences later migrations create get the same grants.
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO maitred_tenant;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO maitred_tenant;

-- The restaurants the current transaction acts for (empty: none).
CREATE FUNCTION maitred_scope() RETURNS bigint[] LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        string_to_array(nullif(current_setting('maitred.restaurant_ids', true), ''), ',')::bigint[],
        '{}'::bigint[])
$$;

-- Protect every table that has a restaurant_id column (and restaurants by its id). Later
-- migrations that add tenant tables end with
--     DO $$ BEGIN PERFORM maitred_protect_tenant_tables(); END $$;
-- (PERFORM, not SELECT: yoyo prints the rows a migration's statements return, and a bare
-- SELECT would print a junk table on every fresh ``maitred serve`` and ``migrate``.)
CREATE FUNCTION maitred_protect_tenant_tables() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT c.relname, a.attname
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
        JOIN pg_attribute a ON a.attrelid = c.oid AND NOT a.attisdropped
        WHERE c.relkind = 'r'
          AND ((a.attname = 'restaurant_id') OR (c.relname = 'restaurants' AND a.attname = 'id'))
          AND NOT EXISTS (SELECT FROM pg_policy p WHERE p.polrelid = c.oid
                          AND p.polname = 'tenant_isolation')
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t.relname);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I TO maitred_tenant'
            ' USING (%I = ANY ((SELECT maitred_scope())::bigint[]))'
            ' WITH CHECK (%I = ANY ((SELECT maitred_scope())::bigint[]))',
            t.relname, t.attname, t.attname);
    END LOOP;
END;
$$;

DO $$ BEGIN PERFORM maitred_protect_tenant_tables(); END $$;
