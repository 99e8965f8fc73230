#!/usr/bin/python3
"""Spawn-to-ready through JupyterHub, and how it splits (a benchmark, not a test).

    /usr/bin/python3 deploy/hub_bench.py [N] [profile]       (after deploy/up.sh; default 5 spawns of cpu-1core-2h)

Each round: the hub's REST API starts alice's default server, the hub's progress stream is read to its end, the
service's view gives when OAR took the job and when the notebook answered; then the server is stopped and the
next round waits for OAR to free the job. Prints each round and the medians.
"""
import json
import os
import statistics
import sys
import time
import urllib.request
from datetime import datetime

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "spawner-api", "shim"))
from oarspawner import tokens  # noqa: E402

STATE = os.environ.get("OARSPAWNER_DEV_STATE", "/var/lib/oarspawner-dev")
HUB = "http://127.0.0.1:8000"
SERVICE = "http://127.0.0.1:9081"
USER = "alice"


def read(name):
    with open(os.path.join(STATE, name), "rb") as f:
        return f.read().strip()


HUB_AUTH = {"Authorization": "token " + read("hub-api-token").decode()}
JWT_SECRET = read("jwt-secret")


def call(method, url, headers, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=dict(headers, **{"Content-Type": "application/json"}))
    with urllib.request.urlopen(req, timeout=600) as r:
        return r.status, r.read()


def hub(method, path, body=None):
    return call(method, HUB + path, HUB_AUTH, body)


def service_view():
    token = tokens.sign({"sub": "jupyterhub", "roles": ["hub"]}, "HS256", JWT_SECRET, "jupyterhub", "oarspawner", 60)
    return json.loads(call("GET", f"{SERVICE}/api/v1/users/{USER}/servers/_default", {"Authorization": "Bearer " + token})[1])


def at(iso):
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def round_trip(profile):
    t0 = time.time()
    hub("POST", f"/hub/api/users/{USER}/server", {"profile": profile})
    req = urllib.request.Request(f"{HUB}/hub/api/users/{USER}/server/progress",
                                 headers=HUB_AUTH)
    last = {}
    with urllib.request.urlopen(req, timeout=900) as stream:
        for line in stream:
            if line.startswith(b"data: "):
                last = json.loads(line[6:])
    t_ready = time.time()
    if not last.get("ready"):
        raise SystemExit(f"the spawn did not become ready: {last}")
    view = service_view()
    hub("DELETE", f"/hub/api/users/{USER}/server")
    return {
        "total": t_ready - t0,
        "hub to oarsub": at(view["submittedAt"]) - t0,
        "OAR scheduling": at(view["runningAt"]) - at(view["submittedAt"]),
        "node start": at(view["readyAt"]) - at(view["runningAt"]),
        "hub and proxy": t_ready - at(view["readyAt"]),
        "job": view["jobId"],
    }


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    profile = sys.argv[2] if len(sys.argv) > 2 else "cpu-1core-2h"
    try:
        hub("POST", f"/hub/api/users/{USER}")
    except urllib.error.HTTPError as e:
        if e.code != 409:
            raise
    rounds = []
    for i in range(n):
        r = round_trip(profile)
        rounds.append(r)
        print(f"round {i + 1}: job {r['job']}: " + ", ".join(f"{k} {v:.2f} s" for k, v in r.items() if k != "job"), flush=True)
        while True:  # the next round starts once the hub has no server and OAR has ended the job
            status, body = hub("GET", f"/hub/api/users/{USER}")
            if "" not in json.loads(body).get("servers", {}) and service_view()["state"] in ("stopped", "failed"):
                break
            time.sleep(0.5)
        time.sleep(1)
    keys = [k for k in rounds[0] if k != "job"]
    print(f"median of {n} ({profile}): " + ", ".join(f"{k} {statistics.median(r[k] for r in rounds):.2f} s" for k in keys))


if __name__ == "__main__":
    main()
