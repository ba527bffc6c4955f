#!/usr/bin/env bash
# supervise.sh CMD...: runs CMD and starts it again whenever it exits, as systemd or a kubelet
# static pod would. The scheduler and controller-manager exit on purpose when they lose their
# Lease (an apiserver restart longer than the renew deadline is enough), and Kubernetes relies
# on a supervisor to bring them back; on the one-host cluster this is that supervisor.
# SIGTERM/SIGINT are passed on to CMD, and the supervisor exits once CMD has.
set -uo pipefail

child=0
stopping=0
on_stop() {
  stopping=1
  ((child)) && kill -TERM "$child" 2>/dev/null
}
trap on_stop TERM INT

delay=1
while :; do
  started=$SECONDS
  "$@" &
  child=$!
  # `wait` returns early when a trapped signal arrives; wait again until the child is gone.
  while kill -0 "$child" 2>/dev/null; do wait "$child"; done
  wait "$child" 2>/dev/null
  code=$?
  ((stopping)) && exit 0
  # Back off (1 s doubling to 30 s) only when it keeps dying at once.
  if ((SECONDS - started > 60)); then delay=1; fi
  cmd="$*"
  echo "{\"level\":40,\"supervisor\":\"kates\",\"msg\":\"exited with code $code; restarting in ${delay}s\",\"cmd\":\"${cmd//\"/\'}\"}"
  sleep "$delay" & wait $! 2>/dev/null
  ((stopping)) && exit 0
  delay=$((delay * 2 > 30 ? 30 : delay * 2))
done
