#!/usr/bin/env bash
# Installs the oarspawner service on a systemd host, as root; idempotent (run it again to upgrade the jar):
#   deploy/install-service.sh [path/to/oarspawner-<version>.jar]     (default: the newest in service/target)
# - the user and group oarspawner (system, no home, no shell), unless they exist;
# - /opt/oarspawner/oarspawner-<version>.jar, and the link /opt/oarspawner/oarspawner.jar the unit runs;
# - /opt/oarspawner/jvm.options (deploy/jvm.options), the JVM's flags the unit passes to java;
# - /etc/oarspawner/oarspawner.yaml from deploy/systemd/oarspawner.yaml, only if there is none (a copy stays beside it
#   as oarspawner.yaml.example); /etc/oarspawner/secrets (root, 0700) for the secrets;
# - /etc/systemd/system/oarspawner.service, then systemctl daemon-reload where systemd runs.
# It starts nothing: put the secrets in place first (docs/deploy.md), then systemctl enable --now oarspawner.
# DESTDIR=/some/dir installs the files under that directory instead, and creates no user (for packaging and tests).
set -euo pipefail
cd "$(dirname "$0")/.."
JAR="${1:-$(ls -t service/target/oarspawner-*.jar 2>/dev/null | head -1)}"
[ -f "$JAR" ] || { echo "[install-service] no jar: build it with mvn -B -ntp -pl service -am package -DskipTests"; exit 1; }
D="${DESTDIR:-}"
if [ -z "$D" ] && ! /usr/bin/java -version 2>&1 | grep -qE 'version "(1[7-9]|[2-9][0-9])'; then
  echo "[install-service] the unit runs /usr/bin/java, which must be Java 17 or later: apt-get install openjdk-17-jre-headless"
fi
changed=0
put() { # put MODE SOURCE TARGET: installs when absent or different
  if ! cmp -s "$2" "$D$3"; then install -D -m "$1" "$2" "$D$3"; echo "[install-service] installed $3"; changed=1; fi
}
if [ -z "$D" ] && ! getent passwd oarspawner >/dev/null; then
  useradd --system --user-group --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin oarspawner
  echo "[install-service] created the user oarspawner"; changed=1
fi
put 0644 "$JAR" "/opt/oarspawner/$(basename "$JAR")"
put 0644 deploy/jvm.options /opt/oarspawner/jvm.options
if [ "$(readlink "$D/opt/oarspawner/oarspawner.jar" 2>/dev/null)" != "$(basename "$JAR")" ]; then
  ln -sfn "$(basename "$JAR")" "$D/opt/oarspawner/oarspawner.jar"; echo "[install-service] oarspawner.jar -> $(basename "$JAR")"; changed=1
fi
install -d -m 0755 "$D/etc/oarspawner"
install -d -m 0700 "$D/etc/oarspawner/secrets"
put 0644 deploy/systemd/oarspawner.yaml /etc/oarspawner/oarspawner.yaml.example
[ -e "$D/etc/oarspawner/oarspawner.yaml" ] || put 0644 deploy/systemd/oarspawner.yaml /etc/oarspawner/oarspawner.yaml
put 0644 deploy/systemd/oarspawner.service /etc/systemd/system/oarspawner.service
if [ -z "$D" ] && [ -d /run/systemd/system ] && [ "$changed" = 1 ]; then systemctl daemon-reload; fi
[ "$changed" = 1 ] || echo "[install-service] nothing to change"
