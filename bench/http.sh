#!/usr/bin/env bash
# /healthz side by side: crmhub against the Hummingbird 2 reference server, measured in the same run and
# interleaved (crmhub, reference, crmhub, reference, …) so that the machine's drift hits both; plus crmhub's memory.
#
#   bench/http.sh [rounds] [seconds]          defaults: 3 rounds of 10 s, at 64 and at 256 connections
#
# Environment:
#   CONNECTIONS="64 256"  wrk connection counts        IDLE_CONNECTIONS=1000  idle keep-alive connections to hold
#   PEER_BIN=path         a built HummingbirdPeer to reuse (else built once in .build-bench/hummingbird-peer)
#   PEER_SRC=dir          the reference package (default ../shared/bench/hummingbird-peer beside the repository;
#                         read-only is fine)
#   CRMHUB_BIN=path       a built crmhub to measure (else built here: release, static stdlib, non-PIE, as the
#                         container image is built, in .build-bench/crmhub)
#   CRMHUB_LOG_LEVEL      crmhub's log level (default info: one JSON access-log line per request, as in production)
#
# crmhub runs on 127.0.0.1:18080 against a private PostgreSQL in .data/pg-bench (port 54322), the reference on
# 127.0.0.1:18091. Needs wrk and python3 (scripts/setup-deps.sh --test). Everything it starts is stopped at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
rounds=${1:-3}
secs=${2:-10}
connections=${CONNECTIONS:-64 256}
idle_connections=${IDLE_CONNECTIONS:-1000}
crmhub_port=18080
peer_port=18091
pg_port=54322
cluster="$root/.data/pg-bench"
peer_src=${PEER_SRC:-$root/../shared/bench/hummingbird-peer}

for tool in wrk curl python3 swift; do
  command -v "$tool" >/dev/null || { echo "bench: $tool missing (scripts/setup-deps.sh --test)" >&2; exit 2; }
done
# 1,000 idle connections plus wrk's need more descriptors than the usual soft limit of 1024.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# shellcheck source=bench/lib.sh
source bench/lib.sh
bench_init http  # the log folder; everything started from here on is stopped at exit
stop_grace=100   # tenths of a second a server gets to stop before it is killed
stop_cluster=0   # set once the cluster is known to be started here

# ---- binaries ---------------------------------------------------------------------------------------------------
if [ -z "${CRMHUB_BIN:-}" ]; then
  echo "building crmhub (release, static Swift stdlib, non-PIE)…" >&2
  swift build -c release --scratch-path .build-bench/crmhub --static-swift-stdlib \
    -Xswiftc -Xclang-linker -Xswiftc -no-pie >"$logs/crmhub-build.log" 2>&1 ||
    { tail -n 30 "$logs/crmhub-build.log" >&2; echo "bench: crmhub build failed" >&2; exit 1; }
  CRMHUB_BIN=$(swift build -c release --scratch-path .build-bench/crmhub --show-bin-path)/crmhub
  sync  # pages of a freshly written binary would otherwise count as dirty in the RSS figures
fi
if [ -z "${PEER_BIN:-}" ]; then
  peer_dir="$root/.build-bench/hummingbird-peer"
  PEER_BIN="$peer_dir/.build/release/HummingbirdPeer"
  if [ ! -x "$PEER_BIN" ]; then
    [ -f "$peer_src/Package.swift" ] || { echo "bench: no reference package in $peer_src (set PEER_SRC or PEER_BIN)" >&2; exit 2; }
    echo "building the Hummingbird reference in .build-bench/hummingbird-peer (10–25 minutes the first time)…" >&2
    mkdir -p "$peer_dir"
    cp -R "$peer_src/." "$peer_dir/"
    chmod -R u+w "$peer_dir"  # the source may be read-only
    (cd "$peer_dir" && swift build -c release) >"$logs/peer-build.log" 2>&1 || {
      tail -n 30 "$logs/peer-build.log" >&2
      echo "bench: the reference did not build (it fetches its packages from GitHub); PEER_BIN=path reuses a built one" >&2
      exit 1
    }
  fi
fi

# ---- servers ----------------------------------------------------------------------------------------------------
scripts/pg-cluster.sh status "$cluster" >/dev/null 2>&1 || stop_cluster=1
conninfo=$(PG_FAST=1 scripts/pg-cluster.sh start "$cluster" "$pg_port")
scripts/pg-cluster.sh createdb "$cluster" "$pg_port" crmhub_bench

CRMHUB_DATABASE_URL="${conninfo/dbname=postgres/dbname=crmhub_bench}" \
  CRMHUB_HTTP_ADDRESS="127.0.0.1:$crmhub_port" \
  CRMHUB_MIGRATIONS_DIR="$root/sql" \
  CRMHUB_LOG_LEVEL="${CRMHUB_LOG_LEVEL:-info}" \
  CRMHUB_MAX_CONNECTIONS_PER_CLIENT=$((idle_connections + 1024)) \
  "$CRMHUB_BIN" serve >"$logs/crmhub.log" 2>&1 &
crmhub_pid=$!
"$PEER_BIN" "$peer_port" >"$logs/peer.log" 2>&1 &
peer_pid=$!
crmhub_url="http://127.0.0.1:$crmhub_port/healthz"
peer_url="http://127.0.0.1:$peer_port/healthz"
wait_ready "$crmhub_url" "$crmhub_pid" crmhub "$logs/crmhub.log"
wait_ready "$peer_url" "$peer_pid" "the reference" "$logs/peer.log"

sleep 2
crmhub_idle=$(proc_kb "$crmhub_pid" VmRSS)
peer_idle=$(proc_kb "$peer_pid" VmRSS)

# ---- load -------------------------------------------------------------------------------------------------------
# One wrk run, its output kept in the log folder; prints "requests/s p99-in-ms errors" (errors: non-2xx
# responses plus socket errors).
measure() {  # URL CONNECTIONS NAME ROUND
  local out="$logs/wrk-$2conns-$3-round$4.txt"
  wrk -t1 -c"$2" -d"${secs}s" --latency "$1" >"$out" 2>&1 || { cat "$out" >&2; echo "bench: wrk failed" >&2; exit 1; }
  awk '
    /Requests\/sec/ { rps = $2 }
    /^ +99%/ { v = $2; unit = v; sub(/^[0-9.]+/, "", unit); sub(/[a-z]+$/, "", v)
               p99 = (unit == "us") ? v / 1000 : (unit == "s") ? v * 1000 : (unit == "m") ? v * 60000 : v }
    /Non-2xx or 3xx responses/ { errors += $NF }
    /Socket errors/ { for (i = 3; i <= NF; i++) { gsub(/,/, "", $i); if ($i ~ /^[0-9]+$/) errors += $i } }
    END { printf "%.0f %.2f %d\n", rps, p99, errors }' "$out"
}
met() { if awk "BEGIN { exit !($1) }"; then echo "met"; else echo "NOT MET"; fi; }

summary=()
echo "crmhub $("$CRMHUB_BIN" version 2>/dev/null | awk '{print $2}') vs Hummingbird reference, GET /healthz," \
  "wrk -t1, $rounds rounds × ${secs}s, interleaved"
for conns in $connections; do
  a=() b=() pa=() pb=() ea=0 eb=0
  for round in $(seq "$rounds"); do
    read -r r p e < <(measure "$crmhub_url" "$conns" crmhub "$round") && [ -n "$e" ] || exit 1
    a+=("$r"); pa+=("$p"); ea=$((ea + e))
    read -r r p e < <(measure "$peer_url" "$conns" reference "$round") && [ -n "$e" ] || exit 1
    b+=("$r"); pb+=("$p"); eb=$((eb + e))
  done
  ma=$(printf '%s\n' "${a[@]}" | lower_median); mref=$(printf '%s\n' "${b[@]}" | lower_median)
  qa=$(printf '%s\n' "${pa[@]}" | lower_median); qb=$(printf '%s\n' "${pb[@]}" | lower_median)
  ratio=$(awk -v x="$ma" -v y="$mref" 'BEGIN {printf "%.2f", x / y}')
  echo
  echo "$conns connections"
  printf '  %-12s req/s median %7s  p99 median %6s ms   runs: %s  p99s: %s%s\n' crmhub "$ma" "$qa" \
    "${a[*]}" "${pa[*]}" "$([ "$ea" = 0 ] || echo "  ERRORS: $ea")"
  printf '  %-12s req/s median %7s  p99 median %6s ms   runs: %s  p99s: %s%s\n' reference "$mref" "$qb" \
    "${b[*]}" "${pb[*]}" "$([ "$eb" = 0 ] || echo "  ERRORS: $eb")"
  echo "  ratio crmhub/reference: throughput $ratio, p99 $(awk -v x="$qa" -v y="$qb" 'BEGIN {printf "%.2f", x / y}')"
  if [ "$conns" = 64 ]; then
    summary+=("throughput ≥ 1.5× reference at 64 connections: $ratio× — $(met "$ratio >= 1.5")")
    summary+=("p99 no worse than reference at 64 connections: $qa ms vs $qb ms — $(met "$qa <= $qb")")
  fi
done
crmhub_peak=$(proc_kb "$crmhub_pid" VmHWM)

# ---- idle keep-alive connections --------------------------------------------------------------------------------
sleep 1
echo
idle_line=$(python3 bench/idle_conns.py --port "$crmhub_port" --count "$idle_connections" --hold 5 --pid "$crmhub_pid") ||
  idle_line="idle connections: the measurement failed (see above)"
echo "$idle_line"
idle_delta=$(sed -n 's/.*increase \(-\{0,1\}[0-9]*\) kB.*/\1/p' <<<"$idle_line")

echo
echo "memory (crmhub; reference for comparison)"
echo "  RSS idle before load         $(mb "$crmhub_idle")   (reference $(mb "$peer_idle"))"
echo "  peak RSS (VmHWM) after load  $(mb "$crmhub_peak")   (reference $(mb "$(proc_kb "$peer_pid" VmHWM)"))"
echo "  RSS increase with $idle_connections idle keep-alive connections: $(mb "${idle_delta:-0}")"
summary+=("idle RSS < 20 MB: $(mb "$crmhub_idle") — $(met "$crmhub_idle < 20480")")
if [ -n "$idle_delta" ]; then
  summary+=("$idle_connections idle connections add < 20 MB: $(mb "$idle_delta") — $(met "$idle_delta < 20480")")
fi
echo
echo "targets"
printf '  %s\n' "${summary[@]}"
