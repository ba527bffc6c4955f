#!/usr/bin/env bash
# `npm start`: install what is missing, build, and run a one-host cluster in the background
# on loopback: a 3-member etcd cluster, the apiserver, the controller-manager and scheduler,
# kates-dns, and this machine as a node (Docker, the runtime shim, the kubelet with the host-gw
# pod network, kube-proxy); then point kubectl at it and run something on it.
# Every daemon but etcd runs under deploy/lib/supervise.sh, which restarts it if it exits.
# Running it again starts only what is not running, so it is safe to repeat.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
source "$KATES_ROOT/deploy/lib/process.sh"
source "$KATES_ROOT/deploy/lib/docker.sh"
source "$KATES_ROOT/deploy/local/config.sh"

ensure_packages
ensure_npm_deps
build
ensure_docker
ensure_registry
ensure_images
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
  start_supervised "$apiserver_pid" "$KATES_STATE_DIR/apiserver.log" \
    node "$APISERVER_MAIN" --etcd-servers="$(etcd_endpoints)" --bind-address=127.0.0.1 \
    --port="$KATES_APISERVER_PORT" --advertise-address=127.0.0.1 \
    --service-cluster-ip-range=$KATES_SERVICE_CIDR --service-node-port-range=30000-32767
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

# node_pod_gateway prints the first address of this node's podCIDR (the pod bridge's gateway).
node_pod_gateway() {
  node -e 'fetch(process.argv[1]).then((r) => r.json()).then((n) => {
    const cidr = n.spec?.podCIDR; if (!cidr) process.exit(1);
    const o = cidr.split("/")[0].split(".").map(Number); o[3] += 1; console.log(o.join("."));
  }).catch(() => process.exit(1))' "$KATES_SERVER_URL/api/v1/nodes/$KATES_NODE_NAME"
}

# 3. The other daemons. Each is restarted when the build produced newer code than it runs.
for entry in "${KATES_DAEMONS[@]}"; do
  name="${entry%%|*}" main="${entry#*|}"
  [[ -f "$main" ]] || die "$main is missing after the build"
  pidfile="$KATES_STATE_DIR/$name.pid"
  if pid_running "$pidfile" "$main" && [[ -n "$(find "$KATES_ROOT"/packages/*/dist -name '*.js' -newer "$pidfile" -print -quit 2>/dev/null)" ]]; then
    log "the build changed since $name started; restarting it"
    stop_pidfile "$pidfile" "$main" 10
  fi
  pid_running "$pidfile" "$main" && continue
  if [[ "$name" == dns && -z "$KATES_DNS_ADVERTISE" ]]; then
    # Pods reach kates-dns (through kube-dns' ClusterIP) at their own bridge's gateway.
    wait_until 60 node_pod_gateway >/dev/null || die "node $KATES_NODE_NAME got no podCIDR (logs: $KATES_STATE_DIR/controller-manager.log, kubelet.log)"
    KATES_DNS_ADVERTISE="$(node_pod_gateway)"
  fi
  log "starting $name"
  # shellcheck disable=SC2046
  # shellcheck disable=SC2046
  start_supervised "$pidfile" "$KATES_STATE_DIR/$name.log" node $(daemon_node_flags "$name") "$main" $(daemon_args "$name")
  started=1
  if [[ "$name" == runtime-shim ]]; then
    wait_until 30 test -S "$KATES_SHIM_SOCKET" || die "the runtime shim did not open $KATES_SHIM_SOCKET (log: $KATES_STATE_DIR/$name.log)"
  fi
done

# 4. kubeconfig: merge the kates context and make it current.
kubeconfig="$(node "$KATES_ROOT/deploy/lib/kubeconfig.mjs" merge --server "$KATES_SERVER_URL")"
log "kubeconfig: context 'kates' is current in $kubeconfig"

if ((started)); then
  log "control plane is running"
else
  log "control plane was already running; nothing to start"
fi

# 5. Show it working with the real client (our own cache dir, so we leave no files in ~/.kube):
#    the node is Ready, and a Deployment of nginx runs on it.
if command -v kubectl >/dev/null 2>&1; then
  kc=(kubectl --kubeconfig="$kubeconfig" --context=kates --cache-dir="$KATES_STATE_DIR/kubectl-cache" --request-timeout=10s)
  wait_until 30 "${kc[@]}" wait --for=condition=Ready "node/$KATES_NODE_NAME" --timeout=5s >/dev/null 2>&1 || log "node $KATES_NODE_NAME is not Ready yet (log: $KATES_STATE_DIR/kubelet.log)"
  echo
  echo "\$ kubectl get nodes -o wide"
  "${kc[@]}" get nodes -o wide || true
  if ! "${kc[@]}" get deployment hello >/dev/null 2>&1; then
    echo
    echo "\$ kubectl create deployment hello --image=nginx:1.24.0 --replicas=2"
    "${kc[@]}" create deployment hello --image=nginx:1.24.0 --replicas=2 || true
  fi
  echo
  echo "\$ kubectl rollout status deployment/hello --timeout=90s"
  "${kc[@]}" rollout status deployment/hello --timeout=90s || true
  echo
  echo "\$ kubectl get pods -o wide"
  "${kc[@]}" get pods -o wide || true
  # A Service in front of it: kube-proxy's rules take the ClusterIP to the pods.
  "${kc[@]}" get service hello >/dev/null 2>&1 || "${kc[@]}" expose deployment hello --port=80 --type=NodePort >/dev/null || true
  echo
  echo "\$ kubectl get service hello"
  "${kc[@]}" get service hello || true
  cluster_ip="$("${kc[@]}" get service hello -o jsonpath='{.spec.clusterIP}' 2>/dev/null || true)"
  if [[ -n "$cluster_ip" ]] && command -v curl >/dev/null 2>&1; then
    echo
    echo "\$ curl -s http://$cluster_ip/ | grep title"
    wait_until 20 curl -sf -o /dev/null --max-time 2 "http://$cluster_ip/" || true
    curl -s --max-time 5 "http://$cluster_ip/" | grep -i "<title>" || log "the Service did not answer yet (log: $KATES_STATE_DIR/kube-proxy.log)"
  fi
else
  echo
  echo "\$ GET $KATES_SERVER_URL/api/v1/namespaces"
  node -e 'fetch(process.argv[1]).then((r) => r.json()).then((l) => console.log((l.items ?? []).map((n) => n.metadata.name).join("\n")))' \
    "$KATES_SERVER_URL/api/v1/namespaces" || true
fi

cat <<MSG

kates is running in the background (logs in $KATES_STATE_DIR):
  apiserver           $KATES_SERVER_URL
  etcd                $(etcd_endpoints)
  controller-manager  scheduler  kates-dns (kube-dns $KATES_CLUSTER_DNS)
  node $KATES_NODE_NAME  kubelet on 127.0.0.1:$KATES_KUBELET_PORT, runtime shim on $KATES_SHIM_SOCKET (Docker), kube-proxy
  pods       $KATES_CLUSTER_CIDR (host-gw), Services $KATES_SERVICE_CIDR${KATES_LB_POOL:+, LoadBalancer pool $KATES_LB_POOL}
  kubectl    uses context 'kates' from $kubeconfig
Stop it and remove everything it made with:  npm run down
MSG
