#!/usr/bin/env bash
# Captures real oarwalltime outputs, and oarstat -fJ after a walltime change and after checkpoint signals, from the
# local cluster into oar-backend's test resources, for the parser tests. It turns the walltime change off in
# oar.conf for one capture ("disabled") and back on. Run after setup.sh, on an idle cluster, as root, under the
# cluster's lock: flock -o /tmp/oarspawner-it.lock bash deploy/cluster/capture-walltime.sh [outdir]
set -uo pipefail
STATE="${OARSPAWNER_DEV_STATE:-/var/lib/oarspawner-dev}"
OUT="${1:-$(cd "$(dirname "$0")/../.." && pwd)/oar-backend/src/test/resources/oar}"
CONF=/etc/oar/oar.conf
mkdir -p "$OUT"
as() { ssh -o BatchMode=yes -o UserKnownHostsFile="$STATE/known_hosts" -i "$STATE/keys/$1" "$1@localhost" "$2"; }
cap() { # name user command
  as "$2" "$3" > "$OUT/$1.stdout" 2> "$OUT/$1.stderr"; echo $? > "$OUT/$1.rc"; echo "$3" > "$OUT/$1.cmd"
}
id_of() { grep -oE 'OAR_JOB_ID=[0-9]+' | cut -d= -f2; }
wait_state() { # id state
  for _ in $(seq 100); do as alice "oarstat -s -j $1" | grep -q ": $2" && return 0; sleep 0.3; done; echo "job $1 never reached $2" >&2
}
walltime_of() { as alice "oarstat -fJ -j $1" | /usr/bin/python3 -c 'import json, sys; print(next(iter(json.load(sys.stdin).values()))["walltime"])'; }

# A running job and a checkpointed job that traps SIGUSR2 (on the GPU node). A job queued behind the running one
# would hold its extension back (OAR grants an increase only if it delays no next job): it comes after.
run=$(as alice "oarsub --property \"cluster='cpu'\" --resource /nodes=1/core=4,walltime=0:05:00 'sleep 300'" | id_of)
cat > /tmp/oarspawner-ckpt-job.sh <<'JOB'
#!/bin/bash
trap 'echo "got SIGUSR2 at $(date +%s)" >&2' USR2
for _ in $(seq 400); do sleep 0.5; done
JOB
chmod 755 /tmp/oarspawner-ckpt-job.sh
ckpt=$(as alice "oarsub --checkpoint 60 --property \"cluster='gpu'\" --resource /nodes=1/core=1,walltime=0:01:30 /tmp/oarspawner-ckpt-job.sh" | id_of)
wait_state "$run" Running; wait_state "$ckpt" Running
cap oarwalltime_query alice "oarwalltime $run"
cap oarwalltime_accepted alice "oarwalltime $run +0:05:00"
t0=$(date +%s)
for _ in $(seq 120); do [ "$(walltime_of "$run")" -gt 300 ] && break; sleep 0.5; done
echo "walltime of job $run: $(walltime_of "$run") s, $(( $(date +%s) - t0 )) s after the request" >&2
cap oarstat_walltime_extended alice "oarstat -fJ -j $run"
cap oarwalltime_query_granted alice "oarwalltime $run"
# Queued behind the full node (node-cpu has 4 cores).
queued=$(as alice "oarsub --property \"cluster='cpu'\" --resource /nodes=1/core=1,walltime=0:05:00 'sleep 300'" | id_of)
cap oarwalltime_delays_next alice "oarwalltime $run +0:05:00"
cap oarwalltime_over_max alice "oarwalltime $run +3:00:00"
cap oarwalltime_not_owner bob "oarwalltime $run +0:05:00"
cap oarwalltime_not_running alice "oarwalltime $queued +0:05:00"
cap oarwalltime_unknown alice "oarwalltime 999999 +0:05:00"
cap oarwalltime_null alice "oarwalltime $run +0:00:00"
cap oarwalltime_bad_syntax alice "oarwalltime $run +1h"
# Through sudo, as the service runs it.
sudo -n -u oarspawner -- sudo -n -u alice -- /usr/bin/oarwalltime "$run" +0:01:00 > "$OUT/oarwalltime_sudo.stdout" 2> "$OUT/oarwalltime_sudo.stderr"
echo $? > "$OUT/oarwalltime_sudo.rc"; echo "sudo -n -u alice -- /usr/bin/oarwalltime $run +0:01:00" > "$OUT/oarwalltime_sudo.cmd"
# Disabled: the feature off in oar.conf for one request (oarwalltime reads the file at each call).
cp "$CONF" "$CONF.capture-walltime"
sed -i -E 's|^WALLTIME_CHANGE_ENABLED=.*|WALLTIME_CHANGE_ENABLED="no"|' "$CONF"
cap oarwalltime_disabled alice "oarwalltime $run +0:05:00"
cp "$CONF.capture-walltime" "$CONF" && rm -f "$CONF.capture-walltime"
# The checkpoint: wait until OAR has signalled the job twice (from 60 s before its end, again on later passes).
for _ in $(seq 120); do
  n=$(as alice "oarstat -fJ -j $ckpt" | grep -o '"CHECKPOINT"' | wc -l)
  [ "$n" -ge 2 ] && break; sleep 1
done
cap oarstat_checkpointed alice "oarstat -fJ -j $ckpt"
as alice "oardel $run $queued $ckpt" >/dev/null 2>&1
echo "captured into $OUT"
