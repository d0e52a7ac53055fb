#!/usr/bin/env bash
# Runs every test against a real PostgreSQL: the README's second command, and what CI runs (.ci/run).
#
#   scripts/test.sh [swift test arguments…]      e.g. scripts/test.sh --filter ParserTests
#
# 1. dependencies  scripts/setup-deps.sh --test, and a Python virtual environment in .data/venv with the Python
#                  tools the tests call (openapi-spec-validator); its bin/ is put first on PATH.
# 2. database      a private cluster in .data/pg-test on port 54321 (CRMHUB_TEST_PG_PORT), fsync off, reached
#                  over its Unix socket; CRMHUB_TEST_DATABASE_URL is exported for the tests, which create their
#                  own databases in it as crmhub_test_owner (no SUPERUSER, no CREATEROLE). Databases left by
#                  earlier runs are dropped first.
# 3. build         scripts/lint.sh (SQL only in stores; transactions and tenancy only in Postgres/OrgScope; swift format),
#                  then swift build --build-tests
# 4. tests         swift test --no-parallel, with the arguments given to this script
# 5. python tests  Tests/python/test_*.py with pytest (schemathesis against the live server and openapi.yaml)
# 6. previous      scripts/test-previous-release.sh: the previous release's binary (built once, cached in
#    release       .data/previous-release) ingests against the newest schema; CRMHUB_PREVIOUS_RELEASE_TEST=off skips it
# 7. image         deploy/test-image.sh: the container image built from Debian packages and run with podman;
#                  skipped, saying why, where containers cannot run (or with CRMHUB_IMAGE_TEST=off)
# The cluster is stopped at the end if this script started it and no other run of it is still using it.
# Each phase prints its duration; the exit code is the tests' (non-zero if either suite failed).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# ---- phases and their timing ---------------------------------------------------------------------------------
phase_name=""
phase_started=0
timings=()
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
seconds_since() { local ms=$(( $(now_ms) - $1 )); printf '%d.%ds' $((ms / 1000)) $(((ms % 1000) / 100)); }
end_phase() {
  [ -n "$phase_name" ] || return 0
  local took
  took=$(seconds_since "$phase_started")
  printf '== %s: done in %s\n' "$phase_name" "$took"
  timings+=("$(printf '%-14s %s' "$phase_name" "$took")")
  phase_name=""
}
phase() {
  end_phase
  phase_name=$1
  phase_started=$(now_ms)
  printf '\n== %s\n' "$phase_name"
}
script_started=$(now_ms)

# ---- the shared test cluster -----------------------------------------------------------------------------------
# Several runs may share the cluster (two terminals, two checkouts of the same working tree). Each run holds a
# shared flock on .data/pg-test.lock while it uses the cluster. A run that can take the lock exclusively is alone:
# only then does it drop old test databases, or stop the cluster at the end. The lock's descriptor (9) is closed
# for every child (9>&-) so that no daemon (postgres, a leaked server) keeps it.
port=${CRMHUB_TEST_PG_PORT:-54321}
cluster="$root/.data/pg-test"
marker="$root/.data/pg-test.started-by-test-sh"  # present while a cluster this script started is running
status=0

# shellcheck disable=SC2317  # called by the EXIT trap
finish() {
  local code=$?
  trap - EXIT INT TERM
  end_phase
  if [ -n "${lock_open:-}" ] && flock -n -x 9 && [ -f "$marker" ]; then
    printf '\n== stopping the test cluster\n'
    scripts/pg-cluster.sh stop "$cluster" 9>&- || true
    rm -f "$marker"
  fi
  if [ "${#timings[@]}" -gt 0 ]; then
    printf '\n== timings\n'
    printf '  %s\n' "${timings[@]}"
    printf '  %-14s %s\n' total "$(seconds_since "$script_started")"
  fi
  if [ "$code" = 0 ]; then printf '== tests passed\n'; else printf '== FAILED (exit %s)\n' "$code"; fi
  exit "$code"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs psql on the postgres database as the cluster's owner.
psql_owner() { scripts/pg-cluster.sh psql "$cluster" "$port" -d postgres "$@" 9>&-; }

# ---- 1. dependencies -------------------------------------------------------------------------------------------
phase dependencies
scripts/setup-deps.sh --test --image

# Python tools for the tests, in a virtual environment (Debian's python3 refuses system-wide pip installs).
# Reinstalled only when the list changes. Tests/python/requirements.txt (later issues) is added to it.
venv="$root/.data/venv"
python_tools=("openapi-spec-validator==0.9.0")
python_tests=$(find Tests/python -name 'test_*.py' -print -quit 2>/dev/null || true)
[ -n "$python_tests" ] && python_tools+=("pytest")
wanted=$(printf '%s\n' "${python_tools[@]}"; cat Tests/python/requirements.txt 2>/dev/null || true)
if ! "$venv/bin/python" -c '' >/dev/null 2>&1; then
  echo "creating the Python virtual environment in .data/venv"
  rm -rf "$venv"
  mkdir -p "$root/.data"
  python3 -m venv "$venv"
fi
if [ "$(cat "$venv/.crmhub-requirements" 2>/dev/null || true)" != "$wanted" ]; then
  pip_args=(install -q --disable-pip-version-check "${python_tools[@]}")
  [ -f Tests/python/requirements.txt ] && pip_args+=(-r Tests/python/requirements.txt)
  echo "installing Python tools: ${pip_args[*]:3}"
  "$venv/bin/python" -m pip "${pip_args[@]}" ||
    { echo "test.sh: pip could not install the Python tools (is PyPI reachable?)" >&2; exit 1; }
  printf '%s' "$wanted" >"$venv/.crmhub-requirements"
fi
export VIRTUAL_ENV="$venv"
export PATH="$venv/bin:$PATH"

# ---- 2. database -----------------------------------------------------------------------------------------------
phase database
mkdir -p "$root/.data"
exec 9>>"$root/.data/pg-test.lock"
lock_open=1
alone=0
if flock -n -x 9; then alone=1; else echo "another test run is using the cluster: sharing it"; flock -s 9; fi
starting=0
scripts/pg-cluster.sh status "$cluster" >/dev/null 2>&1 9>&- || starting=1
CRMHUB_TEST_DATABASE_URL=$(PG_FAST=1 scripts/pg-cluster.sh start "$cluster" "$port" 9>&-)
export CRMHUB_TEST_DATABASE_URL
port=$(sed -n 's/.*port=\([0-9]*\).*/\1/p' <<<"$CRMHUB_TEST_DATABASE_URL")  # the port it really runs on
if [ "$starting" = 1 ]; then touch "$marker"; fi
# The tests run as a managed PostgreSQL would let them (README, "Least privilege"): crmhub_test_owner has neither
# SUPERUSER nor CREATEROLE; it may create databases (each test makes its own, which it then owns) and owns
# crmhub_suite, where tests that need scratch tables make them. crmhub_app is made here, as an administrator would.
psql_owner <<'SQL'
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'crmhub_test_owner') THEN CREATE ROLE crmhub_test_owner; END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'crmhub_app') THEN CREATE ROLE crmhub_app NOLOGIN; END IF;
END
$$;
ALTER ROLE crmhub_test_owner LOGIN NOSUPERUSER NOCREATEROLE NOBYPASSRLS CREATEDB;
GRANT crmhub_app TO crmhub_test_owner;
SQL
if [ "$(psql_owner -tA -c "SELECT 1 FROM pg_database WHERE datname = 'crmhub_suite'")" != 1 ]; then
  psql_owner -c 'CREATE DATABASE crmhub_suite OWNER crmhub_test_owner'
fi
CRMHUB_TEST_DATABASE_URL=$(sed -e 's/user=postgres/user=crmhub_test_owner/' -e 's/dbname=postgres/dbname=crmhub_suite/' \
  <<<"$CRMHUB_TEST_DATABASE_URL")
echo "CRMHUB_TEST_DATABASE_URL='$CRMHUB_TEST_DATABASE_URL'"
if [ "$alone" = 1 ]; then
  # Tests name their databases crmhub_test_<name>_<random>; a run that was killed leaves some behind.
  stale=$(psql_owner -tA -c "SELECT datname FROM pg_database WHERE datname LIKE 'crmhub\_test\_%'")
  if [ -n "$stale" ]; then
    echo "dropping $(wc -l <<<"$stale") database(s) left by earlier runs"
    while read -r name; do
      psql_owner -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >/dev/null
    done <<<"$stale"
  fi
  flock -s 9  # from now on other runs may share the cluster
fi

# ---- 3. build --------------------------------------------------------------------------------------------------
phase build
# The checks the compiler cannot make: SQL only in stores, transaction and tenancy SQL only in Postgres/OrgScope.
scripts/lint.sh 9>&-
# Warnings are errors: the code base stays warning-free in the Swift 6 language mode.
swift build --build-tests -Xswiftc -warnings-as-errors 9>&-

# ---- 4. Swift tests --------------------------------------------------------------------------------------------
phase tests
# Serially: the suite starts hundreds of servers and has timing assertions (pool FIFO, slow clients); run in
# parallel on a two-core machine they starve each other. Serial takes about 1.5 times as long and is exact.
swift test --skip-build --no-parallel "$@" 9>&- || status=$?

# ---- 5. Python tests: HOOK for later issues (a no-op until Tests/python/test_*.py exist) --------------------------
# Clients written in Python (requests, zeep for SOAP, schemathesis against openapi/openapi.yaml) go in
# Tests/python as pytest files, with their packages in Tests/python/requirements.txt (installed above into
# .data/venv). They get CRMHUB_TEST_DATABASE_URL and CRMHUB_BIN (the debug crmhub binary built above) and start
# the servers they need themselves. Skipped when arguments were given: those are meant for `swift test`.
if [ -n "$python_tests" ]; then
  if [ "$#" -gt 0 ]; then
    echo "(Python tests in Tests/python skipped: arguments were given for swift test)"
  else
    phase "python tests"
    python_status=0
    rm -rf "$root/.data/test-logs"  # the server logs of the last run (Tests/python/crmhub_process.py)
    CRMHUB_BIN="$(swift build --show-bin-path 9>&-)/crmhub" python -m pytest -q Tests/python 9>&- || python_status=$?
    [ "$status" = 0 ] && status=$python_status
  fi
fi

# ---- 6. the previous release against the newest schema (scripts/test-previous-release.sh) ------------------------
# Only for a whole run. Exit 77: no git history to build the previous release from.
if [ "$#" -eq 0 ]; then
  phase "previous release"
  previous_status=0
  CRMHUB_BIN="$(swift build --show-bin-path 9>&-)/crmhub" scripts/test-previous-release.sh 9>&- || previous_status=$?
  if [ "$previous_status" = 77 ]; then
    echo "(previous-release test skipped, as said above)"
  elif [ "$status" = 0 ]; then
    status=$previous_status
  fi
fi

# ---- 7. the container image (deploy/test-image.sh) ---------------------------------------------------------------
# Only for a whole run (no arguments). It starts its own PostgreSQL (CRMHUB_IMAGE_TEST_PG_PORT) and builds the
# release binary; the Debian base image stays in podman's storage as a cache. Exit 77: containers cannot run here.
if [ "$#" -eq 0 ] && [ "${CRMHUB_IMAGE_TEST:-on}" != off ]; then
  phase "image test"
  image_status=0
  deploy/test-image.sh 9>&- || image_status=$?
  if [ "$image_status" = 77 ]; then
    echo "(image test skipped: containers cannot run on this machine, as said above)"
  elif [ "$status" = 0 ]; then
    status=$image_status
  fi
fi

end_phase
exit "$status"
