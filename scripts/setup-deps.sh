#!/usr/bin/env bash
# Installs what CRMHub needs on Debian 12, only what is missing: quiet and fast when everything is there.
#   scripts/setup-deps.sh          build and run: PostgreSQL server, libpq-dev, libssl-dev, pkg-config, openssl, curl
#   scripts/setup-deps.sh --test   also the test tools: wrk, python3-venv/pip and openapi-spec-validator
set -euo pipefail

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

command -v swift >/dev/null 2>&1 || {
  echo "setup-deps: swift is not on PATH; install Swift 6 (https://www.swift.org/install/) first" >&2
  exit 2
}

packages=(postgresql libpq-dev libssl-dev pkg-config openssl curl ca-certificates)
[ "$want_test" = 1 ] && packages+=(wrk python3-venv python3-pip)

missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
# The server binaries, not just the meta-package, must be there.
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)

if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "setup-deps: need root or sudo to install: ${missing[*]}" >&2; exit 2; }
    sudo="sudo"
  fi
  echo "setup-deps: installing ${missing[*]}" >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$want_test" = 1 ]; then
  python3 -c 'import openapi_spec_validator' >/dev/null 2>&1 ||
    python3 -m pip install -q openapi-spec-validator >/dev/null 2>&1 ||
    python3 -m pip install -q --break-system-packages openapi-spec-validator >/dev/null
fi
