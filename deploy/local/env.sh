# The local production topology's ports, folders and helpers; sourced by up.sh, down.sh, instance.sh and
# bench/chaos. Everything listens on 127.0.0.1, ports 55400-55499.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
topology="${CRMHUB_TOPOLOGY_DIR:-$root/.data/topology}"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
balancer_port=55400          # HAProxy: the one address clients use
haproxy_stats_port=55409
monitor_port=55401           # pg_auto_failover monitor
node_ports=(55402 55403)     # PostgreSQL node1, node2 (primary and synchronous secondary, in either order)
bouncer_ports=(55412 55413)  # PgBouncer in front of node1, node2
instance_ports=(55421 55422 55423)
binary="${CRMHUB_BIN:-}"
if [ -z "$binary" ]; then
  binary="$root/.build/release/crmhub"
  [ -x "$binary" ] || binary="$root/.build/debug/crmhub"
fi
# The instances reach PostgreSQL through both PgBouncers; libpq keeps the one whose server accepts writes.
app_url="postgresql://crmhub_owner@127.0.0.1:${bouncer_ports[0]},127.0.0.1:${bouncer_ports[1]}/crmhub?target_session_attrs=read-write&connect_timeout=2"
# Migrations hold a session advisory lock, so they connect to the nodes directly.
direct_url="postgresql://crmhub_owner@127.0.0.1:${node_ports[0]},127.0.0.1:${node_ports[1]}/crmhub?target_session_attrs=read-write&connect_timeout=2"

as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- env XDG_CONFIG_HOME="$topology/xdg/config" XDG_DATA_HOME="$topology/xdg/data" \
      XDG_RUNTIME_DIR="$topology/xdg/run" PATH="$pgbin:$PATH" "$@"
  else
    env XDG_CONFIG_HOME="$topology/xdg/config" XDG_DATA_HOME="$topology/xdg/data" \
      XDG_RUNTIME_DIR="$topology/xdg/run" PATH="$pgbin:$PATH" "$@"
  fi
}

autoctl() { as_postgres /usr/bin/pg_autoctl "$@"; }

# Waits up to $1 seconds for the command after it to succeed.
wait_for() {
  local seconds=$1 waited=0
  shift
  until "$@" >/dev/null 2>&1; do
    waited=$((waited + 1))
    if [ "$waited" -gt $((seconds * 5)) ]; then return 1; fi
    sleep 0.2
  done
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Starts a detached process with its own session, output to $2, pid to $1.
detach() {
  local pidfile=$1 log=$2
  shift 2
  setsid "$@" </dev/null >>"$log" 2>&1 &
  echo $! >"$pidfile"
}
