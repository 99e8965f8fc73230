#!/usr/bin/env bash
# Captures real `oarnodes -J` outputs from the local cluster into oar-backend's test resources, for the
# free-resources parser: the idle cluster, the cluster with a CPU and a GPU job running, and a large cluster
# (2000 more resources, added to OAR's database for the capture and removed after it).
# Run after setup.sh, on an idle cluster, as root: ./capture-nodes.sh [outdir]
set -uo pipefail
STATE="${OARSPAWNER_DEV_STATE:-/var/lib/oarspawner-dev}"
OUT="${1:-$(cd "$(dirname "$0")/../.." && pwd)/oar-backend/src/test/resources/oar}"
BIG_NODES=125 BIG_CORES=16   # 2000 resources, as on a mid-size cluster
mkdir -p "$OUT"
as() { ssh -o BatchMode=yes -o UserKnownHostsFile="$STATE/known_hosts" -i "$STATE/keys/$1" "$1@localhost" "$2"; }
cap() { # name user command
  as "$2" "$3" > "$OUT/$1.stdout" 2> "$OUT/$1.stderr"; echo $? > "$OUT/$1.rc"; echo "$3" > "$OUT/$1.cmd"
}
id_of() { grep -oE 'OAR_JOB_ID=[0-9]+' "$1" | cut -d= -f2; }
wait_running() { # id
  for _ in $(seq 100); do as alice "oarstat -s -j $1" | grep -q ": Running" && return 0; sleep 0.3; done
  echo "job $1 never ran" >&2
}
sql() { su postgres -c "psql -q -d oar -tAc \"$1\""; }

cap oarnodes_idle alice "oarnodes -J"

cpu=$(as alice "oarsub --property \"cluster='cpu'\" --resource /nodes=1/core=2,walltime=0:05:00 'sleep 300'" | id_of /dev/stdin)
gpu=$(as alice "oarsub --property \"(cluster='gpu') AND gpumodel='A100'\" --resource /nodes=1/gpu=1,walltime=0:05:00 'sleep 300'" | id_of /dev/stdin)
wait_running "$cpu"; wait_running "$gpu"; sleep 1
cap oarnodes_busy alice "oarnodes -J"
# As the service asks: one cluster's resources, by its configured properties.
cap oarnodes_busy_gpu alice "oarnodes -J --sql \"(cluster='gpu')\""
as alice "oardel $cpu $gpu" >/dev/null

# The large cluster: rows as oarnodesetting -a makes them (state Alive), on nodes that do not exist, in a
# cluster no test asks for. Added with one INSERT, since 2000 oarnodesetting calls take minutes.
sql "delete from resources where cluster='big'"
sql "insert into resources (network_address, host, cluster, cpu, core, cpuset, gpu, gpudevice, gpumodel, state, state_num)
  select 'big-' || lpad(n::text, 4, '0'), 'big-' || lpad(n::text, 4, '0'), 'big', 100 + n, 1000 + (n - 1) * $BIG_CORES + c, (c - 1)::text,
         case when n % 5 = 0 then 1000 + n * 4 + (c - 1) / 4 end, case when n % 5 = 0 then (c - 1) / 4 end,
         case when n % 5 = 0 then (case when c <= 8 then 'A100' else 'V100' end) end, 'Alive', 1
  from generate_series(1, $BIG_NODES) n, generate_series(1, $BIG_CORES) c"
start=$(date +%s%N)
cap oarnodes_large alice "oarnodes -J"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
sql "delete from resources where cluster='big'"
echo "oarnodes -J on $(sql "select count(*) from resources") + $((BIG_NODES * BIG_CORES)) resources: ${ms} ms, $(wc -c < "$OUT/oarnodes_large.stdout") bytes" \
  | tee "$OUT/oarnodes_large.timing"
echo "captured into $OUT"
