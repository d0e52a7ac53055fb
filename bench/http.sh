#!/usr/bin/env bash
# /healthz throughput: crmhub against the Hummingbird reference server, measured in the same run,
# interleaved (A B A B …) so machine drift hits both; plus crmhub's memory.
#
#   bench/http.sh [rounds] [seconds]        defaults: 3 rounds of 10 s, at 64 and 256 connections
#
# PEER_BIN=path reuses a built HummingbirdPeer; otherwise the reference in ../shared/bench/hummingbird-peer is
# copied to .build-bench/ and built there (10–25 minutes the first time). Needs wrk (scripts/setup-deps.sh --test).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
rounds=${1:-3} secs=${2:-10}
command -v wrk >/dev/null || { echo "wrk missing: scripts/setup-deps.sh --test" >&2; exit 2; }

pids=()
cluster="$root/.data/pg-bench"
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  scripts/pg-cluster.sh stop "$cluster" >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM

echo "building crmhub (release, static stdlib)…" >&2
swift build -c release --scratch-path .build-bench/crmhub --static-swift-stdlib -Xswiftc -Xclang-linker -Xswiftc -no-pie >/dev/null
crmhub="$root/.build-bench/crmhub/release/crmhub"
sync  # freshly written binary pages would otherwise count as dirty in the RSS figures

if [ -z "${PEER_BIN:-}" ]; then
  peer_src="$root/.build-bench/hummingbird-peer"
  if [ ! -x "$peer_src/.build/release/HummingbirdPeer" ]; then
    echo "building the Hummingbird reference (slow the first time)…" >&2
    rm -rf "$peer_src" && mkdir -p "$peer_src"
    cp -r "$root/../shared/bench/hummingbird-peer/." "$peer_src/"
    chmod -R u+w "$peer_src"
    (cd "$peer_src" && swift build -c release >/dev/null)
  fi
  PEER_BIN="$peer_src/.build/release/HummingbirdPeer"
fi

conninfo=$(PG_FAST=1 scripts/pg-cluster.sh start "$cluster" 54322)
scripts/pg-cluster.sh createdb "$cluster" 54322 crmhub_bench
CRMHUB_DATABASE_URL="${conninfo/dbname=postgres/dbname=crmhub_bench}" CRMHUB_HTTP_ADDRESS=127.0.0.1:18080 \
  CRMHUB_MIGRATIONS_DIR="$root/sql" "$crmhub" serve >/tmp/crmhub-bench-http.log 2>&1 &
crmhub_pid=$!; pids+=("$crmhub_pid")
"$PEER_BIN" 18091 >/tmp/peer-bench-http.log 2>&1 &
pids+=($!)
for url in http://127.0.0.1:18080/healthz http://127.0.0.1:18091/healthz; do
  for _ in $(seq 100); do curl -fs "$url" >/dev/null 2>&1 && break; sleep 0.1; done
done

rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
sleep 1
idle_rss=$(rss "$crmhub_pid")

run() { wrk -t1 -c"$2" -d"${secs}s" --latency "$1" | awk '/Requests\/sec/ {r=$2} /^ +99%/ {p=$2} END {print r, p}'; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

for conns in 64 256; do
  a=() b=() pa=() pb=()
  for _ in $(seq "$rounds"); do
    read -r r p < <(run http://127.0.0.1:18080/healthz "$conns"); a+=("$r"); pa+=("$p")
    read -r r p < <(run http://127.0.0.1:18091/healthz "$conns"); b+=("$r"); pb+=("$p")
  done
  ma=$(printf '%s\n' "${a[@]}" | median); mb=$(printf '%s\n' "${b[@]}" | median)
  echo "connections $conns"
  echo "  crmhub       req/s median $ma  (runs: ${a[*]})  p99: ${pa[*]}"
  echo "  hummingbird  req/s median $mb  (runs: ${b[*]})  p99: ${pb[*]}"
  awk -v x="$ma" -v y="$mb" 'BEGIN { printf "  ratio %.2f (crmhub / hummingbird)\n", x / y }'
done

before=$(rss "$crmhub_pid")
python3 bench/idle_conns.py 127.0.0.1 18080 1000 4 "$crmhub_pid"
echo "memory"
echo "  idle RSS at start            ${idle_rss} kB"
echo "  peak RSS (VmHWM) after load  $(hwm "$crmhub_pid") kB"
echo "  RSS before 1000 idle conns   ${before} kB"
