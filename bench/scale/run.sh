#!/usr/bin/env bash
# Cost as data grows: CRMHub's hot paths against the large and the small seeded data sets (bench/scale/seed.sh), in
# the same run and interleaved (large, small, large, small …), with pgbench replaying CRMHub's own ingest
# transactions against the large set in the same rounds.
#
#   bench/scale/seed.sh large && bench/scale/seed.sh small     # once (about 8 minutes for 5,000,000 customers)
#   bench/scale/run.sh                                         # 3 rounds × 5 s × 48 measurements, exports, plans: ~22 min
#   ROUNDS=1 DURATION=2 PATHS="cio_get read_name" bench/scale/run.sh
#
# Each path runs once per round on each size (crmhub serve on each database, both running): PATHS (below) names a
# subset. Per path it prints requests/s (contacts/s for ingest), p50 and p99 (wrk --latency, median of the rounds),
# and the large/small ratio with the 0.8 bar. The ingest paths are also compared with pgbench replaying the
# transaction crmhub sent for the same request on the large set (bench/scale/capture.py; bar 0.85), and the CIOPulse
# GET with pgbench's select of one customer by system id (bar 0.6). Then, on each size: the contact export of the
# largest org (contacts/s, crmhub's peak RSS), one outbox claim, one retention purge batch, and EXPLAIN (ANALYZE,
# BUFFERS) of each hot statement on the large set, written to bench/scale/plans/ (PLANS=0 skips it).
#
# Environment (defaults in brackets):
#   ROUNDS [3]  DURATION [5] seconds  CONNECTIONS [16]  THREADS [2]  PATHS [all]
#   CRMHUB_BIN   a built crmhub to use; else built: swift build -c release --scratch-path $SCRATCH [.build]
#   PG_DIR [.data/bench-scale-pg]  PG_PORT [54411]  LARGE_PORT [18413]  SMALL_PORT [18414] (crmhub on each size)
#   CRMHUB_LOG_LEVEL [info]  (one access-log line per request, as in production)
#   PACE_MS  every connection waits this many ms before each request (wrk's delay()): latency below saturation
#   EXPORT=0 skips the exports (a minute and more on the large set), PLANS=0 the plans, RESEED_SMALL=0 the re-seeding
#
# The databases are migrated (new migrations apply to them). The small one is seeded again at every start; the large
# one never is, so what a run ingests stays in it (a few per cent of it a run). The cluster is started with bench/scale/common.sh's settings and stopped at exit.
# Exit status: 0 every bar met, 3 a bar not met, 1 an invalid run (errors, a failed setup).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
here="$root/bench/scale"
# shellcheck source=bench/lib.sh
source bench/lib.sh
# shellcheck source=bench/scale/common.sh
source bench/scale/common.sh

all_paths="single_new single_dup batch_new batch_dup small_org_single cio_put_new cio_get read_list read_email read_phone
  read_name read_tag read_deep history sirportly_email sirportly_phone spice_email spice_name st_signin st_details requests_admin
  requests_read"
bench_settings
secs=${DURATION:-5}
paths=${PATHS:-$all_paths}
declare -A ports=([large]=${LARGE_PORT:-18413} [small]=${SMALL_PORT:-18414})
sizes=(large small)
bench_check_numbers "ROUNDS, DURATION, CONNECTIONS, THREADS and ports" "$rounds" "$secs" "$conns" "$threads" "$pg_port" \
  "${ports[large]}" "${ports[small]}"
if [ "$threads" -gt 9 ]; then echo "bench: THREADS must be 9 or fewer" >&2; exit 2; fi
for path in $paths; do [[ " ${all_paths//$'\n'/ } " == *" $path "* ]] || { echo "bench: PATHS: unknown path '$path'" >&2; exit 2; }; done
wants_path() { [[ " $paths " == *" $1 "* ]]; }

bench_require_tools
bench_find_pg_clients
bench_init scale
bench_crmhub_bin
export CRMHUB_BIN  # seed.sh uses the same binary
# Every run ingests tens of thousands of contacts, ten times the small set: it is seeded again first (seconds), so
# each run compares the same small set. The large one grows by a few per cent a run (RESEED_SMALL=0 keeps both).
if [ "${RESEED_SMALL:-1}" = 1 ]; then
  KEEP_RUNNING=1 bench/scale/seed.sh small >"$logs/seed-small.log" 2>&1 || { tail -n 20 "$logs/seed-small.log" >&2; die "seeding the small set failed"; }
fi
bench_start_cluster
for size in "${sizes[@]}"; do
  db=$(scale_database "$size")
  [ "$(psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" = 1 ] ||
    die "no database $db: seed it first (bench/scale/seed.sh $size)"
done

# ---- servers and their settings -----------------------------------------------------------------------------------
declare -A pid url lpath spath rkey cio orgn orgbase smallk
st_password=smartertrack-web-service-pass
admin_token=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
serve() {  # SIZE
  local size=$1 db
  db=$(scale_database "$size")
  CRMHUB_DATABASE_URL="${conninfo/dbname=postgres/dbname=$db}" CRMHUB_MIGRATIONS_DIR="$root/sql" \
    CRMHUB_HTTP_ADDRESS="127.0.0.1:${ports[$size]}" CRMHUB_MIGRATE=false CRMHUB_BOOTSTRAP_ADMIN_TOKEN="$admin_token" \
    CRMHUB_LOG_LEVEL="${CRMHUB_LOG_LEVEL:-info}" CRMHUB_DELIVERY_WORKERS="${delivery_workers:-1}" \
    "$CRMHUB_BIN" serve >>"$logs/crmhub-$size.log" 2>&1 &
  pid[$size]=$!
  url[$size]="http://127.0.0.1:${ports[$size]}"
  wait_ready "${url[$size]}/readyz" "${pid[$size]}" "crmhub ($size)" "$logs/crmhub-$size.log"
}
# shellcheck disable=SC2317  # called by the EXIT trap
stop_servers() { for size in "${sizes[@]}"; do stop_process "${pid[$size]:-}"; done; }
trap 'stop_servers; bench_cleanup' EXIT

# The admin API of SIZE's server: prints the body, dies unless 2xx.
admin_on() {  # SIZE METHOD PATH BODY
  crmhub_url=${url[$1]}
  admin "$2" "$3" "$4"
}

# psql on SIZE's database.
dbsql() { local size=$1; shift; psql -d "$(scale_database "$size")" "$@"; }

# The seeded size and first id of each org come from bench_scale_orgs (seed.sql).
org_facts() {  # SIZE K: prints "n base"
  dbsql "$1" -tAF ' ' -c "SELECT n, base FROM bench_scale_orgs WHERE k = $2"
}

for size in "${sizes[@]}"; do
  db=$(scale_database "$size")
  CRMHUB_DATABASE_URL="${conninfo/dbname=postgres/dbname=$db}" CRMHUB_MIGRATIONS_DIR="$root/sql" "$CRMHUB_BIN" migrate \
    >>"$logs/migrate-$size.log" 2>&1 || { cat "$logs/migrate-$size.log" >&2; die "crmhub migrate ($size) failed"; }
  # Statements are logged while the listeners are set up and the ingest transactions captured, then no more.
  [ "$size" = large ] && psql -d postgres -c "ALTER DATABASE $db SET log_statement = 'all'" >/dev/null
  serve "$size"
  smallk[$size]=$(dbsql "$size" -tAc "SELECT max(k) FROM bench_scale_orgs")
  read -r "orgn[$size]" "orgbase[$size]" < <(org_facts "$size" 1)
  big="org-0001"
  small=$(printf 'org-%04d' "${smallk[$size]}")
  listener_body='{"name":"scale-bench","enabled":true,"ip_allowlist":[],"rate_limit_per_minute":null,"welcome_email":{"enabled":false},"welcome_sms":{"enabled":false}}'
  for org in "$big" "$small"; do
    # A run after a run: the listener of the previous one is replaced (its token is not kept).
    old=$(admin_on "$size" GET "/admin/v1/orgs/$org/listeners" '' | grep -o '"id":"[0-9]*","org":"[^"]*","name":"scale-bench"' | cut -d'"' -f4 || true)
    [ -z "$old" ] || admin_on "$size" DELETE "/admin/v1/orgs/$org/listeners/$old" '' >/dev/null
  done
  lpath[$size]=$(admin_on "$size" POST "/admin/v1/orgs/$big/listeners" "$listener_body" | sed -n 's/.*"url_path" *: *"\([^"]*\)".*/\1/p')
  spath[$size]=$(admin_on "$size" POST "/admin/v1/orgs/$small/listeners" "$listener_body" | sed -n 's/.*"url_path" *: *"\([^"]*\)".*/\1/p')
  rkey[$size]=$(admin_on "$size" POST "/admin/v1/orgs/$big/api-keys" '{"name":"scale-bench","scopes":["read"]}' | sed -n 's/.*"key":"\([^"]*\)".*/\1/p')
  admin_on "$size" PUT "/admin/v1/orgs/$big/ciopulse" '{"portal_code":"SCALE1","ip_allowlist":[]}' >/dev/null
  cio_key=$(admin_on "$size" POST "/admin/v1/orgs/$big/ciopulse/api-keys" '{}' | sed -n 's/.*"api_key" *: *"\([A-Za-z0-9]*\)".*/\1/p')
  cio[$size]="Basic $(printf 'SCALE1:%s' "$cio_key" | base64 -w0)"
  admin_on "$size" PUT "/admin/v1/orgs/$big/integrations/sirportly" '{"enabled":true,"ip_allowlist":["127.0.0.1/32"]}' >/dev/null
  admin_on "$size" PUT "/admin/v1/orgs/$big/integrations/spicecsm" \
    '{"enabled":true,"username":"spice","password":"spice-integration-pass"}' >/dev/null
  admin_on "$size" PUT "/admin/v1/orgs/$big/integrations/smartertrack" \
    "{\"enabled\":true,\"password\":\"$st_password\"}" >/dev/null
  [[ "${lpath[$size]}" == /l/* && "${spath[$size]}" == /l/* && -n "${rkey[$size]}" && ${#cio_key} = 40 ]] ||
    die "the $size set-up through the admin API failed ($logs)"
done
sender=owner@org-1.example.com

# ---- the ingest transactions, captured for pgbench --------------------------------------------------------------
post_listener() {  # SIZE PATH BODY: prints the status
  curl -sS -o "$logs/listener-answer.json" -w '%{http_code}' -X POST "${url[$1]}$2" -H 'Content-Type: application/json' -d "$3"
}
contact_json() { printf '{"actionType":"add-contact","data":{"name":"Scale","emails":[{"value":"%s"}],"phones":[{"value":"%s"}]}}' "$1" "$2"; }
capture_nonce=$(date +%s)
one_new=$(contact_json "c$capture_nonce@scale.example.com" "+847111$((capture_nonce % 100000))")
batch_new=$(for i in $(seq 0 99); do contact_json "b$capture_nonce-$i@scale.example.com" "+8479999$(printf "%03d" "$i")"; echo; done | paste -sd, -)
one_dup=$(contact_json "u1@o1.example.com" "+84900000001")
for body in "$one_new" "$batch_new" "$one_dup"; do
  status=$(post_listener large "${lpath[large]}" "{\"senderUser\":\"$sender\",\"data\":[$body]}")
  [ "$status" = 200 ] || { cat "$logs/listener-answer.json" >&2; die "the listener answered $status to a capture request"; }
done
# The dedup answer must say it matched the seeded contact: the replays and the dup measurements rely on it.
grep -q '"matched-existing"' "$logs/listener-answer.json" || { cat "$logs/listener-answer.json" >&2; die "u1@o1.example.com was not matched"; }
psql -d postgres -c "ALTER DATABASE $(scale_database large) RESET log_statement" >/dev/null
sleep 0.5
python3 "$here/capture.py" "$cluster/server.log" "c$capture_nonce@scale" >"$logs/replay-single_new.pgbench"
python3 "$here/capture.py" "$cluster/server.log" "b$capture_nonce-0@scale" >"$logs/replay-batch_new.pgbench"
python3 "$here/capture.py" "$cluster/server.log" "u1@o1.example.com" >"$logs/replay-single_dup.pgbench"
printf '\\set g 100 * random(0, (:n - 100) / 100) + 4 * random(1, 19)\nSELECT * FROM customers WHERE org_id = 1 AND system_id = '"'"'s'"'"' || :g;\n' \
  >"$logs/replay-get_key.pgbench"
# Sessions opened from now on do not log every statement.
stop_process "${pid[large]}"
serve large

# ---- measurements -------------------------------------------------------------------------------------------------
# The large set keeps what earlier runs ingested: this run's number goes into every new identity and system id.
run_tag=$(dbsql large -tAc "CREATE SEQUENCE IF NOT EXISTS bench_scale_runs; SELECT nextval('bench_scale_runs') % 100")
wrk_timeout=${WRK_TIMEOUT:-30s}
error_lines='^CIOPULSE first-bad|bad-statuses'
path_wrk() {  # NAME ROUND SIZE BASEPATH MODE EXPECTED AUTH ORG-K [ARG]
  local name=$1 round=$2 size=$3 base=$4 mode=$5 expected=$6 auth=$7 k=$8 arg=${9:-} n b
  read -r n b < <(org_facts "$size" "$k")
  bench_wrk "${url[$size]}$base" "$here/paths.lua" "$name" "$round" "$secs" "$mode" "$expected" "$auth" "$n" "$k" "$b" "$nonce" "$arg" \
    "$run_tag"
}
spice="intUser=spice&intPass=spice-integration-pass"
st=/integrations/smartertrack/org-0001/provider.asmx
run_one() {  # NAME ROUND
  local path=${1%:*} size=${1#*:} round=$2 read_auth
  read_auth="Bearer ${rkey[$size]}"
  case "$path" in
    single_new) path_wrk "$1" "$round" "$size" "${lpath[$size]}" ingest_new 200 - 1 1 ;;
    single_dup) path_wrk "$1" "$round" "$size" "${lpath[$size]}" ingest_dup 200 - 1 1 ;;
    # wrk's summary counts requests (done() runs where init() never saw the arguments): × 100 contacts each.
    batch_new) path_wrk "$1" "$round" "$size" "${lpath[$size]}" ingest_new 200 - 1 100 | awk '{print $1 * 100, $2}' ;;
    batch_dup) path_wrk "$1" "$round" "$size" "${lpath[$size]}" ingest_dup 200 - 1 100 | awk '{print $1 * 100, $2}' ;;
    small_org_single) path_wrk "$1" "$round" "$size" "${spath[$size]}" ingest_new 200 - "${smallk[$size]}" 1 ;;
    cio_put_new) path_wrk "$1" "$round" "$size" "" ciopulse_new 201 "${cio[$size]}" 1 ;;
    cio_get) path_wrk "$1" "$round" "$size" "" get 200 "${cio[$size]}" 1 "/api/v5/contacts/{s}" ;;
    read_list) path_wrk "$1" "$round" "$size" "" get 200 "$read_auth" 1 "/api/v1/contacts?limit=50" ;;
    read_email) path_wrk "$1" "$round" "$size" "" get 200 "$read_auth" 1 "/api/v1/contacts?email={email}" ;;
    read_phone) path_wrk "$1" "$round" "$size" "" get 200 "$read_auth" 1 "/api/v1/contacts?phone={phone}" ;;
    read_name) path_wrk "$1" "$round" "$size" "" get 200 "$read_auth" 1 "/api/v1/contacts?q=linh&limit=50" ;;
    read_tag) path_wrk "$1" "$round" "$size" "" get 200 "$read_auth" 1 "/api/v1/contacts?tag=vip&limit=50" ;;
    read_deep) path_wrk "$1" "$round" "$size" "" get 200 "$read_auth" 1 "/api/v1/contacts?limit=50&cursor=${deep[$size]}" ;;
    history) path_wrk "$1" "$round" "$size" "" get 200 "$read_auth" 1 "/api/v1/contacts/{id}/history" ;;
    sirportly_email) path_wrk "$1" "$round" "$size" /integrations/sirportly/org-0001 sirportly_email 200 - 1 ;;
    sirportly_phone) path_wrk "$1" "$round" "$size" /integrations/sirportly/org-0001 sirportly_phone 200 - 1 ;;
    spice_email) path_wrk "$1" "$round" "$size" /integrations/spicecsm/org-0001/search spice_email 200 - 1 "$spice" ;;
    spice_name) path_wrk "$1" "$round" "$size" /integrations/spicecsm/org-0001/search spice_name 200 - 1 "$spice" ;;
    st_signin) path_wrk "$1" "$round" "$size" "$st" st_signin 200 - 1 "$st_password" ;;
    st_details) path_wrk "$1" "$round" "$size" "$st" st_details 200 - 1 "$st_password" ;;
    requests_admin) path_wrk "$1" "$round" "$size" "" get 200 "Bearer $admin_token" 1 "/admin/v1/orgs/org-0001/listener-requests?limit=50" ;;
    requests_read) path_wrk "$1" "$round" "$size" "" get 200 "$read_auth" 1 "/api/v1/listener-requests?limit=50" ;;
    pg_single_new | pg_batch_new | pg_single_dup | pg_get_key)
      local rows=1
      [ "$path" = pg_batch_new ] && rows=100
      PGOPTIONS="-c plan_cache_mode=force_generic_plan" bench_pgbench "$1" "$round" "$rows" -M prepared \
        -D n="${orgn[large]}" -f "$logs/replay-${path#pg_}.pgbench" "$(scale_database large)" ;;
  esac
}

# The cursor of a page in the middle of the largest org (its id order), per size.
declare -A deep
for size in "${sizes[@]}"; do
  deep[$size]=$(printf '%s' "$((orgbase[$size] + orgn[$size] / 2))" | base64 | tr '+/' '-_' | tr -d '=')
done

order=()
declare -A pg_of=([single_new]=pg_single_new [batch_new]=pg_batch_new [single_dup]=pg_single_dup [cio_get]=pg_get_key)
for path in $paths; do
  order+=("$path:large" "$path:small")
  if [ -n "${pg_of[$path]:-}" ]; then order+=("${pg_of[$path]}:large"); fi
done
only="${order[*]}"
echo "scale benchmark: $rounds rounds × ${secs}s, $conns connections, $threads threads, interleaved large/small" \
  "($(dbsql large -tAc "SELECT count(*) FROM customers") and $(dbsql small -tAc "SELECT count(*) FROM customers") customers;" \
  "largest org ${orgn[large]} and ${orgn[small]})"
for name in "${order[@]}"; do labels[$name]=$name; done

# One line per measurement and round, as it runs (the measurements are many).
declare -A p50 p99
for round in $(seq "$rounds"); do
  for name in "${order[@]}"; do
    bench_measure "$name" "$round"
    out="$logs/$name-round$round.txt"
    p50[$name,$round]=$(awk '$1 == "50%" {print $2}' "$out" 2>/dev/null || true)
    p99[$name,$round]=$(awk '$1 == "99%" {print $2}' "$out" 2>/dev/null || true)
    printf 'round %d  %-26s %10s /s   p50 %-9s p99 %s\n' "$round" "$name" "${result[$name,$round]}" \
      "${p50[$name,$round]:--}" "${p99[$name,$round]:--}"
  done
done

# ---- report ---------------------------------------------------------------------------------------------------------
# wrk writes latencies as 812.00us, 1.23ms or 2.01s: in milliseconds.
ms() { awk -v t="$1" 'BEGIN { v = t + 0; if (t ~ /us$/) v /= 1000; else if (t ~ /ms$/) v += 0; else if (t ~ /s$/) v *= 1000; printf "%.2f", v }'; }
bench_medians 26 "requests/s; contacts/s for ingest; pgbench: transactions/s × contacts"
echo
echo "latency (ms, median of the rounds)"
declare -A med99
for name in "${order[@]}"; do
  [ -n "${p50[$name,1]:-}" ] || continue
  m50=$(for r in $(seq "$rounds"); do ms "${p50[$name,$r]}"; echo; done | median)
  med99[$name]=$(for r in $(seq "$rounds"); do ms "${p99[$name,$r]}"; echo; done | median)
  printf '  %-26s p50 %8.2f   p99 %8.2f\n' "$name" "$m50" "${med99[$name]}"
done

echo
echo "ratios (median of the per-round ratios)"
ratio_width=44
for path in $paths; do ratio_line "$path:large" "$path:small" 0.8 "$path large / small"; done
wants_path single_new && ratio_line single_new:large pg_single_new:large 0.85 "single_new / PostgreSQL replay"
wants_path batch_new && ratio_line batch_new:large pg_batch_new:large 0.85 "batch_new / PostgreSQL replay"
wants_path single_dup && ratio_line single_dup:large pg_single_dup:large 0.85 "single_dup / PostgreSQL replay"
wants_path cio_get && ratio_line cio_get:large pg_get_key:large 0.6 "cio_get / pgbench select by key"
for path in sirportly_email sirportly_phone spice_email st_signin st_details; do
  wants_path "$path" || continue
  p=${med99[$path:large]:-}
  if awk -v p="$p" 'BEGIN {exit !(p != "" && p < 5)}'; then verdict=PASS; else verdict=FAIL; failed_bars=$((failed_bars + 1)); fi
  verdicts+=("$path p99 < 5 ms at $conns connections${PACE_MS:+ paced $PACE_MS ms} (large): $p ms $verdict")
done
if wants_path read_name; then
  p=${med99[read_name:large]:-}
  if awk -v p="$p" 'BEGIN {exit !(p != "" && p < 50)}'; then verdict=PASS; else verdict=FAIL; failed_bars=$((failed_bars + 1)); fi
  verdicts+=("read_name p99 < 50 ms in the largest org: $p ms $verdict")
fi
total_errors=0
for name in "${order[@]}"; do total_errors=$((total_errors + ${errors[$name]:-0})); done
for size in "${sizes[@]}"; do
  kill -0 "${pid[$size]}" 2>/dev/null || { echo "bench: ERRORS: crmhub ($size) died" >&2; total_errors=$((total_errors + 1)); }
done

# ---- once per size: export, outbox claim, retention purge ---------------------------------------------------------
# One batch of the request log purge as ListenerRequestStore.purgeQuery writes it (30 days, 1,000 rows).
purge_batch="DELETE FROM listener_requests WHERE (org_id, id) IN (
    SELECT org_id, id FROM listener_requests WHERE received_at < now() - make_interval(days => 30)
        ORDER BY received_at LIMIT 1000 FOR UPDATE SKIP LOCKED);"
echo
printf '%-6s %14s %12s %12s %16s %18s\n' size "export s" contacts "contacts/s" "peak RSS MB" "purge 1000 rows ms"
for size in "${sizes[@]}"; do
  [ "${EXPORT:-1}" = 1 ] || { export_rate=0 export_peak=0; break; }
  before=$(proc_kb "${pid[$size]}" VmHWM)
  read -r status seconds < <(curl -sS -o "$logs/export-$size.ndjson" -w '%{http_code} %{time_total}\n' \
    -H "Authorization: Bearer ${rkey[$size]}" "${url[$size]}/api/v1/exports/contacts?format=ndjson")
  lines=$(wc -l <"$logs/export-$size.ndjson")
  rm -f "$logs/export-$size.ndjson"
  [ "$status" = 200 ] || { echo "bench: ERRORS: export ($size) answered $status" >&2; total_errors=$((total_errors + 1)); }
  after=$(proc_kb "${pid[$size]}" VmHWM)
  rate=$(awk -v l="$lines" -v s="$seconds" 'BEGIN {printf "%.0f", l / s}')
  # One purge batch as the retention task runs it, rolled back so that every run purges the same rows.
  purge_ms=$(dbsql "$size" -tA <<SQL | awk '/^Time:/ {t = $2} END {print t}'
BEGIN;
SELECT set_config('role', 'crmhub_app', true), set_config('crmhub.platform', 'on', true) \g /dev/null
\timing on
$purge_batch
\timing off
ROLLBACK;
SQL
)
  printf '%-6s %14s %12s %12s %16s %18s\n' "$size" "$seconds" "$lines" "$rate" "$(mb "$after") (was $(mb "$before"))" "$purge_ms"
  [ "$size" = large ] && export_rate=$rate && export_peak=$after
done
if [ "${EXPORT:-1}" = 0 ]; then verdict="NOT MEASURED (EXPORT=0)"
elif awk -v r="$export_rate" 'BEGIN {exit !(r >= 100000)}'; then verdict=PASS; else verdict=FAIL; failed_bars=$((failed_bars + 1)); fi
verdicts+=("export ≥ 100,000 contacts/s (large, largest org): $export_rate/s, peak RSS $(mb "$export_peak") $verdict")

# ---- plans ----------------------------------------------------------------------------------------------------------
# One request of each path against the large set with every statement logged; each transaction it ran is then run
# again with EXPLAIN (ANALYZE, BUFFERS), each statement planned generically as crmhub's sessions plan it, and rolled
# back (bench/scale/capture.py --explain). The plans go to bench/scale/plans/PATH.txt.
if [ "${PLANS:-1}" = 1 ]; then
  plans="$here/plans"
  mkdir -p "$plans"
  psql -d postgres -c "ALTER DATABASE $(scale_database large) SET log_statement = 'all'" >/dev/null
  # Without the delivery worker, whose transactions every second would mix with each request's.
  stop_process "${pid[large]}"
  delivery_workers=0 serve large
  read_auth="Authorization: Bearer ${rkey[large]}"
  plan() {  # NAME CURL-ARGS…: one request, then the plans of what it ran
    local name=$1 mark
    shift
    mark=$(($(wc -l <"$cluster/server.log") + 1))
    curl -sS -o /dev/null --max-time "${plan_wait:-30}" "$@" || true
    sleep 0.5
    python3 "$here/capture.py" --explain "$cluster/server.log" "$mark" "$name" >"$logs/plan-$name.sql"
    dbsql large -X <"$logs/plan-$name.sql" >"$plans/$name.txt" 2>&1 || true
  }
  listener="${url[large]}${lpath[large]}"
  json=(-H 'Content-Type: application/json')
  plan single_new -X POST "$listener" "${json[@]}" -d "{\"senderUser\":\"$sender\",\"data\":[$(contact_json "plan$capture_nonce@scale.example.com" "+847222$((capture_nonce % 100000))")]}"
  plan single_dup -X POST "$listener" "${json[@]}" -d "{\"senderUser\":\"$sender\",\"data\":[$(contact_json u5@o1.example.com +84900000005)]}"
  plan cio_get -H "Authorization: ${cio[large]}" "${url[large]}/api/v5/contacts/s4"
  plan cio_put_new -X PUT -H "Authorization: ${cio[large]}" "${json[@]}" "${url[large]}/api/v5/contacts/plan$capture_nonce" \
    -d "{\"first_name\":\"Plan\",\"last_name\":\"Test\",\"email\":\"plan$capture_nonce@scale.example.com\"}"
  plan read_list -H "$read_auth" "${url[large]}/api/v1/contacts?limit=50"
  plan read_email -H "$read_auth" "${url[large]}/api/v1/contacts?email=u5%40o1.example.com"
  plan read_phone -H "$read_auth" "${url[large]}/api/v1/contacts?phone=%2B84900000005"
  plan read_name -H "$read_auth" "${url[large]}/api/v1/contacts?q=linh&limit=50"
  plan read_tag -H "$read_auth" "${url[large]}/api/v1/contacts?tag=vip&limit=50"
  plan read_deep -H "$read_auth" "${url[large]}/api/v1/contacts?limit=50&cursor=${deep[large]}"
  plan history -H "$read_auth" "${url[large]}/api/v1/contacts/5/history"
  plan_wait=2 plan export -H "$read_auth" "${url[large]}/api/v1/exports/contacts?format=ndjson"
  plan sirportly_email -X POST "${url[large]}/integrations/sirportly/org-0001" -d "type=email&data=u5%40o1.example.com"
  plan sirportly_phone -X POST "${url[large]}/integrations/sirportly/org-0001" -d "type=phone&data=%2B84900000005"
  plan spice_email -X POST "${url[large]}/integrations/spicecsm/org-0001/search" -d "$spice&PrimaryEmail=u5%40o1.example.com"
  plan spice_name -X POST "${url[large]}/integrations/spicecsm/org-0001/search" -d "$spice&FirstName=Linh&LastName=Nguy%E1%BB%85n"
  soap=(-H 'Content-Type: text/xml; charset=utf-8')
  envelope() {  # METHOD INPUT…: a SmarterTrack SOAP 1.1 body
    local method=$1 inputs=""
    shift
    for input in "$@"; do inputs+="<string>$input</string>"; done
    printf '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><%s xmlns="http://tempuri.org/"><inputs><InputVariables>%s</InputVariables></inputs></%s></soap:Body></soap:Envelope>' \
      "$method" "$inputs" "$method"
  }
  plan st_signin -X POST "${url[large]}$st" "${soap[@]}" -H 'SOAPAction: "http://tempuri.org/GetSignInCookieInfo"' \
    -d "$(envelope GetSignInCookieInfo "AuthPW=$st_password" LoginUsername=user511)"
  plan st_details -X POST "${url[large]}$st" "${soap[@]}" -H 'SOAPAction: "http://tempuri.org/GetUserDetails"' \
    -d "$(envelope GetUserDetails "AuthPW=$st_password" Email=u5@o1.example.com)"
  plan requests_admin -H "Authorization: Bearer $admin_token" "${url[large]}/admin/v1/orgs/org-0001/listener-requests?limit=50"
  plan requests_read -H "$read_auth" "${url[large]}/api/v1/listener-requests?limit=50"
  # The delivery worker's claim and backlog gauge: a server with one worker, for three seconds.
  stop_process "${pid[large]}"
  mark=$(($(wc -l <"$cluster/server.log") + 1))
  serve large
  sleep 3
  python3 "$here/capture.py" --explain "$cluster/server.log" "$mark" outbox_claim delivery >"$logs/plan-outbox_claim.sql"
  dbsql large -X <"$logs/plan-outbox_claim.sql" >"$plans/outbox_claim.txt" 2>&1 || true
  dbsql large -X >"$plans/retention_purge.txt" 2>&1 <<SQL || true
\echo '=== retention_purge: one batch of the request log purge (RequestLogRetention, 30 days)'
BEGIN;
SELECT set_config('role', 'crmhub_app', true), set_config('crmhub.platform', 'on', true) \g /dev/null
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) $purge_batch
ROLLBACK;
SQL
  psql -d postgres -c "ALTER DATABASE $(scale_database large) RESET log_statement" >/dev/null
  echo "plans: $plans" >&2
fi

bench_finish bars "non-2xx or unexpected statuses, socket errors, failed pgbench transactions or a dead server"
