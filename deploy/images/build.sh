#!/usr/bin/env bash
# Builds every container image kates and the seeds' manifests use, offline, and pushes them to
# the local registry as ${KATES_REGISTRY}/library/NAME:TAG (the shim resolves `nginx:1.24.0`
# there). No image registry is reachable from these machines, so nothing is pulled: tiny
# images are a busybox-static rootfs, server images one debootstrap rootfs with Debian's
# packages. Cached: an image is rebuilt only when this folder changed since it was pushed or
# the registry lost it; the debootstrap rootfs is kept as a tarball under the cache dir.
# Run as root (debootstrap, docker). Usage: build.sh [--force]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/../lib/common.sh"
source "$HERE/../lib/docker.sh"

FORCE=0
[[ "${1:-}" == "--force" ]] && FORCE=1
CACHE="${KATES_IMAGE_CACHE:-$KATES_DOCKER_STATE/image-cache}"
mkdir -p "$CACHE/stamps"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Every image carries this recipe hash: editing anything here rebuilds (the rootfs tarball has its own key).
RECIPE="$(cat "$HERE"/build.sh "$HERE"/pause.c | sha256sum | cut -c1-16)"

apt_install busybox-static debootstrap gcc libc6-dev

# registry_tags prints every library/NAME:TAG the local registry holds, one per line (one
# node process: starting node per tag costs seconds on a busy 2-core machine).
registry_tags() {
  node -e '
    const reg = process.argv[1];
    const get = (p) => fetch(`http://${reg}${p}`, { signal: AbortSignal.timeout(5000) }).then((r) => (r.ok ? r.json() : {}));
    (async () => {
      const { repositories = [] } = await get("/v2/_catalog?n=1000");
      for (const repo of repositories.filter((r) => r.startsWith("library/"))) {
        const { tags } = await get(`/v2/${repo}/tags/list`);
        for (const t of tags ?? []) console.log(`${repo.slice(8)}:${t}`);
      }
    })().catch(() => process.exit(1));' "$KATES_REGISTRY"
}

# registry_has NAME:TAG succeeds when the local registry held that tag when this script started.
registry_has() { grep -qxF -- "$1" <<<"$REGISTRY_TAGS"; }

# fresh NAME:TAG... succeeds when every tag was pushed from this recipe and is still in the registry.
fresh() {
  ((FORCE)) && return 1
  local ref
  for ref in "$@"; do
    [[ "$(cat "$CACHE/stamps/${ref/:/_}" 2>/dev/null)" == "$RECIPE" ]] || return 1
    registry_has "$ref" || return 1
  done
}

# publish TARBALL NAME:TAG... -- CHANGE... imports the rootfs once, tags it as every NAME:TAG and pushes each.
publish() {
  local tar="$1" refs=() changes=()
  shift
  while (($#)) && [[ "$1" != "--" ]]; do refs+=("$1"); shift; done
  shift
  for c in "$@"; do changes+=(--change "$c"); done
  changes+=(--change "LABEL io.kates.recipe=$RECIPE")
  local first="$KATES_REGISTRY/library/${refs[0]}" ref
  log "image ${refs[*]}"
  docker import "${changes[@]}" "$tar" "$first" >/dev/null
  for ref in "${refs[@]}"; do
    docker tag "$first" "$KATES_REGISTRY/library/$ref"
    docker push -q "$KATES_REGISTRY/library/$ref" >/dev/null || die "push of $ref failed"
    echo "$RECIPE" >"$CACHE/stamps/${ref/:/_}"
  done
}

# busybox_rootfs DIR lays out busybox-static with a symlink per applet and the files tools expect.
busybox_rootfs() {
  local dir="$1" applet
  mkdir -p "$dir"/{bin,etc,tmp,root,www,var/www,home}
  chmod 1777 "$dir/tmp"
  cp /bin/busybox "$dir/bin/busybox"
  for applet in $("$dir/bin/busybox" --list); do
    [[ -e "$dir/bin/$applet" ]] || ln -s busybox "$dir/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\nwww-data:x:33:33:www-data:/var/www:/bin/false\n' >"$dir/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\nwww-data:x:33:\n' >"$dir/etc/group"
  printf 'hosts: files dns\n' >"$dir/etc/nsswitch.conf"
}

build_pause() {
  fresh pause:3.9 pause:latest && return 0
  local dir="$WORK/pause"
  mkdir -p "$dir"
  gcc -static -Os -s -o "$dir/pause" "$HERE/pause.c"
  tar -C "$dir" -cf "$WORK/pause.tar" .
  publish "$WORK/pause.tar" pause:3.9 pause:latest -- 'ENTRYPOINT ["/pause"]'
}

build_busybox_images() {
  local path='ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  if ! fresh busybox:latest busybox:1.36 busybox:stable; then
    busybox_rootfs "$WORK/busybox"
    tar -C "$WORK/busybox" -cf "$WORK/busybox.tar" .
    publish "$WORK/busybox.tar" busybox:latest busybox:1.36 busybox:stable -- "$path" 'CMD ["sh"]'
  fi
  # An Apache httpd look-alike: busybox httpd serving Apache's default page from Apache's
  # document root, so manifests that mount content there keep working. busybox httpd has no
  # SIGTERM handler and PID 1 gets no default one: a shell traps TERM and exits.
  if ! fresh httpd:latest httpd:2.4 httpd:2.4-alpine httpd:alpine; then
    busybox_rootfs "$WORK/httpd"
    mkdir -p "$WORK/httpd/usr/local/apache2/htdocs"
    echo '<html><body><h1>It works!</h1></body></html>' >"$WORK/httpd/usr/local/apache2/htdocs/index.html"
    tar -C "$WORK/httpd" -cf "$WORK/httpd.tar" .
    publish "$WORK/httpd.tar" httpd:latest httpd:2.4 httpd:2.4-alpine httpd:alpine -- "$path" \
      'WORKDIR /usr/local/apache2' 'EXPOSE 80' \
      'CMD ["sh", "-c", "trap \"exit 0\" TERM INT; httpd -f -p 80 -h /usr/local/apache2/htdocs & wait"]'
  fi
}

# servers_rootfs prints the path of a cached tarball: Debian minbase with nginx and redis. One
# rootfs for both keeps one debootstrap run and one shared layer in Docker and the registry.
servers_rootfs() {
  local suite pkgs="nginx,redis-server,ca-certificates"
  suite="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"
  local key
  # Keyed by this function's own text, so edits elsewhere in the script keep the slow part cached.
  key="$(printf '%s %s %s' "$suite" "$pkgs" "$(declare -f servers_rootfs)" | sha256sum | cut -c1-16)"
  local tar="$CACHE/servers-$key.tar"
  if [[ ! -f "$tar" ]]; then
    local dir="$WORK/servers" m
    m="$(debian_mirror)"
    log "debootstrap $suite with $pkgs (about 30-60s; cached as $tar)"
    debootstrap --variant=minbase --include="$pkgs" "$suite" "$dir" "$m" >"$WORK/debootstrap.log" 2>&1 \
      || { tail -20 "$WORK/debootstrap.log" >&2; die "debootstrap failed"; }
    # nginx: foreground-ready config as in the official image: default site on :80 from
    # /usr/share/nginx/html, logs to the container's stdout/stderr.
    rm -f "$dir/etc/nginx/sites-enabled/default"
    cat >"$dir/etc/nginx/conf.d/default.conf" <<'EOF'
server {
    listen 80 default_server;
    listen [::]:80 default_server;
    server_name localhost;
    root /usr/share/nginx/html;
    index index.html index.htm;
    location / {
        try_files $uri $uri/ =404;
    }
}
EOF
    mkdir -p "$dir/usr/share/nginx/html"
    cat >"$dir/usr/share/nginx/html/index.html" <<'EOF'
<!DOCTYPE html>
<html>
<head><title>Welcome to nginx!</title></head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and working.</p>
</body>
</html>
EOF
    ln -sf /dev/stdout "$dir/var/log/nginx/access.log"
    ln -sf /dev/stderr "$dir/var/log/nginx/error.log"
    mkdir -p "$dir/data"
    rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/usr/share/{doc,man,info} "$dir"/var/log/*.log
    tar -C "$dir" --numeric-owner -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
    rm -rf "$dir"
    find "$CACHE" -maxdepth 1 -name 'servers-*.tar' ! -name "servers-$key.tar" -delete
  fi
  echo "$tar"
}

build_server_images() {
  local nginx_tags=(nginx:latest nginx:1.14.2 nginx:1.16.1 nginx:1.24.0 nginx:1.24.0-perl nginx:1.9.1 nginx:1.25 nginx:alpine nginx:stable)
  local redis_tags=(redis:latest redis:alpine redis:7 redis:7.0)
  fresh "${nginx_tags[@]}" "${redis_tags[@]}" && return 0
  local tar
  tar="$(servers_rootfs)"
  local path='ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  fresh "${nginx_tags[@]}" || publish "$tar" "${nginx_tags[@]}" -- "$path" 'EXPOSE 80' \
    'CMD ["nginx", "-g", "daemon off;"]'
  fresh "${redis_tags[@]}" || publish "$tar" "${redis_tags[@]}" -- "$path" 'EXPOSE 6379' 'WORKDIR /data' \
    'CMD ["redis-server", "--bind", "0.0.0.0", "--protected-mode", "no", "--daemonize", "no", "--dir", "/data"]'
}

[[ $EUID -eq 0 ]] || die "build.sh must run as root (debootstrap, docker)"
docker_ok || die "docker is not running (ensure_docker first)"
registry_ok || die "the registry ${KATES_REGISTRY} is not running (ensure_registry first)"
REGISTRY_TAGS="$(registry_tags)"
build_pause
build_busybox_images
build_server_images
log "images ready in ${KATES_REGISTRY}"
