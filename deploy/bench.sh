#!/usr/bin/env bash
# Benchmark (not a test): N concurrent spawns through the service on the local platform's 128-core bench node.
#   deploy/bench.sh [N ...]      default: 1 20 100
# Prints, per N: time to all ready, spawn latency p50/p95, OAR Running->ready, frontend commands, service RSS, REST p99.
set -euo pipefail
cd "$(dirname "$0")/.."
ls service/target/oarspawner-*.jar >/dev/null 2>&1 || bash deploy/up.sh
JAR=$(ls -t service/target/oarspawner-*.jar | head -1)
bash deploy/service.sh start >/dev/null
for n in "${@:-1 20 100}"; do
  for k in $n; do
    java -cp "$JAR" org.oarspawner.service.Bench \
      http://127.0.0.1:9081 "$k" "$(cat /run/oarspawner.pid)"
  done
done
