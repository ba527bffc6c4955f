#!/bin/bash
# PID 1's child (under tini) of a kates DinD host: starts dockerd, optionally forwards the
# outer machine's registry to 127.0.0.1:5000 (loopback registries need no TLS and no
# insecure-registries entry), and waits. The kates daemons are started by the harness with
# `docker exec … kates-node-run`, so they can be killed and restarted one by one.
set -u
mkdir -p /var/log/kates /run/kates

# Forward 127.0.0.1:5000 -> KATES_REGISTRY_UPSTREAM (host:port on the lab network), so the
# shim's default --registry=127.0.0.1:5000 resolves images exactly as on the outer machine.
if [[ -n "${KATES_REGISTRY_UPSTREAM:-}" ]]; then
  socat TCP-LISTEN:5000,bind=127.0.0.1,fork,reuseaddr "TCP:${KATES_REGISTRY_UPSTREAM}" >>/var/log/kates/registry-forward.log 2>&1 &
fi

# A hard-killed previous run (same volume) leaves pid files that make dockerd refuse to start.
rm -f /var/run/docker.pid /run/docker/containerd/containerd.pid
# shellcheck disable=SC2086
dockerd --host unix:///var/run/docker.sock ${KATES_DOCKERD_ARGS:-} >>/var/log/kates/dockerd.log 2>&1 &
dockerd_pid=$!

for _ in $(seq 1 600); do
  if docker info >/dev/null 2>&1; then
    touch /run/kates/node-ready
    echo "kates-node: dockerd ready"
    break
  fi
  kill -0 "$dockerd_pid" 2>/dev/null || { echo "kates-node: dockerd exited"; tail -n 30 /var/log/kates/dockerd.log; exit 1; }
  sleep 0.1
done

# Stop dockerd (and its containers) cleanly when the container is stopped.
trap 'kill -TERM "$dockerd_pid" 2>/dev/null; wait "$dockerd_pid"; exit 0' TERM INT
wait "$dockerd_pid"
echo "kates-node: dockerd exited ($?)"; tail -n 30 /var/log/kates/dockerd.log
