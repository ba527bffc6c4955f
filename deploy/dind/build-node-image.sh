#!/usr/bin/env bash
# Builds kates/node:<recipe-hash>, the image of a Docker-in-Docker lab host, into the local
# Docker engine: Debian minbase with docker.io and the network tools the node daemons use
# (iptables, iproute2, conntrack, socat, ...). Node.js and the repository are NOT in it: the
# harness bind-mounts this machine's /usr/bin/node and the built repo read-only at /kates.
# Cached: the debootstrap rootfs is kept as a tarball keyed by its package list, and the
# image is rebuilt only when this script or entrypoint.sh changed (their hash is the tag, and
# test/harness/dind-image.ts computes the same hash to find it).
# Run as root (debootstrap, docker). Usage: build-node-image.sh [--force]; prints the tag.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/../lib/common.sh"
source "$HERE/../lib/docker.sh"

FORCE=0
[[ "${1:-}" == "--force" ]] && FORCE=1
RECIPE="$(cat "$HERE/build-node-image.sh" "$HERE/entrypoint.sh" | sha256sum | cut -c1-16)"
TAG="kates/node:$RECIPE"
CACHE="${KATES_IMAGE_CACHE:-$KATES_DOCKER_STATE/image-cache}"

[[ $EUID -eq 0 ]] || die "build-node-image.sh must run as root (debootstrap, docker)"
docker_ok || die "docker is not running (ensure_docker first)"
if ((!FORCE)) && docker image inspect "$TAG" >/dev/null 2>&1; then
  echo "$TAG"
  exit 0
fi
apt_install debootstrap
mkdir -p "$CACHE"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# node_rootfs prints the path of the cached rootfs tarball, keyed by this function's text.
node_rootfs() {
  local suite pkgs="docker.io,iptables,iproute2,procps,conntrack,ca-certificates,socat,curl,tini,iputils-ping,libstdc++6"
  suite="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"
  local key
  key="$(printf '%s %s %s' "$suite" "$pkgs" "$(declare -f node_rootfs)" | sha256sum | cut -c1-16)"
  local tar="$CACHE/node-$key.tar"
  if [[ ! -f "$tar" ]]; then
    local dir="$WORK/rootfs"
    log "debootstrap $suite with $pkgs (about 60s; cached as $tar)"
    debootstrap --variant=minbase --include="$pkgs" "$suite" "$dir" "$(debian_mirror)" >"$WORK/debootstrap.log" 2>&1 \
      || { tail -20 "$WORK/debootstrap.log" >&2; die "debootstrap failed"; }
    # The bind-mount targets must exist in the image; /usr/bin/node comes from the outer machine.
    mkdir -p "$dir/kates" "$dir/var/lib/docker" "$dir/var/log/kates"
    touch "$dir/usr/bin/node"
    rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/usr/share/{doc,man,info} "$dir"/var/log/*.log
    tar -C "$dir" --numeric-owner -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
    rm -rf "$dir"
    find "$CACHE" -maxdepth 1 -name 'node-*.tar' ! -name "node-$key.tar" -delete
  fi
  echo "$tar"
}

base="kates/node-base:$(basename "$(node_rootfs)" .tar | cut -d- -f2)"
if ! docker image inspect "$base" >/dev/null 2>&1; then
  log "importing $base"
  docker import "$(node_rootfs)" "$base" >/dev/null
fi
cp "$HERE/entrypoint.sh" "$WORK/entrypoint.sh"
cat >"$WORK/Dockerfile" <<DOCKERFILE
FROM $base
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
COPY entrypoint.sh /usr/local/bin/kates-node-entrypoint
VOLUME /var/lib/docker
LABEL io.kates.recipe=$RECIPE
ENTRYPOINT ["/usr/bin/tini", "-g", "--", "/usr/local/bin/kates-node-entrypoint"]
DOCKERFILE
log "building $TAG"
DOCKER_BUILDKIT=0 docker build -q -t "$TAG" "$WORK" >/dev/null || die "docker build of $TAG failed"
# Older recipes' images are only disk space now.
for old in $(docker images kates/node --format '{{.Repository}}:{{.Tag}}'); do
  [[ "$old" == "$TAG" ]] || docker rmi "$old" >/dev/null 2>&1 || true
done
echo "$TAG"
