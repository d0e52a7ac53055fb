#!/usr/bin/env bash
# Builds the CRMHub image without a container registry: the runtime base from Debian packages, the binary on this
# machine (Debian 12, like the base), and deploy/Containerfile on top. Needs podman and mmdebstrap
# (scripts/setup-deps.sh --image installs them) and root (podman's storage, mmdebstrap's chroot).
#
#   deploy/build-image.sh [--rebuild-base] [TAG]      TAG defaults to localhost/crmhub:dev
#
# 1. base     mmdebstrap --variant=minbase of Debian 12 with libpq5, libssl3 and ca-certificates, no documentation,
#             manuals or translations, the user crmhub (10001, home /nonexistent), imported with `podman import` as
#             localhost/crmhub-runtime-base:<hash of this recipe>. Reused while it exists (a cache: CI keeps podman's
#             storage), rebuilt by --rebuild-base. DEBIAN_MIRROR overrides http://deb.debian.org/debian.
# 2. binary   swift build -c release --static-swift-stdlib, non-PIE, debug info stripped: as deploy/Dockerfile does.
# 3. image    podman build --format docker (the HEALTHCHECK is a Docker-format field) of deploy/Containerfile with
#             BASE_IMAGE set to the base, from a context of the binary, sql/ and openapi.yaml in .data/image-context.
# Prints the sizes of the base and of the image. The last line on stdout is the image's name.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

rebuild_base=0
tag=localhost/crmhub:dev
for argument in "$@"; do
  case "$argument" in
    --rebuild-base) rebuild_base=1 ;;
    -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
    -*) echo "build-image: unknown option $argument" >&2; exit 2 ;;
    *) tag=$argument ;;
  esac
done
for tool in podman mmdebstrap swift; do
  command -v "$tool" >/dev/null 2>&1 ||
    { echo "build-image: $tool is not installed (scripts/setup-deps.sh --image installs podman and mmdebstrap)" >&2; exit 2; }
done
say() { printf '== %s\n' "$*" >&2; }
megabytes() { awk -v bytes="$1" 'BEGIN { printf "%.1f MB", bytes / 1000000 }'; }

# ---- 1. the runtime base ---------------------------------------------------------------------------------------
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
recipe=(
  --variant=minbase --include=libpq5,libssl3,ca-certificates --format=tar
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*'
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/lintian/*'
  --customize-hook='echo "crmhub:x:10001:" >>"$1/etc/group"'
  --customize-hook='echo "crmhub:x:10001:10001:CRMHub:/nonexistent:/usr/sbin/nologin" >>"$1/etc/passwd"'
  --customize-hook='echo "crmhub:!:0:0:99999:7:::" >>"$1/etc/shadow"'
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/log/* "$1"/var/cache/ldconfig/aux-cache'
  bookworm - "deb $mirror bookworm main" "deb $mirror bookworm-updates main" "deb $security bookworm-security main"
)
base="localhost/crmhub-runtime-base:$(printf '%s\n' "${recipe[@]}" | sha256sum | cut -c1-12)"
if [ "$rebuild_base" = 1 ] || ! podman image exists "$base"; then
  say "base: mmdebstrap of Debian 12 minbase + libpq5 libssl3 ca-certificates -> $base"
  started=$(date +%s)
  log=$(mktemp)
  trap 'rm -f "$log"' EXIT
  if ! mmdebstrap --quiet "${recipe[@]}" 2>"$log" | podman import --quiet - "$base" >/dev/null; then
    cat "$log" >&2
    echo "build-image: building the base failed (is $mirror reachable?)" >&2
    exit 1
  fi
  say "base built in $(( $(date +%s) - started )) s"
else
  say "base: $base (cached; --rebuild-base makes it again)"
fi

# ---- 2. the binary ---------------------------------------------------------------------------------------------
say "binary: swift build -c release --static-swift-stdlib"
started=$(date +%s)
swift build -c release --product crmhub --static-swift-stdlib -Xswiftc -Xclang-linker -Xswiftc -no-pie >&2
binary="$(swift build -c release --show-bin-path)/crmhub"
say "binary built in $(( $(date +%s) - started )) s"

# ---- 3. the image ----------------------------------------------------------------------------------------------
context="$root/.data/image-context"
rm -rf "$context"
mkdir -p "$context"
trap 'rm -rf "$context"; rm -f "${log:-}"' EXIT
install -m 0755 "$binary" "$context/crmhub"
strip --strip-debug "$context/crmhub"
cp -r sql "$context/sql"
cp openapi/openapi.yaml "$context/openapi.yaml"
podman build --quiet --format docker -f deploy/Containerfile --build-arg "BASE_IMAGE=$base" -t "$tag" "$context" >/dev/null
base_size=$(podman image inspect --format '{{.Size}}' "$base")
size=$(podman image inspect --format '{{.Size}}' "$tag")
say "image $tag: $(megabytes "$size") ($(megabytes "$base_size") base, $(megabytes "$((size - base_size))") crmhub, migrations and OpenAPI document)"
echo "$tag"
