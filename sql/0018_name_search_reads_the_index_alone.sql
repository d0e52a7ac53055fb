-- Scale (issue 21): a name search reads the folded-name index alone, not a customer row per candidate.
--
-- A search by a common first name ("linh": 28,000 customers of the largest org in bench/scale's 5,000,000) found its
-- candidates through customers_name_folded (0011) but then fetched every candidate's row from the heap, to read its
-- id (the read API sorts the matches newest first) or its name and last name (SpiceCSM's LIKE conditions): 28,000
-- random heap reads, about a second per search. With the id, the name and the last name in the index, the statements
-- (RecordStore's name search, CustomerProfileStore.searchQuery) pick the matching ids with an index-only scan and
-- fetch only the rows they answer with, by primary key. Only the index's own columns may appear in those inner
-- selects; the tenant policy reads org_id, which is one of them.
--
-- Plain CREATE INDEX (migrations run in a transaction, where CONCURRENTLY is not allowed): the build blocks writes to
-- customers while it runs; the old index is dropped after it, so its exclusive lock is held only until the commit.
CREATE INDEX customers_name_search ON customers (org_id, kind, name_folded text_pattern_ops) INCLUDE (id, name, lastname);
DROP INDEX customers_name_folded;
ALTER INDEX customers_name_search RENAME TO customers_name_folded;
