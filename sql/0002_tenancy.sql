-- Tenancy: users, groups, credentials, listeners, catalogs, compatibility settings and the audit log.
-- Every tenant table has org_id first in its primary key and the forced tenant policy of 0001.

CREATE TABLE users (
    org_id        bigint NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id            bigint GENERATED ALWAYS AS IDENTITY,
    email         text NOT NULL CONSTRAINT users_email_format CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
    display_name  text NOT NULL DEFAULT '' CONSTRAINT users_display_name_length CHECK (length(display_name) <= 200),
    role          text NOT NULL DEFAULT 'member' CONSTRAINT users_role_value CHECK (role IN ('owner', 'admin', 'member')),
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX users_email_key ON users (org_id, lower(email));
SELECT crmhub_enable_tenant_rls('users');

CREATE TABLE groups (
    org_id      bigint NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id          bigint GENERATED ALWAYS AS IDENTITY,
    name        text NOT NULL CONSTRAINT groups_name_length CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX groups_name_key ON groups (org_id, lower(name));
SELECT crmhub_enable_tenant_rls('groups');

CREATE TABLE group_members (
    org_id    bigint NOT NULL,
    group_id  bigint NOT NULL,
    user_id   bigint NOT NULL,
    PRIMARY KEY (org_id, group_id, user_id),
    FOREIGN KEY (org_id, group_id) REFERENCES groups (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);
SELECT crmhub_enable_tenant_rls('group_members');

-- Credentials are "<prefix>_<lookup id>_<secret>": the lookup id finds the row, the secret is compared by its
-- SHA-256 in constant time. Secrets are never stored.
CREATE TABLE platform_tokens (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lookup_id     text NOT NULL CONSTRAINT platform_tokens_lookup_key UNIQUE,
    secret_hash   bytea NOT NULL,
    name          text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
-- Platform rows belong to no org: only platform transactions may see them.
ALTER TABLE platform_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE platform_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY platform_only ON platform_tokens USING (crmhub_is_platform()) WITH CHECK (crmhub_is_platform());
GRANT SELECT, INSERT, UPDATE, DELETE ON platform_tokens TO crmhub_app;

CREATE TABLE api_keys (
    org_id        bigint NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id            bigint GENERATED ALWAYS AS IDENTITY,
    lookup_id     text NOT NULL CONSTRAINT api_keys_lookup_key UNIQUE,
    secret_hash   bytea NOT NULL,
    name          text NOT NULL DEFAULT '',
    scopes        text[] NOT NULL CONSTRAINT api_keys_scopes_value
                  CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['admin', 'read', 'write']),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz,
    PRIMARY KEY (org_id, id)
);
SELECT crmhub_enable_tenant_rls('api_keys');

CREATE TABLE listeners (
    org_id                   bigint NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id                       bigint GENERATED ALWAYS AS IDENTITY,
    name                     text NOT NULL CONSTRAINT listeners_name_length CHECK (length(name) BETWEEN 1 AND 200),
    enabled                  boolean NOT NULL DEFAULT true,
    lookup_id                text NOT NULL CONSTRAINT listeners_lookup_key UNIQUE,
    secret_hash              bytea NOT NULL,
    ip_allowlist             cidr[] NOT NULL DEFAULT '{}',
    default_tag              text,
    default_contact_channel  text,
    default_lead_channel     text,
    welcome_email_enabled    boolean NOT NULL DEFAULT false,
    welcome_email_from       text,
    welcome_email_subject    text,
    welcome_email_body       text,
    welcome_sms_enabled      boolean NOT NULL DEFAULT false,
    welcome_sms_body         text,
    rate_limit_per_minute    integer CONSTRAINT listeners_rate_limit_range CHECK (rate_limit_per_minute BETWEEN 1 AND 1000000),
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX listeners_name_key ON listeners (org_id, lower(name));
SELECT crmhub_enable_tenant_rls('listeners');

-- Named catalogs that actions refer to: channels, tags, deal stages/categories/packages, currencies, SLAs.
CREATE TABLE catalog_items (
    org_id      bigint NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id          bigint GENERATED ALWAYS AS IDENTITY,
    kind        text NOT NULL CONSTRAINT catalog_items_kind_value
                CHECK (kind IN ('channel', 'tag', 'deal_stage', 'deal_category', 'deal_package', 'currency', 'sla')),
    name        text NOT NULL CONSTRAINT catalog_items_name_length CHECK (length(name) BETWEEN 1 AND 200),
    position    integer NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX catalog_items_name_key ON catalog_items (org_id, kind, lower(name));
SELECT crmhub_enable_tenant_rls('catalog_items');

CREATE TABLE custom_fields (
    org_id      bigint NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id          bigint GENERATED ALWAYS AS IDENTITY,
    entity      text NOT NULL CONSTRAINT custom_fields_entity_value CHECK (entity IN ('contact', 'lead', 'deal', 'ticket')),
    name        text NOT NULL CONSTRAINT custom_fields_name_length CHECK (length(name) BETWEEN 1 AND 200),
    type        text NOT NULL CONSTRAINT custom_fields_type_value
                CHECK (type IN ('text', 'number', 'date', 'checkbox', 'inline_checkbox', 'dropdown')),
    options     text[] NOT NULL DEFAULT '{}',
    required    boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    CONSTRAINT custom_fields_options_need_choice_type
        CHECK (cardinality(options) = 0 OR type IN ('checkbox', 'inline_checkbox', 'dropdown'))
);
CREATE UNIQUE INDEX custom_fields_name_key ON custom_fields (org_id, entity, lower(name));
SELECT crmhub_enable_tenant_rls('custom_fields');

-- CIOPulse portal: one per org, its code unique across orgs; keys are exactly 40 characters.
CREATE TABLE ciopulse_portals (
    org_id        bigint NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    portal_code   text NOT NULL CONSTRAINT ciopulse_portals_code_key UNIQUE
                  CONSTRAINT ciopulse_portals_code_format CHECK (portal_code ~ '^[A-Za-z0-9_-]{1,64}$'),
    ip_allowlist  cidr[] NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id)
);
SELECT crmhub_enable_tenant_rls('ciopulse_portals');

CREATE TABLE ciopulse_api_keys (
    org_id        bigint NOT NULL REFERENCES ciopulse_portals (org_id) ON DELETE CASCADE,
    id            bigint GENERATED ALWAYS AS IDENTITY,
    secret_hash   bytea NOT NULL,
    last_four     text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz,
    PRIMARY KEY (org_id, id)
);
SELECT crmhub_enable_tenant_rls('ciopulse_api_keys');

-- Helpdesk integrations (Sirportly, SpiceCSM, SmarterTrack): credentials hashed with a slow KDF.
CREATE TABLE integration_settings (
    org_id         bigint NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    kind           text NOT NULL CONSTRAINT integration_settings_kind_value
                   CHECK (kind IN ('sirportly', 'spicecsm', 'smartertrack')),
    enabled        boolean NOT NULL DEFAULT false,
    username       text,
    password_hash  text,
    ip_allowlist   cidr[] NOT NULL DEFAULT '{}',
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, kind)
);
SELECT crmhub_enable_tenant_rls('integration_settings');

-- Every admin change: who, what, when, from where. Platform-wide events (platform tokens) have no org.
CREATE TABLE audit_log (
    org_id          bigint NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id              bigint GENERATED ALWAYS AS IDENTITY,
    at              timestamptz NOT NULL DEFAULT now(),
    actor           text NOT NULL,
    action          text NOT NULL,
    target          text NOT NULL,
    details         jsonb NOT NULL DEFAULT '{}',
    client_address  inet,
    request_id      text,
    PRIMARY KEY (org_id, id)
);
CREATE INDEX audit_log_recent ON audit_log (org_id, at DESC, id DESC);
SELECT crmhub_enable_tenant_rls('audit_log');

-- Idempotency-Key on creates: the first response is stored and replayed for the same key and request.
CREATE TABLE idempotency_keys (
    scope          text NOT NULL,
    key            text NOT NULL,
    request_hash   text NOT NULL,
    status         integer NOT NULL,
    response_body  bytea NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO crmhub_app;
