#!/usr/bin/env bash
# Brings up the local platform on a Debian 12 machine, as root: the OAR cluster (deploy/cluster/setup.sh),
# JupyterHub 3.0 with the oarspawner shim and its configurable-http-proxy (deploy/hub.sh), and the oarspawner
# service (deploy/service.sh); spawns one demo notebook through the service's API, then prints the hub's URL
# and the demo login.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-build-tools.sh
bash deploy/install-platform.sh
bash deploy/cluster/setup.sh
# The one runnable jar, service/target/oarspawner-<version>.jar (nothing is installed into ~/.m2).
mvn -B -ntp -q -pl service -am package -DskipTests
JAR=$(ls -t service/target/oarspawner-*.jar | head -1)
bash deploy/hub.sh start
bash deploy/service.sh restart
echo "[up] API contract: http://127.0.0.1:9081/api/v1/openapi.yaml; metrics: http://127.0.0.1:9081/metrics"
echo "[up] a demo spawn through the API (bench node, 1 core):"
java -cp "$JAR" org.oarspawner.service.Bench \
  http://127.0.0.1:9081 1 "$(cat /run/oarspawner.pid)"
echo
echo "[up] JupyterHub: http://127.0.0.1:8000  (demo login: alice or bob, password oarspawner-demo; bob must pick a project)"
echo "[up] spawn form: Preset, or Cluster 'HPC node - CPU' / 'HPC node - GPU' with cores, GPUs, GPU model, walltime."
echo "[up] logs: /var/log/jupyterhub-oarspawner.log, /var/log/oarspawner.log"
