#!/usr/bin/env bash
# Contact export: 100,000 contacts streamed as NDJSON and as CSV through the real release server, with curl.
#
#   bench/export/run.sh
#
# Seeds CONTACTS contacts into one org with one SQL statement (with their email identities), then exports them with
# GET /api/v1/exports/contacts?format=ndjson and ?format=csv (an org API key with the read scope), and prints for
# each: seconds, bytes, lines, and the server's peak resident memory (VmHWM of /proc/<pid>/status) before and after.
# It also times the read API's name search over the same org (GET /api/v1/contacts?q=…): a prefix that matches
# nothing (every customer of the org is scanned) and one that matches the newest page at once.
#
# Environment (defaults in brackets):
#   CONTACTS [100000]  CRMHUB_PORT [8086]  PG_PORT [54341]  PG_DIR [.data/bench-export-pg]
#   CRMHUB_BIN  a built crmhub to use; else built: swift build -c release --scratch-path $SCRATCH [.build]
#   BAR_SECONDS [60]  each export must finish within this;  BAR_RSS_MB [200]  peak RSS must stay under this
#
# Exit status: 0 both bars met, 3 a bar not met, 1 a failed run (setup, wrong line count).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
# shellcheck source=bench/lib.sh
source bench/lib.sh

bench_settings  # scratch (for the build)
contacts=${CONTACTS:-100000}
crmhub_port=${CRMHUB_PORT:-8086}
pg_port=${PG_PORT:-54341}
cluster=${PG_DIR:-$root/.data/bench-export-pg}
bar_seconds=${BAR_SECONDS:-60}
bar_rss_mb=${BAR_RSS_MB:-200}
bench_check_numbers "CONTACTS, ports and bars" "$contacts" "$crmhub_port" "$pg_port" "$bar_seconds" "$bar_rss_mb"

command -v curl >/dev/null || { echo "bench: curl is needed" >&2; exit 2; }
bench_find_pg_clients
bench_init export
bench_crmhub_bin
bench_start_cluster
psql -d postgres -c "DROP DATABASE IF EXISTS crmhub_bench WITH (FORCE)" -c "CREATE DATABASE crmhub_bench" >/dev/null
bench_migrate_crmhub
CRMHUB_LOG_LEVEL=${CRMHUB_LOG_LEVEL:-warning} bench_serve_crmhub "$crmhub_port"
bench_create_org
key=$(admin POST /admin/v1/orgs/bench/api-keys '{"name":"exporter","scopes":["read"]}' | sed -n 's/.*"key":"\([^"]*\)".*/\1/p')
[ -n "$key" ] || die "no API key in the answer"

# ---- seed ---------------------------------------------------------------------------------------------------------
echo "seeding $contacts contacts…" >&2
started=$(date +%s%N)
psql -d crmhub_bench >/dev/null <<SQL
BEGIN;
SELECT set_config('crmhub.org_id', id::text, true) FROM orgs WHERE slug = 'bench';
INSERT INTO customers (org_id, kind, code, type, name, lastname, gender, emails, phones, addresses, tags, custom_fields, channel)
SELECT crmhub_current_org(), 'contact', crmhub_next_code('contact'), g % 7 / 6, 'Người ' || g || ', "Ngọc"', 'Nguyễn', g % 3,
       jsonb_build_array(jsonb_build_object('type', 'work', 'value', 'contact' || g || '@example.vn')),
       jsonb_build_array(jsonb_build_object('type', 'mobile', 'value', '+8490' || lpad(g::text, 7, '0'))),
       '[{"type": "home", "street": "58 Ton That Dam", "city": "Da Nang", "state": "Thanh Khe", "zip": "5100000", "country": {"code": "VN", "name": "Vietnam"}}]',
       ARRAY['bench', 'vip'], '{"Source": "bench"}', 'Web Contact Form'
FROM generate_series(1, $contacts) AS g;
INSERT INTO customer_identities (org_id, series, kind, value, customer_id)
SELECT org_id, 'contact', 'email', emails->0->>'value', id FROM customers WHERE org_id = crmhub_current_org();
COMMIT;
VACUUM ANALYZE customers;
VACUUM ANALYZE customer_identities;
SQL
echo "seeded in $(( ($(date +%s%N) - started) / 1000000 )) ms" >&2

# ---- measurements -------------------------------------------------------------------------------------------------
failed_bars=0
printf '\n%-8s %9s %12s %9s %14s %14s\n' format seconds bytes lines "HWM before MB" "HWM after MB"
for format in ndjson csv; do
  before=$(proc_kb "$crmhub_pid" VmHWM)
  out="$logs/contacts.$format"
  timing=$(curl -sS -o "$out" -w '%{http_code} %{time_total} %{size_download}' \
    -H "Authorization: Bearer $key" "$crmhub_url/api/v1/exports/contacts?format=$format")
  read -r status seconds bytes <<<"$timing"
  [ "$status" = 200 ] || die "export $format answered $status"
  lines=$(wc -l <"$out")
  expected=$contacts
  [ "$format" = csv ] && expected=$((contacts + 1))  # the header row; no cell of these rows holds a line break
  [ "$lines" = "$expected" ] || die "export $format has $lines lines, expected $expected"
  after=$(proc_kb "$crmhub_pid" VmHWM)
  printf '%-8s %9.2f %12d %9d %14.1f %14.1f\n' "$format" "$seconds" "$bytes" "$lines" "$(awk -v k="$before" 'BEGIN {print k / 1024}')" \
    "$(awk -v k="$after" 'BEGIN {print k / 1024}')"
  if awk -v s="$seconds" -v b="$bar_seconds" 'BEGIN {exit !(s > b)}'; then
    echo "FAIL: $format export took ${seconds}s (bar ${bar_seconds}s)"; failed_bars=$((failed_bars + 1))
  fi
  if [ $((after / 1024)) -ge "$bar_rss_mb" ]; then
    echo "FAIL: peak RSS $((after / 1024)) MB (bar $bar_rss_mb MB)"; failed_bars=$((failed_bars + 1))
  fi
  rm -f "$out"
done
echo "RSS now: $(( $(proc_kb "$crmhub_pid" VmRSS) / 1024 )) MB"

printf '\n%-46s %9s %7s\n' "name search (GET /api/v1/contacts)" seconds items
for query in "q=zzz" "q=ngu" "q=ng%C6%B0%E1%BB%9Di%2099999" "email=contact50000@example.vn"; do
  curl -sS -o /dev/null -H "Authorization: Bearer $key" "$crmhub_url/api/v1/contacts?$query"  # warm the plan cache
  seconds=$(curl -sS -o "$logs/search.json" -w '%{time_total}' -H "Authorization: Bearer $key" "$crmhub_url/api/v1/contacts?$query&limit=50")
  items=$( (grep -o '"created_at":' "$logs/search.json" || true) | wc -l)
  printf '%-46s %9.3f %7d\n' "$query" "$seconds" "$items"
done

if [ "$failed_bars" -gt 0 ]; then exit 3; fi
echo "PASS: both exports under ${bar_seconds}s and peak RSS under ${bar_rss_mb} MB"
