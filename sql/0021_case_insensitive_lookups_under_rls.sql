-- Scale (issue 21): the case-insensitive lookups in request paths reach their rows through an index for the app role.
--
-- Under row-level security only leakproof conditions can become index conditions, and lower() is not leakproof: an
-- index on an expression such as (org_id, lower(username)) is never used by crmhub_app. bench/scale found SmarterTrack's
-- GetSignInCookieInfo (a portal login by user name) walking every login of the org (14,000 in the largest: 0.2x the
-- small set's throughput). The same held for a listener's add-deal found by name (every deal of the org) and for the
-- matching rule by name (every customer of that kind). A stored lower-cased column compared with texteq (leakproof)
-- is an index condition for every role; the statements compare it with lower($n), computed once.
--
-- The matching rule by name now compares name_folded (0011, indexed by customers_name_folded) and tests lower(name)
-- on the few rows it finds (names equal in lower case fold alike, but for letters such as the Turkish dotted capital I,
-- whose lower case and decomposition disagree), so customers_name is no longer used by any statement and is dropped: one index fewer for
-- every customer insert and update. The two ADD COLUMNs rewrite their tables (portal logins and deals, small next to
-- customers) under an exclusive lock while this migration runs.
ALTER TABLE customer_portal_logins ADD COLUMN username_folded text GENERATED ALWAYS AS (lower(username)) STORED;
CREATE UNIQUE INDEX customer_portal_logins_username_folded_key ON customer_portal_logins (org_id, username_folded);
DROP INDEX customer_portal_logins_username_key;

ALTER TABLE deals ADD COLUMN name_lower text GENERATED ALWAYS AS (lower(name)) STORED;
CREATE INDEX deals_name_lower ON deals (org_id, name_lower, id DESC);
DROP INDEX deals_name;

DROP INDEX customers_name;
