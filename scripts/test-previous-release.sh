#!/usr/bin/env bash
# The previous release keeps ingesting against the newest schema (README, "Migrations while old instances run").
#
#   scripts/test-previous-release.sh      scripts/test.sh runs it after the Python tests;
#                                         CRMHUB_PREVIOUS_RELEASE_TEST=off skips it (and says so)
#
# 1. previous release  the newest commit on this branch's first-parent line whose sql/ lacks the newest migration
#                      (CRMHUB_PREVIOUS_RELEASE=<commit> picks another). Its crmhub is built once (debug, from
#                      `git archive`) into .data/previous-release/<commit> and reused by later runs; a cold build
#                      takes a few minutes.
# 2. schema            a fresh database crmhub_test_prev_* in the test cluster (CRMHUB_TEST_DATABASE_URL, as
#                      scripts/test.sh exports it), migrated by this checkout's build (CRMHUB_BIN, default
#                      .build/debug/crmhub), which also makes an org and a listener there.
# 3. ingest            the previous release serves that database with CRMHUB_MIGRATE=false (it must not migrate;
#                      it could not: the schema is newer than it knows); listener add-contact singles and a batch
#                      must all answer 200, and every contact must be stored once, with its code and its created
#                      history line.
# Leaves nothing behind but the cached build: the database is dropped and the server stopped on any exit.
# Exit status: 0 passed, 1 failed, 77 skipped (no git history to build from).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [ "${CRMHUB_PREVIOUS_RELEASE_TEST:-on}" = off ]; then
  echo "previous-release test skipped (CRMHUB_PREVIOUS_RELEASE_TEST=off)"
  exit 0
fi
if ! git rev-parse --verify -q HEAD >/dev/null 2>&1; then
  echo "previous-release test skipped: not a git checkout, so there is no previous release to build"
  exit 77
fi
: "${CRMHUB_TEST_DATABASE_URL:?is not set: run this from scripts/test.sh, or set it as scripts/test.sh does}"
new_bin=${CRMHUB_BIN:-$root/.build/debug/crmhub}
[ -x "$new_bin" ] || { echo "test-previous-release: $new_bin is not built (swift build)" >&2; exit 1; }

# ---- 1. the previous release ------------------------------------------------------------------------------------
newest=$(git ls-tree --name-only HEAD sql/ | sed -n 's|^sql/\([0-9]\{4\}\)_.*\.sql$|\1|p' | sort | tail -n 1)
previous=${CRMHUB_PREVIOUS_RELEASE:-}
if [ -z "$previous" ]; then
  for commit in $(git rev-list --first-parent HEAD); do
    if ! git ls-tree --name-only "$commit" sql/ | grep -q "^sql/${newest}_"; then previous=$commit; break; fi
  done
fi
[ -n "$previous" ] || { echo "test-previous-release: no commit before migration $newest" >&2; exit 1; }
previous=$(git rev-parse "$previous^{commit}")
short=${previous:0:12}
cache="$root/.data/previous-release"
release="$cache/$short"
echo "previous release: $short ($(git log -1 --format=%s "$previous" | cut -c1-80)), newest migration here: $newest"
if [ ! -x "$release/crmhub" ]; then
  # Older releases' builds are not needed any more.
  find "$cache" -mindepth 1 -maxdepth 1 -not -name "$short" -exec rm -rf {} + 2>/dev/null || true
  rm -rf "$release"
  mkdir -p "$release/src"
  git archive "$previous" | tar -x -C "$release/src"
  echo "building it (debug; cached in .data/previous-release/$short for later runs)"
  started=$(date +%s)
  CRMHUB_BUILD_COMMIT=$short swift build --package-path "$release/src" --product crmhub 2>&1 | tail -n 3
  cp "$(swift build --package-path "$release/src" --show-bin-path)/crmhub" "$release/crmhub.partial"
  rm -rf "$release/src/.build"
  mv "$release/crmhub.partial" "$release/crmhub"
  echo "built in $(( $(date +%s) - started )) s"
fi

# ---- 2. the newest schema, an org and a listener ------------------------------------------------------------------
run_id="$(date +%s)$RANDOM"
database="crmhub_test_prev_$run_id"
url="$CRMHUB_TEST_DATABASE_URL dbname=$database"
log="$cache/serve-$run_id.log"
server_pid=""
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  psql -X -q -d "$CRMHUB_TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -f "$log" "$cache/body-$run_id"
}
trap cleanup EXIT
fail() {
  echo "previous-release test FAILED: $*" >&2
  [ -f "$log" ] && tail -n 20 "$log" >&2
  exit 1
}

psql -X -q -v ON_ERROR_STOP=1 -d "$CRMHUB_TEST_DATABASE_URL" -c "CREATE DATABASE \"$database\"" >/dev/null
export CRMHUB_DATABASE_URL=$url
CRMHUB_MIGRATIONS_DIR="$root/sql" "$new_bin" migrate >/dev/null || fail "this build could not migrate $database"
slug="prev-$run_id"
owner="owner@$slug.example"
"$new_bin" admin create-org --slug "$slug" --name "Previous release" --owner-email "$owner" >/dev/null
listener_path=$("$new_bin" admin create-listener --org "$slug" --name Website --base-url http://127.0.0.1 |
  sed -n 's|^http://127.0.0.1\(/l/.*\)$|\1|p')
[ -n "$listener_path" ] || fail "this build's crmhub admin create-listener printed no URL"

# ---- 3. the previous release ingests ------------------------------------------------------------------------------
CRMHUB_MIGRATE=false CRMHUB_MIGRATIONS_DIR="$release/src/sql" CRMHUB_OPENAPI_FILE="$release/src/openapi/openapi.yaml" \
  CRMHUB_CONSOLE_DIR="$release/src/console" CRMHUB_HTTP_ADDRESS=127.0.0.1:0 CRMHUB_DELIVERY_WORKERS=0 \
  CRMHUB_DB_POOL_SIZE=4 CRMHUB_LOG_LEVEL=info "$release/crmhub" serve >"$log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 1 300); do
  port=$(sed -n 's|.*"crmhub listening".*"http":"http://127.0.0.1:\([0-9]*\)".*|\1|p' "$log" | head -n 1)
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || fail "the previous release exited"
  sleep 0.2
done
[ -n "$port" ] || fail "the previous release did not start listening within 60 s"
echo "previous release serving on 127.0.0.1:$port against migration $newest; its /readyz: $(curl -s "http://127.0.0.1:$port/readyz")"

post() {  # BODY → the HTTP status; the answer body in $cache/body-$run_id
  curl -s -o "$cache/body-$run_id" -w '%{http_code}' -X POST "http://127.0.0.1:$port$listener_path" \
    -H 'Content-Type: application/json' --data-binary "$1"
}
contact() { printf '{"actionType":"add-contact","data":{"name":"Old %s","emails":[{"value":"%s@%s.example"}]}}' "$1" "$1" "$slug"; }
sent=0
for i in 1 2 3 4 5; do
  status=$(post "{\"senderUser\":\"$owner\",\"data\":[$(contact "single$i")]}")
  [ "$status" = 200 ] || fail "add-contact single $i answered $status: $(cat "$cache/body-$run_id")"
  sent=$((sent + 1))
done
status=$(post "{\"senderUser\":\"$owner\",\"data\":[$(contact batch1),$(contact batch2),$(contact batch3)]}")
[ "$status" = 200 ] || fail "add-contact batch answered $status: $(cat "$cache/body-$run_id")"
grep -q '"status":"ok"' "$cache/body-$run_id" || fail "the batch was not ok: $(cat "$cache/body-$run_id")"
sent=$((sent + 3))

# Row-level security applies to the owner too; the platform flag lets this session see the org's rows.
counts=$(psql -X -q -tA -v ON_ERROR_STOP=1 -d "$url" -c "SET crmhub.platform = 'on'" -c "
  SELECT count(*) || ' ' || count(DISTINCT c.code) || ' ' ||
         count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM customer_history h
                                           WHERE h.org_id = c.org_id AND h.customer_id = c.id AND h.event = 'created'))
  FROM customers c JOIN orgs o ON o.id = c.org_id WHERE o.slug = '$slug'")
read -r stored codes without_history <<<"$counts"
[ "$stored" = "$sent" ] || fail "$sent contacts acknowledged, $stored stored"
[ "$codes" = "$sent" ] || fail "$sent contacts stored with $codes distinct codes"
[ "$without_history" = 0 ] || fail "$without_history contacts lack their created history line"
echo "previous-release test passed: the previous release ($short) stored $sent acknowledged contacts once each, with codes and history, on the schema of migration $newest"
