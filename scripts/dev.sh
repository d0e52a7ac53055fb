#!/usr/bin/env bash
# Runs CRMHub locally: the README's first command.
#
#   scripts/dev.sh [crmhub serve flags…]
#
# Installs what is missing (scripts/setup-deps.sh), starts a private PostgreSQL in .data/pg on port 54320
# (CRMHUB_DEV_PG_PORT; Unix socket only), creates the `crmhub` database, builds the release binary, then runs
# `crmhub serve` (which applies the migrations) on CRMHUB_HTTP_ADDRESS (default 127.0.0.1:8080) until Ctrl-C or
# SIGTERM, and then stops the server and, if this run started it, the cluster. A second run reuses the cluster and
# its data. Other CRMHUB_* variables (CRMHUB_LOG_LEVEL, CRMHUB_BOOTSTRAP_ADMIN_TOKEN, …) pass through.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

pg_port=${CRMHUB_DEV_PG_PORT:-54320}
cluster="$root/.data/pg"
server_pid=""
started_cluster=0

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  local code=$?
  trap - EXIT INT TERM
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    echo "stopping crmhub…" >&2
    kill -TERM "$server_pid" 2>/dev/null || true
    # It finishes in-flight requests within CRMHUB_SHUTDOWN_GRACE (10 s by default).
    for _ in $(seq 300); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "$started_cluster" = 1 ]; then
    echo "stopping PostgreSQL (.data/pg)…" >&2
    scripts/pg-cluster.sh stop "$cluster" || true
  fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

scripts/setup-deps.sh

scripts/pg-cluster.sh status "$cluster" >/dev/null 2>&1 || started_cluster=1
conninfo=$(scripts/pg-cluster.sh start "$cluster" "$pg_port")
scripts/pg-cluster.sh createdb "$cluster" "$pg_port" crmhub

echo "building crmhub (swift build -c release)…" >&2
swift build -c release
binary="$(swift build -c release --show-bin-path)/crmhub"

# The HTTP address: CRMHUB_HTTP_ADDRESS, or --http-address among the arguments (flags win, as in crmhub).
address=${CRMHUB_HTTP_ADDRESS:-127.0.0.1:8080}
previous=""
for argument in "$@"; do
  case "$argument" in --http-address=*) address=${argument#*=} ;; esac
  if [ "$previous" = --http-address ]; then address=$argument; fi
  previous=$argument
done
host=${address%:*}
case "$host" in 0.0.0.0 | '') host=127.0.0.1 ;; '[::]') host='[::1]' ;; esac
url="http://$host:${address##*:}"

export CRMHUB_DATABASE_URL="${conninfo/dbname=postgres/dbname=crmhub}"
export CRMHUB_HTTP_ADDRESS="$address"
export CRMHUB_MIGRATIONS_DIR="${CRMHUB_MIGRATIONS_DIR:-$root/sql}"
export CRMHUB_OPENAPI_FILE="${CRMHUB_OPENAPI_FILE:-$root/openapi/openapi.yaml}"
export CRMHUB_CONSOLE_DIR="${CRMHUB_CONSOLE_DIR:-$root/console}"
# A development key for the SMTP/SMS secrets (outbox delivery), made once and kept with the data; production sets
# its own CRMHUB_SECRET_KEY or CRMHUB_SECRET_KEY_FILE.
if [ -z "${CRMHUB_SECRET_KEY:-}" ] && [ -z "${CRMHUB_SECRET_KEY_FILE:-}" ]; then
  key_file="$root/.data/dev-secret-key"
  [ -s "$key_file" ] || (umask 077 && openssl rand -hex 32 >"$key_file")
  export CRMHUB_SECRET_KEY_FILE="$key_file"
fi

"$binary" serve "$@" &
server_pid=$!

if [ "$address" != off ]; then
  waited=0
  until curl -fsS -o /dev/null --max-time 1 "$url/healthz" 2>/dev/null; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      wait "$server_pid" && code=0 || code=$?
      echo "crmhub exited (status $code) before answering on $url; see its log above" >&2
      server_pid=""
      exit "$(( code == 0 ? 1 : code ))"
    fi
    waited=$((waited + 1))
    if [ "$waited" = 300 ]; then echo "crmhub has not answered $url/healthz after 60 s; still waiting…" >&2; fi
    sleep 0.2
  done
  relative_binary=${binary#"$root"/}
  cat >&2 <<EOF

CRMHub is running at $url
  data: PostgreSQL in .data/pg (port $pg_port, database crmhub); Ctrl-C stops the server and the cluster
  first admin token: in another terminal, from $root
    scripts/crmhub admin create-token
  (scripts/crmhub runs $relative_binary with CRMHUB_DATABASE_URL='$CRMHUB_DATABASE_URL')
  (or start with CRMHUB_BOOTSTRAP_ADMIN_TOKEN set to a secret of 32+ characters, e.g. \$(openssl rand -hex 32))

EOF
fi

wait "$server_pid" && code=0 || code=$?
server_pid=""
exit "$code"
