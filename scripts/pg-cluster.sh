#!/usr/bin/env bash
# A private PostgreSQL cluster for development and tests.
#
#   scripts/pg-cluster.sh start DIR PORT          create DIR/data if missing, start it (no-op when running);
#                                                 prints the conninfo on stdout
#   scripts/pg-cluster.sh standby DIR PORT PRIMARY_DIR PRIMARY_PORT
#                                                 like start, but DIR/data is made (when missing) as a hot standby
#                                                 streaming from the running cluster in PRIMARY_DIR (pg_basebackup -R)
#   scripts/pg-cluster.sh promote DIR             promote a running standby to a primary (pg_ctl promote)
#   scripts/pg-cluster.sh stop DIR                stop (fast shutdown; no-op when not running)
#   scripts/pg-cluster.sh status DIR              prints "running PORT" (exit 0) or "stopped" (exit 3)
#   scripts/pg-cluster.sh createdb DIR PORT NAME  create database NAME if missing
#   scripts/pg-cluster.sh psql DIR PORT ARGS…     psql as the cluster's owner: no psqlrc, quiet, stops at the first
#                                                 error; ARGS say which database (-d) and what to run (-c, stdin)
#
# The Unix socket lives in DIR; there is no TCP listener unless PG_LISTEN is set (e.g. PG_LISTEN=127.0.0.1).
# PG_FAST=1 turns fsync off (tests only: a crash can corrupt the cluster). PG_MAX_CONNECTIONS (default 300).
# PG_OPTIONS: more server options, e.g. "-c ssl=on -c ssl_cert_file=/path/server.crt -c ssl_key_file=/path/server.key".
# PostgreSQL refuses to run as root: as root, DIR is chowned to `postgres` and the server runs as `postgres`.
# The conninfo printed is `host=DIR port=PORT user=postgres dbname=postgres` (trust authentication).
set -euo pipefail

usage() { sed -n '2,20p' "$0" >&2; exit 2; }

pgbin() {
  local dir
  dir=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  if [ -z "$dir" ] || [ ! -x "$dir/pg_ctl" ]; then
    echo "pg-cluster: PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin (install postgresql)" >&2
    exit 2
  fi
  echo "$dir"
}

# Runs a command as the cluster's owner: `postgres` when we are root, ourselves otherwise.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# psql on the cluster in $dir at PORT as the owner, with ARGS.
owner_psql() {  # PORT ARGS…
  local port=$1
  shift
  as_owner "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres "$@"
}

# The port of the running server, from postmaster.pid (line 4), or nothing when it is not running.
running_port() {
  if [ -f "$data/PG_VERSION" ] && as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    sed -n '4p' "$data/postmaster.pid" 2>/dev/null || true
  fi
}

# Closes every descriptor above stderr. The server outlives this script, and a descriptor it inherited from our
# caller (Foundation's Process watches a socket for end-of-file to learn that its child exited) would be held
# open for the server's whole life. Call it in a subshell only.
close_inherited_fds() {
  local path fd
  for path in /proc/"$BASHPID"/fd/*; do
    fd=${path##*/}
    case "$fd" in
      '' | *[!0-9]*) ;;
      *) if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi ;;
    esac
  done
}

# As root, DIR belongs to `postgres`, which must be able to reach it.
own_dir() {
  if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$dir"
    chmod 700 "$dir"
    if ! runuser -u postgres -- test -w "$dir"; then
      echo "pg-cluster: user postgres cannot reach $dir (a parent directory is not searchable)" >&2
      exit 1
    fi
  fi
}

check_port() {
  case "$1" in
    '' | *[!0-9]*) echo "pg-cluster: PORT must be a number, got '$1'" >&2; exit 2 ;;
  esac
}

cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then usage; fi
bin=$(pgbin)
if [ "$cmd" = start ] || [ "$cmd" = standby ]; then mkdir -p "$dir"; fi
if [ -d "$dir" ]; then dir=$(cd "$dir" && pwd); fi
data="$dir/data"

case "$cmd" in
  start)
    port=${3:-}
    check_port "$port"
    if [ $(( ${#dir} + 20 )) -gt 107 ]; then
      echo "pg-cluster: '$dir' is too long for a Unix socket path (107 bytes); use a shorter DIR" >&2
      exit 2
    fi
    own_dir
    if [ ! -f "$data/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
        as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    current=$(running_port)
    if [ -n "$current" ]; then
      if [ "$current" != "$port" ]; then
        echo "pg-cluster: $dir is already running on port $current (not $port); reusing it" >&2
      fi
      port=$current
    else
      opts="-c listen_addresses='${PG_LISTEN:-}' -c unix_socket_directories='$dir' -p $port"
      opts="$opts -c max_connections=${PG_MAX_CONNECTIONS:-300}"
      if [ "${PG_FAST:-0}" = 1 ]; then
        opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
      fi
      opts="$opts ${PG_OPTIONS:-}"
      ( close_inherited_fds; as_owner "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 -o "$opts" start ) \
        </dev/null >/dev/null || { tail -n 20 "$dir/server.log" >&2; exit 1; }
    fi
    echo "host=$dir port=$port user=postgres dbname=postgres"
    ;;
  standby)
    port=${3:-}
    primary_dir=${4:-}
    primary_port=${5:-}
    check_port "$port"
    check_port "$primary_port"
    if [ ! -f "$data/PG_VERSION" ]; then
      [ -d "$primary_dir" ] || { echo "pg-cluster: no primary cluster at '$primary_dir'" >&2; exit 2; }
      own_dir
      # -R writes standby.signal and primary_conninfo (the primary's socket folder and port); -X stream copies the
      # WAL written during the backup, so the standby starts consistent.
      as_owner "$bin/pg_basebackup" -h "$(cd "$primary_dir" && pwd)" -p "$primary_port" -U postgres -D "$data" \
        -R -X stream --checkpoint=fast >"$dir/basebackup.log" 2>&1 || { cat "$dir/basebackup.log" >&2; exit 1; }
    fi
    exec "$BASH" "$0" start "$dir" "$port"
    ;;
  promote)
    as_owner "$bin/pg_ctl" -D "$data" -w -t 60 promote >/dev/null
    ;;
  stop)
    if [ -n "$(running_port)" ]; then
      as_owner "$bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null
    fi
    ;;
  status)
    current=$(running_port)
    if [ -n "$current" ]; then echo "running $current"; else echo "stopped"; exit 3; fi
    ;;
  createdb)
    port=${3:-}
    name=${4:-}
    check_port "$port"
    if ! [[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]{0,62}$ ]]; then
      echo "pg-cluster: database name must match [A-Za-z_][A-Za-z0-9_]*, got '$name'" >&2
      exit 2
    fi
    exists=$(owner_psql "$port" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'")
    if [ "$exists" != 1 ]; then
      owner_psql "$port" -d postgres -c "CREATE DATABASE \"$name\"" >/dev/null
    fi
    ;;
  psql)
    port=${3:-}
    check_port "$port"
    shift 3
    owner_psql "$port" "$@"
    ;;
  *)
    usage
    ;;
esac
