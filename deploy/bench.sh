#!/usr/bin/env bash
# Benchmark (not a test): N concurrent spawns through the service on the local platform's 128-core bench node.
#   deploy/bench.sh [N ...]           default: 1 20 100
#   deploy/bench.sh --memory [N]      default 500: the service's memory with N tracked spawns. node-bench gets N cores
#                                     for the measure and its 128 again after it (deploy/cluster/bench-cores.sh); each
#                                     notebook is a Perl one-liner answering HTTP (~2 MB a job); prints the RSS, the
#                                     live set after a full GC and the classes that hold the heap.
# Prints, per N: time to all ready, spawn latency p50/p95, OAR Running->ready, frontend commands, service RSS, REST p99.
set -euo pipefail
cd "$(dirname "$0")/.."
ls service/target/oarspawner-*.jar >/dev/null 2>&1 || bash deploy/up.sh
JAR=$(ls -t service/target/oarspawner-*.jar | head -1)
props=()
if [ "${1:-}" = "--memory" ]; then
  n=${2:-500}
  cores=$(( n > 128 ? (n + 63) / 64 * 64 : 128 ))
  trap 'bash deploy/cluster/bench-cores.sh 128' EXIT
  bash deploy/cluster/bench-cores.sh "$cores"
  props=(-Dbench.notebook=perl -Dbench.memory=true)
  set -- "$n"
fi
bash deploy/service.sh start >/dev/null
for n in "${@:-1 20 100}"; do
  for k in $n; do
    java "${props[@]}" -cp "$JAR" org.oarspawner.service.Bench \
      http://127.0.0.1:9081 "$k" "$(cat /run/oarspawner.pid)"
  done
done
