#!/usr/bin/env bash
# Sets up and runs CRMHub locally (README's first command).
# Installs what is missing, starts a private PostgreSQL in .data/pg (port 54320, Unix socket only), creates the
# `crmhub` database, builds the release binary, migrates and serves on http://127.0.0.1:8080 until Ctrl-C,
# then stops the server and the cluster it started. A second run reuses the cluster and its data.
# Extra arguments go to `crmhub serve` (e.g. --http-address 0.0.0.0:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scripts/setup-deps.sh

port=${CRMHUB_DEV_PG_PORT:-54320}
cluster="$root/.data/pg"
server_pid=""
started_cluster=0
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "$started_cluster" = 1 ]; then scripts/pg-cluster.sh stop "$cluster" || true; fi
}
trap cleanup EXIT INT TERM

scripts/pg-cluster.sh status "$cluster" >/dev/null 2>&1 || started_cluster=1
scripts/pg-cluster.sh start "$cluster" "$port" >/dev/null
scripts/pg-cluster.sh createdb "$cluster" "$port" crmhub

echo "building crmhub (release)…" >&2
swift build -c release
binary="$(swift build -c release --show-bin-path)/crmhub"

export CRMHUB_DATABASE_URL="${CRMHUB_DATABASE_URL:-host=$cluster port=$port user=postgres dbname=crmhub}"
export CRMHUB_HTTP_ADDRESS="${CRMHUB_HTTP_ADDRESS:-127.0.0.1:8080}"
export CRMHUB_MIGRATIONS_DIR="${CRMHUB_MIGRATIONS_DIR:-$root/sql}"

"$binary" serve "$@" &
server_pid=$!
url="http://$CRMHUB_HTTP_ADDRESS"
for _ in $(seq 100); do
  if curl -fsS "$url/healthz" >/dev/null 2>&1; then break; fi
  kill -0 "$server_pid" 2>/dev/null || { echo "crmhub exited; see the log above" >&2; exit 1; }
  sleep 0.1
done
echo "CRMHub is running at $url  (Ctrl-C stops it; data stays in .data/pg)" >&2
wait "$server_pid"
