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
