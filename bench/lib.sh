# shellcheck shell=bash
# The machinery the benchmark scripts share (bench/ingest/run.sh, bench/ciopulse/run.sh, bench/export/run.sh,
# bench/http.sh): sourced by them from the repository's root, never run. Each script keeps its own measurement plan,
# defaults and bars. Paths are relative to the repository's root: the shared benchmark material is in ../shared/bench
# beside the repository unless SHARED_BENCH says otherwise.
#
# The functions read and set the calling script's variables:
#   root                   the repository, which is also the working directory
#   logs                   the folder of logs and raw outputs (bench_init)
#   crmhub_pid, peer_pid   the servers started here, stopped at exit
#   cluster, pg_port       the private PostgreSQL cluster's folder and port
#   stop_cluster [1]       0: leave the cluster running at exit      stop_grace [150]  tenths of a second a process
#                                                                    gets after TERM before it is killed
#   rounds secs conns threads warmup scratch shared peer_src PEER_BIN   (bench_settings)     only   the measurements
#   order, labels[NAME], run_one NAME ROUND the script's measurements in order, their labels, one run of one of them
#   wrk_timeout, error_lines, ratio_width   wrk's --timeout, the lines of a failed run's output to show, a ratio's
#                                            text width
# and the figures: result[NAME,ROUND], errors[NAME], med[NAME], total_errors, verdicts, failed_bars, peer_note.
# shellcheck disable=SC2154,SC2034  # the variables above are set, or read, by the calling script

declare -A result errors med labels
nonce=0       # numbers the wrk runs so that each one sends new emails and ids (the Lua scripts' first argument)
verdicts=()
failed_bars=0
total_errors=0

# ---- settings ---------------------------------------------------------------------------------------------------

# Reads the settings the run.sh scripts share (ROUNDS DURATION CONNECTIONS THREADS WARMUP SCRATCH SHARED_BENCH
# PEER_SRC PEER_BIN) with their defaults.
bench_settings() {
  rounds=${ROUNDS:-3}
  secs=${DURATION:-10}
  secs=${secs%s}
  conns=${CONNECTIONS:-16}
  threads=${THREADS:-2}
  warmup=${WARMUP:-3}
  scratch=${SCRATCH:-.build}
  shared=${SHARED_BENCH:-$root/../shared/bench}
  peer_src=${PEER_SRC:-$shared/hummingbird-peer}
  PEER_BIN=${PEER_BIN:-$root/.build-bench/hummingbird-peer/.build/release/HummingbirdPeer}
}

# Exits 2 unless WARMUP is a whole number and every VALUE a positive whole number (WHAT names the settings checked).
bench_check_numbers() {  # WHAT VALUE…
  local what=$1 value
  shift
  case "$warmup" in '' | *[!0-9]*) echo "bench: WARMUP must be a whole number of seconds, got '$warmup'" >&2; exit 2 ;; esac
  for value in "$@"; do
    case "$value" in '' | *[!0-9]* | 0) echo "bench: $what must be positive whole numbers, got '$value'" >&2; exit 2 ;; esac
  done
}

# Exits 2 unless every measurement named in $only is one of ALL.
bench_check_only() {  # ALL
  local name
  for name in $only; do
    [[ " $1 " == *" $name "* ]] || { echo "bench: ONLY: unknown measurement '$name' ($1)" >&2; exit 2; }
  done
}

# Whether measurement NAME is to be run (named in $only).
wants() { [[ " $only " == *" $1 "* ]]; }

# ---- tools ------------------------------------------------------------------------------------------------------

# Installs the test dependencies (scripts/setup-deps.sh --test) unless wrk, curl and PostgreSQL's server are there.
bench_require_tools() {
  if ! command -v wrk >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    scripts/setup-deps.sh --test
  fi
}

# Prints the newest PostgreSQL's pgbench, else the one on PATH; fails when there is none.
find_pgbench() {
  local candidate
  candidate=$(ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
  command -v pgbench 2>/dev/null || return 1
}

# Sets pgbench (installing postgresql-contrib when it is missing; exits 2 when that fails).
bench_find_pg_clients() {
  if ! pgbench=$(find_pgbench); then
    echo "bench: installing postgresql-contrib for pgbench" >&2
    local sudo=()
    [ "$(id -u)" = 0 ] || sudo=(sudo)
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-contrib >/dev/null ||
      { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update >/dev/null &&
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-contrib >/dev/null; } ||
      { echo "bench: could not install pgbench (postgresql-contrib)" >&2; exit 2; }
    pgbench=$(find_pgbench) || { echo "bench: pgbench still missing after installing postgresql-contrib" >&2; exit 2; }
  fi
}

# ---- processes and exit -----------------------------------------------------------------------------------------

# Makes the log folder (sets logs; NAME goes into its name) and the traps that stop everything started here at exit.
bench_init() {  # NAME
  logs=$(mktemp -d "${TMPDIR:-/tmp}/crmhub-bench-$1.XXXXXX")
  crmhub_pid=""
  peer_pid=""
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# Stops process PID (TERM, then KILL after $stop_grace tenths of a second) and reaps it; nothing when it is not running.
stop_process() {  # PID
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq "${stop_grace:-150}"); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# The EXIT trap: stops crmhub, the reference and (unless stop_cluster=0) the cluster, prints the log folder.
# shellcheck disable=SC2317  # called by the EXIT trap
bench_cleanup() {
  local code=$?
  trap - EXIT INT TERM
  stop_process "$crmhub_pid"
  stop_process "$peer_pid"
  if [ "${stop_cluster:-1}" = 1 ]; then scripts/pg-cluster.sh stop "$cluster" >/dev/null 2>&1 || true; fi
  echo "logs: $logs" >&2
  exit "$code"
}

# Prints "bench: MESSAGE" on stderr and exits 1.
die() { echo "bench: $*" >&2; exit 1; }

# ---- binaries ---------------------------------------------------------------------------------------------------

# Unless CRMHUB_BIN is set, builds crmhub (release, scratch path $scratch) and sets it; dies when it is not executable.
bench_crmhub_bin() {
  if [ -z "${CRMHUB_BIN:-}" ]; then
    echo "building crmhub (release, scratch path $scratch)…" >&2
    swift build -c release --scratch-path "$scratch" --product crmhub >"$logs/crmhub-build.log" 2>&1 ||
      { tail -n 30 "$logs/crmhub-build.log" >&2; die "crmhub build failed ($logs/crmhub-build.log)"; }
    CRMHUB_BIN=$(swift build -c release --scratch-path "$scratch" --show-bin-path)/crmhub
  fi
  [ -x "$CRMHUB_BIN" ] || die "no crmhub binary at $CRMHUB_BIN"
}

# When peer is wanted and $PEER_BIN is not executable, sets PEER_BIN to the reference built in
# .build-bench/hummingbird-peer (building it from $peer_src unless PEER_BUILD=0); failing that, sets peer_note, drops
# peer from $only and says that BAR will not be measured.
bench_peer_bin() {  # BAR
  peer_note=""
  wants peer && [ ! -x "$PEER_BIN" ] || return 0
  local peer_dir="$root/.build-bench/hummingbird-peer"
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
    echo "bench: SKIPPING the Hummingbird reference: $peer_note; the $1 bar will not be measured" >&2
    only=${only/peer/}
  fi
}

# ---- database ---------------------------------------------------------------------------------------------------

# (Re)starts the durable cluster in $cluster on its socket and 127.0.0.1:$pg_port and dies unless it is durable; sets
# conninfo and makes cluster an absolute path.
bench_start_cluster() {
  local attempt pg_port_running durability
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
  durability=$(psql -d postgres -tAc "SELECT current_setting('fsync') || ' ' || current_setting('synchronous_commit') || ' ' || current_setting('full_page_writes')")
  [ "$durability" = "on on on" ] || die "the cluster is not durable (fsync synchronous_commit full_page_writes: $durability)"
}

# psql on the cluster as its owner (scripts/pg-cluster.sh psql): no psqlrc, quiet, stops at the first error. Files go
# to it on stdin, since as root it runs as `postgres`, which may not read them.
psql() { PGOPTIONS="-c client_min_messages=warning" scripts/pg-cluster.sh psql "$cluster" "$pg_port" "$@"; }

# Drops and creates the databases crmhub_bench and peer_bench, loads the reference's table ($shared/sql/schema.sql)
# into peer_bench; sets pg_version.
bench_fresh_databases() {
  local db
  for db in crmhub_bench peer_bench; do
    psql -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
  done
  psql -d peer_bench <"$shared/sql/schema.sql" >/dev/null
  pg_version=$(psql -d postgres -tAc "SHOW server_version")
}

# VACUUM ANALYZE of both databases, then a CHECKPOINT (the end of a warm-up).
bench_analyze() {
  local db
  for db in crmhub_bench peer_bench; do psql -d "$db" -c "VACUUM ANALYZE" >/dev/null; done
  psql -d postgres -c "CHECKPOINT" >/dev/null
}

# ---- servers ----------------------------------------------------------------------------------------------------

# Waits up to 30 s for URL to answer 2xx; dies, showing the end of LOG, when process PID (NAME) exits first or it never does.
wait_ready() {  # URL PID NAME LOG
  for _ in $(seq 300); do
    curl -fsS -o /dev/null --max-time 1 "$1" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || { tail -n 20 "$4" >&2; die "$3 exited before answering"; }
    sleep 0.1
  done
  tail -n 20 "$4" >&2; die "$3 did not answer $1 within 30 s"
}

# Migrates the database crmhub_bench with $CRMHUB_BIN; exports CRMHUB_DATABASE_URL and CRMHUB_MIGRATIONS_DIR, sets admin_token.
bench_migrate_crmhub() {
  admin_token=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  export CRMHUB_DATABASE_URL="${conninfo/dbname=postgres/dbname=crmhub_bench}"
  export CRMHUB_MIGRATIONS_DIR="$root/sql"
  "$CRMHUB_BIN" migrate >"$logs/crmhub-migrate.log" 2>&1 || { cat "$logs/crmhub-migrate.log" >&2; die "crmhub migrate failed"; }
}

# Starts crmhub serve on 127.0.0.1:PORT with the bootstrap admin token (sets crmhub_pid and crmhub_url), waits for /readyz.
bench_serve_crmhub() {  # PORT
  CRMHUB_HTTP_ADDRESS="127.0.0.1:$1" CRMHUB_MIGRATE=false CRMHUB_BOOTSTRAP_ADMIN_TOKEN="$admin_token" \
    CRMHUB_LOG_LEVEL="${CRMHUB_LOG_LEVEL:-info}" "$CRMHUB_BIN" serve >"$logs/crmhub.log" 2>&1 &
  crmhub_pid=$!
  crmhub_url="http://127.0.0.1:$1"
  wait_ready "$crmhub_url/readyz" "$crmhub_pid" crmhub "$logs/crmhub.log"
}

# Calls crmhub's admin API with the bootstrap token: prints the response body, dies unless it answers 2xx.
admin() {  # METHOD PATH BODY
  local status
  status=$(curl -sS -o "$logs/admin-response.json" -w '%{http_code}' -X "$1" "$crmhub_url$2" \
    -H "Authorization: Bearer $admin_token" -H 'Content-Type: application/json' -d "$3") || die "admin $1 $2: curl failed"
  case "$status" in 2??) cat "$logs/admin-response.json" ;; *) cat "$logs/admin-response.json" >&2; echo >&2; die "admin $1 $2 answered $status" ;; esac
}

# Creates the org "bench" (owner bench@example.com) through the admin API; its answer goes to $logs/org.json.
bench_create_org() {
  admin POST /admin/v1/orgs \
    '{"slug":"bench","name":"Bench","timezone":"UTC","owner":{"email":"bench@example.com","display_name":"Bench"}}' >"$logs/org.json"
}

# Starts the reference on 127.0.0.1:PORT against peer_bench (sets peer_pid and peer_url), waits for /healthz and dies
# unless one POST /contacts answers 201.
bench_start_peer() {  # PORT
  local status
  PEER_DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/peer_bench" "$PEER_BIN" "$1" >"$logs/peer.log" 2>&1 &
  peer_pid=$!
  peer_url="http://127.0.0.1:$1"
  wait_ready "$peer_url/healthz" "$peer_pid" "the reference" "$logs/peer.log"
  status=$(curl -sS -o "$logs/peer-smoke.txt" -w '%{http_code}' -X POST "$peer_url/contacts" -H 'Content-Type: application/json' \
    -d '{"name":"Bench","email":"smoke@example.com","phone":"+84905000001"}') || die "the reference's POST /contacts failed"
  [ "$status" = 201 ] || { cat "$logs/peer-smoke.txt" >&2; die "the reference's POST /contacts answered $status, not 201 (PEER_DATABASE_URL?)"; }
}

# ---- measurements -----------------------------------------------------------------------------------------------

# One pgbench run ($conns clients, $threads threads, $secs seconds) with ARGS, its output in $logs/NAME-roundROUND.txt;
# prints "rows/s errors" (ROWS rows per transaction; errors: failed transactions, 1 when pgbench failed or printed no
# tps).
bench_pgbench() {  # NAME ROUND ROWS ARGS…
  local out="$logs/$1-round$2.txt" rows=$3
  shift 3
  "$pgbench" -h "$cluster" -p "$pg_port" -U postgres -n -c "$conns" -j "$threads" -T "$secs" "$@" >"$out" 2>&1 ||
    { cat "$out" >&2; echo "0 1"; return 0; }
  awk -v rows="$rows" '
    /^tps = / { tps = $3 }
    /number of failed transactions:/ { failed += $5 }
    /^(client|pgbench).*(error|ERROR|aborted)/ { failed += 1 }
    END { if (tps == "") failed += 1; printf "%.0f %d\n", tps * rows, failed }' "$out"
}

# One wrk run ($threads threads, $conns connections, SECONDS seconds, --timeout $wrk_timeout) of the Lua SCRIPT with
# ARGS against URL, its output in $logs/NAME-roundROUND.txt; prints "items/s errors" from the script's summary line
# (items: ok answers × items per request) plus wrk's socket errors, or "0 1" when wrk failed or printed no summary.
bench_wrk() {  # URL SCRIPT NAME ROUND SECONDS ARGS…
  local url=$1 script=$2 out="$logs/$3-round$4.txt" duration=$5
  shift 5
  wrk -t"$threads" -c"$conns" -d"${duration}s" --timeout "$wrk_timeout" --latency -s "$script" "$url" -- "$@" >"$out" 2>&1 ||
    { cat "$out" >&2; echo "0 1"; return 0; }
  awk '
    /^(CIOPULSE|INGEST) requests=/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } seen = 1 }
    /Socket errors/ { for (i = 3; i <= NF; i++) { gsub(/,/, "", $i); if ($i ~ /^[0-9]+$/) socket += $i } }
    END {
      if (!seen || v["duration_us"] == 0) { print "0 1"; exit }
      items = ("items" in v) ? v["items"] : 1
      printf "%.0f %d\n", v["ok"] * items / (v["duration_us"] / 1e6), v["bad"] + socket
    }' "$out"
}

# Prints the items a wrk run (its output FILE) had answered with success: ok answers × items per request.
answered() {  # FILE
  awk '/^(CIOPULSE|INGEST) requests=/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
    END { items = ("items" in v) ? v["items"] : 1; print v["ok"] * items + 0 }' "$1"
}

# Runs measurement NAME of round ROUND (the script's run_one NAME ROUND prints "figure errors"), records
# result[NAME,ROUND] and errors[NAME], and reports errors loudly with the output's lines matching $error_lines.
bench_measure() {  # NAME ROUND
  local name=$1 round=$2 value=0 bad=0
  nonce=$((nonce + 1))  # here, not in run_one: that runs in a subshell
  read -r value bad < <(run_one "$name" "$round")
  result[$name,$round]=$value
  errors[$name]=$(( ${errors[$name]:-0} + bad ))
  if [ "$bad" != 0 ]; then
    echo "bench: ERRORS: $bad in $name round $round — see $logs/$name-round$round.txt" >&2
    grep -h -E "$error_lines" "$logs/$name-round$round.txt" >&2 || true
  fi
}

# Runs the rounds: a header of the wanted measurements of $order (columns WIDTH wide, then "(UNIT)"), then per round
# every wanted measurement in that order and a line of their figures.
bench_rounds() {  # WIDTH UNIT
  local name round
  printf '%-6s' round
  for name in "${order[@]}"; do if wants "$name"; then printf " %${1}s" "$name"; fi; done
  echo "   ($2)"
  for round in $(seq "$rounds"); do
    for name in "${order[@]}"; do
      if wants "$name"; then bench_measure "$name" "$round"; fi
    done
    printf '%-6s' "$round"
    for name in "${order[@]}"; do if wants "$name"; then printf " %${1}s" "${result[$name,$round]}"; fi; done
    echo
  done
}

# ---- report -----------------------------------------------------------------------------------------------------

# The label of measurement NAME (the script fills labels[NAME]).
label() { echo "${labels[$1]:-$1}"; }

# Prints the median of the numbers on stdin, one a line (0 when there are none).
median() { sort -g | awk '{a[NR] = $1} END {if (NR == 0) print 0; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# Prints the lower median of the numbers on stdin: of an even count, the lower middle one (a figure that was measured).
lower_median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

# Prints field KEY (VmRSS, VmHWM) of /proc/PID/status in kB.
proc_kb() { awk -v key="$2:" '$1 == key {print $2}' "/proc/$1/status"; }  # PID KEY

# Prints kB as megabytes with one decimal ("17.5 MB").
mb() { awk -v kb="$1" 'BEGIN {printf "%.1f MB", kb / 1024}'; }

# Prints "medians (UNIT)" and per wanted measurement its label (WIDTH wide), the median of its rounds (into med[NAME]),
# every round's figure and its errors; adds all the errors up in total_errors.
bench_medians() {  # WIDTH UNIT
  local name round e
  local -a values
  echo
  echo "medians ($2)"
  total_errors=0
  for name in "${order[@]}"; do
    wants "$name" || continue
    values=()
    for round in $(seq "$rounds"); do values+=("${result[$name,$round]}"); done
    med[$name]=$(printf '%s\n' "${values[@]}" | median)
    e=${errors[$name]:-0}
    total_errors=$((total_errors + e))
    printf "  %-${1}s %10.0f   runs: %s%s\n" "$(label "$name")" "${med[$name]}" "${values[*]}" \
      "$([ "$e" = 0 ] || echo "   ERRORS: $e")"
  done
}

# Prints the ratio A/B as the median of the per-round ratios (each round's two figures were measured close together)
# and the ratio of the medians, TEXT $ratio_width wide; with a BAR (not -) the verdict PASS/FAIL goes into verdicts
# (and failed_bars). When A or B was not measured, prints nothing and a bar's verdict is NOT MEASURED.
ratio_line() {  # A B BAR(or -) TEXT
  local a=$1 b=$2 bar=$3 text=$4 per=() r m verdict="" round
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
  printf "  %-${ratio_width}s %6.2f  (per round: %s; ratio of medians %.2f)%s\n" "$text" "$m" "${per[*]}" "$r" "$verdict"
}

# Counts an error for each server started here (crmhub, the reference) that is no longer running.
bench_check_alive() {
  local pair pid
  for pair in "crmhub:$crmhub_pid" "the reference:$peer_pid"; do
    pid=${pair##*:}
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      echo "bench: ERRORS: ${pair%:*} died during the run (see $logs)" >&2
      total_errors=$((total_errors + 1))
    fi
  done
}

# Prints what WHO stored against what it answered with success (EXPECTED, up to SLACK more completed after wrk
# stopped); anything else is a MISMATCH, an error.
check_stored() {  # WHO STORED EXPECTED SLACK
  if [ "$2" -ge "$3" ] && [ "$2" -le $(($3 + $4)) ]; then
    echo "contacts stored by $1: $2 (answered with success: $3; completed after wrk stopped: $(($2 - $3)), at most $4)"
  else
    echo "bench: MISMATCH: $1 stored $2 contacts but answered success for $3 (up to $4 more could be in flight)" >&2
    total_errors=$((total_errors + 1))
  fi
}

# Checks the reference's rows in peer_bench (its emails w<nonce>-<thread>-<n>) against the successes of its rounds.
bench_check_peer_stored() {
  local expected=0 round
  for round in $(seq "$rounds"); do expected=$((expected + $(answered "$logs/peer-round$round.txt"))); done
  check_stored "the reference" "$(psql -d peer_bench -tAc "SELECT count(*) FROM peer_contacts WHERE email LIKE 'w%'")" \
    "$expected" $((rounds * conns))
}

# Prints the verdicts under HEADING; exits 1 when the run had errors (WHAT: the kinds that count), 3 when a bar failed.
bench_finish() {  # HEADING WHAT
  echo
  echo "$1"
  printf '  %s\n' "${verdicts[@]}"
  if [ "$total_errors" != 0 ]; then
    echo
    echo "!!! INVALID RUN: $total_errors errors ($2)." >&2
    echo "!!! The figures above are not a result. Raw outputs: $logs" >&2
    exit 1
  fi
  [ "$failed_bars" = 0 ] || exit 3
}
