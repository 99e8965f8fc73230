#!/usr/bin/env bash
# Runs every test on a Debian 12 machine, as root: installs the build tools and the local OAR cluster
# from Debian's packages, then unit tests (Surefire, *Test) and integration tests against the cluster (Failsafe, *IT).
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)
bash deploy/install-build-tools.sh
bash deploy/install-platform.sh
bash deploy/cluster/setup.sh
bash deploy/cluster/clear-jobs.sh
mvn -B -ntp verify "$@"
echo "[test] all tests passed in $(( $(date +%s) - t0 )) s"
