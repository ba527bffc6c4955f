# shellcheck shell=bash
# Docker engine, local image registry and the locally built images, for the node agent
# (runtime shim) and its tests. Sourced after common.sh; every ensure_* only does what is
# still missing, so running them on every `npm test` is cheap once the machine is set up.
#
# What runs where (all on loopback or local sockets):
#   dockerd            /var/run/docker.sock, started by us when no engine answers
#   docker-registry    127.0.0.1:${KATES_REGISTRY_PORT}, storage under ${KATES_DOCKER_STATE}/registry
# Both outlive the scripts that start them (image builds are slow; keep them warm) and are
# stopped only by stop_registry / stop_docker, and only when our PID file names them.

# shellcheck source=process.sh
source "$(dirname "${BASH_SOURCE[0]}")/process.sh"

KATES_DOCKER_STATE="${KATES_DOCKER_STATE:-/var/lib/kates/docker}"
KATES_REGISTRY_PORT="${KATES_REGISTRY_PORT:-5000}"
KATES_REGISTRY="127.0.0.1:${KATES_REGISTRY_PORT}"
export KATES_REGISTRY

# apt_install PKG... installs Debian packages that are not installed yet.
apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get to install them"
  log "installing ${missing[*]} (apt-get)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
}

docker_ok() { docker info >/dev/null 2>&1; }

# ensure_docker installs docker.io when dockerd is missing and starts it when no engine answers.
ensure_docker() {
  [[ -x /usr/sbin/dockerd ]] || apt_install docker.io
  command -v docker >/dev/null 2>&1 || apt_install docker.io
  docker_ok && return 0
  as_root mkdir -p "$KATES_DOCKER_STATE"
  if ! pid_running "$KATES_DOCKER_STATE/dockerd.pid" /usr/sbin/dockerd; then
    log "starting dockerd (log: $KATES_DOCKER_STATE/dockerd.log)"
    # A dockerd killed hard leaves its own pid file behind and refuses to start again.
    local stale=/var/run/docker.pid
    if [[ -f "$stale" ]] && ! [[ -d "/proc/$(cat "$stale")" ]]; then as_root rm -f "$stale"; fi
    as_root bash -c "$(declare -f start_detached); start_detached '$KATES_DOCKER_STATE/dockerd.pid' '$KATES_DOCKER_STATE/dockerd.log' /usr/sbin/dockerd --host unix:///var/run/docker.sock"
  fi
  wait_until 60 docker_ok || die "dockerd did not answer within 60s (see $KATES_DOCKER_STATE/dockerd.log)"
}

# stop_docker stops the dockerd that ensure_docker started (never an engine started by someone else).
stop_docker() {
  if pid_running "$KATES_DOCKER_STATE/dockerd.pid" /usr/sbin/dockerd; then
    log "stopping dockerd"
    stop_pidfile "$KATES_DOCKER_STATE/dockerd.pid" /usr/sbin/dockerd 30
  fi
}

registry_ok() { http_ok "http://${KATES_REGISTRY}/v2/"; }

# ensure_registry runs Debian's docker-registry on loopback with a storage dir of our own.
ensure_registry() {
  command -v docker-registry >/dev/null 2>&1 || apt_install docker-registry
  registry_ok && return 0
  local dir="$KATES_DOCKER_STATE/registry"
  as_root mkdir -p "$dir/storage"
  # The package's own config listens on every address and asks for htpasswd auth; ours is
  # loopback only and open (loopback registries are trusted by dockerd without TLS).
  as_root tee "$dir/config.yml" >/dev/null <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: ${KATES_REGISTRY}
EOF
  if ! pid_running "$dir/registry.pid" "$dir/config.yml"; then
    log "starting docker-registry on ${KATES_REGISTRY} (log: $dir/registry.log)"
    as_root bash -c "$(declare -f start_detached); start_detached '$dir/registry.pid' '$dir/registry.log' docker-registry serve '$dir/config.yml'"
  fi
  wait_until 30 registry_ok || die "docker-registry did not answer on ${KATES_REGISTRY} (see $dir/registry.log)"
}

# stop_registry stops the registry that ensure_registry started; its storage stays (the images are slow to build).
stop_registry() {
  local dir="$KATES_DOCKER_STATE/registry"
  if pid_running "$dir/registry.pid" "$dir/config.yml"; then
    log "stopping docker-registry"
    stop_pidfile "$dir/registry.pid" "$dir/config.yml" 10
  fi
}

# ensure_images builds (cached) and pushes every image the seeds and tests use.
ensure_images() {
  as_root env KATES_REGISTRY="$KATES_REGISTRY" KATES_DOCKER_STATE="$KATES_DOCKER_STATE" \
    bash "$KATES_ROOT/deploy/images/build.sh" || die "building images failed"
}

# remove_kates_containers force-removes every container a runtime shim made (sandboxes,
# containers and idle pooled sandboxes) and then the shims' pod networks, by label; for
# `npm run down` and failed test runs.
remove_kates_containers() {
  docker_ok || return 0
  local ids nets
  ids="$(docker ps -aq --filter label=io.kates.managed=true)"
  [[ -z "$ids" ]] || { log "removing $(wc -w <<<"$ids") kates containers"; docker rm -f -v $ids >/dev/null; }
  nets="$(docker network ls -q --filter label=io.kates.managed=true --filter label=io.kates.type=pod-network)"
  [[ -z "$nets" ]] || { log "removing $(wc -w <<<"$nets") kates pod networks"; docker network rm $nets >/dev/null || true; }
}
