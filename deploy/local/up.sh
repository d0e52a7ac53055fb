#!/usr/bin/env bash
# The production topology on one machine, from Debian's packages, everything on 127.0.0.1:
#
#   pg_auto_failover  monitor :55401, node1 :55402 and node2 :55403 (a primary and a synchronous secondary)
#   PgBouncer 1.18    :55412 in front of node1, :55413 in front of node2; transaction pooling
#   crmhub serve x3   :55421-55423, each with its delivery workers, reaching PostgreSQL through both PgBouncers
#                     with target_session_attrs=read-write and CRMHUB_DB_PREPARED_STATEMENTS=off
#   HAProxy           :55400, health-checking /readyz (stats on :55409)
#
# State, logs and the admin token (.data/topology/admin-token) are in .data/topology; deploy/local/down.sh stops
# everything (--purge also removes the folder). Uses the release binary when built, else the debug one
# (CRMHUB_BIN chooses another). Run as root or as a user that may run PostgreSQL.
set -euo pipefail
. "$(dirname "$0")/env.sh"

"$root/scripts/setup-deps.sh" --topology
if [ ! -x "$binary" ]; then
  echo "up.sh: building crmhub (debug)" >&2
  (cd "$root" && swift build --product crmhub >/dev/null)
  binary="$root/.build/debug/crmhub"
fi
mkdir -p "$topology/xdg/config" "$topology/xdg/data" "$topology/xdg/run"
chmod 700 "$topology/xdg/run"
[ "$(id -u)" = 0 ] && chown -R postgres:postgres "$topology"
[ -s "$topology/admin-token" ] || (umask 077 && openssl rand -hex 24 >"$topology/admin-token")
[ -s "$topology/secret-key" ] || (umask 077 && openssl rand -hex 32 >"$topology/secret-key")

# --- PostgreSQL made highly available by pg_auto_failover ---
if [ ! -d "$topology/monitor" ]; then
  autoctl create monitor --pgdata "$topology/monitor" --pgport "$monitor_port" --hostname 127.0.0.1 \
    --auth trust --no-ssl --pgctl "$pgbin/pg_ctl" >>"$topology/monitor.log" 2>&1
fi
# pg_autoctl makes the monitor listen on '*'; loopback only here.
monitor_cfg="$topology/xdg/config/pg_autoctl$topology/monitor/pg_autoctl.cfg"
if grep -q '^listen_addresses = \*' "$monitor_cfg"; then
  sed -i 's/^listen_addresses = \*/listen_addresses = 127.0.0.1/' "$monitor_cfg"
  sed -i "s/^listen_addresses = '\*'/listen_addresses = '127.0.0.1'/" "$topology/monitor/postgresql-auto-failover.conf"
fi
pid_alive "$topology/monitor.pid" ||
  detach "$topology/monitor.pid" "$topology/monitor.log" runuser -u postgres -- env XDG_CONFIG_HOME="$topology/xdg/config" \
    XDG_DATA_HOME="$topology/xdg/data" XDG_RUNTIME_DIR="$topology/xdg/run" /usr/bin/pg_autoctl run --pgdata "$topology/monitor"
wait_for 60 autoctl show state --pgdata "$topology/monitor" ||
  { echo "up.sh: the monitor did not start; see $topology/monitor.log" >&2; exit 1; }
monitor="postgres://autoctl_node@127.0.0.1:$monitor_port/pg_auto_failover?sslmode=disable"
# Quicker failure detection than pg_auto_failover's defaults (a check every 5 s, a node unhealthy after 20 s, 30 s
# for a hung primary to demote): a primary that hangs (SIGSTOP) is failed over in seconds. With synchronous
# replication a primary that wakes up after the promotion cannot commit alone (its standby no longer follows it).
monitor_socket=$(sed -n '5p' "$topology/monitor/postmaster.pid")
as_postgres psql -X -q -h "$monitor_socket" -p "$monitor_port" -d pg_auto_failover -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
ALTER SYSTEM SET pgautofailover.health_check_period = 1000;
ALTER SYSTEM SET pgautofailover.health_check_timeout = 2000;
ALTER SYSTEM SET pgautofailover.health_check_max_retries = 1;
ALTER SYSTEM SET pgautofailover.health_check_retry_delay = 500;
ALTER SYSTEM SET pgautofailover.node_considered_unhealthy_timeout = 4000;
ALTER SYSTEM SET pgautofailover.primary_demote_timeout = 1500;
SELECT pg_reload_conf();
SQL

for i in 1 2; do
  data="$topology/node$i"
  if [ ! -d "$data" ]; then
    autoctl create postgres --pgdata "$data" --pgport "${node_ports[$((i - 1))]}" --hostname 127.0.0.1 --listen 127.0.0.1 \
      --name "node$i" --dbname crmhub --monitor "$monitor" --auth trust --no-ssl --pgctl "$pgbin/pg_ctl" \
      >>"$topology/node$i.log" 2>&1
  fi
  pid_alive "$topology/node$i.pid" ||
    detach "$topology/node$i.pid" "$topology/node$i.log" runuser -u postgres -- env XDG_CONFIG_HOME="$topology/xdg/config" \
      XDG_DATA_HOME="$topology/xdg/data" XDG_RUNTIME_DIR="$topology/xdg/run" /usr/bin/pg_autoctl run --pgdata "$data"
  # The first node must be up (single, or either role on a restart) before the second joins as its standby.
  want="node$i .*(single|primary|secondary)"
  if ! wait_for 180 sh -c "runuser -u postgres -- env XDG_CONFIG_HOME='$topology/xdg/config' XDG_DATA_HOME='$topology/xdg/data' \
      /usr/bin/pg_autoctl show state --pgdata '$topology/monitor' | grep -Eq '$want'"; then
    echo "up.sh: node$i did not reach its state; see $topology/node$i.log" >&2
    exit 1
  fi
done

writable="host=127.0.0.1,127.0.0.1 port=${node_ports[0]},${node_ports[1]} dbname=crmhub target_session_attrs=read-write"
wait_for 60 as_postgres psql -X -At -d "$writable" -c 'SELECT 1' ||
  { echo "up.sh: no node accepts writes; see $topology/node*.log" >&2; exit 1; }
primary=$(as_postgres psql -X -At -d "$writable" -c 'SELECT inet_server_port()')
# Loopback only: any local role may connect to crmhub (the hba pg_autoctl wrote covers its own roles).
for i in 1 2; do
  hba="$topology/node$i/pg_hba.conf"
  grep -q 'crmhub local topology' "$hba" || {
    printf '# crmhub local topology\nhost crmhub all 127.0.0.1/32 trust\n' >>"$hba"
    as_postgres "$pgbin/pg_ctl" reload -D "$topology/node$i" >/dev/null
  }
done
as_postgres psql -X -q -d "$writable" -v ON_ERROR_STOP=1 <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'crmhub_owner') THEN CREATE ROLE crmhub_owner LOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'crmhub_app') THEN CREATE ROLE crmhub_app NOLOGIN; END IF;
END $$;
GRANT crmhub_app TO crmhub_owner;
ALTER DATABASE crmhub OWNER TO crmhub_owner;
ALTER SCHEMA public OWNER TO crmhub_owner;
ALTER ROLE crmhub_owner SET statement_timeout = '5s';
SQL

# --- PgBouncer, one beside each node ---
for i in 1 2; do
  ini="$topology/pgbouncer$i.ini"
  cat >"$ini" <<INI
[databases]
crmhub = host=127.0.0.1 port=${node_ports[$((i - 1))]} dbname=crmhub
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${bouncer_ports[$((i - 1))]}
unix_socket_dir =
auth_type = trust
auth_file = $topology/pgbouncer-users.txt
pool_mode = transaction
default_pool_size = 20
max_client_conn = 500
server_connect_timeout = 2
server_login_retry = 1
query_wait_timeout = 10
query_timeout = 4
ignore_startup_parameters = extra_float_digits
$([ "$(id -u)" = 0 ] && echo "user = postgres")
INI
  echo '"crmhub_owner" ""' >"$topology/pgbouncer-users.txt"
  chmod 644 "$ini" "$topology/pgbouncer-users.txt"
  pid_alive "$topology/pgbouncer$i.pid" || detach "$topology/pgbouncer$i.pid" "$topology/pgbouncer$i.log" /usr/sbin/pgbouncer "$ini"
done

# --- migrations, directly on the primary; then the instances ---
CRMHUB_DATABASE_URL="$direct_url" CRMHUB_MIGRATIONS_DIR="$root/sql" "$binary" migrate >>"$topology/migrate.log" 2>&1 ||
  { echo "up.sh: migrating failed; see $topology/migrate.log" >&2; exit 1; }
for n in 1 2 3; do "$root/deploy/local/instance.sh" start "$n"; done

# --- HAProxy ---
# When no instance is ready (the database is failing over) HAProxy answers itself: a 503 with Retry-After too.
printf 'HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\nRetry-After: 1\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{"title":"Service Unavailable","status":503,"detail":"no instance is ready; retry shortly"}\n' \
  >"$topology/haproxy-503.http"
cat >"$topology/haproxy.cfg" <<CFG
global
  maxconn 4000
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  timeout check 2s
  retries 2
  option redispatch
  retry-on conn-failure empty-response
  errorfile 503 $topology/haproxy-503.http
frontend crmhub
  bind 127.0.0.1:$balancer_port
  default_backend instances
backend instances
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  default-server inter 500ms fastinter 250ms downinter 500ms fall 2 rise 2
  server crmhub1 127.0.0.1:${instance_ports[0]} check
  server crmhub2 127.0.0.1:${instance_ports[1]} check
  server crmhub3 127.0.0.1:${instance_ports[2]} check
listen stats
  bind 127.0.0.1:$haproxy_stats_port
  stats enable
  stats uri /
CFG
pid_alive "$topology/haproxy.pid" || detach "$topology/haproxy.pid" "$topology/haproxy.log" /usr/sbin/haproxy -db -f "$topology/haproxy.cfg"
wait_for 30 curl -fsS "http://127.0.0.1:$balancer_port/readyz" || { echo "up.sh: HAProxy does not answer; see $topology/haproxy.log" >&2; exit 1; }

echo "CRMHub is running behind HAProxy at http://127.0.0.1:$balancer_port (3 instances, PostgreSQL primary on :$primary)"
echo "platform admin token: $(cat "$topology/admin-token")"
echo "stop it with deploy/local/down.sh"
