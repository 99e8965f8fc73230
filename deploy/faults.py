#!/usr/bin/python3
"""Fault run on the local platform (a benchmark-like script, not a test): deploy/faults.sh.

Each scenario starts servers through the hub's REST API, breaks one component, repairs it, then measures from the
hub's, OAR's and the proxy's side: spawns lost (a server the hub no longer has ready), orphaned jobs (an OAR job of
this instance for a server the hub does not have), duplicated jobs (more than one job for one server), stale routes
(a proxy route for no ready server, or to another target than the service's), the time from the repair until every
server is ready with its route, and what is left in OAR and the proxy after the servers are stopped.
"""
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "spawner-api", "shim"))
from oarspawner import tokens  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
STATE = os.environ.get("OARSPAWNER_DEV_STATE", "/var/lib/oarspawner-dev")
HUB = "http://127.0.0.1:8000"
CHP_API = "http://127.0.0.1:8001"
SERVICE = "http://127.0.0.1:9081"
INSTANCE = "dev"
USER = "alice"
CPU, GPU = ("fcpu", "cpu-1core-2h"), ("fgpu", "gpu-a100-4h")
RECOVER_LIMIT = 300


def read(name):
    with open(os.path.join(STATE, name), "rb") as f:
        return f.read().strip()


HUB_AUTH = {"Authorization": "token " + read("hub-api-token").decode()}
CHP_AUTH = {"Authorization": "token " + read("proxy-token").decode()}
JWT_SECRET = read("jwt-secret")


def call(method, url, headers, body=None, timeout=30):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=dict(headers, **{"Content-Type": "application/json"}))
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            text = r.read()
            return r.status, json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        return e.code, None
    except (urllib.error.URLError, OSError):
        return 0, None


def service(path):
    token = tokens.sign({"sub": "jupyterhub", "roles": ["hub"]}, "HS256", JWT_SECRET, "jupyterhub", "oarspawner", 60)
    return call("GET", SERVICE + path, {"Authorization": "Bearer " + token}, timeout=5)


def service_state(server):
    code, body = service(f"/api/v1/users/{USER}/servers/{server}")
    return body.get("state") if code == 200 else None


def hub_servers():
    code, body = call("GET", f"{HUB}/hub/api/users/{USER}", HUB_AUTH)
    return body.get("servers", {}) if code == 200 else None


def start(server, profile):
    # The hub answers once start() returned or after its own slow_spawn_timeout; the spawn goes on meanwhile.
    code = call("POST", f"{HUB}/hub/api/users/{USER}/servers/{server}", HUB_AUTH, {"profile": profile}, timeout=15)[0]
    if code not in (0, 201, 202):
        print(f"    (the hub answered HTTP {code} to starting {server})")
    return code


def stop(server):
    return call("DELETE", f"{HUB}/hub/api/users/{USER}/servers/{server}", HUB_AUTH, timeout=60)[0]


def sh(cmd, check=False):
    return subprocess.run(cmd, shell=True, cwd=ROOT, capture_output=True, text=True, check=check).stdout


def oar_jobs():
    """(user, server) -> ids of this instance's unfinished jobs in OAR."""
    out = sh(f"oarstat -J --sql \"job_name like 'oarspawner:{INSTANCE}:%' and state not in ('Terminated','Error')\"")
    jobs = {}
    for job_id, j in (json.loads(out) if out.strip() else {}).items():
        parts = (j.get("name") or "").split(":")
        if len(parts) >= 5:
            jobs.setdefault((parts[3], parts[4]), []).append(int(job_id))
    return jobs


def routes():
    code, body = call("GET", CHP_API + "/api/routes", CHP_AUTH, timeout=5)
    return {p: r for p, r in (body or {}).items() if p.startswith("/user/")}


def wait(what, check, limit=RECOVER_LIMIT, step=0.25):
    deadline = time.time() + limit
    while time.time() < deadline:
        if check():
            return True
        time.sleep(step)
    print(f"    (gave up waiting for {what} after {limit} s)")
    return False


def ready_with_route(names):
    servers = hub_servers() or {}
    table = routes()
    for name in names:
        s = servers.get(name)
        if not s or not s.get("ready"):
            return False
        code, view = service(f"/api/v1/users/{USER}/servers/{name}")
        if code != 200 or table.get(f"/user/{USER}/{name}", {}).get("target") != view.get("url"):
            return False
    return True


def measure(names, repaired_at):
    recovered = wait("every server ready with its route", lambda: ready_with_route(names))
    took = time.time() - repaired_at
    servers = hub_servers() or {}
    lost = sum(1 for n in names if not servers.get(n, {}).get("ready"))
    jobs = oar_jobs()
    duplicated = sum(len(ids) - 1 for ids in jobs.values() if len(ids) > 1)
    orphaned = sum(len(ids) for (user, name), ids in jobs.items() if user != USER or name not in servers)
    stale = 0
    for path, r in routes().items():
        name = path.split("/")[3] if path.count("/") >= 3 else ""
        code, view = service(f"/api/v1/users/{USER}/servers/{name or '_default'}")
        if not servers.get(name, {}).get("ready") or code != 200 or view.get("url") != r.get("target"):
            stale += 1
    return {"lost": lost, "orphaned": orphaned, "duplicated": duplicated, "stale": stale,
            "recover": f"{took:.1f} s" if recovered else f"> {RECOVER_LIMIT} s"}


def stop_all(names):
    for n in names:
        stop(n)
    wait("no server, job or route left", lambda: not any(n in (hub_servers() or {}) for n in names)
         and not oar_jobs() and not routes(), limit=120)
    servers = hub_servers() or {}
    return sum(1 for n in names if n in servers) + sum(len(v) for v in oar_jobs().values()) + len(routes())


def kill_service():
    sh("kill -9 $(cat /run/oarspawner.pid)")


def start_service():
    sh("bash deploy/service.sh start", check=True)


def until_state(server, states, limit=120):
    return wait(f"{server} in {states}", lambda: service_state(server) in states, limit=limit, step=0.05)


def sigkill_at(point, pause):
    def run():
        names = [GPU[0]]
        blocker = None
        if point == "queued":
            # Another user's job holds the GPU node, so that alice's spawn waits in OAR's queue.
            out = sh("su -s /bin/sh bob -c \"cd && oarsub --project pr-training -p \\\"cluster='gpu'\\\" "
                     "-l /nodes=1,walltime=0:10:00 'sleep 600'\"")
            blocker = re.search(r"OAR_JOB_ID=(\d+)", out).group(1)
            # Only once it holds the node does alice's spawn have to wait behind it.
            wait(f"blocker {blocker} running", lambda: "Running" in sh(f"oarstat -s -j {blocker}"), limit=120)
        start(*GPU)
        until_state(GPU[0], {"submitting", "queued", "starting", "ready"} if point == "submitting" else {point})
        kill_service()
        time.sleep(pause)
        start_service()
        repaired = time.time()
        if blocker:
            sh(f"oardel {blocker}")
        return names, repaired
    return run


def frontend_down():
    names = [CPU[0]]
    start(*CPU)
    wait("ready", lambda: ready_with_route(names))
    # The users' sshd on :22 and every session it holds (the service's connection among them); OAR's own sshd stays.
    sh("pid=$(cat /run/sshd-users.pid); pkill -9 -P $pid sshd; kill $pid")
    start(*GPU)  # asked for while the frontend is down
    names.append(GPU[0])
    time.sleep(60)
    sh("/usr/sbin/sshd -o PidFile=/run/sshd-users.pid")
    return names, time.time()


def oar_down():
    names = [CPU[0]]
    start(*CPU)
    wait("ready", lambda: ready_with_route(names))
    sh("pkill -f Almighty; sleep 1")
    start(*GPU)  # submitted while OAR's server is down: it waits until the scheduler runs again
    names.append(GPU[0])
    time.sleep(60)
    sh("/usr/sbin/oar-server >/dev/null 2>&1")
    return names, time.time()


def chp_killed():
    names = [CPU[0], GPU[0]]
    start(*CPU)
    start(*GPU)
    wait("ready", lambda: ready_with_route(names))
    sh("pkill -9 -f 'configurable-http-proxy --ip 127.0.0.1 --port 8000'")
    repaired = time.time()
    # The hub starts its proxy again; the route must also carry traffic.
    wait("the notebook through the proxy", lambda: call("GET", f"{HUB}/user/{USER}/{CPU[0]}/api/status", {}, timeout=5)[0] in (200, 302, 403))
    return names, repaired


SCENARIOS = [
    ("SIGKILL service at submitting, back after 5 s", sigkill_at("submitting", 5)),
    ("SIGKILL service while queued, back after 5 s", sigkill_at("queued", 5)),
    ("SIGKILL service while queued, back after 60 s", sigkill_at("queued", 60)),
    ("SIGKILL service while starting, back after 5 s", sigkill_at("starting", 5)),
    ("SIGKILL service when ready, back after 5 s", sigkill_at("ready", 5)),
    ("frontend sshd stopped for 60 s", frontend_down),
    ("OAR server stopped for 60 s", oar_down),
    ("CHP killed", chp_killed),
]


def main():
    chosen = sys.argv[1:]
    # The hub knows alice once she logged in; create her otherwise (201, or 409 when she exists).
    code, _ = call("POST", f"{HUB}/hub/api/users/{USER}", HUB_AUTH)
    if code not in (201, 409):
        sys.exit(f"[faults] the hub refused to create user {USER}: HTTP {code}")
    rows = []
    for title, run in SCENARIOS:
        if chosen and not any(c in title for c in chosen):
            continue
        print(f"[faults] {title} ...", flush=True)
        names, repaired = run()
        row = measure(names, repaired)
        row["left"] = stop_all([CPU[0], GPU[0]])
        rows.append((title, row))
        print(f"    {row}", flush=True)
    print()
    print(f"| {'scenario':<48} | spawns lost | orphaned jobs | duplicated jobs | stale routes | time to recover | left after stop |")
    print(f"|{'-' * 50}|-------------|---------------|-----------------|--------------|-----------------|-----------------|")
    for title, r in rows:
        print(f"| {title:<48} | {r['lost']:>11} | {r['orphaned']:>13} | {r['duplicated']:>15} | {r['stale']:>12} | "
              f"{r['recover']:>15} | {r['left']:>15} |")
    bad = sum(r["lost"] + r["orphaned"] + r["duplicated"] + r["stale"] + r["left"] for _, r in rows)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
