#!/usr/bin/env bash
# Starts or stops JupyterHub 3.0 (Debian's) with the oarspawner shim, in the background.
#   deploy/hub.sh start|stop|restart      log: /var/log/jupyterhub-oarspawner.log
set -euo pipefail
cd "$(dirname "$0")/.."
STATE="${OARSPAWNER_DEV_STATE:-/var/lib/oarspawner-dev}"
LOG=/var/log/jupyterhub-oarspawner.log
PID="$STATE/jupyterhub.pid"
running() { [ -f "$PID" ] && kill -0 "$(cat "$PID")" 2>/dev/null; }
start() {
  if running; then echo "[hub] already running"; return; fi
  for f in proxy-token hub-api-token hub-service-token; do
    [ -s "$STATE/$f" ] || (umask 077; head -c 32 /dev/urandom | base64 -w0 | tr -d '/+=' > "$STATE/$f")
  done
  mkdir -p "$STATE/hub"
  # Every descriptor of the background hub goes to the log: a caller reading our output to its end
  # (a test's ProcessBuilder, `| cat`) must not wait on the hub.
  local root="$PWD"
  cd "$STATE/hub"
  NODE_PATH=/usr/share/nodejs:/usr/lib/nodejs PYTHONPATH="$root/spawner-api/shim" \
    setsid nohup /usr/bin/python3 -m jupyterhub -f "$root/deploy/hub/jupyterhub_config.py" >> "$LOG" 2>&1 < /dev/null &
  cd "$root"
  for _ in $(seq 150); do
    curl -fsS --max-time 2 "http://127.0.0.1:${OARSPAWNER_HUB_PORT:-8000}/hub/api" >/dev/null 2>&1 && {
      echo "[hub] http://127.0.0.1:${OARSPAWNER_HUB_PORT:-8000} (log $LOG)"; return; }
    sleep 0.3
  done
  echo "[hub] did not answer; last lines of $LOG:"; tail -20 "$LOG"; exit 1
}
stop() {
  if running; then kill "$(cat "$PID")"; sleep 1; fi
  pkill -f 'configurable-http-proxy --ip 127.0.0.1 --port 8000' 2>/dev/null || true
  echo "[hub] stopped"
}
case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  *) echo "usage: $0 start|stop|restart"; exit 2 ;;
esac
