#!/usr/bin/env bash
# Stops the local topology that deploy/local/up.sh started: HAProxy, the instances (SIGTERM, drained), the
# PgBouncers, then the pg_auto_failover nodes and monitor. --purge also removes .data/topology.
set -uo pipefail
. "$(dirname "$0")/env.sh"
stop_pidfile() {
  if pid_alive "$1"; then
    local pid
    pid=$(cat "$1")
    kill -TERM "$pid"
    wait_for 30 sh -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null
  fi
  rm -f "$1"
}
[ -d "$topology" ] || { echo "down.sh: nothing to stop"; exit 0; }
stop_pidfile "$topology/haproxy.pid"
for n in 1 2 3; do "$root/deploy/local/instance.sh" stop "$n"; done
for i in 1 2; do stop_pidfile "$topology/pgbouncer$i.pid"; done
for data in node2 node1 monitor; do
  [ -d "$topology/$data" ] && autoctl stop --pgdata "$topology/$data" >/dev/null 2>&1
  stop_pidfile "$topology/$data.pid"
  as_postgres "$pgbin/pg_ctl" status -D "$topology/$data" >/dev/null 2>&1 &&
    as_postgres "$pgbin/pg_ctl" stop -m fast -D "$topology/$data" >/dev/null 2>&1
done
if [ "${1:-}" = --purge ]; then rm -rf "$topology"; echo "stopped and removed $topology"; else echo "stopped (data kept in $topology)"; fi
