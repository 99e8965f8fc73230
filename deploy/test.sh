#!/usr/bin/env bash
# Runs every test on a Debian 12 machine, as root: installs the build tools and the local OAR cluster
# from Debian's packages, then unit tests (Surefire, *Test) and integration tests against the cluster (Failsafe, *IT).
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)
bash deploy/install-build-tools.sh
bash deploy/install-platform.sh
bash deploy/cluster/setup.sh
# The hub ITs run their own hub and service on the platform's ports: stop those of deploy/up.sh.
bash deploy/hub.sh stop >/dev/null
bash deploy/service.sh stop >/dev/null
bash deploy/cluster/clear-jobs.sh
# The JupyterHub shim's unit tests, with Debian's python3 (the first python3 on PATH may lack Debian's modules).
/usr/bin/python3 -m pytest -q -p no:cacheprovider spawner-api/shim/tests
# The shim as a wheel (Debian's pip, setuptools and wheel; no PyPI) with the Maven project's version, installed into a venv.
bash deploy/build-shim.sh
mvn -B -ntp verify "$@"
# The systemd unit (systemd-analyze verify and security) and deploy/install-service.sh, with the jar just built.
bash deploy/systemd/test.sh
echo "[test] all tests passed in $(( $(date +%s) - t0 )) s"
