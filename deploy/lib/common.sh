# shellcheck shell=bash
# Shared by deploy/local/*.sh and test/run.sh: paths, logging and the install/build steps.
# Every function here is safe to run again: it only does what is still missing.

KATES_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export KATES_ROOT

log() { printf '[kates] %s\n' "$*" >&2; }
die() { printf '[kates] error: %s\n' "$*" >&2; exit 1; }

# as_root runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [[ $EUID -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run: $* (install sudo or run as root)"
  fi
}

# ensure_packages installs the Debian packages kates needs and checks the Node toolchain.
ensure_packages() {
  local missing=()
  command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
  command -v etcdctl >/dev/null 2>&1 || missing+=(etcd-client)
  # Networking: kube-proxy and the kubelet's host-gw agent program iptables and routes.
  command -v iptables-restore >/dev/null 2>&1 || missing+=(iptables)
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  command -v conntrack >/dev/null 2>&1 || missing+=(conntrack)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  if ((${#missing[@]})); then
    command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get to install them"
    log "installing ${missing[*]} (apt-get)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  command -v node >/dev/null 2>&1 || die "node (>= 20) is not installed"
  command -v npm >/dev/null 2>&1 || die "npm is not installed"
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  ((major >= 20)) || die "node >= 20 is required, found $(node -v)"
}

# ensure_npm_deps runs `npm ci` when node_modules is missing or older than package-lock.json.
ensure_npm_deps() {
  local marker="$KATES_ROOT/node_modules/.package-lock.json"
  if [[ ! -f "$marker" || "$KATES_ROOT/package-lock.json" -nt "$marker" ]]; then
    log "installing npm dependencies (npm ci)"
    local out
    out="$(mktemp)"
    # npm 11 rejects lockfiles that leave out other platforms' optional packages (rollup's
    # native builds; npm/cli#4828) although `npm install` resolves the same lockfile fine.
    if ! (cd "$KATES_ROOT" && npm ci --no-audit --no-fund --loglevel=error </dev/null >"$out" 2>&1); then
      if grep -q "are in sync" "$out"; then
        log "npm ci refused the lockfile (npm/cli#4828); using npm install"
        (cd "$KATES_ROOT" && npm install --no-audit --no-fund --loglevel=error </dev/null) || die "npm install failed"
      else
        cat "$out" >&2
        rm -f "$out"
        die "npm ci failed"
      fi
    fi
    rm -f "$out"
  fi
}

# build compiles every workspace package (incremental, so a second run is quick).
build() {
  log "building (tsc -b)"
  (cd "$KATES_ROOT" && npx --no-install tsc -b) || die "build failed (see the TypeScript errors above)"
}

# debian_mirror prints the Debian mirror this machine's apt uses (never hard-coded in the repo).
debian_mirror() {
  local uri=""
  if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    uri="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)"
  fi
  if [[ -z "$uri" && -f /etc/apt/sources.list ]]; then
    uri="$(awk '$1 == "deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list)"
  fi
  [[ -n "$uri" ]] || die "cannot find a Debian mirror in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"
  echo "$uri"
}
