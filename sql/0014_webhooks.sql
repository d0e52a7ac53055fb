-- Outbound events (webhooks, Standard Webhooks) and signed inbound listener requests (issue 23).
--
-- Events are written by triggers on the tables whose changes they report, so every writer (listener actions,
-- CIOPulse, SmarterTrack, the helpdesk integrations, admin calls) queues them in the same transaction as the change
-- without having to remember to: no event without its change, no change without its event. One outbox row is
-- queued per event and per enabled endpoint that wants its type; the delivery workers send it (channel 'webhook').
--
-- The triggers are statement-level with transition tables: a batch insert of 300 contacts runs one INSERT into the
-- outbox, and an org without endpoints pays one index probe per statement.

CREATE TABLE webhook_endpoints (
    org_id                      bigint NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id                          bigint GENERATED ALWAYS AS IDENTITY,
    url                         text NOT NULL CONSTRAINT webhook_endpoints_url_length CHECK (length(url) BETWEEN 1 AND 500),
    description                 text NOT NULL DEFAULT '' CONSTRAINT webhook_endpoints_description_length CHECK (length(description) <= 1000),
    -- Empty: every event type.
    event_types                 text[] NOT NULL DEFAULT '{}',
    enabled                     boolean NOT NULL DEFAULT true,
    -- whsec_ secrets sealed with CRMHUB_SECRET_KEY (SecretBox); the previous one signs too until it expires.
    secret                      bytea NOT NULL,
    previous_secret             bytea,
    previous_secret_expires_at  timestamptz,
    -- Failed attempts since the last success, and when that run of failures began (auto-disable).
    consecutive_failures        integer NOT NULL DEFAULT 0,
    failing_since               timestamptz,
    disabled_reason             text,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id)
);
SELECT crmhub_enable_tenant_rls('webhook_endpoints');

ALTER TABLE outbox DROP CONSTRAINT outbox_channel_value;
ALTER TABLE outbox ADD CONSTRAINT outbox_channel_value CHECK (channel IN ('email', 'sms', 'webhook'));
ALTER TABLE outbox DROP CONSTRAINT outbox_reason_value;
ALTER TABLE outbox ADD CONSTRAINT outbox_reason_value
    CHECK (reason IN ('welcome-email', 'welcome-sms', 'send-sms', 'webhook-event'));
ALTER TABLE outbox
    ADD COLUMN endpoint_id   bigint,
    ADD COLUMN event_type    text,
    -- The webhook-id: the same on every attempt and on a replay, so receivers can drop duplicates.
    ADD COLUMN event_id      text,
    -- Events with the same key go to an endpoint one at a time, in outbox id order (DeliveryQueueStore.claim).
    ADD COLUMN ordering_key  text;
CREATE INDEX outbox_webhook_order ON outbox (org_id, endpoint_id, ordering_key, id)
    WHERE channel = 'webhook' AND status IN ('queued', 'retrying', 'sending');
CREATE INDEX outbox_webhook_endpoint ON outbox (org_id, endpoint_id, created_at) WHERE channel = 'webhook';

ALTER TABLE outbox_attempts
    ADD COLUMN response_status   integer,
    ADD COLUMN response_excerpt  text CONSTRAINT outbox_attempts_response_excerpt_length CHECK (length(response_excerpt) <= 1000),
    ADD COLUMN duration_ms       integer;

-- Queues `events` (org_id, type, ordering_key, data) for every enabled endpoint of the org that wants the type.
-- The payload is Standard Webhooks' {type, timestamp, data}; the webhook-id is drawn once per event.
CREATE FUNCTION crmhub_queue_webhook_events(events jsonb) RETURNS void
    LANGUAGE sql
    AS $$
    WITH event AS MATERIALIZED (
        SELECT (e->>'org_id')::bigint AS org_id, e->>'type' AS type, e->>'ordering_key' AS ordering_key,
            (e->>'customer_id')::bigint AS customer_id, e->'data' AS data, position,
            'msg_' || replace(gen_random_uuid()::text, '-', '') AS event_id
        FROM jsonb_array_elements(events) WITH ORDINALITY AS list(e, position)
    )
    INSERT INTO outbox (org_id, channel, reason, recipient, body, customer_id, endpoint_id, event_type, event_id, ordering_key)
    SELECT event.org_id, 'webhook', 'webhook-event', endpoint.url,
        jsonb_build_object('type', event.type,
            'timestamp', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'data', event.data)::text,
        event.customer_id, endpoint.id, event.type, event.event_id, event.ordering_key
    FROM event JOIN webhook_endpoints AS endpoint ON endpoint.org_id = event.org_id AND endpoint.enabled
        AND (endpoint.event_types = '{}' OR event.type = ANY (endpoint.event_types))
    ORDER BY event.position, endpoint.id
    $$;

-- A customer as events show it.
CREATE FUNCTION crmhub_webhook_customer(c customers) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
    SELECT jsonb_build_object(
        'id', (CASE c.kind WHEN 'lead' THEN 'LID-' WHEN 'company' THEN 'CID-' ELSE 'PID-' END) || c.code,
        'kind', c.kind, 'type', c.type, 'name', c.name, 'lastname', c.lastname, 'title', c.title,
        'emails', c.emails, 'phones', c.phones, 'tags', to_jsonb(c.tags), 'custom_fields', c.custom_fields,
        'channel', c.channel, 'contact_id', c.contact_id,
        'created_at', to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        'updated_at', to_char(c.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
    $$;

CREATE FUNCTION crmhub_webhook_customers_inserted() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM webhook_endpoints WHERE enabled) THEN RETURN NULL; END IF;
    PERFORM crmhub_queue_webhook_events(coalesce(jsonb_agg(jsonb_build_object(
        'org_id', n.org_id, 'type', n.kind || '.created', 'ordering_key', 'customer:' || n.id, 'customer_id', n.id,
        'data', crmhub_webhook_customer(n)) ORDER BY n.id), '[]'))
    FROM new_rows AS n;
    RETURN NULL;
END
$$;
CREATE TRIGGER webhook_customers_inserted AFTER INSERT ON customers
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION crmhub_webhook_customers_inserted();

-- An update reports the names of the columns whose values changed (updated_at aside); none changed, no event.
CREATE FUNCTION crmhub_webhook_customers_updated() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM webhook_endpoints WHERE enabled) THEN RETURN NULL; END IF;
    PERFORM crmhub_queue_webhook_events(coalesce(jsonb_agg(jsonb_build_object(
        'org_id', changed.org_id, 'type', changed.kind || '.updated', 'ordering_key', 'customer:' || changed.id,
        'customer_id', changed.id, 'data', changed.data || jsonb_build_object('changed_fields', changed.fields)) ORDER BY changed.id), '[]'))
    FROM (
        SELECT n.org_id, n.id, n.kind, crmhub_webhook_customer(n) AS data,
            (SELECT jsonb_agg(after.key ORDER BY after.key) FROM jsonb_each(to_jsonb(n)) AS after
             WHERE after.key NOT IN ('updated_at', 'created_at') AND to_jsonb(o) -> after.key IS DISTINCT FROM after.value) AS fields
        FROM new_rows AS n JOIN old_rows AS o ON o.org_id = n.org_id AND o.id = n.id
    ) AS changed
    WHERE changed.fields IS NOT NULL;
    RETURN NULL;
END
$$;
CREATE TRIGGER webhook_customers_updated AFTER UPDATE ON customers
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION crmhub_webhook_customers_updated();

-- A duplicate: an add found an existing customer (its history gets a "duplicate" line with the fields sent).
CREATE FUNCTION crmhub_webhook_history_inserted() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM webhook_endpoints WHERE enabled) THEN RETURN NULL; END IF;
    PERFORM crmhub_queue_webhook_events(coalesce(jsonb_agg(jsonb_build_object(
        'org_id', h.org_id, 'type', c.kind || '.duplicate_received', 'ordering_key', 'customer:' || c.id, 'customer_id', c.id,
        'data', crmhub_webhook_customer(c) || jsonb_build_object('received_fields', coalesce(h.detail -> 'fields', '[]'),
            'listener_id', h.listener_id::text)) ORDER BY h.id), '[]'))
    FROM new_rows AS h JOIN customers AS c ON c.org_id = h.org_id AND c.id = h.customer_id
    WHERE h.event = 'duplicate';
    RETURN NULL;
END
$$;
CREATE TRIGGER webhook_history_inserted AFTER INSERT ON customer_history
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION crmhub_webhook_history_inserted();

-- The code of a customer by id (nil when there is none), for notes, deals and tickets.
CREATE FUNCTION crmhub_webhook_customer_code(org bigint, customer bigint) RETURNS text
    LANGUAGE sql STABLE
    AS $$
    SELECT (CASE kind WHEN 'lead' THEN 'LID-' WHEN 'company' THEN 'CID-' ELSE 'PID-' END) || code
    FROM customers WHERE org_id = org AND id = customer
    $$;

CREATE FUNCTION crmhub_webhook_notes_inserted() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM webhook_endpoints WHERE enabled) THEN RETURN NULL; END IF;
    PERFORM crmhub_queue_webhook_events(coalesce(jsonb_agg(jsonb_build_object(
        'org_id', n.org_id, 'type', 'note.created', 'customer_id', n.customer_id,
        'ordering_key', CASE WHEN n.customer_id IS NOT NULL THEN 'customer:' || n.customer_id ELSE 'deal:' || n.deal_id END,
        'data', jsonb_build_object('id', n.id::text, 'customer_id', crmhub_webhook_customer_code(n.org_id, n.customer_id),
            'deal_id', n.deal_id::text, 'body', n.body, 'tags', to_jsonb(n.tags), 'channel', n.channel,
            'created_at', to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))) ORDER BY n.id), '[]'))
    FROM new_rows AS n;
    RETURN NULL;
END
$$;
CREATE TRIGGER webhook_notes_inserted AFTER INSERT ON notes
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION crmhub_webhook_notes_inserted();

CREATE FUNCTION crmhub_webhook_deals_inserted() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM webhook_endpoints WHERE enabled) THEN RETURN NULL; END IF;
    PERFORM crmhub_queue_webhook_events(coalesce(jsonb_agg(jsonb_build_object(
        'org_id', d.org_id, 'type', 'deal.created', 'customer_id', d.customer_id, 'ordering_key', 'deal:' || d.id,
        'data', jsonb_build_object('id', d.id::text, 'reference', d.reference, 'name', d.name, 'value', d.value,
            'currency', d.currency, 'stage', d.stage, 'customer_id', crmhub_webhook_customer_code(d.org_id, d.customer_id),
            'created_at', to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))) ORDER BY d.id), '[]'))
    FROM new_rows AS d;
    RETURN NULL;
END
$$;
CREATE TRIGGER webhook_deals_inserted AFTER INSERT ON deals
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION crmhub_webhook_deals_inserted();

CREATE FUNCTION crmhub_webhook_tickets_inserted() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM webhook_endpoints WHERE enabled) THEN RETURN NULL; END IF;
    PERFORM crmhub_queue_webhook_events(coalesce(jsonb_agg(jsonb_build_object(
        'org_id', t.org_id, 'type', 'ticket.created', 'customer_id', t.customer_id, 'ordering_key', 'ticket:' || t.id,
        'data', jsonb_build_object('id', t.id::text, 'title', t.title, 'body', t.body, 'status', t.status,
            'contact_type', t.contact_type, 'customer_id', crmhub_webhook_customer_code(t.org_id, t.customer_id),
            'created_at', to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))) ORDER BY t.id), '[]'))
    FROM new_rows AS t;
    RETURN NULL;
END
$$;
CREATE TRIGGER webhook_tickets_inserted AFTER INSERT ON tickets
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION crmhub_webhook_tickets_inserted();

-- An email or SMS reached its end: sent, or failed for good.
CREATE FUNCTION crmhub_webhook_outbox_finished() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM webhook_endpoints WHERE enabled) THEN RETURN NULL; END IF;
    PERFORM crmhub_queue_webhook_events(coalesce(jsonb_agg(jsonb_build_object(
        'org_id', n.org_id, 'type', n.channel || CASE n.status WHEN 'sent' THEN '.delivered' ELSE '.failed' END,
        'customer_id', n.customer_id, 'ordering_key', 'message:' || n.id,
        'data', jsonb_build_object('message_id', n.id::text, 'channel', n.channel, 'reason', n.reason,
            'recipient', n.recipient, 'status', n.status, 'attempts', n.attempts, 'error', n.last_error,
            'provider_message_id', n.provider_message_id,
            'customer_id', crmhub_webhook_customer_code(n.org_id, n.customer_id))) ORDER BY n.id), '[]'))
    FROM new_rows AS n JOIN old_rows AS o ON o.org_id = n.org_id AND o.id = n.id
    WHERE n.channel IN ('email', 'sms') AND n.status IN ('sent', 'failed') AND o.status IS DISTINCT FROM n.status;
    RETURN NULL;
END
$$;
CREATE TRIGGER webhook_outbox_finished AFTER UPDATE ON outbox
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION crmhub_webhook_outbox_finished();

-- Signed inbound listener requests: an optional whsec_ secret per listener, and the webhook-ids already accepted
-- (kept past the 5-minute timestamp window, so a replay inside it is refused on every instance).
ALTER TABLE listeners ADD COLUMN signing_secret bytea;

CREATE TABLE listener_seen_webhook_ids (
    org_id       bigint NOT NULL,
    listener_id  bigint NOT NULL,
    webhook_id   text NOT NULL CONSTRAINT listener_seen_webhook_ids_length CHECK (length(webhook_id) BETWEEN 1 AND 255),
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (org_id, listener_id, webhook_id)
);
CREATE INDEX listener_seen_webhook_ids_expiry ON listener_seen_webhook_ids (expires_at);
SELECT crmhub_enable_tenant_rls('listener_seen_webhook_ids');

-- Listener rate limits per org (set by the platform administrator), beside each listener's rate_limit_per_minute:
-- requests and actions (items) accepted in the last minute, counted from the request log, so every instance sees
-- the same count (README "Limits").
CREATE TABLE org_listener_limits (
    org_id               bigint PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
    requests_per_minute  integer CONSTRAINT org_listener_limits_requests_range CHECK (requests_per_minute BETWEEN 1 AND 10000000),
    items_per_minute     integer CONSTRAINT org_listener_limits_items_range CHECK (items_per_minute BETWEEN 1 AND 100000000),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
SELECT crmhub_enable_tenant_rls('org_listener_limits');
CREATE INDEX listener_requests_org_recent ON listener_requests (org_id, received_at);
