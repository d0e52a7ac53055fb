#!/usr/bin/env bash
# Checks of the source tree that the compiler cannot make; run by scripts/test.sh before it builds.
#
#   scripts/lint.sh
#
# 1. SQL lives only in stores and the Postgres module (HTTP method names such as DELETE are not SQL).
# 2. What a transaction sees and when it ends is decided in one place: Postgres (transactions, savepoints, the
#    COMMIT that rides on a last statement) and OrgScope (the org and platform settings). No other file writes
#    set_config, SET ROLE/LOCAL, SAVEPOINT, ROLLBACK or COMMIT. Comment lines are not code and are skipped.
# 3. Result columns are read by name (or as a typed tuple), never by position: `row.decode(3)` shifts silently when
#    a select list gains a column.
# 4. Swift code is formatted as .swift-format says (`swift format`, part of the toolchain); to fix a change:
#    swift format format -i -r --parallel Sources Tests Package.swift
# Prints every offending file (and line) and exits non-zero if any check fails.
set -euo pipefail
cd "$(dirname "$0")/.."
failed=0

# Lines of Swift code under Sources matching the extended regex $1, as file:line:text, comment lines left out.
code_matching() {
  grep -rnE --include='*.swift' "$1" Sources | grep -vE '^[^:]+:[0-9]+:[[:space:]]*//' || true
}

misplaced=$(grep -rlE '\b(SELECT|INSERT|UPDATE|DELETE)\b' Sources | grep -v -e /Store/ -e /Postgres/ -e /HTTPServer/ || true)
if [ -n "$misplaced" ]; then
  printf 'SQL outside the stores:\n%s\n' "$misplaced" >&2
  failed=1
fi

tenancy=$(code_matching "set_config|SET (LOCAL|ROLE|SESSION)|SAVEPOINT|\\bROLLBACK\\b|\\bCOMMIT\\b" |
  grep -v -e '^Sources/Postgres/' -e '/OrgScope\.swift:' || true)
if [ -n "$tenancy" ]; then
  printf 'transaction or tenancy SQL outside Postgres/ and OrgScope (use OrgScope or PostgresConnection):\n%s\n' \
    "$tenancy" >&2
  failed=1
fi

positional=$(code_matching '\.decode\([0-9]')
if [ -n "$positional" ]; then
  printf 'result columns read by position (decode by name, or the whole row as a tuple):\n%s\n' "$positional" >&2
  failed=1
fi

if swift format --version >/dev/null 2>&1; then
  if ! unformatted=$(swift format lint --strict --parallel -r Sources Tests Package.swift 2>&1); then
    printf 'not formatted as .swift-format says (swift format format -i -r --parallel Sources Tests Package.swift):\n%s\n' \
      "$unformatted" >&2
    failed=1
  fi
else
  echo "swift format is not in this toolchain: formatting not checked" >&2
fi

exit "$failed"
