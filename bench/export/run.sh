#!/usr/bin/env bash
# Contact export: 100,000 contacts streamed as NDJSON and as CSV through the real release server, with curl.
#
#   bench/export/run.sh
#
# Seeds CONTACTS contacts into one org with one SQL statement (with their email identities), then exports them ROUNDS
# times with GET /api/v1/exports/contacts?format=ndjson and ?format=csv (an org API key with the read scope), and
# prints for each: seconds, contacts/s, bytes, lines, and the server's peak resident memory (VmHWM of
# /proc/<pid>/status) before and after, and the CPU time the export cost crmhub and PostgreSQL (all the cluster's
# processes; /proc/<pid>/stat) per 1,000 contacts: on a shared machine these say where the time goes when the wall
# clock is at the mercy of other work. With BASE_BIN, a second crmhub (e.g. built from an older commit) serves the
# same database on BASE_PORT, and each export is run by both servers in turn (base first), so that the two are
# compared on the same data under the same load; its bytes must equal the measured server's, byte for byte. After
# each round, pgbench reads as many pages with crmhub's statement (bench/export/page.pgbench), one after another on
# one connection: PostgreSQL alone, the database's share (row "pg-alone"; its contacts/s is pages/s × 1,000).
# It also times the read API's name search over the same org (GET /api/v1/contacts?q=…): a prefix that matches
# nothing (every customer of the org is scanned) and one that matches the newest page at once.
#
# Environment (defaults in brackets):
#   CONTACTS [100000]  CRMHUB_PORT [8086]  PG_PORT [54341]  PG_DIR [.data/bench-export-pg]
#   CRMHUB_BIN  a built crmhub to use; else built: swift build -c release --scratch-path $SCRATCH [.build]
#   BAR_SECONDS [60]  each export must finish within this;  BAR_RSS_MB [200]  peak RSS must stay under this
#   ROUNDS [1]  BASE_BIN  BASE_PORT [CRMHUB_PORT + 1]  KEEP_CLUSTER [0]  1: leave the cluster running (EXPLAIN by hand)
#   PG_ALONE [1]  0: no pgbench rows
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
rounds=${ROUNDS:-1}
base_port=${BASE_PORT:-$((crmhub_port + 1))}
[ "${KEEP_CLUSTER:-0}" = 1 ] && stop_cluster=0
bench_check_numbers "CONTACTS, ROUNDS, ports and bars" "$contacts" "$rounds" "$crmhub_port" "$base_port" "$pg_port" "$bar_seconds" "$bar_rss_mb"
[ -z "${BASE_BIN:-}" ] || [ -x "$BASE_BIN" ] || { echo "bench: BASE_BIN $BASE_BIN is not executable" >&2; exit 2; }

command -v curl >/dev/null || { echo "bench: curl is needed" >&2; exit 2; }
bench_find_pg_clients
bench_init export
base_pid=""
trap 'stop_process "$base_pid"; bench_cleanup' EXIT
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
servers=(new)
declare -A url pid
url[new]=$crmhub_url
pid[new]=$crmhub_pid
if [ -n "${BASE_BIN:-}" ]; then
  CRMHUB_HTTP_ADDRESS="127.0.0.1:$base_port" CRMHUB_MIGRATE=false CRMHUB_LOG_LEVEL=${CRMHUB_LOG_LEVEL:-warning} \
    "$BASE_BIN" serve >"$logs/crmhub-base.log" 2>&1 &
  base_pid=$!
  wait_ready "http://127.0.0.1:$base_port/readyz" "$base_pid" "the base crmhub" "$logs/crmhub-base.log"
  servers=(base new)
  url[base]="http://127.0.0.1:$base_port"
  pid[base]=$base_pid
fi

# CPU seconds (user + system) of process PID, and of all the cluster's processes.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{sub(/^.*\) /, ""); print ($12 + $13) / hz}' "/proc/$1/stat"; }
postgres_cpu_seconds() {
  local postmaster total=0 child
  postmaster=$(sed -n 1p "$cluster/data/postmaster.pid")
  # With the time of its children that have exited (pgbench's backend, once it is gone).
  total=$(awk -v hz="$(getconf CLK_TCK)" '{sub(/^.*\) /, ""); print ($12 + $13 + $14 + $15) / hz}' "/proc/$postmaster/stat")
  for child in $(pgrep -P "$postmaster"); do
    total=$(awk -v a="$total" -v b="$(cpu_seconds "$child" 2>/dev/null || echo 0)" 'BEGIN {print a + b}')
  done
  echo "$total"
}

failed_bars=0
printf '\n%-5s %-6s %-8s %8s %11s %11s %8s %14s %14s %16s %16s\n' round server format seconds contacts/s bytes lines \
  "HWM before MB" "HWM after MB" "crmhub CPU ms/k" "postgres ms/k"
for round in $(seq "$rounds"); do
  for format in ndjson csv; do
    for server in "${servers[@]}"; do
      before=$(proc_kb "${pid[$server]}" VmHWM)
      cpu_before=$(cpu_seconds "${pid[$server]}")
      pg_before=$(postgres_cpu_seconds)
      out="$logs/contacts.$server.$format"
      timing=$(curl -sS -o "$out" -w '%{http_code} %{time_total} %{size_download}' \
        -H "Authorization: Bearer $key" "${url[$server]}/api/v1/exports/contacts?format=$format")
      read -r status seconds bytes <<<"$timing"
      [ "$status" = 200 ] || die "export $format by $server answered $status"
      lines=$(wc -l <"$out")
      expected=$contacts
      [ "$format" = csv ] && expected=$((contacts + 1))  # the header row; no cell of these rows holds a line break
      [ "$lines" = "$expected" ] || die "export $format by $server has $lines lines, expected $expected"
      after=$(proc_kb "${pid[$server]}" VmHWM)
      cpu=$(awk -v a="$cpu_before" -v b="$(cpu_seconds "${pid[$server]}")" -v n="$contacts" 'BEGIN {print (b - a) * 1e6 / n}')
      pg_cpu=$(awk -v a="$pg_before" -v b="$(postgres_cpu_seconds)" -v n="$contacts" 'BEGIN {print (b - a) * 1e6 / n}')
      printf '%-5s %-6s %-8s %8.2f %11.0f %11d %8d %14.1f %14.1f %16.1f %16.1f\n' "$round" "$server" "$format" "$seconds" \
        "$(awk -v n="$contacts" -v s="$seconds" 'BEGIN {print n / s}')" "$bytes" "$lines" \
        "$(awk -v k="$before" 'BEGIN {print k / 1024}')" "$(awk -v k="$after" 'BEGIN {print k / 1024}')" "$cpu" "$pg_cpu"
      if awk -v s="$seconds" -v b="$bar_seconds" 'BEGIN {exit !(s > b)}'; then
        echo "FAIL: $format export by $server took ${seconds}s (bar ${bar_seconds}s)"; failed_bars=$((failed_bars + 1))
      fi
      if [ "$server" = new ] && [ $((after / 1024)) -ge "$bar_rss_mb" ]; then
        echo "FAIL: peak RSS $((after / 1024)) MB (bar $bar_rss_mb MB)"; failed_bars=$((failed_bars + 1))
      fi
    done
    if [ -n "${BASE_BIN:-}" ]; then
      cmp -s "$logs/contacts.base.$format" "$logs/contacts.new.$format" || die "the $format exports of base and new differ"
    fi
    rm -f "$logs"/contacts.*."$format"
  done
  if [ "${PG_ALONE:-1}" = 1 ]; then
    read -r org_id first_id last_id < <(psql -d crmhub_bench -Atc "SELECT org_id, min(id), max(id) FROM customers
      WHERE org_id = (SELECT id FROM orgs WHERE slug = 'bench') GROUP BY org_id" | tr '|' ' ')
    pages=$(((contacts + 999) / 1000))
    pg_before=$(postgres_cpu_seconds)
    "$pgbench" -h "$cluster" -p "$pg_port" -U postgres -n -M prepared -c 1 -t "$pages" -D "org=$org_id" -D "lo=$first_id" \
      -D "hi=$((last_id > first_id + 1000 ? last_id - 1000 : first_id))" -f bench/export/page.pgbench crmhub_bench \
      >"$logs/pg-alone-round$round.txt" 2>&1 || { cat "$logs/pg-alone-round$round.txt" >&2; die "pgbench failed"; }
    tps=$(awk '/^tps = / {print $3}' "$logs/pg-alone-round$round.txt")
    sleep 1  # until pgbench's backend has exited and the postmaster has counted its time
    pg_cpu=$(awk -v a="$pg_before" -v b="$(postgres_cpu_seconds)" -v n="$((pages * 1000))" 'BEGIN {print (b - a) * 1e6 / n}')
    printf '%-5s %-6s %-8s %8.2f %11.0f %11s %8d %14s %14s %16s %16.1f\n' "$round" pg-alone pages \
      "$(awk -v p="$pages" -v t="$tps" 'BEGIN {print p / t}')" "$(awk -v t="$tps" 'BEGIN {print t * 1000}')" - \
      "$((pages * 1000))" - - - "$pg_cpu"
  fi
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
