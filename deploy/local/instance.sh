#!/usr/bin/env bash
# One crmhub serve instance of the local topology (deploy/local/up.sh starts three):
#
#   deploy/local/instance.sh start N     N = 1, 2 or 3; waits until /readyz answers 200
#   deploy/local/instance.sh stop N      SIGTERM: /readyz answers 503 draining for CRMHUB_DRAIN_DELAY, then it stops
#   deploy/local/instance.sh kill N      SIGKILL
#
# Delivery is set for the chaos run's local sinks: private targets allowed (the sinks are on 127.0.0.1), a lease of
# CRMHUB_DELIVERY_LEASE (20 s), longer than a whole send can take with CRMHUB_DELIVERY_TIMEOUT (3 s per step), the
# same CRMHUB_DELIVERY_HOSTNAME on every instance so that a message sent again by another instance keeps its
# Message-ID, and quick retries.
set -euo pipefail
. "$(dirname "$0")/env.sh"
command=${1:-}
n=${2:-}
case "$n" in 1 | 2 | 3) ;; *) echo "instance.sh: N must be 1, 2 or 3" >&2; exit 2 ;; esac
port=${instance_ports[$((n - 1))]}
pidfile="$topology/crmhub-$n.pid"
case "$command" in
  start)
    if pid_alive "$pidfile"; then echo "instance $n is already running" >&2; exit 0; fi
    CRMHUB_DATABASE_URL="$app_url" CRMHUB_DB_PREPARED_STATEMENTS=off CRMHUB_MIGRATE=false \
      CRMHUB_HTTP_ADDRESS="127.0.0.1:$port" CRMHUB_DRAIN_DELAY="${CRMHUB_DRAIN_DELAY:-3}" \
      CRMHUB_SHUTDOWN_GRACE="${CRMHUB_SHUTDOWN_GRACE:-10}" CRMHUB_DB_POOL_SIZE="${CRMHUB_DB_POOL_SIZE:-8}" \
      CRMHUB_STATEMENT_TIMEOUT="${CRMHUB_STATEMENT_TIMEOUT:-5}" \
      CRMHUB_DELIVERY_WORKERS="${CRMHUB_DELIVERY_WORKERS:-2}" CRMHUB_TRUSTED_PROXIES=127.0.0.1/32 \
      CRMHUB_DELIVERY_LEASE="${CRMHUB_DELIVERY_LEASE:-20}" CRMHUB_DELIVERY_TIMEOUT="${CRMHUB_DELIVERY_TIMEOUT:-3}" \
      CRMHUB_DELIVERY_POLL_INTERVAL_MS=250 CRMHUB_DELIVERY_RETRY_BASE_MS=1000 CRMHUB_DELIVERY_RETRY_MAX_MS=5000 \
      CRMHUB_DELIVERY_HOSTNAME=crmhub.local CRMHUB_DELIVERY_PRIVATE_TARGETS=allow \
      CRMHUB_BOOTSTRAP_ADMIN_TOKEN_FILE="$topology/admin-token" CRMHUB_SECRET_KEY_FILE="$topology/secret-key" \
      CRMHUB_MIGRATIONS_DIR="$root/sql" CRMHUB_OPENAPI_FILE="$root/openapi/openapi.yaml" CRMHUB_LOG_LEVEL=warning \
      detach "$pidfile" "$topology/crmhub-$n.log" "$binary" serve
    if ! wait_for 60 curl -fsS "http://127.0.0.1:$port/readyz"; then
      echo "instance $n did not become ready; see $topology/crmhub-$n.log" >&2
      exit 1
    fi
    ;;
  stop | kill)
    if pid_alive "$pidfile"; then
      pid=$(cat "$pidfile")
      kill -s "$([ "$command" = kill ] && echo KILL || echo TERM)" "$pid"
      wait_for 60 sh -c "! kill -0 $pid" || echo "instance $n did not stop in 60 s" >&2
    fi
    rm -f "$pidfile"
    ;;
  *) echo "usage: instance.sh start|stop|kill N" >&2; exit 2 ;;
esac
