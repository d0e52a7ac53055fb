-- Scale (issue 21): what a Sirportly or SpiceCSM lookup reads about one customer must not grow with the org.
--
-- A profile lists the customer's open deals: its own (deals.customer_id) and those naming it as a contact
-- (deal_contacts). Neither had an index by customer, so each lookup walked every deal of the org (71,000 in the
-- largest org of bench/scale's 5,000,000 customers: 78 ms, 50 lookups/s against 2,000 in a small org). With these
-- the statement (CustomerProfileStore.openDeals, a UNION of the two) reads a few index pages. deal_contacts' index
-- holds deal_id too: without it the generic plan preferred an index-only scan of the primary key (org_id, deal_id,
-- customer_id) filtered on the customer, which reads every deal contact of the org (178 pages, 1 ms). They also serve the
-- ON DELETE actions of the foreign keys to customers (SET NULL on deals, CASCADE on deal_contacts), which read the
-- same columns when a customer is deleted.
--
-- Plain CREATE INDEX: migrations run in a transaction, where CONCURRENTLY is not allowed. Each build blocks writes
-- to its table while it runs (under a second for 250,000 deals and 125,000 deal contacts in bench/scale's set).
CREATE INDEX deals_customer ON deals (org_id, customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX deal_contacts_customer ON deal_contacts (org_id, customer_id, deal_id);
