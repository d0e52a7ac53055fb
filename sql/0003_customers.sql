-- Customers and what arrives for them through listeners (crm-listener-webhook.txt): contacts and accounts,
-- leads, companies, their identities (the dedup keys), history, notes, deals, tickets, the outbox, and the
-- listener request log. Every table is a tenant table with the forced policy of 0001.

-- Customer codes: PID-n (contacts and accounts), LID-n (leads), CID-n (companies), numbered per org and never
-- reused. One sequence per org and series: nextval never goes back and never blocks, so concurrent inserts do
-- not queue behind a counter row. The app role has no DDL, so the sequences are made by SECURITY DEFINER
-- functions owned by the migration owner.
CREATE FUNCTION crmhub_code_sequence_name(org bigint, series text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT format('crmhub_codes_%s_%s', org, series) $$;

CREATE FUNCTION crmhub_ensure_code_sequences(org bigint) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
    AS $$
DECLARE
    series text;
BEGIN
    FOREACH series IN ARRAY ARRAY['contact', 'lead', 'company'] LOOP
        EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I AS bigint', crmhub_code_sequence_name(org, series));
    END LOOP;
END
$$;

CREATE FUNCTION crmhub_drop_code_sequences() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
    AS $$
DECLARE
    series text;
BEGIN
    FOREACH series IN ARRAY ARRAY['contact', 'lead', 'company'] LOOP
        EXECUTE format('DROP SEQUENCE IF EXISTS %I', crmhub_code_sequence_name(OLD.id, series));
    END LOOP;
    RETURN OLD;
END
$$;

CREATE FUNCTION crmhub_create_code_sequences() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
    AS $$
BEGIN
    PERFORM crmhub_ensure_code_sequences(NEW.id);
    RETURN NEW;
END
$$;

CREATE TRIGGER orgs_create_code_sequences AFTER INSERT ON orgs FOR EACH ROW EXECUTE FUNCTION crmhub_create_code_sequences();
CREATE TRIGGER orgs_drop_code_sequences AFTER DELETE ON orgs FOR EACH ROW EXECUTE FUNCTION crmhub_drop_code_sequences();
SELECT crmhub_ensure_code_sequences(id) FROM orgs;

-- The next code of a series for the transaction's org only.
CREATE FUNCTION crmhub_next_code(series text) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
    AS $$
BEGIN
    IF crmhub_current_org() IS NULL THEN
        RAISE EXCEPTION 'crmhub_next_code needs an org transaction';
    END IF;
    RETURN nextval(crmhub_code_sequence_name(crmhub_current_org(), series)::regclass);
END
$$;
REVOKE ALL ON FUNCTION crmhub_next_code(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION crmhub_next_code(text) TO crmhub_app;

-- Contacts and accounts (kind 'contact', type 0/1), leads (kind 'lead', type 0/1) and companies (kind 'company').
-- Emails, phones, addresses, websites and IM handles are kept as sent (with their types) for display; the
-- normalised emails, phones, passports and contact ids that find a customer are in customer_identities.
CREATE TABLE customers (
    org_id                  bigint NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id                      bigint GENERATED ALWAYS AS IDENTITY,
    kind                    text NOT NULL CONSTRAINT customers_kind_value CHECK (kind IN ('contact', 'lead', 'company')),
    code                    bigint NOT NULL,
    type                    smallint NOT NULL DEFAULT 0 CONSTRAINT customers_type_value CHECK (type IN (0, 1)),
    name                    text NOT NULL CONSTRAINT customers_name_length CHECK (length(name) BETWEEN 1 AND 500),
    lastname                text CONSTRAINT customers_lastname_length CHECK (length(lastname) <= 500),
    title                   text CONSTRAINT customers_title_length CHECK (length(title) <= 500),
    passport                text CONSTRAINT customers_passport_length CHECK (length(passport) <= 100),
    gender                  smallint NOT NULL DEFAULT 2 CONSTRAINT customers_gender_value CHECK (gender IN (0, 1, 2)),
    bg_info                 text CONSTRAINT customers_bg_info_length CHECK (length(bg_info) <= 20000),
    date_of_birth           date,
    emails                  jsonb NOT NULL DEFAULT '[]',
    phones                  jsonb NOT NULL DEFAULT '[]',
    addresses               jsonb NOT NULL DEFAULT '[]',
    websites                jsonb NOT NULL DEFAULT '[]',
    im                      jsonb NOT NULL DEFAULT '[]',
    tags                    text[] NOT NULL DEFAULT '{}',
    custom_fields           jsonb NOT NULL DEFAULT '{}',
    permit                  jsonb,
    channel                 text,
    contact_id              text CONSTRAINT customers_contact_id_length CHECK (length(contact_id) <= 200),
    company_id              bigint,
    owner_user_id           bigint,
    created_by_listener_id  bigint,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    CONSTRAINT customers_code_key UNIQUE (org_id, kind, code),
    FOREIGN KEY (org_id, company_id) REFERENCES customers (org_id, id) ON DELETE SET NULL (company_id)
);
CREATE INDEX customers_recent ON customers (org_id, kind, id DESC);
CREATE INDEX customers_company ON customers (org_id, company_id) WHERE company_id IS NOT NULL;
CREATE INDEX customers_name ON customers (org_id, kind, lower(name));
SELECT crmhub_enable_tenant_rls('customers');

-- The dedup keys. A value belongs to one customer of a series; the primary key is what makes fifty identical
-- concurrent add-contact requests create one contact. Companies also claim their lower-cased name.
CREATE TABLE customer_identities (
    org_id       bigint NOT NULL,
    series       text NOT NULL CONSTRAINT customer_identities_series_value CHECK (series IN ('contact', 'lead', 'company')),
    kind         text NOT NULL CONSTRAINT customer_identities_kind_value
                 CHECK (kind IN ('contact_id', 'passport', 'email', 'phone', 'name')),
    value        text NOT NULL CONSTRAINT customer_identities_value_length CHECK (length(value) BETWEEN 1 AND 500),
    customer_id  bigint NOT NULL,
    PRIMARY KEY (org_id, series, kind, value),
    FOREIGN KEY (org_id, customer_id) REFERENCES customers (org_id, id) ON DELETE CASCADE
);
CREATE INDEX customer_identities_customer ON customer_identities (org_id, customer_id);
SELECT crmhub_enable_tenant_rls('customer_identities');

-- Every request a listener received that reached it (unknown tokens are not attributable to an org). The id is
-- drawn at the start of the ingest transaction (history lines point at it) and the row written at its end.
CREATE TABLE listener_requests (
    org_id           bigint NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id               bigint GENERATED BY DEFAULT AS IDENTITY,
    listener_id      bigint NOT NULL,
    received_at      timestamptz NOT NULL DEFAULT now(),
    client_address   inet,
    request_id       text,
    idempotency_key  text CONSTRAINT listener_requests_idempotency_key_length CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    replay_of        bigint,
    sender_user      text,
    size             integer NOT NULL,
    body             bytea NOT NULL,
    status           integer NOT NULL,
    response         bytea NOT NULL,
    item_count       integer NOT NULL DEFAULT 0,
    error_count      integer NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, listener_id) REFERENCES listeners (org_id, id) ON DELETE CASCADE
);
CREATE INDEX listener_requests_recent ON listener_requests (org_id, listener_id, id DESC);
CREATE INDEX listener_requests_age ON listener_requests (received_at);
CREATE UNIQUE INDEX listener_requests_idempotency ON listener_requests (org_id, listener_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
SELECT crmhub_enable_tenant_rls('listener_requests');
GRANT USAGE ON SEQUENCE listener_requests_id_seq TO crmhub_app;

-- What happened to a customer: created (and through which listener), duplicate submission received, fields
-- updated, notes, tickets and deals attached. `detail` holds the event's data (changed fields, ids).
CREATE TABLE customer_history (
    org_id               bigint NOT NULL,
    id                   bigint GENERATED ALWAYS AS IDENTITY,
    customer_id          bigint NOT NULL,
    at                   timestamptz NOT NULL DEFAULT now(),
    event                text NOT NULL CONSTRAINT customer_history_event_value
                         CHECK (event IN ('created', 'duplicate', 'updated', 'company', 'note', 'ticket', 'deal', 'sms')),
    listener_id          bigint,
    listener_request_id  bigint,
    detail               jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, customer_id) REFERENCES customers (org_id, id) ON DELETE CASCADE
);
CREATE INDEX customer_history_customer ON customer_history (org_id, customer_id, id);
SELECT crmhub_enable_tenant_rls('customer_history');

-- Deals (the document's "orders"). `reference` is the sender's dealId when it is not one of ours, so a second
-- add-deal with the same dealId updates the deal the first one created.
CREATE TABLE deals (
    org_id            bigint NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id                bigint GENERATED ALWAYS AS IDENTITY,
    reference         text CONSTRAINT deals_reference_length CHECK (length(reference) BETWEEN 1 AND 200),
    name              text NOT NULL CONSTRAINT deals_name_length CHECK (length(name) BETWEEN 1 AND 500),
    value             numeric(20, 4),
    currency          text,
    description       text CONSTRAINT deals_description_length CHECK (length(description) <= 20000),
    stage             text NOT NULL,
    close_date        timestamptz,
    category          text,
    package           text,
    owner_user_ids    bigint[] NOT NULL DEFAULT '{}',
    owner_group_ids   bigint[] NOT NULL DEFAULT '{}',
    customer_id       bigint,
    permit            jsonb,
    custom_fields     jsonb NOT NULL DEFAULT '{}',
    created_by_listener_id bigint,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, customer_id) REFERENCES customers (org_id, id) ON DELETE SET NULL (customer_id)
);
CREATE UNIQUE INDEX deals_reference_key ON deals (org_id, reference) WHERE reference IS NOT NULL;
CREATE INDEX deals_name ON deals (org_id, lower(name), id DESC);
SELECT crmhub_enable_tenant_rls('deals');

CREATE TABLE deal_contacts (
    org_id       bigint NOT NULL,
    deal_id      bigint NOT NULL,
    customer_id  bigint NOT NULL,
    PRIMARY KEY (org_id, deal_id, customer_id),
    FOREIGN KEY (org_id, deal_id) REFERENCES deals (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, customer_id) REFERENCES customers (org_id, id) ON DELETE CASCADE
);
SELECT crmhub_enable_tenant_rls('deal_contacts');

CREATE TABLE notes (
    org_id               bigint NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id                   bigint GENERATED ALWAYS AS IDENTITY,
    customer_id          bigint,
    deal_id              bigint,
    body                 text NOT NULL CONSTRAINT notes_body_length CHECK (length(body) BETWEEN 1 AND 100000),
    permit               jsonb,
    tags                 text[] NOT NULL DEFAULT '{}',
    channel              text,
    author_user_id       bigint,
    listener_id          bigint,
    created_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    CONSTRAINT notes_subject CHECK ((customer_id IS NULL) <> (deal_id IS NULL)),
    FOREIGN KEY (org_id, customer_id) REFERENCES customers (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, deal_id) REFERENCES deals (org_id, id) ON DELETE CASCADE
);
CREATE INDEX notes_customer ON notes (org_id, customer_id, id) WHERE customer_id IS NOT NULL;
CREATE INDEX notes_deal ON notes (org_id, deal_id, id) WHERE deal_id IS NOT NULL;
SELECT crmhub_enable_tenant_rls('notes');

-- Tickets. The requester's details are kept as sent even when no customer matched them.
CREATE TABLE tickets (
    org_id           bigint NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id               bigint GENERATED ALWAYS AS IDENTITY,
    title            text CONSTRAINT tickets_title_length CHECK (length(title) <= 1000),
    body             text NOT NULL CONSTRAINT tickets_body_length CHECK (length(body) BETWEEN 1 AND 100000),
    contact_type     text NOT NULL DEFAULT 'customer' CONSTRAINT tickets_contact_type_value CHECK (contact_type IN ('customer', 'lead')),
    customer_id      bigint,
    deal_id          bigint,
    group_id         bigint,
    sla              text,
    channel          text,
    tags             text[] NOT NULL DEFAULT '{}',
    custom_fields    jsonb NOT NULL DEFAULT '{}',
    requester        jsonb NOT NULL DEFAULT '{}',
    status           text NOT NULL DEFAULT 'open' CONSTRAINT tickets_status_value CHECK (status IN ('open', 'pending', 'solved', 'closed')),
    author_user_id   bigint,
    listener_id      bigint,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, customer_id) REFERENCES customers (org_id, id) ON DELETE SET NULL (customer_id),
    FOREIGN KEY (org_id, deal_id) REFERENCES deals (org_id, id) ON DELETE SET NULL (deal_id),
    FOREIGN KEY (org_id, group_id) REFERENCES groups (org_id, id) ON DELETE SET NULL (group_id)
);
CREATE INDEX tickets_customer ON tickets (org_id, customer_id, id) WHERE customer_id IS NOT NULL;
CREATE INDEX tickets_recent ON tickets (org_id, id DESC);
SELECT crmhub_enable_tenant_rls('tickets');

-- Messages to send: welcome emails, welcome SMS and send-sms, rendered when queued. Delivery is a later issue.
CREATE TABLE outbox (
    org_id               bigint NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id                   bigint GENERATED ALWAYS AS IDENTITY,
    channel              text NOT NULL CONSTRAINT outbox_channel_value CHECK (channel IN ('email', 'sms')),
    reason               text NOT NULL CONSTRAINT outbox_reason_value CHECK (reason IN ('welcome-email', 'welcome-sms', 'send-sms')),
    recipient            text NOT NULL CONSTRAINT outbox_recipient_length CHECK (length(recipient) BETWEEN 1 AND 500),
    sender               text,
    subject              text,
    body                 text NOT NULL,
    status               text NOT NULL DEFAULT 'queued' CONSTRAINT outbox_status_value CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts             integer NOT NULL DEFAULT 0,
    last_error           text,
    customer_id          bigint,
    listener_id          bigint,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, customer_id) REFERENCES customers (org_id, id) ON DELETE SET NULL (customer_id)
);
CREATE INDEX outbox_recent ON outbox (org_id, id DESC);
CREATE INDEX outbox_queued ON outbox (created_at) WHERE status = 'queued';
SELECT crmhub_enable_tenant_rls('outbox');
