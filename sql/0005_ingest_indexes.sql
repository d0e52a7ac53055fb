-- Fewer indexes on the tables every listener request writes: each index is WAL to flush at commit and one more
-- relation lock to take, and past sixteen relations a transaction's locks leave the fast path for the shared
-- lock table, where concurrent ingest requests queue.

-- The primary key (org_id, id) already serves "newest first" listings.
DROP INDEX customers_recent;

-- History is read per customer: make that the primary key's order instead of a second index.
ALTER TABLE customer_history DROP CONSTRAINT customer_history_pkey;
DROP INDEX customer_history_customer;
ALTER TABLE customer_history ADD PRIMARY KEY (org_id, customer_id, id);

-- The request log: per-listener listings and the rate limit use (org_id, listener_id, received_at); the purge's
-- age scan uses a BRIN index, which costs next to nothing to maintain on an append-only table.
DROP INDEX listener_requests_recent;
DROP INDEX listener_requests_age;
CREATE INDEX listener_requests_age ON listener_requests USING brin (received_at);

-- Foreign keys from the rows every ingest request writes to the org and listener rows it shares with every other
-- request: each check takes FOR KEY SHARE on that one parent row, so concurrent requests pile shared locks on
-- it (MultiXacts), and each check is a query of its own. The ingest transaction reads the listener and its org
-- in its first statement and writes only under them; orgs are suspended, never deleted, by the service.
ALTER TABLE customers DROP CONSTRAINT customers_org_id_fkey;
ALTER TABLE listener_requests DROP CONSTRAINT listener_requests_org_id_fkey;
ALTER TABLE listener_requests DROP CONSTRAINT listener_requests_org_id_listener_id_fkey;
ALTER TABLE outbox DROP CONSTRAINT outbox_org_id_fkey;
-- Identities and history are written with their customer in the same statement, and deleted with it by the
-- store; a check per row would double the work of an insert.
ALTER TABLE customer_identities DROP CONSTRAINT customer_identities_org_id_customer_id_fkey;
ALTER TABLE customer_history DROP CONSTRAINT customer_history_org_id_customer_id_fkey;
