#!/usr/bin/env bash
# `npm test`: install what the tests need (Debian packages, npm deps), build the packages
# that integration tests run as processes, then run vitest. Extra arguments go to vitest,
# so `npm test -- packages/apiserver` runs one part. The exit code is vitest's.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../deploy/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../deploy/lib/docker.sh"

ensure_packages
command -v kubectl >/dev/null 2>&1 || log "warning: kubectl is not on PATH; the kubectl compatibility tests will fail"
ensure_npm_deps
build
# Node-agent tests need a Docker engine, the loopback registry and the locally built images (cached).
ensure_docker
ensure_registry
ensure_images
# Multi-host tests run Docker-in-Docker hosts of this image (cached; rebuilt when its recipe changed).
as_root bash "$KATES_ROOT/deploy/dind/build-node-image.sh" >/dev/null || die "building the DinD node image failed"

cd "$KATES_ROOT"
exec npx --no-install vitest run "$@"
