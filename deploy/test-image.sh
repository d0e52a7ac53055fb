#!/usr/bin/env bash
# Builds the image from Debian packages (deploy/build-image.sh) and runs it with podman as a cluster would: a test
# of the image itself, run by scripts/test.sh (so by CI) wherever containers can run.
#
#   deploy/test-image.sh        exit 0 passed; 1 failed; 77 containers cannot run on this machine (the reason is
#                               printed, e.g. no podman or not root)
#
# Against a private PostgreSQL with ssl=on (TCP on 127.0.0.1:CRMHUB_IMAGE_TEST_PG_PORT, default 54329) whose
# certificate comes from a throw-away CA (scripts/test-ca.sh), with the roles of README "Least privilege": the
# owner crmhub_owner (no SUPERUSER, no CREATEROLE; crmhub_app made beforehand) and crmhub_server holding only
# crmhub_app. Every container runs as the image's user with a read-only root filesystem, the CA mounted, and
# sslmode=verify-full&sslrootcert=… (the user's home is /nonexistent). It checks:
#   - without sslrootcert, verify-full fails (libpq looks for ~/.postgresql/root.crt); with it, it connects
#   - `crmhub migrate` as a one-off container applies the migrations as crmhub_owner
#   - `crmhub serve --no-migrate` as crmhub_server: runs as uid 10001 on a read-only root, the HEALTHCHECK
#     command passes, and a listener request (org, listener, add-contact) is answered and stored
#   - SIGTERM: /readyz answers 503 during CRMHUB_DRAIN_DELAY, and a request whose body is still arriving when
#     the listeners close is answered; the container exits 0
# PODMAN_RUN_OPTIONS replaces the podman run options this machine needs (crun refuses its hybrid cgroup setup):
#   --runtime runc --network host --ulimit nofile=1024:1024 --ulimit nproc=1024:1024
# Removes its container, cluster, files and image (the base image stays as a cache).
set -euo pipefail
cd "$(dirname "$0")/.."

cannot() { echo "test-image: containers cannot run on this machine: $*" >&2; exit 77; }
fail() { echo "test-image: FAILED: $*" >&2; exit 1; }
say() { printf '== %s\n' "$*" >&2; }
command -v podman >/dev/null 2>&1 || cannot "podman is not installed (scripts/setup-deps.sh --image installs it)"
command -v mmdebstrap >/dev/null 2>&1 || cannot "mmdebstrap is not installed (scripts/setup-deps.sh --image installs it)"
[ "$(id -u)" = 0 ] || cannot "this test needs root (podman's system storage and mmdebstrap's chroot)"
read -r -a run_options <<<"${PODMAN_RUN_OPTIONS:---runtime runc --network host --ulimit nofile=1024:1024 --ulimit nproc=1024:1024}"
# One-off containers need no healthcheck; serve's runs when `podman healthcheck run` asks, not on a systemd timer.
one_off=(--no-healthcheck)

pg_port=${CRMHUB_IMAGE_TEST_PG_PORT:-54329}
work=$(mktemp -d /tmp/crmhub-image-XXXXXX)
chmod 755 "$work"
image="localhost/crmhub:test-$$"
container="crmhub-test-$$"
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  podman rm --force --time 0 "$container" >/dev/null 2>&1 || true
  scripts/pg-cluster.sh stop "$work/pg" >/dev/null 2>&1 || true
  podman rmi --force "$image" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# ---- the image, and whether a container runs at all ------------------------------------------------------------
deploy/build-image.sh "$image" >/dev/null
# Whether a container runs at all: the dynamic loader alone needs nothing from the image but itself.
if ! probe=$(podman run --rm "${run_options[@]}" "${one_off[@]}" --entrypoint /lib64/ld-linux-x86-64.so.2 "$image" --version 2>&1); then
  cannot "podman run failed: $probe"
fi
version=$(podman run --rm "${run_options[@]}" "${one_off[@]}" "$image" version 2>&1) || fail "crmhub version in the image: $version"
say "podman runs the image: $version"

# ---- PostgreSQL with TLS and the least-privilege roles ------------------------------------------------------------
mkdir "$work/tls"
scripts/test-ca.sh "$work/tls" localhost
PG_FAST=1 PG_LISTEN=127.0.0.1 \
  PG_OPTIONS="-c ssl=on -c ssl_cert_file=$work/tls/server.crt -c ssl_key_file=$work/tls/server.key" \
  scripts/pg-cluster.sh start "$work/pg" "$pg_port" >/dev/null
psql_admin() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -h "$work/pg" -p "$pg_port" -U postgres "$@"; }
psql_admin -d postgres <<'SQL'
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'crmhub_app') THEN CREATE ROLE crmhub_app NOLOGIN; END IF;
END
$$;
CREATE ROLE crmhub_owner LOGIN;
GRANT crmhub_app TO crmhub_owner;
CREATE ROLE crmhub_server LOGIN;
GRANT crmhub_app TO crmhub_server;
CREATE DATABASE crmhub OWNER crmhub_owner;
SQL
ca=/etc/crmhub/postgres-ca.crt
database_url() { echo "postgresql://$1@localhost:$pg_port/crmhub?sslmode=verify-full&sslrootcert=$ca"; }
container_options=("${run_options[@]}" --read-only -v "$work/tls/ca.crt:$ca:ro")

# ---- TLS: verify-full needs the CA file, and finds it without a home directory ----------------------------------
without_ca="postgresql://crmhub_owner@localhost:$pg_port/crmhub?sslmode=verify-full"
if output=$(podman run --rm "${container_options[@]}" "${one_off[@]}" -e CRMHUB_DATABASE_URL="$without_ca" "$image" migrate 2>&1); then
  fail "verify-full without sslrootcert connected: $output"
fi
grep -q 'root.crt' <<<"$output" || fail "verify-full without sslrootcert failed for another reason: $output"
say "without sslrootcert: refused ($(grep -o '[^"\\]*root.crt' <<<"$output" | head -n 1) is not there)"

# ---- crmhub migrate, a one-off container as the owner -----------------------------------------------------------
output=$(podman run --rm "${container_options[@]}" "${one_off[@]}" -e CRMHUB_DATABASE_URL="$(database_url crmhub_owner)" "$image" migrate 2>&1) ||
  fail "crmhub migrate: $output"
migrations=$(ls sql/*.sql | wc -l)
[ "$(grep -c '"msg":"migration applied"' <<<"$output")" = "$migrations" ] || fail "crmhub migrate applied other than $migrations: $output"
say "crmhub migrate over verify-full TLS as crmhub_owner: $migrations migrations applied"

# ---- crmhub serve as crmhub_server --------------------------------------------------------------------------------
http_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$http_port"
token=$(openssl rand -hex 32)
podman run -d --name "$container" "${container_options[@]}" --health-interval=disable \
  -e CRMHUB_DATABASE_URL="$(database_url crmhub_server)" -e CRMHUB_HTTP_ADDRESS="127.0.0.1:$http_port" \
  -e CRMHUB_BOOTSTRAP_ADMIN_TOKEN="$token" -e CRMHUB_DRAIN_DELAY=2 -e CRMHUB_SHUTDOWN_GRACE=20 \
  "$image" serve --no-migrate >/dev/null 2>"$work/podman.log" || fail "podman run serve: $(cat "$work/podman.log")"
for _ in $(seq 1 150); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/readyz" || true)" = 200 ] && break
  sleep 0.2
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/readyz")" = 200 ] || fail "serve never became ready: $(podman logs "$container" 2>&1 | tail -n 5)"
pid=$(podman inspect --format '{{.State.Pid}}' "$container")
uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")
[ "$uid" = 10001 ] || fail "serve runs as uid $uid, not 10001"
root_mount=$(awk '$5 == "/" { print $6 }' "/proc/$pid/mountinfo" | tail -n 1)
[[ "$root_mount" == ro* ]] || fail "the root filesystem is mounted $root_mount, not read-only"
podman healthcheck run "$container" >/dev/null || fail "the HEALTHCHECK command failed"
say "serve: ready, uid $uid, root filesystem $root_mount, HEALTHCHECK passes"

# ---- one listener request end to end -----------------------------------------------------------------------------
post() {  # PATH JSON [curl options…] -> prints "STATUS BODY"
  local path=$1 body=$2
  shift 2
  local status
  status=$(curl -s -X POST "$base$path" -H 'Content-Type: application/json' -d "$body" -o "$work/answer" \
    -w '%{http_code}' "$@")
  echo "$status $(cat "$work/answer")"
}
authorization=(-H "Authorization: Bearer $token")
answer=$(post /admin/v1/orgs '{"slug":"image-test","name":"Image test","owner":{"email":"owner@image.test"}}' "${authorization[@]}")
[[ "$answer" == "201 "* ]] || fail "creating an org: $answer"
answer=$(post /admin/v1/orgs/image-test/listeners '{"name":"Website"}' "${authorization[@]}")
[[ "$answer" == "201 "* ]] || fail "creating a listener: $answer"
listener=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["url_path"])' "${answer#201 }")
contact='{"senderUser":"owner@image.test","data":[{"actionType":"add-contact","data":{"name":"Ngọc Trinh","emails":[{"value":"ngoc@image.test"}]}}]}'
answer=$(post "$listener" "$contact")
[[ "$answer" == "200 "* && "$answer" == *'"outcome":"created"'* ]] || fail "the listener request: $answer"
stored=$(psql_admin -d crmhub -tA -c "SET crmhub.platform = on; SELECT count(*) FROM customers WHERE name = 'Ngọc Trinh'")
[ "$stored" = 1 ] || fail "the contact is not stored ($stored rows)"
say "listener request: 200, contact created and stored"

# ---- SIGTERM: drain delay, then an in-flight request finishes ----------------------------------------------------
half=$(( ${#contact} / 2 ))
exec 3<>"/dev/tcp/127.0.0.1/$http_port"
printf 'POST %s HTTP/1.1\r\nHost: crmhub\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
  "$listener" "$(printf '%s' "$contact" | wc -c)" "${contact:0:$half}" >&3
signalled=$(date +%s%N)
podman kill --signal TERM "$container" >/dev/null
sleep 0.3
draining=$(curl -s -w ' %{http_code}' "$base/readyz" || true)
[[ "$draining" == *draining*503 ]] || fail "/readyz during the drain delay answered: $draining"
sleep 2.5  # past CRMHUB_DRAIN_DELAY: the listeners are closed, this request is in flight
if curl -s -o /dev/null --max-time 2 "$base/healthz"; then fail "the listener still accepts after the drain delay"; fi
printf '%s' "${contact:$half}" >&3
response=$(timeout 20 cat <&3 || true)
exec 3<&-
[[ "$response" == "HTTP/1.1 200"* && "$response" == *'"outcome":"matched-existing"'* ]] ||
  fail "the in-flight request was not answered: $response"
grep -qi '^connection: close' <<<"$response" || fail "the in-flight response does not say Connection: close"
status=$(podman wait "$container")
[ "$status" = 0 ] || fail "the container exited with $status"
say "SIGTERM: /readyz 503 draining, in-flight request answered, exit 0 after $(( ($(date +%s%N) - signalled) / 1000000 )) ms"
say "image test passed"
