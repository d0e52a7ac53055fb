#!/usr/bin/env bash
# Ingestion throughput: add-contact through the real server against the database's own insert limit, measured in
# the same run and interleaved so that this noisy disk and CPU hit every measurement alike.
#
#   bench/ingest/run.sh
#
# Each round runs, in this order (DURATION seconds each, CONNECTIONS connections):
#   pg1     pgbench, one INSERT per transaction        (../shared/bench/sql/insert_one.pgbench)
#   single  crmhub, POST /l/<token> with one add-contact (bench/ingest/single.lua)
#   peer    Hummingbird + PostgresNIO reference, POST /contacts (bench/ingest/peer_contacts.lua)
#   pg100   pgbench, 100 rows per INSERT               (../shared/bench/sql/insert_batch100.pgbench)
#   batch   crmhub, POST /l/<token> with 100 add-contact actions (bench/ingest/batch100.lua)
# and prints contacts/second for each, per round and the median, the ratios with their bars, PASS/FAIL.
# Every contact sent to crmhub has a new email and a new phone; only 200 responses count (207, 422, 5xx and socket
# errors are errors, and a run with any error is INVALID). At the end the contacts in the database are counted.
#
# Environment (defaults in brackets):
#   ROUNDS [3]  DURATION [10] seconds  CONNECTIONS [16]  THREADS [2] (wrk -t and pgbench -j)
#   ONLY ["pg1 single peer pg100 batch"]  a subset of the measurements to run
#   CRMHUB_BIN          a built crmhub to use; else built: swift build -c release --scratch-path $SCRATCH [.build]
#   PEER_BIN            [.build-bench/hummingbird-peer/.build/release/HummingbirdPeer]; when absent it is built from
#                       PEER_SRC [../shared/bench/hummingbird-peer] in .build-bench/hummingbird-peer (10–25
#                       minutes, needs GitHub); PEER_BUILD=0 skips the reference instead of building it
#   CRMHUB_PORT [8085]  PEER_PORT [8095]  PG_PORT [54340]  PG_DIR [.data/bench-pg]
#   WRK_TIMEOUT [30s]   a response slower than this is a socket timeout, i.e. an error
#   CRMHUB_LOG_LEVEL [info]  (one access-log line per request, as in production)
#   WARMUP [3] seconds of single add-contacts before the rounds, followed by VACUUM ANALYZE (0: neither warm-up
#              nor ANALYZE, i.e. fresh tables without planner statistics)
#   SHARED_BENCH [../shared/bench]  (schema.sql and the two pgbench scripts)
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
# shellcheck source=bench/lib.sh
source bench/lib.sh

all="pg1 single peer pg100 batch"
bench_settings  # rounds secs conns threads warmup scratch shared peer_src PEER_BIN
only=${ONLY:-$all}
crmhub_port=${CRMHUB_PORT:-8085}
peer_port=${PEER_PORT:-8095}
pg_port=${PG_PORT:-54340}
cluster=${PG_DIR:-$root/.data/bench-pg}
sender=bench@example.com

bench_check_numbers "ROUNDS, DURATION, CONNECTIONS, THREADS and ports" \
  "$rounds" "$secs" "$conns" "$threads" "$crmhub_port" "$peer_port" "$pg_port"
if [ "$threads" -gt 9 ]; then echo "bench: THREADS must be 9 or fewer (one digit of each phone)" >&2; exit 2; fi
if [ "$threads" -gt "$conns" ]; then echo "bench: THREADS ($threads) must not exceed CONNECTIONS ($conns)" >&2; exit 2; fi
bench_check_only "$all"
for file in schema.sql insert_one.pgbench insert_batch100.pgbench; do
  [ -f "$shared/sql/$file" ] || { echo "bench: $shared/sql/$file missing (set SHARED_BENCH)" >&2; exit 2; }
done

# ---- tools, binaries, database ----------------------------------------------------------------------------------
bench_require_tools
bench_find_pg_clients
bench_init ingest  # the log folder; everything started from here on is stopped at exit
if wants single || wants batch; then bench_crmhub_bin; fi
bench_peer_bin single/peer
bench_start_cluster
bench_fresh_databases

# ---- servers ----------------------------------------------------------------------------------------------------
listener_path=""
if wants single || wants batch; then
  bench_migrate_crmhub
  bench_serve_crmhub "$crmhub_port"
  bench_create_org
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
if wants peer; then bench_start_peer "$peer_port"; fi

# ---- measurements -----------------------------------------------------------------------------------------------
# Each prints "contacts/s errors" on stdout; the raw output is kept in the log folder.
# wrk's default of 2 s would count slow 100-contact requests as socket timeouts; a request that takes longer than
# this still counts as an error.
wrk_timeout=${WRK_TIMEOUT:-30s}
error_lines='^INGEST first-bad'
run_one() {  # NAME ROUND
  case "$1" in
    pg1) bench_pgbench pg1 "$2" 1 -f "$shared/sql/insert_one.pgbench" peer_bench ;;
    pg100) bench_pgbench pg100 "$2" 100 -f "$shared/sql/insert_batch100.pgbench" peer_bench ;;
    single) bench_wrk "$crmhub_url$listener_path" "$here/single.lua" single "$2" "$secs" "$nonce" "$sender" ;;
    batch) bench_wrk "$crmhub_url$listener_path" "$here/batch100.lua" batch "$2" "$secs" "$nonce" "$sender" ;;
    peer) bench_wrk "$peer_url/contacts" "$here/peer_contacts.lua" peer "$2" "$secs" "$nonce" "$sender" ;;
  esac
}

# Warm-up, not measured: some add-contacts, then ANALYZE. The databases were created empty a moment ago and have no
# planner statistics yet; until autovacuum's first ANALYZE (up to a minute or more) crmhub's identity lookup can be
# planned as a scan of every identity of the org, so each contact would cost more as the table grows. A database
# that has been running for a while has statistics; WARMUP=0 skips this to see the cold behaviour.
if [ "$warmup" != 0 ]; then
  if wants single || wants batch; then
    read -r _ bad < <(bench_wrk "$crmhub_url$listener_path" "$here/single.lua" warmup 0 "$warmup" 0 "$sender")
    [ "$bad" = 0 ] || { grep -h '^INGEST first-bad' "$logs/warmup-round0.txt" >&2 || true; die "the warm-up had $bad errors ($logs/warmup-round0.txt)"; }
  fi
  bench_analyze
fi

order=(pg1 single peer pg100 batch)
labels=([pg1]="pgbench insert_one" [single]="crmhub single add-contact" [peer]="reference POST /contacts"
  [pg100]="pgbench 100-row insert" [batch]="crmhub 100 add-contact")
echo "ingest benchmark: $rounds rounds × ${secs}s, $conns connections, $threads threads, interleaved" \
  "($only); PostgreSQL $pg_version durable (fsync on); warm-up ${warmup}s + ANALYZE$([ "$warmup" != 0 ] || echo ": skipped")"
bench_rounds 14 contacts/s

# ---- report -----------------------------------------------------------------------------------------------------
bench_medians 28 contacts/s

# The bar uses the median of the per-round ratios: each round's two figures were measured back to back.
echo
echo "ratios (median of the per-round ratios)"
ratio_width=40
ratio_line single pg1 0.5 "crmhub single / pgbench insert_one"
ratio_line single peer 1.0 "crmhub single / reference POST /contacts"
ratio_line batch pg100 0.25 "crmhub batch100 / pgbench 100-row"

bench_check_alive

echo
# Every contact answered with success must be a new row: fewer rows means identities collided (deduplicated). A few
# more are expected: when wrk stops, up to CONNECTIONS requests per run are in flight and the server still
# completes them, unanswered.
if wants single || wants batch; then
  expected=1 slack=0  # 1: the smoke-test contact
  if [ -f "$logs/warmup-round0.txt" ]; then expected=$((expected + $(answered "$logs/warmup-round0.txt"))); slack=$conns; fi
  for round in $(seq "$rounds"); do
    if wants single; then expected=$((expected + $(answered "$logs/single-round$round.txt"))); slack=$((slack + conns)); fi
    if wants batch; then expected=$((expected + $(answered "$logs/batch-round$round.txt"))); slack=$((slack + conns * 100)); fi
  done
  check_stored crmhub "$(psql -d crmhub_bench -tAc "SELECT count(*) FROM customers WHERE kind = 'contact'")" "$expected" "$slack"
fi
if wants peer; then bench_check_peer_stored; fi

bench_finish bars "non-200 responses, socket errors, failed transactions or a count mismatch"
