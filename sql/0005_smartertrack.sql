-- SmarterTrack external providers (smartertrack-external-providers.txt): customer-portal logins stored on CRM
-- contacts (checked by Authenticate / GetSignInCookieInfo), the org's rules for GetCustomFieldOptions, StartTicket
-- and StartChat, and the history event NotifyEventFired writes.

-- A contact's login to the helpdesk's customer portal. The user name is unique per org in any case; the password is
-- a PBKDF2 hash (never the password). `status` is the org's own word for the customer's standing ("active",
-- "suspended", "vip" …): the SmarterTrack rules decide per status whether tickets and chats may be started;
-- "disabled" refuses the login itself.
CREATE TABLE customer_portal_logins (
    org_id         bigint NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    customer_id    bigint NOT NULL,
    username       text NOT NULL CONSTRAINT customer_portal_logins_username_length CHECK (length(username) BETWEEN 1 AND 200),
    password_hash  text NOT NULL,
    status         text NOT NULL DEFAULT 'active'
                   CONSTRAINT customer_portal_logins_status_format CHECK (status ~ '^[a-z0-9_-]{1,50}$'),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, customer_id),
    FOREIGN KEY (org_id, customer_id) REFERENCES customers (org_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX customer_portal_logins_username_key ON customer_portal_logins (org_id, lower(username));
SELECT crmhub_enable_tenant_rls('customer_portal_logins');

-- The org's SmarterTrack rules document (validated by the admin API; shape in the README).
CREATE TABLE smartertrack_rules (
    org_id      bigint PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
    rules       jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
SELECT crmhub_enable_tenant_rls('smartertrack_rules');

-- NotifyEventFired: a helpdesk event about the customer (detail: product, event id and name, arguments).
ALTER TABLE customer_history DROP CONSTRAINT customer_history_event_value;
ALTER TABLE customer_history ADD CONSTRAINT customer_history_event_value
    CHECK (event IN ('created', 'duplicate', 'updated', 'company', 'note', 'ticket', 'deal', 'sms', 'helpdesk_event'));
