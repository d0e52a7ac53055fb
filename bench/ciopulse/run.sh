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
#   PEER_BIN            [/work/hbpeer/.build/release/HummingbirdPeer]; when absent the reference is built from
#                       PEER_SRC [/work/shared/bench/hummingbird-peer] in .build-bench/hummingbird-peer (10–25
#                       minutes, needs GitHub); PEER_BUILD=0 skips the reference and its bar instead
#   CRMHUB_PORT [8088]  PEER_PORT [8098]  PG_PORT [54341]  PG_DIR [.data/bench-ciopulse-pg]
#   PORTAL_CODE [BENCH1]
#   WRK_TIMEOUT [10s]   a response slower than this is a socket timeout, i.e. an error
#   CRMHUB_LOG_LEVEL [info]  (one access-log line per request, as in production)
#   WARMUP [3] seconds of put_new before the rounds, followed by VACUUM ANALYZE (0: neither)
#   SHARED_BENCH [/work/shared/bench]  (sql/schema.sql of the reference's table)
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

all="pg_upsert put_new peer put_update get_one pg_get"
rounds=${ROUNDS:-3}
secs=${DURATION:-10}
secs=${secs%s}
conns=${CONNECTIONS:-16}
threads=${THREADS:-2}
only=${ONLY:-$all}
ids=${CIOPULSE_IDS:-1000}
crmhub_port=${CRMHUB_PORT:-8088}
peer_port=${PEER_PORT:-8098}
pg_port=${PG_PORT:-54341}
cluster=${PG_DIR:-$root/.data/bench-ciopulse-pg}
scratch=${SCRATCH:-.build}
shared=${SHARED_BENCH:-/work/shared/bench}
peer_src=${PEER_SRC:-$shared/hummingbird-peer}
PEER_BIN=${PEER_BIN:-/work/hbpeer/.build/release/HummingbirdPeer}
portal_code=${PORTAL_CODE:-BENCH1}
warmup=${WARMUP:-3}

case "$warmup" in '' | *[!0-9]*) echo "bench: WARMUP must be a whole number of seconds, got '$warmup'" >&2; exit 2 ;; esac
for value in "$rounds" "$secs" "$conns" "$threads" "$ids" "$crmhub_port" "$peer_port" "$pg_port"; do
  case "$value" in '' | *[!0-9]* | 0) echo "bench: ROUNDS, DURATION, CONNECTIONS, THREADS, CIOPULSE_IDS and ports must be positive whole numbers, got '$value'" >&2; exit 2 ;; esac
done
if [ "$threads" -gt "$conns" ]; then echo "bench: THREADS ($threads) must not exceed CONNECTIONS ($conns)" >&2; exit 2; fi
case "$portal_code" in '' | *[!A-Za-z0-9_-]*) echo "bench: PORTAL_CODE must be letters, digits, '-' or '_'" >&2; exit 2 ;; esac
for name in $only; do
  [[ " $all " == *" $name "* ]] || { echo "bench: ONLY: unknown measurement '$name' ($all)" >&2; exit 2; }
done
wants() { [[ " $only " == *" $1 "* ]]; }
[ -f "$shared/sql/schema.sql" ] || { echo "bench: $shared/sql/schema.sql missing (set SHARED_BENCH)" >&2; exit 2; }

# ---- tools ------------------------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  scripts/setup-deps.sh --test
fi
find_pgbench() {
  local candidate
  candidate=$(ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
  command -v pgbench 2>/dev/null || return 1
}
if ! pgbench=$(find_pgbench); then
  echo "bench: installing postgresql-contrib for pgbench" >&2
  sudo=()
  [ "$(id -u)" = 0 ] || sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-contrib >/dev/null ||
    { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update >/dev/null &&
      "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-contrib >/dev/null; } ||
    { echo "bench: could not install pgbench (postgresql-contrib)" >&2; exit 2; }
  pgbench=$(find_pgbench) || { echo "bench: pgbench still missing after installing postgresql-contrib" >&2; exit 2; }
fi
psql_bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/psql | sort -V | tail -n 1)")/psql

logs=$(mktemp -d "${TMPDIR:-/tmp}/crmhub-bench-ciopulse.XXXXXX")
crmhub_pid=""
peer_pid=""
stop_process() {
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  local code=$?
  trap - EXIT INT TERM
  stop_process "$crmhub_pid"
  stop_process "$peer_pid"
  scripts/pg-cluster.sh stop "$cluster" >/dev/null 2>&1 || true
  echo "logs: $logs" >&2
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
die() { echo "bench: $*" >&2; exit 1; }

# ---- binaries ---------------------------------------------------------------------------------------------------
# crmhub is always needed: the contacts of the rounds are created through it, even when only pgbench is measured.
if [ -z "${CRMHUB_BIN:-}" ]; then
  echo "building crmhub (release, scratch path $scratch)…" >&2
  swift build -c release --scratch-path "$scratch" --product crmhub >"$logs/crmhub-build.log" 2>&1 ||
    { tail -n 30 "$logs/crmhub-build.log" >&2; die "crmhub build failed ($logs/crmhub-build.log)"; }
  CRMHUB_BIN=$(swift build -c release --scratch-path "$scratch" --show-bin-path)/crmhub
fi
[ -x "$CRMHUB_BIN" ] || die "no crmhub binary at $CRMHUB_BIN"
peer_note=""
if wants peer && [ ! -x "$PEER_BIN" ]; then
  peer_dir="$root/.build-bench/hummingbird-peer"
  if [ -x "$peer_dir/.build/release/HummingbirdPeer" ]; then
    PEER_BIN="$peer_dir/.build/release/HummingbirdPeer"
  elif [ "${PEER_BUILD:-1}" = 0 ]; then
    peer_note="no reference binary at $PEER_BIN and PEER_BUILD=0"
  elif [ ! -f "$peer_src/Package.swift" ]; then
    peer_note="no reference binary at $PEER_BIN and no package in $peer_src"
  else
    echo "building the Hummingbird reference in .build-bench/hummingbird-peer (10–25 minutes the first time)…" >&2
    mkdir -p "$peer_dir"
    cp -R "$peer_src/." "$peer_dir/"
    chmod -R u+w "$peer_dir"  # the source is read-only
    if (cd "$peer_dir" && swift build -c release) >"$logs/peer-build.log" 2>&1; then
      PEER_BIN="$peer_dir/.build/release/HummingbirdPeer"
    else
      tail -n 20 "$logs/peer-build.log" >&2
      peer_note="the reference did not build ($logs/peer-build.log; it fetches its packages from GitHub)"
    fi
  fi
  if [ -n "$peer_note" ]; then
    echo "bench: SKIPPING the Hummingbird reference: $peer_note; the put_new/peer bar will not be measured" >&2
    only=${only/peer/}
  fi
fi

# ---- database ---------------------------------------------------------------------------------------------------
# Restarted, so that this run's settings hold even if a previous run was killed and left the cluster up.
scripts/pg-cluster.sh stop "$cluster" >/dev/null 2>&1 || true
# PG_PORT is inside Linux's ephemeral port range (32768-60999): a client socket of anything else on the machine can
# hold it (up to 60 s in TIME_WAIT), so a failed start is retried for 75 s.
conninfo=""
for attempt in $(seq 25); do
  if conninfo=$(env -u PG_FAST PG_LISTEN=127.0.0.1 scripts/pg-cluster.sh start "$cluster" "$pg_port" 2>"$logs/pg-start.log"); then break; fi
  conninfo=""
  echo "bench: the cluster did not start (attempt $attempt; port $pg_port busy?), retrying in 3 s" >&2
  sleep 3
done
[ -n "$conninfo" ] || { tail -n 5 "$logs/pg-start.log" >&2; die "the cluster in $cluster did not start on port $pg_port"; }
read -r _ pg_port_running _ < <(scripts/pg-cluster.sh status "$cluster")
[ "$pg_port_running" = "$pg_port" ] || die "the cluster runs on port $pg_port_running, not $pg_port"
cluster=$(cd "$cluster" && pwd)
psql() { PGOPTIONS="-c client_min_messages=warning" "$psql_bin" -X -q -v ON_ERROR_STOP=1 -h "$cluster" -p "$pg_port" -U postgres "$@"; }
durability=$(psql -d postgres -tAc "SELECT current_setting('fsync') || ' ' || current_setting('synchronous_commit') || ' ' || current_setting('full_page_writes')")
[ "$durability" = "on on on" ] || die "the cluster is not durable (fsync synchronous_commit full_page_writes: $durability)"
for db in crmhub_bench peer_bench; do
  psql -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
done
psql -d peer_bench -f "$shared/sql/schema.sql" >/dev/null
pg_version=$(psql -d postgres -tAc "SHOW server_version")

# ---- servers ----------------------------------------------------------------------------------------------------
wait_ready() {  # URL PID NAME LOG
  for _ in $(seq 300); do
    curl -fsS -o /dev/null --max-time 1 "$1" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || { tail -n 20 "$4" >&2; die "$3 exited before answering"; }
    sleep 0.1
  done
  tail -n 20 "$4" >&2; die "$3 did not answer $1 within 30 s"
}
admin_token=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
export CRMHUB_DATABASE_URL="${conninfo/dbname=postgres/dbname=crmhub_bench}"
export CRMHUB_MIGRATIONS_DIR="$root/sql"
"$CRMHUB_BIN" migrate >"$logs/crmhub-migrate.log" 2>&1 || { cat "$logs/crmhub-migrate.log" >&2; die "crmhub migrate failed"; }
# pgbench's table lives in crmhub's database, next to crmhub's own tables (after the migrations: they expect an
# empty database).
psql -d crmhub_bench -v ids="$ids" -f "$here/schema.sql" >/dev/null
CRMHUB_HTTP_ADDRESS="127.0.0.1:$crmhub_port" CRMHUB_MIGRATE=false CRMHUB_BOOTSTRAP_ADMIN_TOKEN="$admin_token" \
  CRMHUB_LOG_LEVEL="${CRMHUB_LOG_LEVEL:-info}" "$CRMHUB_BIN" serve >"$logs/crmhub.log" 2>&1 &
crmhub_pid=$!
crmhub_url="http://127.0.0.1:$crmhub_port"
wait_ready "$crmhub_url/readyz" "$crmhub_pid" crmhub "$logs/crmhub.log"

admin() {  # METHOD PATH BODY: prints the response body, dies unless 2xx
  local status
  status=$(curl -sS -o "$logs/admin-response.json" -w '%{http_code}' -X "$1" "$crmhub_url$2" \
    -H "Authorization: Bearer $admin_token" -H 'Content-Type: application/json' -d "$3") || die "admin $1 $2: curl failed"
  case "$status" in 2??) cat "$logs/admin-response.json" ;; *) cat "$logs/admin-response.json" >&2; echo >&2; die "admin $1 $2 answered $status" ;; esac
}
admin POST /admin/v1/orgs \
  '{"slug":"bench","name":"Bench","timezone":"UTC","owner":{"email":"bench@example.com","display_name":"Bench"}}' >"$logs/org.json"
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

if wants peer; then
  PEER_DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/peer_bench" "$PEER_BIN" "$peer_port" >"$logs/peer.log" 2>&1 &
  peer_pid=$!
  peer_url="http://127.0.0.1:$peer_port"
  wait_ready "$peer_url/healthz" "$peer_pid" "the reference" "$logs/peer.log"
  peer_smoke=$(curl -sS -o "$logs/peer-smoke.txt" -w '%{http_code}' -X POST "$peer_url/contacts" -H 'Content-Type: application/json' \
    -d '{"name":"Bench","email":"smoke@example.com","phone":"+84905000001"}') || die "the reference's POST /contacts failed"
  [ "$peer_smoke" = 201 ] || { cat "$logs/peer-smoke.txt" >&2; die "the reference's POST /contacts answered $peer_smoke, not 201 (PEER_DATABASE_URL?)"; }
fi

# ---- measurements -----------------------------------------------------------------------------------------------
# Each prints "requests/s errors" on stdout; the raw output is kept in the log folder.
nonce=0
wrk_timeout=${WRK_TIMEOUT:-10s}
run_pgbench() {  # SCRIPT NAME ROUND
  local out="$logs/$2-round$3.txt"
  "$pgbench" -h "$cluster" -p "$pg_port" -U postgres -n -c "$conns" -j "$threads" -T "$secs" -D ids="$ids" \
    -f "$here/$1" crmhub_bench >"$out" 2>&1 || { cat "$out" >&2; echo "0 1"; return 0; }
  awk '
    /^tps = / { tps = $3 }
    /number of failed transactions:/ { failed += $5 }
    /^(client|pgbench).*(error|ERROR|aborted)/ { failed += 1 }
    END { if (tps == "") failed += 1; printf "%.0f %d\n", tps, failed }' "$out"
}
run_wrk() {  # URL SCRIPT NAME ROUND SECONDS ARGS…
  local url=$1 script=$2 out="$logs/$3-round$4.txt" duration=$5
  shift 5
  wrk -t"$threads" -c"$conns" -d"${duration}s" --timeout "$wrk_timeout" --latency -s "$script" "$url" -- "$@" >"$out" 2>&1 ||
    { cat "$out" >&2; echo "0 1"; return 0; }
  awk '
    /^(CIOPULSE|INGEST) requests=/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } seen = 1 }
    /Socket errors/ { for (i = 3; i <= NF; i++) { gsub(/,/, "", $i); if ($i ~ /^[0-9]+$/) socket += $i } }
    END {
      if (!seen || v["duration_us"] == 0) { print "0 1"; exit }
      printf "%.0f %d\n", v["ok"] / (v["duration_us"] / 1e6), v["bad"] + socket
    }' "$out"
}
declare -A result errors
measure() {  # NAME ROUND
  local name=$1 round=$2 value=0 bad=0
  nonce=$((nonce + 1))  # here, not in run_wrk: that runs in a subshell
  case "$name" in
    pg_upsert) read -r value bad < <(run_pgbench upsert.pgbench pg_upsert "$round") ;;
    pg_get) read -r value bad < <(run_pgbench get.pgbench pg_get "$round") ;;
    put_new) read -r value bad < <(run_wrk "$crmhub_url" "$here/contacts.lua" put_new "$round" "$secs" new "$nonce" "$auth" "$ids") ;;
    put_update) read -r value bad < <(run_wrk "$crmhub_url" "$here/contacts.lua" put_update "$round" "$secs" update "$nonce" "$auth" "$ids") ;;
    get_one) read -r value bad < <(run_wrk "$crmhub_url" "$here/contacts.lua" get_one "$round" "$secs" get "$nonce" "$auth" "$ids") ;;
    peer) read -r value bad < <(run_wrk "$peer_url/contacts" "$root/bench/ingest/peer_contacts.lua" peer "$round" "$secs" "$nonce") ;;
  esac
  result[$name,$round]=$value
  errors[$name]=$(( ${errors[$name]:-0} + bad ))
  if [ "$bad" != 0 ]; then
    echo "bench: ERRORS: $bad in $name round $round — see $logs/$name-round$round.txt" >&2
    grep -h -E '^(CIOPULSE|INGEST) (bad-statuses|first-bad)|Socket errors|Non-2xx' "$logs/$name-round$round.txt" >&2 || true
  fi
}

# Warm-up, not measured: some creates, then ANALYZE, so that both sides run on tables with planner statistics, as a
# production database has. WARMUP=0 skips both.
if [ "$warmup" != 0 ]; then
  if [ "$api" = 1 ]; then
    read -r _ bad < <(run_wrk "$crmhub_url" "$here/contacts.lua" warmup 0 "$warmup" new 0 "$auth" "$ids")
    if [ "$bad" != 0 ]; then
      grep -h -E '^CIOPULSE (bad-statuses|first-bad)|Socket errors' "$logs/warmup-round0.txt" >&2 || true
      die "the warm-up had $bad errors ($logs/warmup-round0.txt)"
    fi
  fi
  for db in crmhub_bench peer_bench; do psql -d "$db" -c "VACUUM ANALYZE" >/dev/null; done
  psql -d postgres -c "CHECKPOINT" >/dev/null
fi

order=(pg_upsert put_new peer put_update get_one pg_get)
label() {
  case "$1" in
    pg_upsert) echo "pgbench upsert (new contact)" ;; put_new) echo "crmhub PUT new contact (201)" ;;
    peer) echo "reference POST /contacts" ;; put_update) echo "crmhub PUT update (200)" ;;
    get_one) echo "crmhub GET contact (200)" ;; pg_get) echo "pgbench SELECT by system id" ;;
  esac
}
echo "ciopulse benchmark: $rounds rounds × ${secs}s, $conns connections, $threads threads, interleaved ($(echo $only));" \
  "$ids contacts for put_update/get_one; PostgreSQL $pg_version durable (fsync on);" \
  "$(if [ "$warmup" = 0 ]; then echo "no warm-up, no ANALYZE"; elif [ "$api" = 1 ]; then echo "warm-up ${warmup}s + ANALYZE"; else echo "ANALYZE"; fi)"
printf '%-6s' round
for name in "${order[@]}"; do if wants "$name"; then printf ' %11s' "$name"; fi; done
echo "   (requests/s)"
for round in $(seq "$rounds"); do
  for name in "${order[@]}"; do
    if wants "$name"; then measure "$name" "$round"; fi
  done
  printf '%-6s' "$round"
  for name in "${order[@]}"; do if wants "$name"; then printf ' %11s' "${result[$name,$round]}"; fi; done
  echo
done

# ---- report -----------------------------------------------------------------------------------------------------
median() { sort -g | awk '{a[NR] = $1} END {if (NR == 0) print 0; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
declare -A med
echo
echo "medians (requests/s)"
total_errors=0
for name in "${order[@]}"; do
  wants "$name" || continue
  values=()
  for round in $(seq "$rounds"); do values+=("${result[$name,$round]}"); done
  med[$name]=$(printf '%s\n' "${values[@]}" | median)
  e=${errors[$name]:-0}
  total_errors=$((total_errors + e))
  printf '  %-30s %10.0f   runs: %s%s\n' "$(label "$name")" "${med[$name]}" "${values[*]}" \
    "$([ "$e" = 0 ] || echo "   ERRORS: $e")"
done

# A ratio is the median of the per-round ratios: each round's two figures were measured a few seconds apart.
verdicts=()
failed_bars=0
ratio_line() {  # A B BAR(or -) TEXT
  local a=$1 b=$2 bar=$3 text=$4 per=() r m verdict=""
  if ! wants "$a" || ! wants "$b"; then
    [ "$bar" = - ] || verdicts+=("$text: NOT MEASURED${peer_note:+ ($peer_note)}")
    return
  fi
  for round in $(seq "$rounds"); do
    per+=("$(awk -v x="${result[$a,$round]}" -v y="${result[$b,$round]}" 'BEGIN {printf "%.3f", (y > 0) ? x / y : 0}')")
  done
  m=$(printf '%s\n' "${per[@]}" | median)
  r=$(awk -v x="${med[$a]}" -v y="${med[$b]}" 'BEGIN {printf "%.3f", (y > 0) ? x / y : 0}')
  if [ "$bar" != - ]; then
    if awk -v m="$m" -v bar="$bar" 'BEGIN {exit !(m >= bar)}'; then verdict=PASS; else verdict=FAIL; failed_bars=$((failed_bars + 1)); fi
    verdicts+=("$text ≥ $bar: $(printf '%.2f' "$m") $verdict")
    verdict="  bar ≥ $bar  $verdict"
  fi
  printf '  %-26s %6.2f  (per round: %s; ratio of medians %.2f)%s\n' "$text" "$m" "${per[*]}" "$r" "$verdict"
}
echo
echo "ratios (median of the per-round ratios)"
ratio_line put_new peer 1.0 "put_new / peer"
ratio_line put_update peer - "put_update / peer"
ratio_line put_new pg_upsert - "put_new / pg_upsert"
ratio_line get_one pg_get - "get_one / pg_get"

for pair in "crmhub:$crmhub_pid" "the reference:$peer_pid"; do
  pid=${pair##*:}
  if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
    echo "bench: ERRORS: ${pair%:*} died during the run (see $logs)" >&2
    total_errors=$((total_errors + 1))
  fi
done

echo
# Every 201 must be a new row: fewer rows means creates were lost or merged. A few more are expected: when wrk stops,
# up to CONNECTIONS requests per run are in flight and the server still completes them, unanswered.
check_stored() {  # WHO STORED EXPECTED SLACK
  if [ "$2" -ge "$3" ] && [ "$2" -le $(($3 + $4)) ]; then
    echo "contacts stored by $1: $2 (answered with success: $3; completed after wrk stopped: $(($2 - $3)), at most $4)"
  else
    echo "bench: MISMATCH: $1 stored $2 contacts but answered success for $3 (up to $4 more could be in flight)" >&2
    total_errors=$((total_errors + 1))
  fi
}
answered() {  # FILE: successful answers in one wrk run
  awk '/^(CIOPULSE|INGEST) requests=/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } } END { print v["ok"] + 0 }' "$1"
}
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
if wants peer; then  # its rows are the emails w<nonce>-<thread>-<n>
  expected=0
  for round in $(seq "$rounds"); do expected=$((expected + $(answered "$logs/peer-round$round.txt"))); done
  check_stored "the reference" "$(psql -d peer_bench -tAc "SELECT count(*) FROM peer_contacts WHERE email LIKE 'w%'")" \
    "$expected" $((rounds * conns))
fi

echo
echo "bar"
printf '  %s\n' "${verdicts[@]}"
if [ "$total_errors" != 0 ]; then
  echo
  echo "!!! INVALID RUN: $total_errors errors (unexpected statuses, socket errors, failed transactions, a dead server or a count mismatch)." >&2
  echo "!!! The figures above are not a result. Raw outputs: $logs" >&2
  exit 1
fi
[ "$failed_bars" = 0 ] || exit 3
