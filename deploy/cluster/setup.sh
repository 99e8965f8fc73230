#!/usr/bin/env bash
# Brings up a real single-host OAR 2.5.9 cluster from Debian's packages, without systemd.
# Idempotent: run it again and it only starts what is not running.
#
#   frontend   localhost:22 (users' sshd; oarsub, oarstat, oardel)
#   node-cpu   127.0.0.2, 4 cores, property cluster='cpu'
#   node-gpu   127.0.0.3, 4 cores and 2 GPUs (A100 on cores 1-2, V100 on cores 3-4), cluster='gpu'
#   node-bench 127.0.0.4, 128 cores, cluster='bench' (for deploy/bench.sh only)
#
# Test identities (keys and known_hosts under $STATE, default /var/lib/oarspawner-dev):
#   alice, bob      ordinary users; their private keys are $STATE/keys/<user>
#   oarspawner      service account; may run only oarsub/oarstat/oardel/oarwalltime and the staging helper
#                   as any user in group oarusers, through sudo (see deploy/cluster/sudoers)
# No 'grep -q' after a pipe here: with pipefail, grep leaving early can fail the writer with SIGPIPE.
set -euo pipefail
# The daemons started here (PostgreSQL, Almighty, sshd) must not inherit a caller's open files: a lock taken with
# `flock LOCK setup.sh` would otherwise stay held by PostgreSQL for as long as it runs.
for fd in /proc/$$/fd/*; do
  fd=${fd##*/}
  if [ "$fd" -gt 2 ] 2>/dev/null && [ "$fd" -lt 255 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
done

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE="${OARSPAWNER_DEV_STATE:-/var/lib/oarspawner-dev}"
USERS="alice bob"
SERVICE_ACCOUNT=oarspawner
DB_PASSWORD=oar-dev-password
t0=$(date +%s%N)

log() { printf '[cluster] %s\n' "$*"; }

install_packages() {
  # iproute2: job.sh publishes a notebook's endpoint only once `ss` shows the job's own socket listening.
  local want="postgresql oar-server oar-server-pgsql oar-node oar-user oar-user-pgsql openssh-server sudo python3 curl iproute2"
  local missing=""
  for p in $want; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
  if [ -n "$missing" ]; then
    log "installing:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  fi
}

hosts_entries() {
  grep -q ' node-cpu$' /etc/hosts || echo '127.0.0.2 node-cpu' >> /etc/hosts
  grep -q ' node-gpu$' /etc/hosts || echo '127.0.0.3 node-gpu' >> /etc/hosts
  grep -q ' node-bench$' /etc/hosts || echo '127.0.0.4 node-bench' >> /etc/hosts
}

set_conf() { # key value
  # The key's own line if set, else its first commented line (oar.conf comments some keys twice, as examples), else
  # a new line at the end.
  local f=/etc/oar/oar.conf
  if grep -qE "^$1=" "$f"; then sed -i -E "s|^$1=.*|$1=\"$2\"|" "$f"
  elif grep -qE "^#$1=" "$f"; then sed -i -E "0,/^#$1=/s|^#$1=.*|$1=\"$2\"|" "$f"
  else echo "$1=\"$2\"" >> "$f"; fi
}

configure_oar() {
  set_conf DB_BASE_PASSWD "$DB_PASSWORD"
  set_conf DB_BASE_PASSWD_RO "$DB_PASSWORD-ro"
  # Fast scheduling for tests; Almighty's own periodic pass stays at 60 s, oarsub/oardel notify it directly.
  set_conf SCHEDULER_MIN_TIME_BETWEEN_2_CALLS 1
  set_conf SCHEDULER_JOB_SECURITY_TIME 1
  set_conf SCHEDULER_GANTT_HOLE_MINIMUM_TIME 0
  set_conf FINAUD_FREQUENCY 0
  set_conf JOBDEL_SOFTWALLTIME 5
  # Walltime extension (oarwalltime), as the service's POST .../walltime uses it: at most +2 h per job, applied at the
  # scheduler's next pass, at once (no postponing, no increments); a refusal over the maximum is exit code 3.
  set_conf WALLTIME_CHANGE_ENABLED yes
  set_conf WALLTIME_MAX_INCREASE 7200
  set_conf WALLTIME_MIN_FOR_CHANGE 0
  set_conf WALLTIME_CHANGE_APPLY_TIME 0
  set_conf WALLTIME_INCREMENT 0
  # No cgroup v1 here: without the cpuset field bipbip skips the job resource manager.
  sed -i -E 's|^JOB_RESOURCE_MANAGER_PROPERTY_DB_FIELD=|#JOB_RESOURCE_MANAGER_PROPERTY_DB_FIELD=|' /etc/oar/oar.conf
}

start_postgres() {
  pg_lsclusters -h | awk '{print $4}' | grep online >/dev/null || pg_ctlcluster 15 main start
  for _ in $(seq 50); do pg_isready -q -h 127.0.0.1 && break; sleep 0.2; done
  if ! su postgres -c "psql -tAc \"select 1 from pg_database where datname='oar'\"" | grep 1 >/dev/null; then
    log "creating the OAR database"
    oar-database --create --db-is-local -y >/dev/null
  fi
}

start_sshd() {
  ssh-keygen -A >/dev/null
  mkdir -p /run/sshd
  pgrep -f '^(sshd: )?/usr/sbin/sshd -o PidFile=/run/sshd-users.pid' >/dev/null \
    || /usr/sbin/sshd -o PidFile=/run/sshd-users.pid
  pgrep -f '^(sshd: )?/usr/sbin/sshd -f /etc/oar/sshd_config' >/dev/null \
    || /usr/sbin/sshd -f /etc/oar/sshd_config 2>/dev/null
}

start_almighty() {
  if ! pgrep -f 'Almighty' >/dev/null; then
    /usr/sbin/oar-server >/dev/null 2>&1
  fi
  for _ in $(seq 50); do pgrep -f Almighty >/dev/null && return; sleep 0.2; done
  log "Almighty did not start: see /var/log/oar.log"; exit 1
}

add_property() { # name [-c]
  oarproperty -l | grep -x "$1" >/dev/null || oarproperty -a "$1" ${2:-} >/dev/null
}

add_resources() {
  add_property cluster -c
  add_property host -c
  add_property cpu
  add_property core
  add_property gpu
  add_property gpudevice
  add_property gpumodel -c
  local nodes
  nodes=$(oarnodes -l 2>/dev/null || true)
  if ! grep -qx node-cpu <<<"$nodes"; then
    log "adding node-cpu"
    for c in 1 2 3 4; do
      oarnodesetting -a -h node-cpu -p cluster=cpu -p host=node-cpu -p cpu=1 -p core=$c -p cpuset=$((c-1)) >/dev/null
    done
  fi
  if ! grep -qx node-gpu <<<"$nodes"; then
    log "adding node-gpu"
    for c in 1 2 3 4; do
      local g=$(( (c+1)/2 )) model=A100
      [ $g = 2 ] && model=V100
      oarnodesetting -a -h node-gpu -p cluster=gpu -p host=node-gpu -p cpu=2 -p core=$((c+4)) -p cpuset=$((c-1)) \
        -p gpu=$g -p gpudevice=$((g-1)) -p gpumodel=$model >/dev/null
    done
  fi
  # A wide node for deploy/bench.sh, so that a hundred one-core spawns run at once.
  if ! grep -qx node-bench <<<"$nodes"; then
    log "adding node-bench"
    for c in $(seq 1 128); do
      oarnodesetting -a -h node-bench -p cluster=bench -p host=node-bench -p cpu=3 -p core=$((c+8)) -p cpuset=$((c-1)) >/dev/null
    done
  fi
}

admission_rules() {
  # Allow the job types GRICAD users use, with devel.
  local id
  id=$(oaradmissionrules -S | awk '/Check if job types are valid/{print prev} {prev=$0}' | grep -oE '[0-9]+' | head -1 || true)
  if [ -n "$id" ] && ! oaradmissionrules -s "$id" -H | grep -F 'qr/^devel$/' >/dev/null; then
    oaradmissionrules -s "$id" -H > /tmp/oar-rule-types
    sed -i -E 's/^(my @types = \()/\1 qr\/^devel$\/,/' /tmp/oar-rule-types
    grep -q 'devel' /tmp/oar-rule-types || { log "could not whitelist devel in rule $id"; exit 1; }
    oaradmissionrules -m "$id" -r /tmp/oar-rule-types >/dev/null
  fi
  mkdir -p /etc/oar/oarspawner-dev
  echo bob > /etc/oar/oarspawner-dev/project-required
  if ! oaradmissionrules -S | grep 'oarspawner-dev' >/dev/null; then
    oaradmissionrules -n -r "$HERE/admission-rules/devel-and-project.pl" -P 20 -Y >/dev/null
  fi
}

make_user() { # name
  local u=$1
  id "$u" >/dev/null 2>&1 || useradd -m -s /bin/bash -G oarusers "$u"
  usermod -p '*' "$u"
  mkdir -p "$STATE/keys"
  [ -f "$STATE/keys/$u" ] || ssh-keygen -q -t ed25519 -N '' -C "oarspawner-dev $u" -f "$STATE/keys/$u"
  install -d -m 700 -o "$u" -g "$u" "/home/$u/.ssh"
  install -m 600 -o "$u" -g "$u" "$STATE/keys/$u.pub" "/home/$u/.ssh/authorized_keys"
}

users() {
  getent group oarusers >/dev/null || groupadd oarusers
  for u in $USERS; do make_user "$u"; done
  # A login outside the service's login grammar (dotted, as some sites have): its jobs must not stop the service's
  # recovery. It submits from a local shell only.
  id carol.x >/dev/null 2>&1 || useradd --badname -m -s /bin/bash -G oarusers carol.x
  # An ordinary login outside oarusers: it has an account, but sudo may not act as it (StageHelperIT).
  id outsider >/dev/null 2>&1 || useradd -m -s /bin/bash outsider
  usermod -p '*' outsider
  id "$SERVICE_ACCOUNT" >/dev/null 2>&1 || useradd -m -s /bin/bash "$SERVICE_ACCOUNT"
  usermod -p '*' "$SERVICE_ACCOUNT"
  # The service account itself submits nothing; it is not in oarusers.
  gpasswd -d "$SERVICE_ACCOUNT" oarusers >/dev/null 2>&1 || true
  [ -f "$STATE/keys/$SERVICE_ACCOUNT" ] || ssh-keygen -q -t ed25519 -N '' -C "oarspawner-dev service" -f "$STATE/keys/$SERVICE_ACCOUNT"
  install -d -m 700 -o "$SERVICE_ACCOUNT" -g "$SERVICE_ACCOUNT" "/home/$SERVICE_ACCOUNT/.ssh"
  install -m 600 -o "$SERVICE_ACCOUNT" -g "$SERVICE_ACCOUNT" "$STATE/keys/$SERVICE_ACCOUNT.pub" "/home/$SERVICE_ACCOUNT/.ssh/authorized_keys"
  install -m 755 "$HERE/oarspawner-stage" /usr/local/bin/oarspawner-stage
  install -m 440 "$HERE/sudoers" /etc/sudoers.d/oarspawner
  visudo -cqf /etc/sudoers.d/oarspawner
  # The endpoint spool (clusters.*.endpointSpool): jobs write "host port" there, the service account reads all of
  # them in one command. Sticky and write-only for others: a user can neither list nor replace another's file.
  install -d -m 1733 -o "$SERVICE_ACCOUNT" -g "$SERVICE_ACCOUNT" /var/spool/oarspawner
  chmod 600 "$STATE"/keys/*
  # The shared HS256 secret the hub shim and the service use for JWTs in the local platform.
  [ -s "$STATE/jwt-secret" ] || (umask 077; head -c 48 /dev/urandom | base64 -w0 > "$STATE/jwt-secret")
  # The service's key for job-name tags (jobNameKeyFile): only names it made verify at restart.
  [ -s "$STATE/job-name-key" ] || (umask 077; head -c 48 /dev/urandom | base64 -w0 > "$STATE/job-name-key")
  ssh-keyscan -p 22 -t ed25519,rsa,ecdsa localhost 127.0.0.1 > "$STATE/known_hosts" 2>/dev/null
  [ -s "$STATE/known_hosts" ] || { log "ssh-keyscan found no host key on localhost:22"; exit 1; }
}

install_packages
hosts_entries
configure_oar
start_postgres
start_sshd
start_almighty
add_resources
users
admission_rules

ms=$(( ($(date +%s%N) - t0) / 1000000 ))
log "ready in ${ms} ms: frontend localhost:22, nodes node-cpu node-gpu, users $USERS, service account $SERVICE_ACCOUNT, state $STATE"
