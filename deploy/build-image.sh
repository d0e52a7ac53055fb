#!/usr/bin/env bash
# Builds the CRMHub image without a container registry: the runtime base from Debian packages, the binary on this
# machine (Debian 12, like the base), and deploy/Containerfile on top. Needs podman and mmdebstrap
# (scripts/setup-deps.sh --image installs them) and root (podman's storage, mmdebstrap's chroot).
#
#   deploy/build-image.sh [--rebuild-base] [TAG]      TAG defaults to localhost/crmhub:dev
#
# 1. base     mmdebstrap --variant=minbase of Debian 12 with libpq5, libssl3 and ca-certificates (with Debian's
#             security updates); of it only what the binary needs is kept: the dynamic loader and the shared
#             libraries that libpq, libssl, libcrypto, libstdc++, libgcc_s and libm need (ldd in the chroot), the CA
#             certificates, the time zones, and /etc with the user crmhub (10001, home /nonexistent). No shell,
#             package manager or coreutils. Imported with `podman import` as localhost/crmhub-runtime-base:<hash of
#             this recipe>; reused while it exists (a cache: CI keeps podman's storage), rebuilt by --rebuild-base.
#             DEBIAN_MIRROR and DEBIAN_SECURITY_MIRROR override deb.debian.org.
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
    -h | --help) sed -n '2,21p' "$0"; exit 0 ;;
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
staging=""
context="$root/.data/image-context"
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() { rm -rf "$context" ${staging:+"$staging"}; }
trap cleanup EXIT

# ---- 1. the runtime base ---------------------------------------------------------------------------------------
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
recipe=(
  --variant=minbase --include=libpq5,libssl3,ca-certificates --format=directory
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*'
  --dpkgopt='path-exclude=/usr/share/locale/*'
)
sources=("deb $mirror bookworm main" "deb $mirror bookworm-updates main" "deb $security bookworm-security main")
# What the binary links (ldd .build/release/crmhub); the libraries these need are found in the chroot.
linked=(libpq.so.5 libssl.so.3 libcrypto.so.3 libstdc++.so.6 libgcc_s.so.1 libm.so.6 libc.so.6)

# Copies from the chroot $1 into $2 what the binary needs at run time, and nothing else.
slim_tree() {
  local chroot=$1 slim=$2 lib=usr/lib/x86_64-linux-gnu name
  mkdir -p "$slim/$lib" "$slim/etc" "$slim/usr/local/bin" "$slim/usr/share" "$slim/tmp" "$slim/var/tmp" \
    "$slim/run" "$slim/proc" "$slim/sys" "$slim/dev"
  chmod 1777 "$slim/tmp" "$slim/var/tmp"
  cp -a "$chroot/lib" "$chroot/lib64" "$chroot/bin" "$chroot/sbin" "$slim/"  # the usr-merge links
  cp -a "$chroot/usr/lib64" "$slim/usr/"
  for name in $( (printf '%s\n' "${linked[@]}"; chroot "$chroot" ldd "${linked[@]/#//$lib/}" |
    awk '$2 == "=>" { print $3 } $1 ~ /ld-linux/ { print $1 }' | xargs -n 1 basename) | sort -u); do
    cp -a "$chroot/$lib/$name" "$slim/$lib/"
    cp -a "$(realpath "$chroot/$lib/$name")" "$slim/$lib/"  # the versioned file behind a link (or itself again)
  done
  cp -a "$chroot/etc/ssl" "$chroot/etc/nsswitch.conf" "$chroot/etc/host.conf" "$slim/etc/"
  cp -a "$chroot/usr/lib/ssl" "$slim/usr/lib/"
  cp -a "$chroot/usr/share/ca-certificates" "$chroot/usr/share/zoneinfo" "$slim/usr/share/"
  printf 'root:x:0:0:root:/root:/usr/sbin/nologin\ncrmhub:x:10001:10001:CRMHub:/nonexistent:/usr/sbin/nologin\n' \
    >"$slim/etc/passwd"
  printf 'root:x:0:\ncrmhub:x:10001:\n' >"$slim/etc/group"
  printf '127.0.0.1 localhost\n::1 localhost\n' >"$slim/etc/hosts"
  : >"$slim/etc/resolv.conf"
  ln -s /usr/share/zoneinfo/Etc/UTC "$slim/etc/localtime"
}

recipe_hash=$( (printf '%s\n' "${recipe[@]}" "${sources[@]}" "${linked[@]}"; declare -f slim_tree) | sha256sum | cut -c1-12)
base="localhost/crmhub-runtime-base:$recipe_hash"
if [ "$rebuild_base" = 1 ] || ! podman image exists "$base"; then
  say "base: mmdebstrap of Debian 12 minbase + libpq5 libssl3 ca-certificates, slimmed -> $base"
  started=$(date +%s)
  staging=$(mktemp -d /tmp/crmhub-base-XXXXXX)
  if ! mmdebstrap --quiet "${recipe[@]}" bookworm "$staging/chroot" "${sources[@]}" 2>"$staging/log"; then
    cat "$staging/log" >&2
    echo "build-image: mmdebstrap failed (is $mirror reachable?)" >&2
    exit 1
  fi
  slim_tree "$staging/chroot" "$staging/slim"
  tar -C "$staging/slim" --numeric-owner -cf - . | podman import --quiet - "$base" >/dev/null
  rm -rf "$staging"
  staging=""
  say "base built in $(( $(date +%s) - started )) s"
  # Bases of earlier recipes are of no more use.
  podman images --format '{{.Repository}}:{{.Tag}}' localhost/crmhub-runtime-base | grep -v -x "$base" |
    xargs -r podman rmi >/dev/null 2>&1 || true
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
rm -rf "$context"
mkdir -p "$context"
install -m 0755 "$binary" "$context/crmhub"
strip --strip-debug "$context/crmhub"
cp -r sql "$context/sql"
cp openapi/openapi.yaml "$context/openapi.yaml"
cp -r console "$context/console"
podman build --quiet --format docker -f deploy/Containerfile --build-arg "BASE_IMAGE=$base" -t "$tag" "$context" >/dev/null
base_size=$(podman image inspect --format '{{.Size}}' "$base")
size=$(podman image inspect --format '{{.Size}}' "$tag")
say "image $tag: $(megabytes "$size") ($(megabytes "$base_size") base, $(megabytes "$((size - base_size))") crmhub, migrations and OpenAPI document)"
echo "$tag"
