#!/usr/bin/env bash
# Starts or stops the oarspawner service in the background with deploy/config/oarspawner.yaml.
#   deploy/service.sh start|stop|restart|status      log: /var/log/oarspawner.log, pid: /run/oarspawner.pid
# It runs the one runnable jar, service/target/oarspawner-<version>.jar (deploy/up.sh builds it; or
# mvn -B -ntp -pl service -am package -DskipTests), or $OARSPAWNER_JAR. OARSPAWNER_* variables override configuration keys.
set -euo pipefail
cd "$(dirname "$0")/.."
PID=/run/oarspawner.pid
LOG=/var/log/oarspawner.log
CONFIG="${OARSPAWNER_CONFIG:-$PWD/deploy/config/oarspawner.yaml}"
JAR="${OARSPAWNER_JAR:-$(ls -t service/target/oarspawner-*.jar 2>/dev/null | head -1 || true)}"
running() { [ -f "$PID" ] && kill -0 "$(cat "$PID")" 2>/dev/null; }
# With the local hub (deploy/hub.sh made its proxy's token), the service keeps that proxy's routes.
STATE="${OARSPAWNER_DEV_STATE:-/var/lib/oarspawner-dev}"
if [ -z "${OARSPAWNER_PROXY__API_URL:-}" ] && [ -s "$STATE/proxy-token" ]; then
  export OARSPAWNER_PROXY__API_URL=http://127.0.0.1:8001 OARSPAWNER_PROXY__AUTH_TOKEN_FILE="$STATE/proxy-token"
fi
# ... and cancels the jobs of servers that hub has abandoned (hub.orphanGrace, 5 min by default).
if [ -z "${OARSPAWNER_HUB__API_URL:-}" ] && [ -s "$STATE/hub-service-token" ]; then
  export OARSPAWNER_HUB__API_URL=http://127.0.0.1:8081/hub/api OARSPAWNER_HUB__API_TOKEN_FILE="$STATE/hub-service-token"
fi
# ... and serves the HPC sessions page at http://127.0.0.1:8000/services/oarspawner/, logged in through that hub's OAuth
# (the client's secret is the hub's api_token for the service "oarspawner": the same file).
if [ -z "${OARSPAWNER_SESSIONS__PUBLIC_URL:-}" ] && [ -s "$STATE/hub-service-token" ]; then
  export OARSPAWNER_SESSIONS__PUBLIC_URL="http://127.0.0.1:${OARSPAWNER_HUB_PORT:-8000}" \
    OARSPAWNER_SESSIONS__HUB_API_URL=http://127.0.0.1:8081/hub/api OARSPAWNER_SESSIONS__CLIENT_SECRET_FILE="$STATE/hub-service-token"
fi
port() { echo "${OARSPAWNER_HTTP__PORT:-9081}"; }
start() {
  if running; then echo "[service] already running (pid $(cat "$PID"))"; return; fi
  [ -f "$JAR" ] || { echo "[service] not built: run deploy/up.sh (or mvn -B -ntp -pl service -am package -DskipTests)"; exit 1; }
  # The JVM's flags: deploy/jvm.options, the one list every launcher of the jar uses.
  nohup java @"$PWD/deploy/jvm.options" -jar "$JAR" "$CONFIG" >> "$LOG" 2>&1 &
  echo $! > "$PID"
  for _ in $(seq 150); do
    if curl -fsS "http://127.0.0.1:$(port)/health/live" >/dev/null 2>&1; then
      echo "[service] listening on http://127.0.0.1:$(port) (pid $(cat "$PID"), log $LOG)"; return
    fi
    running || { echo "[service] exited; last lines of $LOG:"; tail -20 "$LOG"; exit 1; }
    sleep 0.2
  done
  echo "[service] did not answer in 30 s; see $LOG"; exit 1
}
stop() { if running; then kill "$(cat "$PID")"; rm -f "$PID"; echo "[service] stopped"; fi; }
case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  restart) stop; sleep 1; start ;;
  status) if running; then echo "running (pid $(cat "$PID"))"; else echo "stopped"; exit 3; fi ;;
  *) echo "usage: $0 start|stop|restart|status"; exit 2 ;;
esac
