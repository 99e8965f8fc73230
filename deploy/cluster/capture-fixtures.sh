#!/usr/bin/env bash
# Captures real OAR outputs from the local cluster into oar-backend's test resources, for the parser tests.
# Run after setup.sh, on an idle cluster: ./capture-fixtures.sh [outdir]
set -uo pipefail
STATE="${OARSPAWNER_DEV_STATE:-/var/lib/oarspawner-dev}"
OUT="${1:-$(cd "$(dirname "$0")/../.." && pwd)/oar-backend/src/test/resources/oar}"
mkdir -p "$OUT"
as() { ssh -o BatchMode=yes -o UserKnownHostsFile="$STATE/known_hosts" -i "$STATE/keys/$1" "$1@localhost" "$2"; }
cap() { # name user command
  as "$2" "$3" > "$OUT/$1.stdout" 2> "$OUT/$1.stderr"; echo $? > "$OUT/$1.rc"; echo "$3" > "$OUT/$1.cmd"
}
# Job names as the service makes them, tagged with the tests' key (LocalCluster.JOB_NAME_KEY).
name_of() { # cluster user server login
  /usr/bin/python3 -c 'import base64, hmac, hashlib, sys
body = "oarspawner:dev:%s:%s:%s" % tuple(sys.argv[1:4])
tag = hmac.new(b"oarspawner-tests-job-name-key-0123456789", (body + "\n" + sys.argv[4]).encode(), hashlib.sha256).digest()[:9]
print(body + ":" + base64.urlsafe_b64encode(tag).decode().rstrip("="))' "$@"
}
id_of() { grep -oE 'OAR_JOB_ID=[0-9]+' "$OUT/$1.stdout" | cut -d= -f2; }
wait_state() { # id state
  for _ in $(seq 100); do as alice "oarstat -s -j $1" | grep -q ": $2" && return 0; sleep 0.3; done; echo "job $1 never reached $2" >&2
}
cap oarsub_cpu alice "oarsub --name '$(name_of cpu alice '' alice)' --property \"cluster='cpu'\" --resource /nodes=1/core=4,walltime=0:05:00 'sleep 300'"
cap oarsub_gpu alice "oarsub --name '$(name_of gpu alice gpu alice)' --project pr-training --property \"(cluster='gpu') AND gpumodel='A100'\" --resource /nodes=1/gpu=1,walltime=0:05:00 'sleep 300'"
cpu=$(id_of oarsub_cpu); gpu=$(id_of oarsub_gpu)
# A job of alice's named like bob's server: untagged, and tagged with bob's tag (copied from oarstat).
cap oarsub_forged alice "oarsub --name 'oarspawner:dev:cpu:bob:' --property \"cluster='cpu'\" --resource /nodes=1/core=1,walltime=0:05:00 'sleep 300'"
cap oarsub_copied alice "oarsub --name '$(name_of cpu bob '' bob)' --property \"cluster='cpu'\" --resource /nodes=1/core=1,walltime=0:05:00 'sleep 300'"
cap oarsub_waiting bob "oarsub --project pr-training --property \"cluster='cpu'\" --resource /nodes=1/core=1,walltime=0:05:00 'sleep 300'"
waiting=$(id_of oarsub_waiting)
wait_state "$cpu" Running; wait_state "$gpu" Running; sleep 1
cap oarstat_running_waiting alice "oarstat -fJ -j $cpu -j $gpu -j $waiting"
cap oarstat_by_name alice "oarstat -fJ --sql \"job_name like 'oarspawner:dev:%' and state not in ('Terminated','Error')\""
cap oardel_not_owner bob "oardel $cpu"
cap oardel_running alice "oardel $cpu"
cap oardel_waiting bob "oardel $waiting"
cap oarsub_hold alice "oarsub --hold --resource /nodes=1/core=1,walltime=0:05:00 'sleep 300'"
hold=$(id_of oarsub_hold)
cap oarsub_exit3 alice "oarsub --resource /nodes=1/core=1,walltime=0:01:00 'echo to-stderr >&2; exit 3'"
cap oarsub_badcmd alice "oarsub --resource /nodes=1/core=1,walltime=0:01:00 '/nonexistent/cmd'"
cap oarsub_walltime alice "oarsub --resource /nodes=1/core=1,walltime=0:00:03 'sleep 120'"
cap oarsub_too_large alice "oarsub --resource /nodes=5,walltime=0:05:00 'sleep 1'"
cap oarsub_bad_syntax alice "oarsub --resource /nodes=1,walltime=abc 'sleep 1'"
cap oarsub_devel_too_long alice "oarsub --type devel --resource /nodes=1/core=1,walltime=2:00:00 'sleep 1'"
cap oarsub_project_required bob "oarsub --resource /nodes=1/core=1,walltime=0:05:00 'sleep 1'"
cap oarsub_unknown_property alice "oarsub --property \"nosuchcol='x'\" --resource /nodes=1,walltime=0:05:00 'sleep 1'"
sleep 25
cap oarstat_ended alice "oarstat -fJ -j $cpu -j $waiting -j $(id_of oarsub_exit3) -j $(id_of oarsub_badcmd) -j $(id_of oarsub_walltime) -j $hold"
cap oarstat_string_ids alice "oarstat -fJ -j $gpu"
cap oardel_gpu alice "oardel $gpu"
as alice "oardel $(id_of oarsub_forged) $(id_of oarsub_copied)" >/dev/null 2>&1
cap oardel_hold alice "oardel $hold"
sleep 3
cap oardel_already_killed alice "oardel $cpu"
cap oardel_unknown alice "oardel 999999"
cap oarstat_unknown alice "oarstat -fJ -j 999999"
echo "captured into $OUT"
