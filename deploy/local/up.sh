#!/usr/bin/env bash
# `npm start`: install what is missing, build, and run a local control plane in the
# background on loopback (3-member etcd cluster + apiserver), then point kubectl at it.
# Running it again starts only what is not running, so it is safe to repeat.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
source "$KATES_ROOT/deploy/lib/process.sh"
source "$KATES_ROOT/deploy/local/config.sh"

ensure_packages
ensure_npm_deps
build
[[ -f "$APISERVER_MAIN" ]] || die "$APISERVER_MAIN is missing after the build"

mkdir -p "$KATES_STATE_DIR"
cd "$KATES_ROOT"
started=0

# 1. etcd: each member keeps its data dir, so a restart after a reboot finds its data
#    (etcd ignores the --initial-cluster flags once the data dir exists).
for ((i = 0; i < KATES_ETCD_MEMBERS; i++)); do
  pidfile="$KATES_STATE_DIR/etcd-$i.pid"
  pid_running "$pidfile" "$(etcd_marker "$i")" && continue
  client="http://127.0.0.1:${KATES_ETCD_CLIENT_PORTS[$i]}"
  peer="http://127.0.0.1:${KATES_ETCD_PEER_PORTS[$i]}"
  log "starting etcd member $i (client $client, peer $peer)"
  start_detached "$pidfile" "$KATES_STATE_DIR/etcd-$i.log" \
    etcd --name="$(etcd_name "$i")" --data-dir="$KATES_STATE_DIR/etcd-$i" \
    --listen-client-urls="$client" --advertise-client-urls="$client" \
    --listen-peer-urls="$peer" --initial-advertise-peer-urls="$peer" \
    --initial-cluster="$(initial_cluster)" --initial-cluster-state=new \
    --initial-cluster-token=kates-local --logger=zap --log-outputs=stderr
  started=1
done

etcd_healthy() { ETCDCTL_API=3 etcdctl --endpoints="$(etcd_endpoints)" --command-timeout=2s endpoint health; }
if ! wait_until 60 etcd_healthy; then
  etcd_healthy || true
  tail -n 20 "$KATES_STATE_DIR"/etcd-*.log >&2 || true
  die "etcd cluster did not become healthy (logs in $KATES_STATE_DIR); \`npm run down\` cleans up"
fi
log "etcd cluster healthy: $(etcd_endpoints)"

# 2. apiserver. A running one is restarted when the build produced newer code than it runs.
apiserver_pid="$KATES_STATE_DIR/apiserver.pid"
if pid_running "$apiserver_pid" "$(apiserver_marker)" &&
  [[ -n "$(find "$KATES_ROOT"/packages/*/dist -name '*.js' -newer "$apiserver_pid" -print -quit 2>/dev/null)" ]]; then
  log "the build changed since the apiserver started; restarting it"
  stop_pidfile "$apiserver_pid" "$(apiserver_marker)" 10
fi
if ! pid_running "$apiserver_pid" "$(apiserver_marker)"; then
  log "starting apiserver on $KATES_SERVER_URL"
  start_detached "$apiserver_pid" "$KATES_STATE_DIR/apiserver.log" \
    node "$APISERVER_MAIN" --etcd-servers="$(etcd_endpoints)" --bind-address=127.0.0.1 \
    --port="$KATES_APISERVER_PORT" --advertise-address=127.0.0.1 \
    --service-cluster-ip-range=10.96.0.0/12 --service-node-port-range=30000-32767
  started=1
fi
apiserver_ready() {
  local deadline=$((SECONDS + 60))
  until http_ok "$KATES_SERVER_URL/readyz"; do
    pid_running "$apiserver_pid" "$(apiserver_marker)" || { log "apiserver exited"; return 1; }
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}
if ! apiserver_ready; then
  tail -n 30 "$KATES_STATE_DIR/apiserver.log" >&2 || true
  die "apiserver did not become ready at $KATES_SERVER_URL/readyz (log: $KATES_STATE_DIR/apiserver.log); \`npm run down\` cleans up"
fi

# 3. kubeconfig: merge the kates context and make it current.
kubeconfig="$(node "$KATES_ROOT/deploy/lib/kubeconfig.mjs" merge --server "$KATES_SERVER_URL")"
log "kubeconfig: context 'kates' is current in $kubeconfig"

if ((started)); then
  log "control plane is running"
else
  log "control plane was already running; nothing to start"
fi

# 4. Show it working with the real client (our own cache dir, so we leave no files in ~/.kube).
if command -v kubectl >/dev/null 2>&1; then
  kc=(kubectl --kubeconfig="$kubeconfig" --context=kates --cache-dir="$KATES_STATE_DIR/kubectl-cache" --request-timeout=10s)
  echo
  echo "\$ kubectl get namespaces"
  "${kc[@]}" get namespaces || true
  echo
  echo "\$ kubectl get svc"
  "${kc[@]}" get svc || true
else
  echo
  echo "\$ GET $KATES_SERVER_URL/api/v1/namespaces"
  node -e 'fetch(process.argv[1]).then((r) => r.json()).then((l) => console.log((l.items ?? []).map((n) => n.metadata.name).join("\n")))' \
    "$KATES_SERVER_URL/api/v1/namespaces" || true
fi

cat <<MSG

kates is running in the background:
  apiserver  $KATES_SERVER_URL   (log: $KATES_STATE_DIR/apiserver.log)
  etcd       $(etcd_endpoints)
  kubectl    uses context 'kates' from $kubeconfig
Stop it and remove everything it made with:  npm run down
MSG
