#!/usr/bin/env bash
# Ingestion throughput: add-contact through the real server against the database's own insert limit, measured in
# the same run and interleaved so that this noisy disk and CPU hit every measurement alike.
#
#   bench/ingest/run.sh
#
# Each round runs, in this order (DURATION seconds each, CONNECTIONS connections):
#   pg1     pgbench, one INSERT per transaction        (/work/shared/bench/sql/insert_one.pgbench)
#   single  crmhub, POST /l/<token> with one add-contact (bench/ingest/single.lua)
#   peer    Hummingbird + PostgresNIO reference, POST /contacts (bench/ingest/peer_contacts.lua)
#   pg100   pgbench, 100 rows per INSERT               (/work/shared/bench/sql/insert_batch100.pgbench)
#   batch   crmhub, POST /l/<token> with 100 add-contact actions (bench/ingest/batch100.lua)
# and prints contacts/second for each, per round and the median, the ratios with their bars, PASS/FAIL.
# Every contact sent to crmhub has a new email and a new phone; only 200 responses count (207, 422, 5xx and socket
# errors are errors, and a run with any error is INVALID). At the end the contacts in the database are counted.
#
# Environment (defaults in brackets):
#   ROUNDS [3]  DURATION [10] seconds  CONNECTIONS [16]  THREADS [2] (wrk -t and pgbench -j)
#   ONLY ["pg1 single peer pg100 batch"]  a subset of the measurements to run
#   CRMHUB_BIN          a built crmhub to use; else built: swift build -c release --scratch-path $SCRATCH [.build]
#   PEER_BIN            [/work/hbpeer/.build/release/HummingbirdPeer]; when absent the reference is built from
#                       PEER_SRC [/work/shared/bench/hummingbird-peer] in .build-bench/hummingbird-peer (10–25
#                       minutes, needs GitHub); PEER_BUILD=0 skips the reference instead of building it
#   CRMHUB_PORT [8085]  PEER_PORT [8095]  PG_PORT [54340]  PG_DIR [.data/bench-pg]
#   WRK_TIMEOUT [30s]   a response slower than this is a socket timeout, i.e. an error
#   CRMHUB_LOG_LEVEL [info]  (one access-log line per request, as in production)
#   WARMUP [3] seconds of single add-contacts before the rounds, followed by VACUUM ANALYZE (0: neither warm-up
#              nor ANALYZE, i.e. fresh tables without planner statistics)
#   SHARED_BENCH [/work/shared/bench]  (schema.sql and the two pgbench scripts)
#
# The cluster is durable (fsync and synchronous_commit on; PG_FAST is ignored), listens on its socket in PG_DIR and
# on 127.0.0.1:PG_PORT (the reference speaks TCP only). Databases crmhub_bench (crmhub) and peer_bench (pgbench and
# the reference, table peer_contacts) are dropped and created again at every start, so each run starts empty.
# Everything started here is stopped at exit, the cluster included. Logs and raw outputs stay in a folder printed
# at the end.
#
# Exit status: 0 every bar met, 3 a bar not met, 1 an invalid run (errors, a failed setup).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
here="$root/bench/ingest"

rounds=${ROUNDS:-3}
secs=${DURATION:-10}
secs=${secs%s}
conns=${CONNECTIONS:-16}
threads=${THREADS:-2}
only=${ONLY:-pg1 single peer pg100 batch}
crmhub_port=${CRMHUB_PORT:-8085}
peer_port=${PEER_PORT:-8095}
pg_port=${PG_PORT:-54340}
cluster=${PG_DIR:-$root/.data/bench-pg}
scratch=${SCRATCH:-.build}
shared=${SHARED_BENCH:-/work/shared/bench}
peer_src=${PEER_SRC:-$shared/hummingbird-peer}
PEER_BIN=${PEER_BIN:-/work/hbpeer/.build/release/HummingbirdPeer}
sender=bench@example.com

case "${WARMUP:-3}" in '' | *[!0-9]*) echo "bench: WARMUP must be a whole number of seconds, got '$WARMUP'" >&2; exit 2 ;; esac
for value in "$rounds" "$secs" "$conns" "$threads" "$crmhub_port" "$peer_port" "$pg_port"; do
  case "$value" in '' | *[!0-9]* | 0) echo "bench: ROUNDS, DURATION, CONNECTIONS, THREADS and ports must be positive whole numbers, got '$value'" >&2; exit 2 ;; esac
done
if [ "$threads" -gt 9 ]; then echo "bench: THREADS must be 9 or fewer (one digit of each phone)" >&2; exit 2; fi
if [ "$threads" -gt "$conns" ]; then echo "bench: THREADS ($threads) must not exceed CONNECTIONS ($conns)" >&2; exit 2; fi
for name in $only; do
  case "$name" in pg1 | single | peer | pg100 | batch) ;; *) echo "bench: ONLY: unknown measurement '$name' (pg1 single peer pg100 batch)" >&2; exit 2 ;; esac
done
wants() { [[ " $only " == *" $1 "* ]]; }
for file in schema.sql insert_one.pgbench insert_batch100.pgbench; do
  [ -f "$shared/sql/$file" ] || { echo "bench: $shared/sql/$file missing (set SHARED_BENCH)" >&2; exit 2; }
done

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

logs=$(mktemp -d "${TMPDIR:-/tmp}/crmhub-bench-ingest.XXXXXX")
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
if wants single || wants batch; then
  if [ -z "${CRMHUB_BIN:-}" ]; then
    echo "building crmhub (release, scratch path $scratch)…" >&2
    swift build -c release --scratch-path "$scratch" --product crmhub >"$logs/crmhub-build.log" 2>&1 ||
      { tail -n 30 "$logs/crmhub-build.log" >&2; die "crmhub build failed ($logs/crmhub-build.log)"; }
    CRMHUB_BIN=$(swift build -c release --scratch-path "$scratch" --show-bin-path)/crmhub
  fi
  [ -x "$CRMHUB_BIN" ] || die "no crmhub binary at $CRMHUB_BIN"
fi
peer_note=""
if wants peer; then
  if [ ! -x "$PEER_BIN" ]; then
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
      echo "bench: SKIPPING the Hummingbird reference: $peer_note; the single/peer bar will not be measured" >&2
      only=${only/peer/}
    fi
  fi
fi

# ---- database ---------------------------------------------------------------------------------------------------
# Restarted, so that this run's settings hold even if a previous run was killed and left the cluster up.
scripts/pg-cluster.sh stop "$cluster" >/dev/null 2>&1 || true
# PG_PORT is inside Linux's ephemeral port range (32768-60999): a client connection of anything else on the machine
# can hold it (up to 60 s in TIME_WAIT), so a failed start is retried for 75 s.
conninfo=""
for attempt in $(seq 25); do  # a TIME_WAIT holding it lasts 60 s
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
listener_path=""
if wants single || wants batch; then
  admin_token=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  export CRMHUB_DATABASE_URL="${conninfo/dbname=postgres/dbname=crmhub_bench}"
  export CRMHUB_MIGRATIONS_DIR="$root/sql"
  "$CRMHUB_BIN" migrate >"$logs/crmhub-migrate.log" 2>&1 || { cat "$logs/crmhub-migrate.log" >&2; die "crmhub migrate failed"; }
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
    "{\"slug\":\"bench\",\"name\":\"Bench\",\"timezone\":\"UTC\",\"owner\":{\"email\":\"$sender\",\"display_name\":\"Bench\"}}" \
    >"$logs/org.json"
  admin POST /admin/v1/orgs/bench/listeners \
    '{"name":"bench","enabled":true,"ip_allowlist":[],"rate_limit_per_minute":null,"welcome_email":{"enabled":false},"welcome_sms":{"enabled":false}}' \
    >"$logs/listener.json"
  listener_path=$(sed -n 's/.*"url_path" *: *"\([^"]*\)".*/\1/p' "$logs/listener.json")
  [[ "$listener_path" == /l/* ]] || { cat "$logs/listener.json" >&2; die "no url_path in the listener created"; }

  # One request by hand first: a listener that does not answer 200 makes every measurement meaningless.
  smoke_status=$(curl -sS -o "$logs/smoke.json" -w '%{http_code}' -X POST "$crmhub_url$listener_path" \
    -H 'Content-Type: application/json' \
    -d "{\"senderUser\":\"$sender\",\"data\":[{\"actionType\":\"add-contact\",\"data\":{\"name\":\"Bench\",\"emails\":[{\"value\":\"smoke@example.com\"}],\"phones\":[{\"value\":\"+84900000000\"}]}}]}") ||
    die "the listener request failed"
  if [ "$smoke_status" != 200 ]; then
    cat "$logs/smoke.json" >&2; echo >&2
    die "POST /l/<token> with one add-contact answered $smoke_status, not 200 (is the listener endpoint in this build?)"
  fi
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
# Each prints "contacts/s errors" on stdout; the raw output is kept in the log folder.
nonce=0
# wrk's default of 2 s would count slow 100-contact requests as socket timeouts; a request that takes longer than
# this still counts as an error.
wrk_timeout=${WRK_TIMEOUT:-30s}
run_pgbench() {  # SCRIPT ROWS-PER-TRANSACTION NAME ROUND
  local out="$logs/$3-round$4.txt"
  "$pgbench" -h "$cluster" -p "$pg_port" -U postgres -n -c "$conns" -j "$threads" -T "$secs" \
    -f "$shared/sql/$1" peer_bench >"$out" 2>&1 || { cat "$out" >&2; echo "0 1"; return 0; }
  awk -v rows="$2" '
    /^tps = / { tps = $3 }
    /number of failed transactions:/ { failed += $5 }
    /^(client|pgbench).*(error|ERROR|aborted)/ { failed += 1 }
    END { if (tps == "") failed += 1; printf "%.0f %d\n", tps * rows, failed }' "$out"
}
run_wrk() {  # URL SCRIPT NAME ROUND NONCE [SECONDS]
  local out="$logs/$3-round$4.txt"
  wrk -t"$threads" -c"$conns" -d"${6:-$secs}s" --timeout "$wrk_timeout" --latency -s "$2" "$1" -- "$5" "$sender" >"$out" 2>&1 ||
    { cat "$out" >&2; echo "0 1"; return 0; }
  awk '
    /^INGEST requests=/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } seen = 1 }
    /Socket errors/ { for (i = 3; i <= NF; i++) { gsub(/,/, "", $i); if ($i ~ /^[0-9]+$/) socket += $i } }
    END {
      if (!seen || v["duration_us"] == 0) { print "0 1"; exit }
      printf "%.0f %d\n", v["ok"] * v["items"] / (v["duration_us"] / 1e6), v["bad"] + socket
    }' "$out"
}
declare -A result errors
measure() {  # NAME ROUND
  local name=$1 round=$2 value=0 bad=0
  nonce=$((nonce + 1))  # here, not in run_wrk: that runs in a subshell
  case "$name" in
    pg1) read -r value bad < <(run_pgbench insert_one.pgbench 1 pg1 "$round") ;;
    pg100) read -r value bad < <(run_pgbench insert_batch100.pgbench 100 pg100 "$round") ;;
    single) read -r value bad < <(run_wrk "$crmhub_url$listener_path" "$here/single.lua" single "$round" "$nonce") ;;
    batch) read -r value bad < <(run_wrk "$crmhub_url$listener_path" "$here/batch100.lua" batch "$round" "$nonce") ;;
    peer) read -r value bad < <(run_wrk "$peer_url/contacts" "$here/peer_contacts.lua" peer "$round" "$nonce") ;;
  esac
  result[$name,$round]=$value
  errors[$name]=$(( ${errors[$name]:-0} + bad ))
  if [ "$bad" != 0 ]; then
    echo "bench: ERRORS: $bad in $name round $round — see $logs/$name-round$round.txt" >&2
    grep -h '^INGEST first-bad' "$logs/$name-round$round.txt" >&2 || true
  fi
}

# Warm-up, not measured: some add-contacts, then ANALYZE. The databases were created empty a moment ago and have no
# planner statistics yet; until autovacuum's first ANALYZE (up to a minute or more) crmhub's identity lookup can be
# planned as a scan of every identity of the org, so each contact would cost more as the table grows. A database
# that has been running for a while has statistics; WARMUP=0 skips this to see the cold behaviour.
warmup=${WARMUP:-3}
if [ "$warmup" != 0 ]; then
  if wants single || wants batch; then
    read -r _ bad < <(run_wrk "$crmhub_url$listener_path" "$here/single.lua" warmup 0 0 "$warmup")
    [ "$bad" = 0 ] || { grep -h '^INGEST first-bad' "$logs/warmup-round0.txt" >&2 || true; die "the warm-up had $bad errors ($logs/warmup-round0.txt)"; }
  fi
  for db in crmhub_bench peer_bench; do psql -d "$db" -c "VACUUM ANALYZE" >/dev/null; done
  psql -d postgres -c "CHECKPOINT" >/dev/null
fi

order=(pg1 single peer pg100 batch)
label() {
  case "$1" in
    pg1) echo "pgbench insert_one" ;; single) echo "crmhub single add-contact" ;; peer) echo "reference POST /contacts" ;;
    pg100) echo "pgbench 100-row insert" ;; batch) echo "crmhub 100 add-contact" ;;
  esac
}
echo "ingest benchmark: $rounds rounds × ${secs}s, $conns connections, $threads threads, interleaved" \
  "($only); PostgreSQL $pg_version durable (fsync on); warm-up ${warmup}s + ANALYZE$([ "$warmup" != 0 ] || echo ": skipped")"
printf '%-6s' round
for name in "${order[@]}"; do if wants "$name"; then printf ' %14s' "$name"; fi; done
echo "   (contacts/s)"
for round in $(seq "$rounds"); do
  for name in "${order[@]}"; do
    if wants "$name"; then measure "$name" "$round"; fi
  done
  printf '%-6s' "$round"
  for name in "${order[@]}"; do if wants "$name"; then printf ' %14s' "${result[$name,$round]}"; fi; done
  echo
done

# ---- report -----------------------------------------------------------------------------------------------------
median() { sort -g | awk '{a[NR] = $1} END {if (NR == 0) print 0; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
declare -A med
echo
echo "medians (contacts/s)"
total_errors=0
for name in "${order[@]}"; do
  wants "$name" || continue
  values=()
  for round in $(seq "$rounds"); do values+=("${result[$name,$round]}"); done
  med[$name]=$(printf '%s\n' "${values[@]}" | median)
  e=${errors[$name]:-0}
  total_errors=$((total_errors + e))
  printf '  %-28s %10.0f   runs: %s%s\n' "$(label "$name")" "${med[$name]}" "${values[*]}" \
    "$([ "$e" = 0 ] || echo "   ERRORS: $e")"
done

# The bar uses the median of the per-round ratios: each round's two figures were measured back to back.
verdicts=()
failed_bars=0
ratio_line() {  # A B BAR TEXT
  local a=$1 b=$2 bar=$3 text=$4 per=() r m verdict
  if ! wants "$a" || ! wants "$b"; then verdicts+=("$text: NOT MEASURED${peer_note:+ ($peer_note)}"); return; fi
  for round in $(seq "$rounds"); do
    per+=("$(awk -v x="${result[$a,$round]}" -v y="${result[$b,$round]}" 'BEGIN {printf "%.3f", (y > 0) ? x / y : 0}')")
  done
  m=$(printf '%s\n' "${per[@]}" | median)
  r=$(awk -v x="${med[$a]}" -v y="${med[$b]}" 'BEGIN {printf "%.3f", (y > 0) ? x / y : 0}')
  if awk -v m="$m" -v bar="$bar" 'BEGIN {exit !(m >= bar)}'; then verdict=PASS; else verdict=FAIL; failed_bars=$((failed_bars + 1)); fi
  printf '  %-40s %6.2f  (per round: %s; ratio of medians %.2f)  bar ≥ %s  %s\n' "$text" "$m" "${per[*]}" "$r" "$bar" "$verdict"
  verdicts+=("$text ≥ $bar: $(printf '%.2f' "$m") $verdict")
}
echo
echo "ratios (median of the per-round ratios)"
ratio_line single pg1 0.5 "crmhub single / pgbench insert_one"
ratio_line single peer 1.0 "crmhub single / reference POST /contacts"
ratio_line batch pg100 0.25 "crmhub batch100 / pgbench 100-row"

for pair in "crmhub:$crmhub_pid" "the reference:$peer_pid"; do
  pid=${pair##*:}
  if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
    echo "bench: ERRORS: ${pair%:*} died during the run (see $logs)" >&2
    total_errors=$((total_errors + 1))
  fi
done

echo
# Every contact answered with success must be a new row: fewer rows means identities collided (deduplicated). A few
# more are expected: when wrk stops, up to CONNECTIONS requests per run are in flight and the server still
# completes them, unanswered.
check_stored() {  # WHO STORED EXPECTED SLACK
  if [ "$2" -ge "$3" ] && [ "$2" -le $(($3 + $4)) ]; then
    echo "contacts stored by $1: $2 (answered with success: $3; completed after wrk stopped: $(($2 - $3)), at most $4)"
  else
    echo "bench: MISMATCH: $1 stored $2 contacts but answered success for $3 (up to $4 more could be in flight)" >&2
    total_errors=$((total_errors + 1))
  fi
}
answered() {  # FILE: contacts answered with success in one wrk run
  awk '/^INGEST requests=/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } } END { print v["ok"] * v["items"] + 0 }' "$1"
}
if wants single || wants batch; then
  expected=1 slack=0  # 1: the smoke-test contact
  if [ -f "$logs/warmup-round0.txt" ]; then expected=$((expected + $(answered "$logs/warmup-round0.txt"))); slack=$conns; fi
  for round in $(seq "$rounds"); do
    if wants single; then expected=$((expected + $(answered "$logs/single-round$round.txt"))); slack=$((slack + conns)); fi
    if wants batch; then expected=$((expected + $(answered "$logs/batch-round$round.txt"))); slack=$((slack + conns * 100)); fi
  done
  check_stored crmhub "$(psql -d crmhub_bench -tAc "SELECT count(*) FROM customers WHERE kind = 'contact'")" "$expected" "$slack"
fi
if wants peer; then  # its rows are the emails w<nonce>-<thread>-<n>
  expected=0
  for round in $(seq "$rounds"); do expected=$((expected + $(answered "$logs/peer-round$round.txt"))); done
  check_stored "the reference" "$(psql -d peer_bench -tAc "SELECT count(*) FROM peer_contacts WHERE email LIKE 'w%'")" \
    "$expected" $((rounds * conns))
fi

echo
echo "bars"
printf '  %s\n' "${verdicts[@]}"
if [ "$total_errors" != 0 ]; then
  echo
  echo "!!! INVALID RUN: $total_errors errors (non-200 responses, socket errors, failed transactions or a count mismatch)." >&2
  echo "!!! The figures above are not a result. Raw outputs: $logs" >&2
  exit 1
fi
[ "$failed_bars" = 0 ] || exit 3
