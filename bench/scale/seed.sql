-- The scale benchmark's data set (bench/scale/seed.sh), written straight into a freshly migrated database with
-- generate_series: no HTTP, no per-row round trips. psql variables: customers (total), orgs.
--
-- Orgs are skewed like real tenants: org k holds a share proportional to k^-1.3 of the customers (at least 20), so
-- org 1 holds 28.5 %, the ten largest 65 % and the smallest 179 (of 5,000,000). Within an org, customer g
-- (1 … n) has id base + g, code g, and is a contact (80 %), a lead (12 %) or a company (8 %) by g % 100. Every
-- contact and lead has an email and a phone identity in the forms the listener writes (Identity.email/phone);
-- companies claim their lower-cased name. Per customer: a "created" history line (a "duplicate" one more for one in
-- five), a note for one in ten, a deal for one in twenty (with a second contact for one in forty), a ticket for one
-- in twenty. The listener request log has 0.6 rows per customer over the last 60 days, orgs interleaved in time as
-- they arrive; the outbox a backlog of queued messages (most in org 1) and sent ones. Per-org code sequences and
-- identity sequences are moved past the seeded values, so the application carries on from there.
\set ON_ERROR_STOP 1
SET synchronous_commit = off;
\timing on
SET maintenance_work_mem = '512MB';
SELECT set_config('crmhub.platform', 'on', false) \gset

-- Kept (not TEMP): bench/scale/run.sh reads each org's seeded size and first id from it.
CREATE TABLE bench_scale_orgs AS
WITH w AS (SELECT k, power(k, -1.3) AS w FROM generate_series(1, :orgs) AS k),
     s AS (SELECT k, greatest(20, floor(:customers * w / sum(w) OVER ()))::bigint AS n FROM w)
SELECT k, n, coalesce(sum(n) OVER (ORDER BY k ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::bigint AS base FROM s;

CREATE TEMP TABLE seed_names (i int PRIMARY KEY, first text, last text);
INSERT INTO seed_names
SELECT i, (ARRAY['Ngọc', 'Minh', 'Anh', 'Hương', 'Tuấn', 'Linh', 'Đức', 'Thảo', 'Hải', 'Phương', 'Quang', 'Trang',
                 'John', 'Mary', 'James', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'William', 'Elizabeth',
                 'David', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen',
                 'Christopher', 'Nancy', 'Daniel', 'Lisa', 'Matthew', 'Betty', 'Anthony', 'Margaret'])[1 + i % 40],
       (ARRAY['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Phan', 'Vũ', 'Võ', 'Đặng', 'Bùi', 'Đỗ',
              'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
              'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Taylor', 'Moore', 'Jackson', 'Martin'])[1 + i % 31]
FROM generate_series(0, 1239) AS i;

\echo orgs, users, listeners
INSERT INTO orgs (id, slug, name, timezone, created_at)
OVERRIDING SYSTEM VALUE
SELECT k, 'org-' || lpad(k::text, 4, '0'), 'Org ' || k, 'Asia/Ho_Chi_Minh', now() - interval '4 years' FROM bench_scale_orgs;
INSERT INTO users (org_id, email, display_name, role)
SELECT k, 'owner@org-' || k || '.example.com', 'Owner ' || k, 'owner' FROM bench_scale_orgs;
INSERT INTO listeners (org_id, id, name, lookup_id, secret_hash)
OVERRIDING SYSTEM VALUE
SELECT k, k, 'website', 'seed' || k, sha256(('seed' || k)::bytea) FROM bench_scale_orgs;

\echo customers
INSERT INTO customers (org_id, id, kind, code, type, name, lastname, gender, emails, phones, addresses, tags,
                       custom_fields, channel, system_id, company_id, created_by_listener_id, created_at, updated_at)
SELECT o.k, o.base + g,
       CASE WHEN g % 100 < 80 THEN 'contact' WHEN g % 100 < 92 THEN 'lead' ELSE 'company' END,
       g, CASE WHEN g % 7 = 0 AND g % 100 < 80 THEN 1 ELSE 0 END,
       CASE WHEN g % 100 >= 92 THEN 'Company ' || g ELSE nm.first END,
       CASE WHEN g % 100 >= 92 THEN NULL ELSE nm.last END,
       g % 3,
       CASE WHEN g % 100 >= 92 THEN '[]'::jsonb
            ELSE jsonb_build_array(jsonb_build_object('type', 'work', 'value', 'u' || g || '@o' || o.k || '.example.com')) END,
       CASE WHEN g % 100 >= 92 THEN '[]'::jsonb
            ELSE jsonb_build_array(jsonb_build_object('type', 'mobile', 'value', '+849' || lpad(g::text, 8, '0'))) END,
       CASE WHEN g % 10 < 3 THEN '[{"type": "home", "street": "58 Ton That Dam", "city": "Da Nang", "country": {"code": "VN", "name": "Vietnam"}}]'::jsonb
            ELSE '[]'::jsonb END,
       CASE WHEN g % 100 = 7 THEN '{vip,newsletter}'::text[] WHEN g % 3 = 0 THEN '{newsletter}'::text[] ELSE '{}'::text[] END,
       jsonb_build_object('Source', 'seed'),
       'Web Contact Form',
       CASE WHEN g % 4 = 0 AND g % 100 < 80 THEN 's' || g END,
       CASE WHEN g % 20 = 0 AND g - g % 100 + 95 <= o.n THEN o.base + g - g % 100 + 95 END,
       o.k,
       now() - make_interval(secs => (o.n - g)::float8 / o.n * 94608000),
       now() - make_interval(secs => (o.n - g)::float8 / o.n * 94608000)
FROM bench_scale_orgs AS o
CROSS JOIN LATERAL generate_series(1, o.n) AS g
JOIN seed_names AS nm ON nm.i = (g * 7919) % 1240;

\echo identities
INSERT INTO customer_identities (org_id, series, kind, value, customer_id)
SELECT o.k, CASE WHEN g % 100 < 80 THEN 'contact' ELSE 'lead' END, x.kind, x.value, o.base + g
FROM bench_scale_orgs AS o
CROSS JOIN LATERAL generate_series(1, o.n) AS g
CROSS JOIN LATERAL (VALUES ('email', 'u' || g || '@o' || o.k || '.example.com'), ('phone', '+849' || lpad(g::text, 8, '0'))) AS x(kind, value)
WHERE g % 100 < 92;
INSERT INTO customer_identities (org_id, series, kind, value, customer_id)
SELECT o.k, 'company', 'name', 'company ' || g, o.base + g
FROM bench_scale_orgs AS o
CROSS JOIN LATERAL generate_series(1, o.n) AS g
WHERE g % 100 >= 92;

\echo history
INSERT INTO customer_history (org_id, customer_id, at, event, listener_id, detail)
SELECT o.k, o.base + g, now() - make_interval(secs => (o.n - g)::float8 / o.n * 94608000), e.event, o.k, e.detail
FROM bench_scale_orgs AS o
CROSS JOIN LATERAL generate_series(1, o.n) AS g
CROSS JOIN LATERAL (VALUES ('created', '{}'::jsonb), ('duplicate', '{"fields": ["phones"]}'::jsonb)) AS e(event, detail)
WHERE e.event = 'created' OR g % 5 = 1;

\echo notes, deals, tickets
INSERT INTO notes (org_id, customer_id, body, channel, listener_id, created_at)
SELECT o.k, o.base + g, 'Called back about the order ' || g || '; wants a quote for the next quarter.', 'Web', o.k,
       now() - make_interval(secs => (o.n - g)::float8 / o.n * 94608000)
FROM bench_scale_orgs AS o CROSS JOIN LATERAL generate_series(1, o.n) AS g
WHERE g % 10 = 3;
INSERT INTO deals (org_id, id, reference, name, value, currency, stage, customer_id, created_by_listener_id, created_at, updated_at)
OVERRIDING SYSTEM VALUE
SELECT o.k, o.base + g, 'ref-' || g, 'Order ' || g, (g % 1000) * 10.5, 'VND',
       (ARRAY['new', 'qualified', 'proposal', 'won', 'lost'])[1 + g % 5], o.base + g, o.k,
       now() - make_interval(secs => (o.n - g)::float8 / o.n * 94608000), now()
FROM bench_scale_orgs AS o CROSS JOIN LATERAL generate_series(1, o.n) AS g
WHERE g % 20 = 4;
INSERT INTO deal_contacts (org_id, deal_id, customer_id)
SELECT o.k, o.base + g, o.base + g - 1
FROM bench_scale_orgs AS o CROSS JOIN LATERAL generate_series(1, o.n) AS g
WHERE g % 40 = 4;
INSERT INTO tickets (org_id, title, body, customer_id, status, listener_id, created_at, updated_at)
SELECT o.k, 'Ticket ' || g, 'The delivery of order ' || g || ' is late.', o.base + g,
       (ARRAY['open', 'pending', 'solved', 'closed'])[1 + g % 4], o.k,
       now() - make_interval(secs => (o.n - g)::float8 / o.n * 94608000), now()
FROM bench_scale_orgs AS o CROSS JOIN LATERAL generate_series(1, o.n) AS g
WHERE g % 20 = 9;

\echo listener request log
-- 10,000 slots shared out by customers, so that each org receives requests in proportion to its size, interleaved.
CREATE TEMP TABLE seed_slots AS
SELECT row_number() OVER () - 1 AS slot, k FROM (
    SELECT k, generate_series(1, greatest(1, round(10000.0 * n / sum(n) OVER ())::int)) FROM bench_scale_orgs) AS s;
CREATE INDEX ON seed_slots (slot);
ANALYZE seed_slots;
INSERT INTO listener_requests (org_id, id, listener_id, received_at, client_address, request_id, sender_user, size, body,
                               status, response, item_count, error_count)
SELECT s.k, j, s.k, now() - make_interval(secs => (r.total - j)::float8 / r.total * 5184000),
       ('203.0.113.' || (j % 250)::text)::inet, 'req-' || j, 'web@example.com', 180,
       convert_to('{"senderUser":"web@example.com","data":[{"actionType":"add-contact","data":{"name":"Visitor ' || j ||
                  '","emails":[{"value":"v' || j || '@example.com"}]}}]}', 'UTF8'),
       CASE WHEN j % 100 = 0 THEN 422 ELSE 200 END,
       convert_to('{"status":"ok","results":[{"status":"created"}]}', 'UTF8'), 1, CASE WHEN j % 100 = 0 THEN 1 ELSE 0 END
FROM (SELECT (sum(n) * 0.6)::bigint AS total, (SELECT count(*) FROM seed_slots) AS slots FROM bench_scale_orgs) AS r
CROSS JOIN LATERAL generate_series(1, r.total) AS j
JOIN seed_slots AS s ON s.slot = (j * 7919) % r.slots;

\echo outbox
-- Sent messages (one in twenty customers), then the backlog: 20 queued per 1,000 customers, due now.
INSERT INTO outbox (org_id, channel, reason, recipient, sender, subject, body, status, attempts, customer_id, listener_id,
                    created_at, updated_at, sent_at, content_type)
SELECT o.k, 'email', 'welcome-email', 'u' || g || '@o' || o.k || '.example.com', 'hello@example.com', 'Welcome',
       'Welcome aboard.', 'sent', 1, o.base + g, o.k,
       now() - make_interval(secs => (o.n - g)::float8 / o.n * 94608000), now(), now(), 'text/plain'
FROM bench_scale_orgs AS o CROSS JOIN LATERAL generate_series(1, o.n) AS g
WHERE g % 20 = 5;
INSERT INTO outbox (org_id, channel, reason, recipient, body, status, customer_id, listener_id, created_at, updated_at)
SELECT o.k, 'sms', 'send-sms', '+849' || lpad(g::text, 8, '0'), 'Your order is on its way.', 'queued', o.base + g, o.k,
       now() - make_interval(secs => (1000 - g % 1000)::float8), now()
FROM bench_scale_orgs AS o CROSS JOIN LATERAL generate_series(1, o.n) AS g
WHERE g % 50 = 6;

\echo portal logins
INSERT INTO customer_portal_logins (org_id, customer_id, username, password_hash)
SELECT o.k, o.base + g, 'user' || g, 'pbkdf2-sha256$seeded$not-a-real-hash'
FROM bench_scale_orgs AS o CROSS JOIN LATERAL generate_series(1, o.n) AS g
WHERE g % 100 = 11;

\echo sequences
SELECT setval(pg_get_serial_sequence('orgs', 'id'), (SELECT max(id) FROM orgs));
SELECT setval(pg_get_serial_sequence('listeners', 'id'), (SELECT max(id) FROM listeners));
SELECT setval(pg_get_serial_sequence('customers', 'id'), (SELECT max(id) FROM customers));
SELECT setval(pg_get_serial_sequence('deals', 'id'), (SELECT max(id) FROM deals));
SELECT setval(pg_get_serial_sequence('listener_requests', 'id'), (SELECT max(id) FROM listener_requests));
SELECT count(*) AS code_sequences_moved FROM (
    SELECT setval(crmhub_code_sequence_name(k, s)::regclass, n)
    FROM bench_scale_orgs CROSS JOIN unnest(ARRAY['contact', 'lead', 'company']) AS s) AS moved;
