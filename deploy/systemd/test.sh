#!/usr/bin/env bash
# Tests the systemd packaging (deploy/test.sh runs it after the build): systemd-analyze verify and security on the
# unit (the exposure score printed, and at most MAX_EXPOSURE), then deploy/install-service.sh into a scratch DESTDIR,
# twice (the second run changes nothing, an edited configuration is kept), and the installed jar checks the installed
# example configuration. systemd need not be PID 1.
set -euo pipefail
cd "$(dirname "$0")/../.."
UNIT=deploy/systemd/oarspawner.service
MAX_EXPOSURE=2.0
fail() { echo "[systemd-test] FAIL: $*"; exit 1; }

out=$(systemd-analyze verify "$UNIT" 2>&1) || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify warns: $out"
echo "[systemd-test] systemd-analyze verify $UNIT: clean"

if ! report=$(systemd-analyze security --offline=true "$UNIT" 2>&1); then
  # Older systemd-analyze finds units only where systemd would load them.
  install -D -m 0644 "$UNIT" /etc/systemd/system/oarspawner.service
  report=$(systemd-analyze security --offline=true /etc/systemd/system/oarspawner.service 2>&1) || fail "systemd-analyze security: $report"
fi
score=$(sed -n 's/.*Overall exposure level for oarspawner.service: \([0-9.]*\).*/\1/p' <<<"$report")
[ -n "$score" ] || fail "no exposure score in: $report"
echo "[systemd-test] systemd-analyze security: exposure $score (at most $MAX_EXPOSURE)"
awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }' || fail "exposure $score is above $MAX_EXPOSURE: $report"
grep -q '^✗ MemoryDenyWriteExecute=' <<<"$report" || fail "MemoryDenyWriteExecute is set: HotSpot's JIT needs W+X memory"

JAR=$(ls -t service/target/oarspawner-*.jar 2>/dev/null | head -1)
[ -f "$JAR" ] || fail "no jar in service/target: build first (mvn -B -ntp -pl service -am package -DskipTests)"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
DESTDIR="$root" bash deploy/install-service.sh "$JAR" >/dev/null
[ -L "$root/opt/oarspawner/oarspawner.jar" ] || fail "no /opt/oarspawner/oarspawner.jar link"
[ "$(stat -c %a "$root/etc/oarspawner/secrets")" = 700 ] || fail "/etc/oarspawner/secrets is not mode 0700"
cmp -s "$UNIT" "$root/etc/systemd/system/oarspawner.service" || fail "the unit was not installed"
again=$(DESTDIR="$root" bash deploy/install-service.sh "$JAR")
[ "$again" = "[install-service] nothing to change" ] || fail "a second install changed something: $again"
echo "# edited by the site" >> "$root/etc/oarspawner/oarspawner.yaml"
DESTDIR="$root" bash deploy/install-service.sh "$JAR" >/dev/null
grep -q "edited by the site" "$root/etc/oarspawner/oarspawner.yaml" || fail "a reinstall overwrote the site's configuration"
echo "[systemd-test] install-service.sh: installs, is idempotent, keeps the site's configuration"

# The installed jar runs, and takes the installed example, its credentials put where the unit would put them.
creds="$root/run/credentials/oarspawner.service"
mkdir -p "$creds"
for f in job-name-key jwt-secret proxy-token hub-token ssh-oarspawner; do head -c 48 /dev/urandom | base64 > "$creds/secrets_$f"; done
touch "$root/etc/oarspawner/known_hosts"
sed -e "s|/run/credentials/|$root/run/credentials/|g" -e "s|/etc/oarspawner/|$root/etc/oarspawner/|g" \
  "$root/etc/oarspawner/oarspawner.yaml" > "$root/check.yaml"
cmp -s deploy/jvm.options "$root/opt/oarspawner/jvm.options" || fail "the JVM's flags were not installed"
java @"$root/opt/oarspawner/jvm.options" -jar "$root/opt/oarspawner/oarspawner.jar" --version | grep -qx "oarspawner $(basename "$JAR" .jar | sed 's/^oarspawner-//')" \
  || fail "the installed jar's --version is not $(basename "$JAR")"
printed=$(env -u OARSPAWNER_CONFIG java @"$root/opt/oarspawner/jvm.options" -jar "$root/opt/oarspawner/oarspawner.jar" --check-config "$root/check.yaml") \
  || fail "--check-config refused the installed example: $printed"
grep -q "is valid" <<<"$printed" || fail "--check-config printed no verdict: $printed"
! grep -qF "$(cat "$creds/secrets_jwt-secret")" <<<"$printed" || fail "--check-config printed a secret"
echo "[systemd-test] the installed jar runs with the installed JVM flags and accepts the installed example configuration"
