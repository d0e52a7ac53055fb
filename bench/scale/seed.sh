#!/usr/bin/env bash
# Seeds the scale benchmark's data set (bench/scale/seed.sql) into its own durable cluster, with generate_series
# through psql (not the HTTP path), and prints how long it took and what it weighs.
#
#   bench/scale/seed.sh large        # 5,000,000 customers in 1,000 orgs (LARGE moves it)
#   bench/scale/seed.sh small        # 10,000 customers in 100 orgs (SMALL, SMALL_ORGS)
#   bench/scale/seed.sh 200000       # any number of customers, 1,000 orgs (ORGS)
#
# The database crmhub_scale_<size> is dropped, created, migrated with crmhub (CRMHUB_BIN, else built in release),
# seeded, vacuumed and analysed. The cluster lives in .data/bench-scale-pg (PG_DIR) on port 54411 (PG_PORT) and is
# stopped at exit unless KEEP_RUNNING=1. Other databases of the cluster (the other size) are left alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
# shellcheck source=bench/lib.sh
source bench/lib.sh
# shellcheck source=bench/scale/common.sh
source bench/scale/common.sh

size=${1:-large}
customers=$(scale_customers "$size") || exit 2
orgs=$(scale_orgs "$size")
db=$(scale_database "$size")
bench_settings  # scratch (for the build)
bench_check_numbers "sizes and the port" "$customers" "$orgs" "$pg_port"
[ "${KEEP_RUNNING:-0}" = 1 ] && stop_cluster=0

bench_init scale-seed
bench_crmhub_bin
bench_start_cluster
psql -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
CRMHUB_DATABASE_URL="${conninfo/dbname=postgres/dbname=$db}" CRMHUB_MIGRATIONS_DIR="$root/sql" "$CRMHUB_BIN" migrate \
  >"$logs/migrate.log" 2>&1 || { cat "$logs/migrate.log" >&2; die "crmhub migrate failed"; }

echo "seeding $db: $customers customers in $orgs orgs…" >&2
started=$(date +%s)
psql -d "$db" -v customers="$customers" -v orgs="$orgs" <bench/scale/seed.sql >"$logs/seed.log"
# The steps (\echo) and the time of each statement (\timing), not the setval results.
grep -E '^[a-z]|^Time:' "$logs/seed.log" | grep -v '^Time: 0\.' | sed 's/^/  /' >&2
loaded=$(date +%s)
psql -d "$db" -c "VACUUM (ANALYZE)" >/dev/null
psql -d postgres -c "CHECKPOINT" >/dev/null
finished=$(date +%s)
echo "seeded in $((loaded - started)) s, VACUUM ANALYZE $((finished - loaded)) s, total $((finished - started)) s"

psql -d "$db" -P footer=off <<'SQL'
SELECT pg_size_pretty(pg_database_size(current_database())) AS database,
       (SELECT count(*) FROM customers) AS customers,
       (SELECT count(*) FROM customer_identities) AS identities,
       (SELECT count(*) FROM customer_history) AS history,
       (SELECT count(*) FROM listener_requests) AS request_log,
       (SELECT count(*) FROM outbox WHERE status = 'queued') AS outbox_queued;
SELECT o.slug, count(*) AS customers FROM customers AS c JOIN orgs AS o ON o.id = c.org_id
GROUP BY o.slug ORDER BY count(*) DESC LIMIT 3;
-- Bytes on disk per customer: the customer row with its indexes, and with its identities and history.
SELECT relname AS "table", n_live_tup AS rows, pg_size_pretty(pg_table_size(relid)) AS heap,
       pg_size_pretty(pg_indexes_size(relid)) AS indexes,
       round((pg_table_size(relid) + pg_indexes_size(relid))::numeric / (SELECT count(*) FROM customers), 1) AS bytes_per_customer
FROM pg_stat_user_tables
WHERE relname IN ('customers', 'customer_identities', 'customer_history', 'listener_requests', 'notes', 'deals', 'tickets', 'outbox')
ORDER BY pg_table_size(relid) + pg_indexes_size(relid) DESC;
SQL
