#!/usr/bin/env bash
# dev.sh up DEVENV [ARGS...]: starts devenv in the background and returns once the API answers.
# dev.sh down: stops it and waits until every process it started is gone.
set -euo pipefail

state=.dev
pidfile=$state/devenv.pid

case "${1:-}" in
up)
  shift
  mkdir -p "$state"
  if [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "already running (pid $(cat "$pidfile")); export KUBECONFIG=$PWD/$state/kubeconfig"
    exit 0
  fi
  rm -f "$state/ready"
  nohup "$@" >"$state/devenv.log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 240); do
    if [[ -f "$state/ready" ]]; then
      echo "export KUBECONFIG=$(cat "$state/ready")"
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
  echo "devenv did not become ready within 120s; see $state/devenv.log" >&2
  exit 1
  ;;
down)
  [[ -f "$pidfile" ]] || { echo "not running"; exit 0; }
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; echo "stopped"; exit 0; }
    sleep 0.5
  done
  echo "devenv (pid $pid) did not stop within 30s; killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
  ;;
*)
  echo "usage: $0 up DEVENV [ARGS...] | down" >&2
  exit 2
  ;;
esac
