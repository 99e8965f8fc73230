#!/usr/bin/env bash
# Logins bench01..benchNN on the local cluster for deploy/hub_bench.py (one hub user each), in group oarusers, with
# keys as setup.sh makes them for alice and bob ($STATE/keys/<login>). Idempotent: an existing login is left as it is.
# Not part of setup.sh: only the hub benchmark needs them.
#   bash deploy/cluster/bench-users.sh N
set -euo pipefail
N=${1:?usage: $0 N}
[[ $N =~ ^[0-9]+$ ]] && [ "$N" -ge 1 ] && [ "$N" -le 999 ] || { echo "N must be 1..999, got $N" >&2; exit 2; }
STATE="${OARSPAWNER_DEV_STATE:-/var/lib/oarspawner-dev}"
getent group oarusers >/dev/null || { echo "no group oarusers: run deploy/cluster/setup.sh first" >&2; exit 1; }
mkdir -p "$STATE/keys"
made=0
for i in $(seq 1 "$N"); do
  u=$(printf 'bench%02d' "$i")
  if ! id "$u" >/dev/null 2>&1; then
    useradd -m -s /bin/bash -G oarusers "$u"
    usermod -p '*' "$u"
    made=$((made + 1))
  fi
  id -nG "$u" | tr ' ' '\n' | grep -qx oarusers || usermod -aG oarusers "$u"
  [ -f "$STATE/keys/$u" ] || ssh-keygen -q -t ed25519 -N '' -C "oarspawner-dev $u" -f "$STATE/keys/$u"
  chmod 600 "$STATE/keys/$u"
  if ! cmp -s "$STATE/keys/$u.pub" "/home/$u/.ssh/authorized_keys" 2>/dev/null; then
    install -d -m 700 -o "$u" -g "$u" "/home/$u/.ssh"
    install -m 600 -o "$u" -g "$u" "$STATE/keys/$u.pub" "/home/$u/.ssh/authorized_keys"
  fi
done
echo "[bench-users] bench01..$(printf 'bench%02d' "$N") ready ($made new)"
