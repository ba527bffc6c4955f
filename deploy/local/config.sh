# shellcheck shell=bash
# Where the local control plane lives: fixed loopback ports away from etcd's and
# Kubernetes' defaults (2379/2380) so a system etcd or another cluster does not clash.

KATES_STATE_DIR="${KATES_STATE_DIR:-$HOME/.kates/local}"
KATES_APISERVER_PORT="${KATES_APISERVER_PORT:-6443}"
KATES_ETCD_MEMBERS=3
KATES_ETCD_CLIENT_PORTS=(23790 23791 23792)
KATES_ETCD_PEER_PORTS=(23800 23801 23802)
KATES_SERVER_URL="http://127.0.0.1:${KATES_APISERVER_PORT}"
APISERVER_MAIN="${KATES_APISERVER_MAIN:-$KATES_ROOT/packages/apiserver/dist/main.js}"

etcd_name() { echo "kates-etcd-$1"; }
etcd_endpoints() {
  local out=() p
  for p in "${KATES_ETCD_CLIENT_PORTS[@]}"; do out+=("http://127.0.0.1:$p"); done
  (IFS=,; echo "${out[*]}")
}
initial_cluster() {
  local out=() i
  for ((i = 0; i < KATES_ETCD_MEMBERS; i++)); do
    out+=("$(etcd_name "$i")=http://127.0.0.1:${KATES_ETCD_PEER_PORTS[$i]}")
  done
  (IFS=,; echo "${out[*]}")
}
# Markers found in each process's command line; see pid_running.
etcd_marker() { echo "--data-dir=$KATES_STATE_DIR/etcd-$1"; }
apiserver_marker() { echo "$APISERVER_MAIN"; }

# The node daemons and the rest of the control plane (one host: this machine is the node).
KATES_NODE_NAME="${KATES_NODE_NAME:-$(hostname | tr '[:upper:]_' '[:lower:]-')}"
KATES_KUBELET_PORT="${KATES_KUBELET_PORT:-10250}"
KATES_SHIM_SOCKET="$KATES_STATE_DIR/runtime-shim.sock"
# name|entry script, in start order; down stops them in reverse.
KATES_DAEMONS=(
  "runtime-shim|$KATES_ROOT/packages/runtime-shim/dist/main.js"
  "kubelet|$KATES_ROOT/packages/kubelet/dist/main.js"
  "controller-manager|$KATES_ROOT/packages/controller-manager/dist/main.js"
  "scheduler|$KATES_ROOT/packages/scheduler/dist/main.js"
  "kube-proxy|$KATES_ROOT/packages/kube-proxy/dist/main.js"
  "dns|$KATES_ROOT/packages/dns/dist/main.js"
)
# Cluster networking (issue 5): pods get addresses from this node's podCIDR (a /24 of the
# cluster CIDR), Services from the service CIDR; kube-dns answers on its fixed ClusterIP.
KATES_CLUSTER_CIDR="${KATES_CLUSTER_CIDR:-10.244.0.0/16}"
KATES_SERVICE_CIDR="${KATES_SERVICE_CIDR:-10.96.0.0/12}"
KATES_CLUSTER_DNS="${KATES_CLUSTER_DNS:-10.96.0.10}"
# LoadBalancer addresses: just outside the service CIDR (10.96.0.0/12 ends at 10.111.255.255).
# kube-proxy answers on them on this host; set it empty for <pending> as on a cloud-less cluster.
KATES_LB_POOL="${KATES_LB_POOL-10.112.255.0/28}"
# The address pods reach kates-dns at: the gateway of this node's pod bridge (set by up.sh
# once the node has its podCIDR; the kubelet itself listens on loopback only).
KATES_DNS_ADVERTISE="${KATES_DNS_ADVERTISE:-}"
# V8 flags per daemon: a 1 MB young generation for all (they allocate little), and for the
# kubelet lite mode (no optimizing compiler: its code is I/O-bound), which keeps it well under
# 80 MB with 30 pods at no measurable CPU cost (bench:pods). The runtime shim gets the parts of
# lite mode that keep WebAssembly (dockerode's ssh2, loaded for pulls, exec and logs, needs it):
# no optimizing compiler, and V8's optimize-for-size (bench:pods: 84 -> 62 MB with 30 pods).
daemon_node_flags() {
  case "$1" in
    kubelet) echo "--max-semi-space-size=1 --lite-mode" ;;
    runtime-shim) echo "--max-semi-space-size=1 --no-opt --optimize-for-size" ;;
    *) echo "--max-semi-space-size=1" ;;
  esac
}
daemon_args() {
  case "$1" in
    runtime-shim) echo "--listen=unix://$KATES_SHIM_SOCKET --state-dir=$KATES_STATE_DIR/runtime-shim --shim-id=local" ;;
    # The kubelet API has no authentication yet, so on a one-host cluster it stays on loopback.
    kubelet) echo "--server=$KATES_SERVER_URL --node-name=$KATES_NODE_NAME --node-ip=127.0.0.1 --address=127.0.0.1 --port=$KATES_KUBELET_PORT --runtime-endpoint=unix://$KATES_SHIM_SOCKET --root-dir=$KATES_STATE_DIR/kubelet --pod-network=host-gw --cluster-cidr=$KATES_CLUSTER_CIDR --cluster-dns=$KATES_CLUSTER_DNS" ;;
    controller-manager) echo "--server=$KATES_SERVER_URL --health-port=10257 --cluster-cidr=$KATES_CLUSTER_CIDR${KATES_LB_POOL:+ --load-balancer-ip-pool=$KATES_LB_POOL}" ;;
    scheduler) echo "--server=$KATES_SERVER_URL --health-port=10259" ;;
    kube-proxy) echo "--server=$KATES_SERVER_URL --hostname-override=$KATES_NODE_NAME --cluster-cidr=$KATES_CLUSTER_CIDR --bind-address=127.0.0.1 --healthz-port=10256" ;;
    # Bound to the pod bridge's gateway only, so port 53 elsewhere on this machine stays free.
    dns) echo "--server=$KATES_SERVER_URL --cluster-dns-ip=$KATES_CLUSTER_DNS --health-port=8181${KATES_DNS_ADVERTISE:+ --advertise-address=$KATES_DNS_ADVERTISE --bind-address=$KATES_DNS_ADVERTISE}" ;;
  esac
}
