-- Merges and erasures as outbound events (README "Outbound events"):
-- `<kind>.merged` comes from the survivor's "merged" history line and carries the survivor with the merged code;
-- `<kind>.erased` comes from the erasure's audit row and carries only the code and kind: never a value of the person.
-- Both keep the record's ordering key, so they reach an endpoint after the record's earlier events.
CREATE OR REPLACE FUNCTION crmhub_webhook_history_inserted() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM webhook_endpoints WHERE enabled) THEN RETURN NULL; END IF;
    PERFORM crmhub_queue_webhook_events(coalesce(jsonb_agg(jsonb_build_object(
        'org_id', h.org_id,
        'type', c.kind || CASE h.event WHEN 'merged' THEN '.merged' ELSE '.duplicate_received' END,
        'ordering_key', 'customer:' || c.id, 'customer_id', c.id,
        'data', crmhub_webhook_customer(c) || CASE h.event
            WHEN 'merged' THEN jsonb_build_object('merged', h.detail -> 'merged')
            ELSE jsonb_build_object('received_fields', coalesce(h.detail -> 'fields', '[]'), 'listener_id', h.listener_id::text)
            END) ORDER BY h.id), '[]'))
    FROM new_rows AS h JOIN customers AS c ON c.org_id = h.org_id AND c.id = h.customer_id
    WHERE h.event IN ('duplicate', 'merged');
    RETURN NULL;
END
$$;

CREATE FUNCTION crmhub_webhook_audit_inserted() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM webhook_endpoints WHERE enabled) THEN RETURN NULL; END IF;
    PERFORM crmhub_queue_webhook_events(coalesce(jsonb_agg(jsonb_build_object(
        'org_id', a.org_id, 'type', erased.kind || '.erased',
        'ordering_key', 'customer:' || (a.details ->> 'customer_id'),
        'data', jsonb_build_object('id', erased.code, 'kind', erased.kind)) ORDER BY a.id), '[]'))
    FROM new_rows AS a
    CROSS JOIN LATERAL (
        SELECT substr(a.target, length('customer:') + 1) AS code,
            CASE left(substr(a.target, length('customer:') + 1), 4) WHEN 'LID-' THEN 'lead' WHEN 'CID-' THEN 'company'
                ELSE 'contact' END AS kind
    ) AS erased
    WHERE a.action = 'customer.erase' AND a.target LIKE 'customer:%';
    RETURN NULL;
END
$$;
CREATE TRIGGER webhook_audit_inserted AFTER INSERT ON audit_log
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION crmhub_webhook_audit_inserted();
