#!/usr/bin/env bash
# Brings up the local platform on a Debian 12 machine, as root: the OAR cluster (deploy/cluster/setup.sh),
# the oarspawner service (deploy/service.sh), then spawns one demo notebook through the service's API and
# prints how long each step took.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-build-tools.sh
bash deploy/install-platform.sh
bash deploy/cluster/setup.sh
mvn -B -ntp -q install -DskipTests
mvn -B -ntp -q -pl service dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
bash deploy/service.sh start
echo "[up] API contract: http://127.0.0.1:9081/api/v1/openapi.yaml; metrics: http://127.0.0.1:9081/metrics"
echo "[up] a demo spawn through the API (bench node, 1 core):"
java -cp "service/target/classes:$(cat service/target/classpath.txt)" org.oarspawner.service.Bench \
  http://127.0.0.1:9081 1 "$(cat /run/oarspawner.pid)"
