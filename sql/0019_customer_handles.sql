-- Tags and IM handles in tables of their own (issue 21), so that the read API's tag filter and Sirportly's IM handle
-- lookup are index ranges for the app role.
--
-- Row-level security lets only leakproof operators become index conditions. `tags @> ARRAY[…]` (arraycontains) and
-- `im @> …` (jsonb_contains) are not, so no GIN index could serve them: the tag filter walked the org newest first
-- testing every row (2.7 s in an org of 1.7 million customers) and the IM lookup read every customer of the org with
-- handles (the GIN index customers_im of 0006 was never used by a request). Here each tag and each {protocol, value}
-- handle is a row whose B-tree key is compared with texteq and int8eq, which are leakproof.
--
-- Two tables rather than one with a "kind" column: each holds exactly the key its lookup compares (a handle is a
-- pair, a tag one text), and each has its own statistics: tags are few values on many customers, handles nearly one
-- value per customer, and a generic plan estimates `value = $n` from the column's number of distinct values.
-- The customer's kind (contact, lead, company) leads the key after the org, so a walk finds only the kind a list or
-- a lookup asks for, in customer id order (the key's last column), which is the order both answer in.
--
-- Written only by the triggers below (the app role may read them, not write them), in the statement that changes the
-- customer, whoever writes it (listener, CIOPulse, helpdesk integrations, merges, erasure). No foreign key to
-- customers: its check would lock the customer row again (FOR KEY SHARE: a WAL record) for every tag of every new
-- customer and need a second index by customer; the delete trigger removes a deleted customer's rows by their key
-- instead, as the store does for identities and history (0003).
CREATE TABLE customer_tags (
    org_id       bigint NOT NULL,
    kind         text NOT NULL,
    tag          text NOT NULL,
    customer_id  bigint NOT NULL
);

CREATE TABLE customer_im_handles (
    org_id       bigint NOT NULL,
    kind         text NOT NULL,
    protocol     text NOT NULL,
    value        text NOT NULL,
    customer_id  bigint NOT NULL
);

-- The handles `im @> '[{"protocol": p, "value": v}]'` matches: the elements of the array that are objects whose
-- protocol and value are strings (jsonb containment compares strings exactly and never a string with a number or an
-- array). Anything else in `im` matched no such pattern and has no row.
CREATE FUNCTION crmhub_im_handles(im jsonb) RETURNS TABLE (protocol text, value text)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT e ->> 'protocol', e ->> 'value'
    FROM jsonb_array_elements(CASE WHEN jsonb_typeof(im) = 'array' THEN im ELSE '[]' END) AS e
    WHERE jsonb_typeof(e -> 'protocol') = 'string' AND jsonb_typeof(e -> 'value') = 'string'
    $$;

-- Existing customers, then the keys (building an index once is cheaper than growing it row by row). Writers wait
-- from here to the end (the lock CREATE TRIGGER takes anyway), so no customer is written between the copy and the
-- triggers.
LOCK TABLE customers IN SHARE ROW EXCLUSIVE MODE;
SELECT set_config('crmhub.platform', 'on', true);
INSERT INTO customer_tags (org_id, kind, tag, customer_id)
SELECT DISTINCT c.org_id, c.kind, t.tag, c.id
FROM customers AS c CROSS JOIN LATERAL unnest(c.tags) AS t(tag)
WHERE c.tags <> '{}' AND t.tag IS NOT NULL;
INSERT INTO customer_im_handles (org_id, kind, protocol, value, customer_id)
SELECT DISTINCT c.org_id, c.kind, h.protocol, h.value, c.id
FROM customers AS c CROSS JOIN LATERAL crmhub_im_handles(c.im) AS h
WHERE c.im <> '[]';
ALTER TABLE customer_tags ADD PRIMARY KEY (org_id, kind, tag, customer_id);
ALTER TABLE customer_im_handles ADD PRIMARY KEY (org_id, kind, protocol, value, customer_id);
SELECT crmhub_enable_tenant_rls('customer_tags');
SELECT crmhub_enable_tenant_rls('customer_im_handles');
REVOKE INSERT, UPDATE, DELETE ON customer_tags, customer_im_handles FROM crmhub_app;
ANALYZE customer_tags, customer_im_handles;

-- The triggers run as the migration owner (SECURITY DEFINER), the tables' only writer. They copy what the statement
-- wrote to customers, which the tenant policy already held to the transaction's org (the policy applies to the owner
-- too, FORCE, unless it is a superuser).
--
-- Inserts: one statement per INSERT into customers however many rows it holds (a listener batch inserts 100 in one),
-- reading the transition table the webhook triggers of 0014 already capture. An insert without tags or handles (a
-- CIOPulse contact, a listener without a default tag) stops at the first test: about 10 µs a statement, against
-- 30 µs for running the two INSERTs with nothing to insert (5,000 single-row inserts, bench/scale's 300,000 set).
--
-- jit off: PL/pgSQL plans each statement once per session, priced for the transition table of that first call. After
-- a first call with 50,000 rows (a bulk load), every later single-row insert ran a plan priced above jit_above_cost and
-- compiled it again: 11 ms per row instead of a few microseconds.
CREATE FUNCTION crmhub_customer_handles_inserted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT SET jit = off
    AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM new_rows WHERE tags <> '{}' OR im <> '[]') THEN
        RETURN NULL;
    END IF;
    WITH tags AS (
        INSERT INTO customer_tags (org_id, kind, tag, customer_id)
        SELECT DISTINCT n.org_id, n.kind, t.tag, n.id
        FROM new_rows AS n CROSS JOIN LATERAL unnest(n.tags) AS t(tag)
        WHERE n.tags <> '{}' AND t.tag IS NOT NULL
    )
    INSERT INTO customer_im_handles (org_id, kind, protocol, value, customer_id)
    SELECT DISTINCT n.org_id, n.kind, h.protocol, h.value, n.id
    FROM new_rows AS n CROSS JOIN LATERAL crmhub_im_handles(n.im) AS h
    WHERE n.im <> '[]';
    RETURN NULL;
END
$$;
CREATE TRIGGER customer_handles_inserted AFTER INSERT ON customers
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION crmhub_customer_handles_inserted();

-- Updates: per row, and only rows whose tags, handles or kind changed (the WHEN is checked as the row is updated, so
-- an update that leaves them alone, as most do, queues nothing). A statement-level trigger with transition tables may
-- not name columns, so it would run for every UPDATE of customers and join the old and new rows to find out.
-- Only the difference is written: the tags and handles that went, and those that came.
--
-- Rows go one primary-key probe each (a loop), here and on delete: a DELETE joining a set of keys gets a generic plan
-- that finds the customer's rows by (org_id, kind, customer_id) and filters the tag, which reads the org's whole range
-- of the index (640 pages in bench/scale's largest org of 300,000 customers, 3 ms per update).
CREATE FUNCTION crmhub_customer_handles_updated() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
    AS $$
DECLARE
    same_kind boolean := OLD.kind = NEW.kind;
    gone_tag text;
    gone record;
BEGIN
    IF OLD.tags IS DISTINCT FROM NEW.tags OR NOT same_kind THEN
        FOR gone_tag IN SELECT unnest(OLD.tags) EXCEPT SELECT unnest(NEW.tags) WHERE same_kind LOOP
            DELETE FROM customer_tags
            WHERE org_id = OLD.org_id AND kind = OLD.kind AND tag = gone_tag AND customer_id = OLD.id;
        END LOOP;
        INSERT INTO customer_tags (org_id, kind, tag, customer_id)
        SELECT NEW.org_id, NEW.kind, added.tag, NEW.id
        FROM (SELECT unnest(NEW.tags) EXCEPT SELECT unnest(OLD.tags) WHERE same_kind) AS added(tag)
        WHERE added.tag IS NOT NULL
        ON CONFLICT DO NOTHING;
    END IF;
    IF OLD.im IS DISTINCT FROM NEW.im OR NOT same_kind THEN
        FOR gone IN SELECT * FROM crmhub_im_handles(OLD.im) EXCEPT SELECT * FROM crmhub_im_handles(NEW.im) WHERE same_kind LOOP
            DELETE FROM customer_im_handles
            WHERE org_id = OLD.org_id AND kind = OLD.kind AND protocol = gone.protocol AND value = gone.value
                AND customer_id = OLD.id;
        END LOOP;
        INSERT INTO customer_im_handles (org_id, kind, protocol, value, customer_id)
        SELECT NEW.org_id, NEW.kind, added.protocol, added.value, NEW.id
        FROM (SELECT * FROM crmhub_im_handles(NEW.im) EXCEPT SELECT * FROM crmhub_im_handles(OLD.im) WHERE same_kind) AS added
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER customer_handles_updated AFTER UPDATE OF kind, tags, im ON customers
    FOR EACH ROW WHEN (OLD.tags IS DISTINCT FROM NEW.tags OR OLD.im IS DISTINCT FROM NEW.im OR OLD.kind IS DISTINCT FROM NEW.kind)
    EXECUTE FUNCTION crmhub_customer_handles_updated();

-- Deletes (erasure, merges, CIOPulse deletes, the store's own): the deleted customers' rows, found by their keys.
CREATE FUNCTION crmhub_customer_handles_deleted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT SET jit = off
    AS $$
DECLARE
    gone record;
BEGIN
    FOR gone IN
        SELECT o.org_id, o.kind, u.tag, o.id FROM old_rows AS o CROSS JOIN LATERAL unnest(o.tags) AS u(tag) WHERE o.tags <> '{}'
    LOOP
        DELETE FROM customer_tags
        WHERE org_id = gone.org_id AND kind = gone.kind AND tag = gone.tag AND customer_id = gone.id;
    END LOOP;
    FOR gone IN
        SELECT o.org_id, o.kind, x.protocol, x.value, o.id FROM old_rows AS o CROSS JOIN LATERAL crmhub_im_handles(o.im) AS x
        WHERE o.im <> '[]'
    LOOP
        DELETE FROM customer_im_handles
        WHERE org_id = gone.org_id AND kind = gone.kind AND protocol = gone.protocol AND value = gone.value
            AND customer_id = gone.id;
    END LOOP;
    RETURN NULL;
END
$$;
CREATE TRIGGER customer_handles_deleted AFTER DELETE ON customers
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION crmhub_customer_handles_deleted();

-- No request could use it (jsonb_contains is not leakproof); every customer insert with handles paid for it.
DROP INDEX customers_im;
