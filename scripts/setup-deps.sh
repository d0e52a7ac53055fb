#!/usr/bin/env bash
# Installs the system packages CRMHub needs on Debian 12, and only those that are missing.
# Silent and quick (no apt-get at all) when everything is already there, so the other scripts call it every time.
#
#   scripts/setup-deps.sh          build and run: PostgreSQL server (15 on Debian 12), libpq-dev, libssl-dev,
#                                  pkg-config, openssl, curl, ca-certificates
#   scripts/setup-deps.sh --test   also the test and benchmark tools: wrk, python3 with venv support, chromium and chromium-driver
#                                  (scripts/test.sh makes its own virtual environment with the Python tools),
#                                  pgbouncer (the transaction-pooling test runs through a real one)
#   scripts/setup-deps.sh --topology  also what deploy/local/up.sh runs: pgbouncer, haproxy,
#                                  postgresql-15-auto-failover (pg_autoctl)
#   scripts/setup-deps.sh --image  also what deploy/build-image.sh and deploy/test-image.sh need: podman, runc,
#                                  mmdebstrap (as root only: the image test needs root anyway)
#
# Installs with apt-get as root, or through sudo when not root. Swift itself is not installed: it must be on PATH.
set -euo pipefail

want_test=0
want_image=0
want_topology=0
for argument in "$@"; do
  case "$argument" in
    --test) want_test=1 ;;
    --image) want_image=1 ;;
    --topology) want_topology=1 ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "setup-deps: unknown argument '$argument' (--test, --image, --topology)" >&2; exit 2 ;;
  esac
done

if ! command -v swift >/dev/null 2>&1; then
  hint="install Swift 6 from https://www.swift.org/install/linux/ and put its usr/bin on PATH"
  for candidate in /opt/swift/usr/bin /usr/share/swift/usr/bin "$HOME/.swiftly/bin" "$HOME/.local/share/swiftly/bin"; do
    if [ -x "$candidate/swift" ]; then hint="Swift is in $candidate: export PATH=\"$candidate:\$PATH\""; break; fi
  done
  echo "setup-deps: 'swift' is not on PATH; $hint" >&2
  exit 2
fi

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-deps: this script needs Debian or Ubuntu (dpkg and apt-get); install by hand:" \
    "PostgreSQL server, libpq and OpenSSL headers, pkg-config, openssl, curl (and wrk, python3-venv for tests)" >&2
  exit 2
fi

# A package counts only when it is fully installed ("dpkg -s" also succeeds for removed packages whose
# configuration files remain).
installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ]; }

missing=()
for package in libpq-dev libssl-dev pkg-config openssl curl ca-certificates; do
  installed "$package" || missing+=("$package")
done
# The server binaries themselves (initdb, pg_ctl), whatever the meta-package says; psql comes with them.
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || ! command -v psql >/dev/null 2>&1; then
  missing+=(postgresql)
fi
if [ "$want_test" = 1 ]; then
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  # `python3 -m venv` needs ensurepip, which Debian ships separately in python3-venv.
  python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
  # The admin console's browser tests drive Debian's headless chromium through its chromedriver (Selenium).
  for package in chromium chromium-driver; do
    installed "$package" || missing+=("$package")
  done
  command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || missing+=(pgbouncer)
fi
if [ "$want_topology" = 1 ]; then
  [ -x /usr/sbin/pgbouncer ] || missing+=(pgbouncer)
  [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
  [ -x /usr/bin/pg_autoctl ] && ls /usr/lib/postgresql/*/lib/pgautofailover.so >/dev/null 2>&1 || missing+=(postgresql-15-auto-failover)
fi
if [ "$want_image" = 1 ] && [ "$(id -u)" = 0 ]; then
  for package in podman runc mmdebstrap; do
    installed "$package" || missing+=("$package")
  done
fi

[ "${#missing[@]}" -eq 0 ] && exit 0

sudo=()
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || {
    echo "setup-deps: missing ${missing[*]}; run as root or install sudo, or: apt-get install ${missing[*]}" >&2
    exit 2
  }
  sudo=(sudo)
fi

echo "setup-deps: installing ${missing[*]}" >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
apt_get() {
  if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "$@" >"$log" 2>&1; then
    cat "$log" >&2
    echo "setup-deps: 'apt-get $*' failed" >&2
    exit 1
  fi
}
apt_get update
apt_get install -y --no-install-recommends "${missing[@]}"
echo "setup-deps: done" >&2
