#!/usr/bin/env bash
# `npm run down`: stop every process `npm start` started (by PID file), delete its state
# dir and take the kates entries out of the kubeconfig.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
source "$KATES_ROOT/deploy/lib/process.sh"
source "$KATES_ROOT/deploy/lib/docker.sh"
source "$KATES_ROOT/deploy/local/config.sh"

if [[ -d "$KATES_STATE_DIR" ]]; then
  # Node and control-plane daemons first (reverse start order), then their containers.
  for ((d = ${#KATES_DAEMONS[@]} - 1; d >= 0; d--)); do
    entry="${KATES_DAEMONS[$d]}" name="${KATES_DAEMONS[$d]%%|*}"
    if [[ -f "$KATES_STATE_DIR/$name.pid" ]]; then
      log "stopping $name"
      stop_pidfile "$KATES_STATE_DIR/$name.pid" "${entry#*|}" 10
    fi
  done
  # kube-proxy and the kubelet leave their rules in place on SIGTERM (so traffic survives a
  # restart); going down for good removes them.
  node "$KATES_ROOT/packages/kube-proxy/dist/main.js" --cleanup >/dev/null 2>&1 || log "kube-proxy --cleanup failed"
  node "$KATES_ROOT/packages/kubelet/dist/main.js" --cleanup-network >/dev/null 2>&1 || log "kubelet --cleanup-network failed"
  docker_ok && remove_kates_containers
  # Stop the apiserver before etcd so it does not log a storm of connection errors.
  if [[ -f "$KATES_STATE_DIR/apiserver.pid" ]]; then
    log "stopping apiserver"
    stop_pidfile "$KATES_STATE_DIR/apiserver.pid" "$(apiserver_marker)" 10
  fi
  for ((i = 0; i < KATES_ETCD_MEMBERS; i++)); do
    if [[ -f "$KATES_STATE_DIR/etcd-$i.pid" ]]; then
      log "stopping etcd member $i"
      stop_pidfile "$KATES_STATE_DIR/etcd-$i.pid" "$(etcd_marker "$i")" 10
    fi
  done
  rm -rf "$KATES_STATE_DIR"
  # ~/.kates is ours too; drop it when nothing else is left in it.
  [[ "$KATES_STATE_DIR" == "$HOME/.kates/local" ]] && rmdir "$HOME/.kates" 2>/dev/null || true
  log "removed $KATES_STATE_DIR"
else
  log "nothing running ($KATES_STATE_DIR does not exist)"
fi

# The registry and dockerd we started go too; the built images stay cached under
# /var/lib/kates (`npm run down -- --purge` removes them as well).
stop_registry
stop_docker
if [[ "${1:-}" == "--purge" ]]; then
  rm -rf /var/lib/kates
  log "removed /var/lib/kates (image cache, registry storage, docker state)"
fi

node "$KATES_ROOT/deploy/lib/kubeconfig.mjs" remove
log "removed context 'kates' from $(node "$KATES_ROOT/deploy/lib/kubeconfig.mjs" path)"
# kubectl's discovery cache for our address would describe a server that is gone.
rm -rf "$HOME/.kube/cache/discovery/127.0.0.1_${KATES_APISERVER_PORT}"
