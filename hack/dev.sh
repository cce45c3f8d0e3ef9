#!/usr/bin/env bash
# dev.sh check [STATE_DIR]: fails, naming the pid, when a devenv runs in STATE_DIR (default .dev).
# dev.sh up DEVENV [ARGS...]: starts devenv in the background and returns once the samples have
#   settled, printing their compliance table.
# dev.sh down: stops it and waits until every process it started is gone.
# DEV_STATE names the state directory of up and down (default .dev; run-fleet's is .dev-fleet).
set -euo pipefail

state=${DEV_STATE:-.dev}
pidfile=$state/devenv.pid

# running DIR: true when a devenv holds DIR's lock (devenv takes it with flock(2) at start).
running() {
  local lock=$1/devenv.lock
  [[ -f "$lock" ]] || return 1
  ! flock -n "$lock" true
}

case "${1:-}" in
check)
  dir=${2:-$state}
  down=dev-down
  [[ "$dir" == *fleet* ]] && down=fleet-down
  if running "$dir"; then
    echo "devenv is already running (pid $(cat "$dir/devenv.lock")) in $dir; stop it with Ctrl-C in its shell or \`make $down\`" >&2
    exit 1
  fi
  ;;
up)
  shift
  mkdir -p "$state"
  "$0" check "$state"
  rm -f "$state/ready"
  nohup "$@" >"$state/devenv.log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 600); do
    if [[ -f "$state/ready" ]]; then
      cat "$state/summary.txt" 2>/dev/null || true
      echo
      echo "export $(cat "$state/ready")"
      exit 0
    fi
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "devenv exited; its log:" >&2
      cat "$state/devenv.log" >&2
      rm -f "$pidfile"
      exit 1
    fi
    sleep 0.5
  done
  echo "devenv was not ready within 300s; see $state/devenv.log" >&2
  exit 1
  ;;
down)
  [[ -f "$pidfile" ]] || { echo "not running"; exit 0; }
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 90); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; echo "stopped"; exit 0; }
    sleep 0.5
  done
  echo "devenv (pid $pid) did not stop within 45s; killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
  ;;
*)
  echo "usage: $0 check [STATE_DIR] | up DEVENV [ARGS...] | down" >&2
  exit 2
  ;;
esac
