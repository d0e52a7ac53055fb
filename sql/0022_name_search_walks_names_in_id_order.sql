-- Scale (issue 21): a name search reads one page of index entries, not every match of a common name.
--
-- With 0018 the read API's name search read its matches in the folded-name index alone, but all of them: "linh",
-- 28,000 customers of bench/scale's largest org, cost 28,000 index entries and a sort per page (135 searches/s at 16
-- connections, 0.13x the small set; p99 182 ms). With the id as a key column after the folded name, the matches of
-- one name are in id order: RecordStore walks the distinct names of the prefix's range and reads a page of each
-- (RecordStore.nameWalkQuery). The id stays in the index for SpiceCSM's index-only search, now as a key column.
--
-- Plain CREATE INDEX (migrations run in a transaction): writes to customers wait while it is built (7.5 s for
-- 0018's index on 5,000,000 customers).
CREATE INDEX customers_name_walk ON customers (org_id, kind, name_folded text_pattern_ops, id) INCLUDE (name, lastname);
DROP INDEX customers_name_folded;
ALTER INDEX customers_name_walk RENAME TO customers_name_folded;
