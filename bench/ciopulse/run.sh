#!/usr/bin/env bash
# The CIOPulse-compatible Contacts API through the real server, against the same work done by pgbench in SQL and
# against the Hummingbird + PostgresNIO reference, measured in the same run and interleaved so that this noisy disk
# and CPU hit every measurement alike.
#
#   bench/ciopulse/run.sh
#   ROUNDS=1 DURATION=5 bench/ciopulse/run.sh     # a quick check
#
# Each round runs, in this order (DURATION seconds each, CONNECTIONS connections):
#   pg_upsert   pgbench, one INSERT … ON CONFLICT (org_id, system_id) DO UPDATE, a new contact each time
#               (bench/ciopulse/upsert.pgbench on the table of bench/ciopulse/schema.sql)
#   put_new     crmhub, PUT /api/v5/contacts/{new system id} with a new email: expected 201 (contacts.lua new)
#   peer        Hummingbird + PostgresNIO reference, POST /contacts (bench/ingest/peer_contacts.lua)
#   put_update  crmhub, PUT /api/v5/contacts/s<k> (one of CIOPULSE_IDS contacts) with a new job_title: expected 200
#   get_one     crmhub, GET /api/v5/contacts/s<k>: expected 200 (contacts.lua get)
#   pg_get      pgbench, the SELECT of one contact by system id (bench/ciopulse/get.pgbench)
# and prints requests/second for each, per round and the median, then the ratios put_new/peer (bar ≥ 1.0,
# PASS/FAIL), put_update/peer, put_new/pg_upsert and get_one/pg_get. Only the expected status counts; any other
# status, socket error or failed pgbench transaction is an error, printed loudly, and makes the run INVALID. At the
# end the contacts in the database are counted against the 201 answers.
#
# Environment (defaults in brackets):
#   ROUNDS [3]  DURATION [10] seconds  CONNECTIONS [16]  THREADS [2] (wrk -t and pgbench -j)
#   ONLY ["pg_upsert put_new peer put_update get_one pg_get"]  a subset of the measurements to run
#   CIOPULSE_IDS [1000]  contacts s1..sN created before the rounds, which put_update and get_one (and pg_get) use
#   CRMHUB_BIN          a built crmhub to use; else built: swift build -c release --scratch-path $SCRATCH [.build]
#   PEER_BIN            [.build-bench/hummingbird-peer/.build/release/HummingbirdPeer]; when absent it is built from
#                       PEER_SRC [../shared/bench/hummingbird-peer] in .build-bench/hummingbird-peer (10–25
#                       minutes, needs GitHub); PEER_BUILD=0 skips the reference and its bar instead
#   CRMHUB_PORT [8088]  PEER_PORT [8098]  PG_PORT [54341]  PG_DIR [.data/bench-ciopulse-pg]
#   PORTAL_CODE [BENCH1]
#   WRK_TIMEOUT [10s]   a response slower than this is a socket timeout, i.e. an error
#   CRMHUB_LOG_LEVEL [info]  (one access-log line per request, as in production)
#   WARMUP [3] seconds of put_new before the rounds, followed by VACUUM ANALYZE (0: neither)
#   SHARED_BENCH [../shared/bench]  (sql/schema.sql of the reference's table)
#
# The cluster is durable (fsync and synchronous_commit on; PG_FAST is ignored), listens on its socket in PG_DIR and
# on 127.0.0.1:PG_PORT (the reference speaks TCP only). Databases crmhub_bench (crmhub, and pgbench's table
# bench_ciopulse_contacts) and peer_bench (the reference) are dropped and created again at every start. Everything
# started here is stopped at exit, the cluster included. Logs and raw outputs stay in a folder printed at the end.
#
# Exit status: 0 the bar met, 3 the bar not met, 1 an invalid run (errors, a failed setup).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
here="$root/bench/ciopulse"
# shellcheck source=bench/lib.sh
source bench/lib.sh

all="pg_upsert put_new peer put_update get_one pg_get"
bench_settings  # rounds secs conns threads warmup scratch shared peer_src PEER_BIN
only=${ONLY:-$all}
ids=${CIOPULSE_IDS:-1000}
crmhub_port=${CRMHUB_PORT:-8088}
peer_port=${PEER_PORT:-8098}
pg_port=${PG_PORT:-54341}
cluster=${PG_DIR:-$root/.data/bench-ciopulse-pg}
portal_code=${PORTAL_CODE:-BENCH1}

bench_check_numbers "ROUNDS, DURATION, CONNECTIONS, THREADS, CIOPULSE_IDS and ports" \
  "$rounds" "$secs" "$conns" "$threads" "$ids" "$crmhub_port" "$peer_port" "$pg_port"
if [ "$threads" -gt "$conns" ]; then echo "bench: THREADS ($threads) must not exceed CONNECTIONS ($conns)" >&2; exit 2; fi
case "$portal_code" in '' | *[!A-Za-z0-9_-]*) echo "bench: PORTAL_CODE must be letters, digits, '-' or '_'" >&2; exit 2 ;; esac
bench_check_only "$all"
[ -f "$shared/sql/schema.sql" ] || { echo "bench: $shared/sql/schema.sql missing (set SHARED_BENCH)" >&2; exit 2; }

# ---- tools, binaries, database ----------------------------------------------------------------------------------
bench_require_tools
bench_find_pg_clients
bench_init ciopulse  # the log folder; everything started from here on is stopped at exit
# crmhub is always needed: the contacts of the rounds are created through it, even when only pgbench is measured.
bench_crmhub_bin
bench_peer_bin put_new/peer
bench_start_cluster
bench_fresh_databases

# ---- servers ----------------------------------------------------------------------------------------------------
bench_migrate_crmhub
# pgbench's table lives in crmhub's database, next to crmhub's own tables (after the migrations: they expect an
# empty database).
psql -d crmhub_bench -v ids="$ids" <"$here/schema.sql" >/dev/null
bench_serve_crmhub "$crmhub_port"
bench_create_org
admin PUT /admin/v1/orgs/bench/ciopulse "{\"portal_code\":\"$portal_code\",\"ip_allowlist\":[]}" >"$logs/portal.json"
admin POST /admin/v1/orgs/bench/ciopulse/api-keys '{}' >"$logs/api-key.json"
api_key=$(sed -n 's/.*"api_key" *: *"\([A-Za-z0-9]*\)".*/\1/p' "$logs/api-key.json")
[ "${#api_key}" = 40 ] || { cat "$logs/api-key.json" >&2; echo >&2; die "no 40-character api_key in the key created"; }
auth="Basic $(printf '%s:%s' "$portal_code" "$api_key" | base64 -w0)"

# Without a crmhub measurement (ONLY="pg_upsert peer pg_get") the Contacts API is not called at all.
api=0
for name in put_new put_update get_one; do if wants "$name"; then api=1; fi; done

# A few requests by hand first: an endpoint that does not answer as documented makes every measurement meaningless.
contact_call() {  # METHOD SYSTEM-ID [BODY] [AUTHORIZATION]: prints the status; the body goes to $logs/call.json
  local args=(-sS -o "$logs/call.json" -w '%{http_code}' -X "$1" "$crmhub_url/api/v5/contacts/$2" -H "Authorization: ${4:-$auth}")
  [ -z "${3:-}" ] || args+=(-H 'Content-Type: application/json' -d "$3")
  curl "${args[@]}" || die "$1 /api/v5/contacts/$2: curl failed"
}
expect_call() {  # STATUS METHOD SYSTEM-ID [BODY] [AUTHORIZATION]
  local want=$1 status
  shift
  status=$(contact_call "$@")
  if [ "$status" != "$want" ]; then
    cat "$logs/call.json" >&2; echo >&2
    die "$1 /api/v5/contacts/$2 answered $status, not $want (is the CIOPulse Contacts API in this build?)"
  fi
}
if [ "$api" = 1 ]; then
  expect_call 201 PUT smoke '{"first_name":"Smoke","last_name":"Test","email":"smoke@example.com","mobile":"+61411112233"}'
  expect_call 200 PUT smoke '{"job_title":"Smoke tester"}'
  expect_call 200 GET smoke
  grep -q 'smoke@example.com' "$logs/call.json" || { cat "$logs/call.json" >&2; echo >&2; die "GET /api/v5/contacts/smoke does not show its email"; }
  grep -q 'Smoke tester' "$logs/call.json" || { cat "$logs/call.json" >&2; echo >&2; die "GET /api/v5/contacts/smoke does not show the job_title just set"; }
  # The measurements must pay for authentication: a wrong key has to be refused.
  expect_call 401 GET smoke "" "Basic $(printf '%s:%s' "$portal_code" "${api_key%?}X" | base64 -w0)"

  # The contacts s1..sN of put_update and get_one, created through the API by one curl (a config file with one
  # block per contact, separated by `next`; CONNECTIONS keep-alive connections at once); every one must answer 201.
  seed_config="$logs/seed.curl"
  for k in $(seq "$ids"); do
    [ "$k" = 1 ] || echo next
    printf 'url = "%s/api/v5/contacts/s%d"\nrequest = "PUT"\nheader = "Authorization: %s"\nheader = "Content-Type: application/json"\n' \
      "$crmhub_url" "$k" "$auth"
    printf 'data = "{\\"first_name\\":\\"Bench\\",\\"last_name\\":\\"Test\\",\\"email\\":\\"s%d@example.com\\",\\"mobile\\":\\"+61411112233\\"}"\n' "$k"
    printf 'output = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n'
  done >"$seed_config"
  curl -sS --parallel --parallel-max "$conns" -K "$seed_config" >"$logs/seed-statuses.txt" 2>"$logs/seed-curl.log" ||
    { tail -n 5 "$logs/seed-curl.log" >&2; die "seeding s1..s$ids: curl failed"; }
  seeded=$(grep -c '^201$' "$logs/seed-statuses.txt" || true)
  [ "$seeded" = "$ids" ] || { sort "$logs/seed-statuses.txt" | uniq -c >&2; die "seeding s1..s$ids: $seeded of $ids answered 201"; }
fi

if wants peer; then bench_start_peer "$peer_port"; fi

# ---- measurements -----------------------------------------------------------------------------------------------
# Each prints "requests/s errors" on stdout; the raw output is kept in the log folder.
wrk_timeout=${WRK_TIMEOUT:-10s}
error_lines='^(CIOPULSE|INGEST) (bad-statuses|first-bad)|Socket errors|Non-2xx'
run_one() {  # NAME ROUND
  case "$1" in
    pg_upsert) bench_pgbench pg_upsert "$2" 1 -D ids="$ids" -f "$here/upsert.pgbench" crmhub_bench ;;
    pg_get) bench_pgbench pg_get "$2" 1 -D ids="$ids" -f "$here/get.pgbench" crmhub_bench ;;
    put_new) bench_wrk "$crmhub_url" "$here/contacts.lua" put_new "$2" "$secs" new "$nonce" "$auth" "$ids" ;;
    put_update) bench_wrk "$crmhub_url" "$here/contacts.lua" put_update "$2" "$secs" update "$nonce" "$auth" "$ids" ;;
    get_one) bench_wrk "$crmhub_url" "$here/contacts.lua" get_one "$2" "$secs" get "$nonce" "$auth" "$ids" ;;
    peer) bench_wrk "$peer_url/contacts" "$root/bench/ingest/peer_contacts.lua" peer "$2" "$secs" "$nonce" ;;
  esac
}

# Warm-up, not measured: some creates, then ANALYZE, so that both sides run on tables with planner statistics, as a
# production database has. WARMUP=0 skips both.
if [ "$warmup" != 0 ]; then
  if [ "$api" = 1 ]; then
    read -r _ bad < <(bench_wrk "$crmhub_url" "$here/contacts.lua" warmup 0 "$warmup" new 0 "$auth" "$ids")
    if [ "$bad" != 0 ]; then
      grep -h -E '^CIOPULSE (bad-statuses|first-bad)|Socket errors' "$logs/warmup-round0.txt" >&2 || true
      die "the warm-up had $bad errors ($logs/warmup-round0.txt)"
    fi
  fi
  bench_analyze
fi

order=(pg_upsert put_new peer put_update get_one pg_get)
labels=([pg_upsert]="pgbench upsert (new contact)" [put_new]="crmhub PUT new contact (201)"
  [peer]="reference POST /contacts" [put_update]="crmhub PUT update (200)" [get_one]="crmhub GET contact (200)"
  [pg_get]="pgbench SELECT by system id")
echo "ciopulse benchmark: $rounds rounds × ${secs}s, $conns connections, $threads threads, interleaved ($(echo $only));" \
  "$ids contacts for put_update/get_one; PostgreSQL $pg_version durable (fsync on);" \
  "$(if [ "$warmup" = 0 ]; then echo "no warm-up, no ANALYZE"; elif [ "$api" = 1 ]; then echo "warm-up ${warmup}s + ANALYZE"; else echo "ANALYZE"; fi)"
bench_rounds 11 requests/s

# ---- report -----------------------------------------------------------------------------------------------------
bench_medians 30 requests/s

# A ratio is the median of the per-round ratios: each round's two figures were measured a few seconds apart.
echo
echo "ratios (median of the per-round ratios)"
ratio_width=26
ratio_line put_new peer 1.0 "put_new / peer"
ratio_line put_update peer - "put_update / peer"
ratio_line put_new pg_upsert - "put_new / pg_upsert"
ratio_line get_one pg_get - "get_one / pg_get"

bench_check_alive

echo
# Every 201 must be a new row: fewer rows means creates were lost or merged. A few more are expected: when wrk stops,
# up to CONNECTIONS requests per run are in flight and the server still completes them, unanswered.
if [ "$api" = 1 ]; then
  expected=0 slack=0
  if [ -f "$logs/warmup-round0.txt" ]; then expected=$(answered "$logs/warmup-round0.txt"); slack=$conns; fi
  if wants put_new; then
    for round in $(seq "$rounds"); do expected=$((expected + $(answered "$logs/put_new-round$round.txt"))); slack=$((slack + conns)); done
  fi
  check_stored "crmhub (PUT new)" "$(psql -d crmhub_bench -tAc "SELECT count(*) FROM customers WHERE system_id LIKE 'n%'")" "$expected" "$slack"
  # put_update must update, never create: s1..sN stay N contacts.
  check_stored "crmhub (s1..s$ids)" "$(psql -d crmhub_bench -tAc "SELECT count(*) FROM customers WHERE system_id ~ '^s[0-9]+\$'")" "$ids" 0
fi
if wants peer; then bench_check_peer_stored; fi

bench_finish bar "unexpected statuses, socket errors, failed transactions, a dead server or a count mismatch"
