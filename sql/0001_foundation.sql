-- CRMHub foundation: the application role, the tenant-isolation helpers, and the tenant table.
--
-- Migrations run as the connecting (owner) role. Requests run as `crmhub_app`, a NOLOGIN role that owns
-- nothing and has only DML grants: each tenant transaction begins with
--   SELECT set_config('role', 'crmhub_app', true), set_config('crmhub.org_id', $1, true)
-- so row-level security applies to it even when the connecting role owns the tables or is a superuser.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'crmhub_app') THEN
        CREATE ROLE crmhub_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- another database of this cluster created it at the same moment
END
$$;

DO $$
BEGIN
    IF NOT pg_has_role(current_user, 'crmhub_app', 'MEMBER') THEN
        EXECUTE format('GRANT crmhub_app TO %I', current_user);
    END IF;
EXCEPTION WHEN OTHERS THEN
    -- A concurrent GRANT in another database ("tuple concurrently updated"): the membership exists now.
    IF NOT pg_has_role(current_user, 'crmhub_app', 'MEMBER') THEN
        RAISE;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO crmhub_app;

-- The org of the current transaction; NULL when none is set, so tenant policies match no row.
CREATE FUNCTION crmhub_current_org() RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('crmhub.org_id', true), '')::bigint $$;

-- Platform transactions (platform administrators, secret-token lookups that happen before the org is
-- known) set crmhub.platform = 'on' explicitly; nothing else sees across orgs.
CREATE FUNCTION crmhub_is_platform() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT coalesce(current_setting('crmhub.platform', true), '') = 'on' $$;

-- Every tenant table calls this once: RLS enabled and forced, one policy on org_id, DML for the app role.
CREATE FUNCTION crmhub_enable_tenant_rls(target regclass) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
    EXECUTE format(
        'CREATE POLICY tenant_isolation ON %s USING (org_id = crmhub_current_org() OR crmhub_is_platform()) '
        'WITH CHECK (org_id = crmhub_current_org() OR crmhub_is_platform())', target);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO crmhub_app', target);
END
$$;

-- The tenants. An org's own row is visible to its transactions; the platform sees all.
CREATE TABLE orgs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        text NOT NULL CONSTRAINT orgs_slug_key UNIQUE
                CONSTRAINT orgs_slug_format CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name        text NOT NULL CONSTRAINT orgs_name_length CHECK (length(name) BETWEEN 1 AND 200),
    timezone    text NOT NULL DEFAULT 'UTC',
    status      text NOT NULL DEFAULT 'active' CONSTRAINT orgs_status_value CHECK (status IN ('active', 'suspended')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE orgs ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON orgs
    USING (id = crmhub_current_org() OR crmhub_is_platform())
    WITH CHECK (id = crmhub_current_org() OR crmhub_is_platform());
GRANT SELECT, INSERT, UPDATE, DELETE ON orgs TO crmhub_app;
