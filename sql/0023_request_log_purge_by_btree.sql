-- Scale (issue 21): a purge batch of the listener request log reads the rows it deletes, not the table.
--
-- The purge (ListenerRequestStore.purge, every few minutes in batches of 1,000) found its rows through a BRIN index
-- on received_at. BRIN ranges are never narrowed: once the oldest rows are deleted, every later batch still visits
-- every block range that once held them, and after vacuum new requests fill those blocks and widen the ranges
-- further. bench/scale, 3,000,000 logged requests over 60 days, after the retention task had purged the older half:
-- one batch read 60,302 blocks (470 MB, lossy bitmap, 182,581 rows rechecked) to find 530 rows, 2.5 s. A B-tree on
-- received_at is walked from its oldest entry: a batch reads about as many entries as it deletes (the dead entries
-- of earlier batches are marked and skipped). It costs each logged request one more index entry (about 30 bytes).
--
-- Plain CREATE INDEX (migrations run in a transaction): request logging waits while it is built (seconds for
-- millions of rows).
CREATE INDEX listener_requests_received ON listener_requests (received_at);
DROP INDEX listener_requests_age;
