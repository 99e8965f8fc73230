#!/usr/bin/env bash
# Fault run (not a test): breaks each component of the local platform in turn and prints, per scenario, spawns lost,
# orphaned and duplicated jobs, stale routes, the time to recover, and what is left after stop.
#   deploy/faults.sh [words of scenario titles ...]      (after deploy/up.sh; stops and restarts the platform's service)
# Scenarios: SIGKILL of the service at submitting, queued (back after 5 s and 60 s), starting and ready; the frontend's
# sshd stopped for 60 s; OAR's server stopped for 60 s; configurable-http-proxy killed.
set -euo pipefail
cd "$(dirname "$0")/.."
ls service/target/oarspawner-*.jar >/dev/null 2>&1 || bash deploy/up.sh
bash deploy/hub.sh start >/dev/null
bash deploy/service.sh start >/dev/null
exec /usr/bin/python3 deploy/faults.py "$@"
