-- The name search's index without a superuser (0008 built it only when migrations ran as one).
--
-- 0008 indexed the expression crmhub_fold(name); row-level security lets such a condition become an index condition
-- only when crmhub_fold is LEAKPROOF, which only a superuser may declare. Here the folded name is a stored generated
-- column instead: a condition on a plain column needs only its operators to be leakproof, and the text_pattern_ops
-- comparisons (~>=~, ~<~) are, for every role. The search compares name_folded with crmhub_fold($n), which folds a
-- parameter, not a row's column, so it needs no mark either. (A trigram index would not help: the LIKE operator it
-- serves is not leakproof, so under the tenant policy it would be a scan again.)
--
-- Adding a stored column rewrites the table once: this migration holds an exclusive lock on customers while it runs.
ALTER TABLE customers ADD COLUMN name_folded text GENERATED ALWAYS AS (crmhub_fold(name)) STORED;
DROP INDEX IF EXISTS customers_name_folded;
CREATE INDEX customers_name_folded ON customers (org_id, kind, name_folded text_pattern_ops);

-- /readyz compares schema_migrations with the files; a server that connects as a role holding only crmhub_app's
-- privileges (not the owner) must be able to read it.
GRANT SELECT ON schema_migrations TO crmhub_app;
