#!/bin/bash
# Inside a kates DinD host (mounted from the repo at /kates/deploy/dind/node-run.sh):
#   node-run.sh start NAME CMD...   start CMD detached, log to /var/log/kates/NAME.log, PID in /run/kates/NAME.pid
#   node-run.sh stop NAME [SIGNAL]  signal it (default TERM) and wait up to 10 s, then KILL
#   node-run.sh pid NAME            print its PID when it is running (exit 1 otherwise)
set -u
mkdir -p /var/log/kates /run/kates
cmd="$1" name="$2"
shift 2
pidfile="/run/kates/$name.pid"
running() { [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
case "$cmd" in
  start)
    running && { echo "$name already runs as $(cat "$pidfile")" >&2; exit 1; }
    echo "=== $(date -Is) start: $*" >>"/var/log/kates/$name.log"
    # setsid: its own session, so it outlives this `docker exec` and is reparented to tini.
    setsid "$@" >>"/var/log/kates/$name.log" 2>&1 </dev/null &
    echo "$!" >"$pidfile"
    echo "$!"
    ;;
  stop)
    running || exit 0
    pid="$(cat "$pidfile")"
    kill "-${1:-TERM}" "$pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    echo "=== $(date -Is) stopped (${1:-TERM})" >>"/var/log/kates/$name.log"
    rm -f "$pidfile"
    ;;
  pid)
    running && cat "$pidfile"
    ;;
  *) echo "usage: node-run.sh start|stop|pid NAME ..." >&2; exit 2 ;;
esac
