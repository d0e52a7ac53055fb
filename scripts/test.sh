#!/usr/bin/env bash
# Sets up and runs every test against a real PostgreSQL (README's second command; CI runs it).
#   scripts/test.sh [swift test arguments…]     e.g. scripts/test.sh --filter ParserTests
# Installs what is missing, starts a private cluster in .data/pg-test (port 54321, fsync off), builds the
# tests, runs them, and stops the cluster it started. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

phase() { printf '== %s (%ss)\n' "$1" "$SECONDS"; }

phase "dependencies"
scripts/setup-deps.sh --test

port=${CRMHUB_TEST_PG_PORT:-54321}
cluster="$root/.data/pg-test"
started_cluster=0
cleanup() {
  if [ "$started_cluster" = 1 ]; then scripts/pg-cluster.sh stop "$cluster" || true; fi
}
trap cleanup EXIT INT TERM

phase "database"
if ! scripts/pg-cluster.sh status "$cluster" >/dev/null 2>&1; then started_cluster=1; fi
conninfo=$(PG_FAST=1 scripts/pg-cluster.sh start "$cluster" "$port")
export CRMHUB_TEST_DATABASE_URL="$conninfo"
# Databases made by earlier runs are dropped so the cluster does not grow without end.
psql_admin() {
  if [ "$(id -u)" = 0 ]; then set -- runuser -u postgres -- psql "$@"; else set -- psql "$@"; fi
  "$@"
}
for db in $(psql_admin -X -h "$cluster" -p "$port" -U postgres -d postgres -tAc \
  "SELECT datname FROM pg_database WHERE datname LIKE 'crmhub\_test\_%'"); do
  psql_admin -X -q -h "$cluster" -p "$port" -U postgres -d postgres -c "DROP DATABASE IF EXISTS \"$db\"" >/dev/null
done

phase "build"
swift build --build-tests

phase "tests"
status=0
swift test --skip-build "$@" || status=$?

# Hook for later issues: Python clients (requests, zeep, schemathesis) under Tests/python run here.
if [ "$status" = 0 ] && [ -d Tests/python ] && [ -z "${*:-}" ]; then
  phase "python tests"
  for script in Tests/python/*.sh; do [ -e "$script" ] && { bash "$script" || status=$?; }; done
fi

phase "done (exit $status)"
exit "$status"
