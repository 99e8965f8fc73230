#!/bin/bash
# Written by oarspawner for one notebook job; OAR runs it on the node as the job's user.
# It reads the hub's secrets from its 0600 env file beside it and deletes that file, picks a free
# port on the node, runs the notebook, and once the notebook listens writes "host port" to endpoint.$OAR_JOB_ID
# for the service.
set -u
# OAR warns the job before its walltime ends (oarsub --checkpoint) with SIGUSR2, again at each of its passes (~10 s),
# from the job's start if the walltime is shorter than the warning's lead. Its default action ends a process: it is
# ignored from the first line, so the notebook and the helpers start with it ignored (an ignored signal stays ignored
# across fork and exec); once they run, this script only notes the first warning (see below). The service sees OAR's
# CHECKPOINT events in oarstat and tells the user.
trap '' USR2
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
endpoint="endpoint.$OAR_JOB_ID"
spool=@SPOOL@
# Puts one line in the cluster's spool under this job's name, which the service reads for all starting jobs in one
# command (it trusts a spool file only if this job's user owns it).
spool_line() {
  [ -n "$spool" ] || return 0
  # mktemp makes a new file (O_EXCL): nothing another user put in the spool is opened or written to.
  tmp=$(mktemp "$spool/.$endpoint.XXXXXXXX") && printf '%s\n' "$1" > "$tmp" && chmod 644 "$tmp" \
    && mv -f "$tmp" "$spool/$endpoint" \
    || { [ -n "${tmp:-}" ] && rm -f "$tmp"; echo "oarspawner: cannot write to the endpoint spool $spool" >&2; }
}
# First "begun": the service then asks OAR at once and knows the job runs while the notebook is still starting,
# instead of at its next poll. The endpoint replaces the line once the notebook listens. Ended before the notebook
# runs (oardel during the port pick): the line goes too.
trap '[ -z "$spool" ] || rm -f "$spool/$endpoint" ${tmp:+"$tmp"}; exit 143' TERM INT HUP
spool_line begun
host=$(head -n 1 "$OAR_NODEFILE")
# First the job's own port, 40000 + job id mod 20000: jobs that start on a node together never pick the same one, as
# two bind(0) whose sockets were closed at once may (2 of 80 notebooks of a class's burst on one node did, and then
# never got their route). Taken by something else: any free port.
picked=$(@PYTHON@ -c 'import socket, sys
for port in (40000 + int(sys.argv[2]) % 20000, 0):
    s = socket.socket()
    try:
        s.bind((sys.argv[1], port))
    except OSError:
        s.close()
        continue
    print(*s.getsockname()[:2])
    break
else:
    sys.exit(1)' "$host" "$OAR_JOB_ID") || {
  echo "oarspawner: cannot pick a free port on $host" >&2
  [ -n "$spool" ] && rm -f "$spool/$endpoint"
  exit 91
}
# The address the port was picked on, numeric: the wait below connects to it without a name lookup each turn.
addr=${picked% *} port=${picked#* }
export OARSPAWNER_HOST="$host" OARSPAWNER_PORT="$port"
# JupyterHub's spawner cannot know the node's address: it sends {host} and {port} for the script to fill in.
if [ -n "${JUPYTERHUB_SERVICE_URL:-}" ]; then
  JUPYTERHUB_SERVICE_URL="${JUPYTERHUB_SERVICE_URL//\{host\}/$host}"
  export JUPYTERHUB_SERVICE_URL="${JUPYTERHUB_SERVICE_URL//\{port\}/$port}"
fi
# Writes "host port" for the service: in this job's directory, and in the spool.
write_endpoint() {
  printf '%s %s\n' "$host" "$port" > "$endpoint.part" && mv -f "$endpoint.part" "$endpoint"
  spool_line "$host $port"
}
# The endpoint is published only once a socket of this user listens on the port. Before that, another user on a
# shared node who bound the port first (it is written in files others can read) would get this user's route, and
# with it the user's browser and cookies: then nothing is published and the spawn fails at its start timeout.
me=$(id -u)
pause() {
  if [ -n "${tick:-}" ]; then read -r -t "$1" -u "$tick"; else sleep "$1"; fi
}
publish_when_listening() {
  if ! command -v ss >/dev/null 2>&1; then
    echo "oarspawner: no ss on $host to check who listens on port $port; publishing it unchecked" >&2
    write_endpoint
    return
  fi
  local warned= tick= d=
  # Pauses read from a FIFO that nobody writes to: `read -t` waits without starting a process, as `sleep` does at
  # each turn (with ss and sleep every 0.1 s, 20 notebooks starting on one node took ~0.9 s of CPU per second from
  # them). A FIFO needs neither /dev/fd nor process substitution (a syntax error in bash 4.2's POSIX mode).
  if d=$(mktemp -d 2>/dev/null) && mkfifo "$d/tick" 2>/dev/null; then
    exec {tick}<>"$d/tick"
  fi
  [ -z "$d" ] || rm -rf "$d"
  while kill -0 "$child" 2>/dev/null; do
    # Something listens: a connect, which bash makes itself; only then ss, which says whose the socket is.
    if { true 3<>"/dev/tcp/$addr/$port"; } 2>/dev/null; then
      listeners=$(ss -Hltne "sport = :$port" 2>/dev/null)
      # Every listener on the port, on any of the node's addresses, must be this user's: a name with several
      # addresses may lead a browser to another user's listener on one of them.
      if ! printf '%s\n' "$listeners" | grep -qv " uid:$me "; then
        write_endpoint
        return
      fi
      if [ -z "$warned" ]; then
        echo "oarspawner: port $port on $host is held by another user's process; the notebook's address is not published" >&2
        warned=1
      fi
      pause 1
    fi
    pause 0.05
  done
}

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
publish_when_listening &
publisher=$!
# OAR ends a job with SIGTERM (oardel, walltime): pass it on, then clean up. A trapped signal (USR2) interrupts `wait`:
# the loop below waits again while the notebook runs.
trap 'kill -TERM "$child" "$publisher" 2>/dev/null' TERM INT HUP
warned=
trap '[ -n "$warned" ] || { warned=1; echo "oarspawner: OAR warns that job $OAR_JOB_ID reaches its walltime soon (SIGUSR2)" >&2; }' USR2
wait "$child"
rc=$?
while kill -0 "$child" 2>/dev/null; do
  wait "$child"
  rc=$?
done
kill "$publisher" 2>/dev/null
rm -f "$endpoint"
[ -n "$spool" ] && rm -f "$spool/$endpoint"
exit "$rc"
