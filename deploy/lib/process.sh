# shellcheck shell=bash
# Background processes tracked by PID files. A PID file only counts while the process it
# names still runs the command we started (its command line contains a marker we pass in),
# so a stale file whose PID was reused by something else is never signalled.

# start_detached PIDFILE LOGFILE CMD... starts CMD in its own session so it outlives npm
# and the terminal, appends its output to LOGFILE and records its PID.
start_detached() {
  local pidfile="$1" logfile="$2"
  shift 2
  # The subshell is not a process-group leader, so setsid execs in place and $! is CMD's PID.
  (exec setsid "$@" >>"$logfile" 2>&1 </dev/null) &
  echo "$!" >"$pidfile"
}

# start_supervised PIDFILE LOGFILE CMD... is start_detached under deploy/lib/supervise.sh, which
# restarts CMD whenever it exits; the PID file names the supervisor, whose command line still
# contains CMD (so markers work), and stop_pidfile's SIGTERM stops both.
start_supervised() {
  local pidfile="$1" logfile="$2"
  shift 2
  start_detached "$pidfile" "$logfile" bash "$KATES_ROOT/deploy/lib/supervise.sh" "$@"
}

# pid_running PIDFILE MARKER succeeds when the PID in PIDFILE is alive and its command line contains MARKER.
pid_running() {
  local pidfile="$1" marker="$2" pid
  [[ -f "$pidfile" ]] || return 1
  pid="$(cat "$pidfile")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$marker"
}

# stop_pidfile PIDFILE MARKER [TIMEOUT] sends SIGTERM, waits up to TIMEOUT seconds, then SIGKILL.
stop_pidfile() {
  local pidfile="$1" marker="$2" timeout="${3:-10}" pid i
  if pid_running "$pidfile" "$marker"; then
    pid="$(cat "$pidfile")"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < timeout * 10; i++)); do
      [[ -d "/proc/$pid" ]] || break
      sleep 0.1
    done
    if [[ -d "/proc/$pid" ]]; then
      log "pid $pid did not stop after ${timeout}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do [[ -d "/proc/$pid" ]] || break; sleep 0.1; done
    fi
  fi
  rm -f "$pidfile"
}

# wait_until SECONDS CMD... retries CMD every 0.2 s until it succeeds or SECONDS pass.
wait_until() {
  local timeout="$1" deadline
  shift
  deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# http_ok URL succeeds when GET URL answers 2xx (Node's fetch, so curl is not required).
http_ok() {
  node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(2000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$1"
}
