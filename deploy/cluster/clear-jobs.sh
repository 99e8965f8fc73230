#!/usr/bin/env bash
# Deletes the test users' unfinished jobs, so that a run starts on an empty cluster whatever an earlier run left.
set -euo pipefail
for u in alice bob carol.x; do
  ids=$(su -s /bin/sh "$u" -c "oarstat -fJ --sql \"job_user='$u' and state not in ('Terminated','Error')\"" \
        | /usr/bin/python3 -c 'import json,sys; t=sys.stdin.read().strip(); print(" ".join(json.loads(t)) if t else "")')
  if [ -n "$ids" ]; then
    echo "[cluster] deleting $u's leftover jobs: $ids"
    su -s /bin/sh "$u" -c "oardel $ids" >/dev/null 2>&1 || true
  fi
done
