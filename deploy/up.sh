#!/usr/bin/env bash
# Brings up the local platform on a Debian 12 machine, as root: the OAR cluster (deploy/cluster/setup.sh),
# then builds oarspawner and submits a demo notebook job through the OAR backend, printing its URL and timings.
#   deploy/up.sh [runs]    runs > 1 submits that many jobs one after another and prints the median times
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-build-tools.sh
bash deploy/cluster/setup.sh
mvn -B -ntp -q install -DskipTests
mvn -B -ntp -q -pl oar-backend dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
java -cp "oar-backend/target/classes:$(cat oar-backend/target/classpath.txt)" org.oarspawner.oar.Demo "${1:-1}"
