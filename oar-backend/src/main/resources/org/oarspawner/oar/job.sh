#!/bin/bash
# Written by oarspawner for one notebook job; OAR runs it on the node as the job's user.
# It reads the hub's secrets from its 0600 env file beside it and deletes that file, picks a free
# port on the node, writes "host port" to endpoint.$OAR_JOB_ID for the service, and runs the notebook.
set -u
cd "$(dirname "$0")" || exit 90
# Each submission has its own env file, named as the first argument (env.<random>); "env" before 0.3.
envfile=env
[[ ${1:-} =~ ^env\.[A-Za-z0-9]{1,64}$ ]] && envfile=$1
if [ -f "$envfile" ] && [ ! -L "$envfile" ]; then
  set -a
  . "./$envfile"
  set +a
  rm -f "$envfile"
fi
host=$(head -n 1 "$OAR_NODEFILE")
port=$(@PYTHON@ -c 'import socket, sys
s = socket.socket()
s.bind((sys.argv[1], 0))
print(s.getsockname()[1])' "$host") || { echo "oarspawner: cannot pick a free port on $host" >&2; exit 91; }
export OARSPAWNER_HOST="$host" OARSPAWNER_PORT="$port"
# JupyterHub's spawner cannot know the node's address: it sends {host} and {port} for the script to fill in.
if [ -n "${JUPYTERHUB_SERVICE_URL:-}" ]; then
  JUPYTERHUB_SERVICE_URL="${JUPYTERHUB_SERVICE_URL//\{host\}/$host}"
  export JUPYTERHUB_SERVICE_URL="${JUPYTERHUB_SERVICE_URL//\{port\}/$port}"
fi
endpoint="endpoint.$OAR_JOB_ID"
printf '%s %s\n' "$host" "$port" > "$endpoint.part" && mv -f "$endpoint.part" "$endpoint"
# The same line in the cluster's spool, which the service reads for all starting jobs in one command. The
# service trusts a spool file only if this job's user owns it.
spool=@SPOOL@
if [ -n "$spool" ]; then
  # mktemp makes a new file (O_EXCL): nothing another user put in the spool is opened or written to.
  tmp=$(mktemp "$spool/.$endpoint.XXXXXXXX") && printf '%s %s\n' "$host" "$port" > "$tmp" && chmod 644 "$tmp" \
    && mv -f "$tmp" "$spool/$endpoint" \
    || { [ -n "${tmp:-}" ] && rm -f "$tmp"; echo "oarspawner: cannot write to the endpoint spool $spool" >&2; }
fi

# The notebook command; {host} and {port} in its arguments become the values above.
args=( @COMMAND@ )
cmd=()
for a in "${args[@]}"; do
  a="${a//\{host\}/$host}"
  cmd+=("${a//\{port\}/$port}")
done
# In the user's home, as after a login: the notebook's file browser starts there, not in this job directory.
( cd "${HOME:-/}" && exec "${cmd[@]}" ) &
child=$!
# OAR ends a job with SIGTERM (oardel, walltime): pass it on, then clean up.
trap 'kill -TERM "$child" 2>/dev/null' TERM INT HUP
wait "$child"
rc=$?
while kill -0 "$child" 2>/dev/null; do
  wait "$child"
  rc=$?
done
rm -f "$endpoint"
[ -n "$spool" ] && rm -f "$spool/$endpoint"
exit "$rc"
