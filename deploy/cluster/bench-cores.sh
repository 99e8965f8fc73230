#!/usr/bin/env bash
# Sets how many cores node-bench has, for one measure (deploy/bench.sh --memory 500 needs 500 one-core jobs at once).
#   bash deploy/cluster/bench-cores.sh 512     adds resources up to 512 cores
#   bash deploy/cluster/bench-cores.sh 128     removes those beyond setup.sh's 128 (once no job runs on them)
# Idempotent. setup.sh's node-bench keeps 128 cores: the CI's runs and oarnodes stay as fast as they were.
# Cores are numbered as setup.sh numbers them: node-bench's core c (1..) is OAR's core c+8, cpuset c-1.
set -euo pipefail
WANT=${1:?usage: $0 CORES (128..1024)}
[[ $WANT =~ ^[0-9]+$ ]] && [ "$WANT" -ge 128 ] && [ "$WANT" -le 1024 ] || { echo "CORES must be 128..1024, got $WANT" >&2; exit 2; }
ids() { # resource ids of node-bench beyond core $1, as "id core" lines
  oarnodes -J --sql "host='node-bench' and core > $(( $1 + 8 ))" \
    | /usr/bin/python3 -c 'import json,sys; t=sys.stdin.read().strip(); [print(k, v["core"]) for k, v in (json.loads(t) if t else {}).items()]'
}
have=$(oarnodes -J --sql "host='node-bench'" | /usr/bin/python3 -c 'import json,sys; t=sys.stdin.read().strip(); print(max([v["core"] - 8 for v in json.loads(t).values()] if t else [0]))')
[ "$have" -ge 128 ] || { echo "node-bench has $have cores: run deploy/cluster/setup.sh first" >&2; exit 1; }
if [ "$have" -lt "$WANT" ]; then
  echo "[bench-cores] node-bench: $have -> $WANT cores"
  for c in $(seq $((have + 1)) "$WANT"); do
    oarnodesetting -a -h node-bench -p cluster=bench -p host=node-bench -p cpu=3 -p core=$((c + 8)) -p cpuset=$((c - 1)) >/dev/null
  done
elif [ "$have" -gt "$WANT" ]; then
  echo "[bench-cores] node-bench: $have -> $WANT cores"
  # Dead first (OAR waits for the jobs on them to end), then removed with their history.
  oarnodesetting --sql "host='node-bench' and core > $((WANT + 8))" -s Dead >/dev/null
  for _ in $(seq 120); do
    left=$(ids "$WANT")
    [ -n "$left" ] || break
    # oarremoveresource refuses a resource that a job still holds: the next turn tries it again.
    while read -r id _; do oarremoveresource "$id" >/dev/null 2>&1 || true; done <<<"$left"
    [ -z "$(ids "$WANT")" ] || sleep 1
  done
  [ -z "$(ids "$WANT")" ] || { echo "[bench-cores] jobs still hold node-bench's cores beyond $WANT after 2 min" >&2; exit 1; }
fi
echo "[bench-cores] node-bench has $(oarnodes -J --sql "host='node-bench' and state='Alive'" | /usr/bin/python3 -c 'import json,sys; t=sys.stdin.read().strip(); print(len(json.loads(t)) if t else 0)') cores alive"
