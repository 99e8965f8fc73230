#!/usr/bin/python3
"""N users spawning at once through JupyterHub, against the floor measured in the same run (a benchmark, not a test).

    flock -o /tmp/oarspawner-it.lock timeout 1500 /usr/bin/python3 deploy/hub_bench.py [N] [rounds]   (default 1 3)

Starts the hub and the service if they are not running (and stops them at the end), makes the logins bench01..benchNN
(deploy/cluster/bench-users.sh) and their hub users. Each round:
  floor  one plain `oarsub` (sudo -u bench01) of the same notebook (jupyterhub-singleuser with the hub's environment,
         on the bench node) and, for N > 1, N such oarsubs sent at once; "ready" = the notebook answers HTTP.
  hub    N hub users' POST /hub/api/users/<u>/server at once with the bench cluster's options from the service's
         /api/v1/profiles, each hub progress stream read to its end; then N DELETEs through the hub at once.
Every job of the round is ended before the next phase. Prints each round's table and the medians of all rounds; each
row beside its floor and the ratio. Stages come from the service's view (submittedAt = oarsub answered, runningAt =
OAR's start time, whole seconds, readyAt = the notebook answered) and, for the floor, from oarsub's return and OAR's
start time of the job. "OAR launch" and "launch to ready" split at the job's first process on the node (to 10 ms, from
/proc: the node is this machine). CPU is utime+stime from /proc/<pid>/stat.
"""
import base64
import concurrent.futures as cf
import hashlib
import hmac
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
STATE = os.environ.get("OARSPAWNER_DEV_STATE", "/var/lib/oarspawner-dev")
HUB = "http://127.0.0.1:8000"
HUB_API = "http://127.0.0.1:8081/hub/api"
SERVICE = "http://127.0.0.1:9081"
NODE = "127.0.0.4"  # node-bench, the only node of cluster 'bench'
FLOOR_PORT = 31000  # bench<i>'s floor notebook listens on FLOOR_PORT + i
TICKS = os.sysconf("SC_CLK_TCK")
# OAR's Almighty defers a scheduler pass asked within SCHEDULER_MIN_TIME_BETWEEN_2_CALLS of the last one (the pass
# that the previous phase's job ends caused) to its next wake-up, about 10 s later here: a phase submitted at once
# after the previous one ended measured that instead of itself (seen in both the floor and the hub phases).
SETTLE = float(os.environ.get("HUB_BENCH_SETTLE", "3"))


def read(name):
    with open(os.path.join(STATE, name), "rb") as f:
        return f.read().strip()


def login(i):
    return "bench%02d" % i


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def service_token():
    """A hub-role HS256 JWT for the service, 5 min."""
    now = int(time.time())
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps({"sub": "hub-bench", "roles": ["hub"], "iss": "jupyterhub", "aud": "oarspawner",
                           "iat": now, "exp": now + 300}).encode())
    sig = b64(hmac.new(read("jwt-secret"), head + b"." + body, hashlib.sha256).digest())
    return (head + b"." + body + b"." + sig).decode()


def call(method, url, headers=None, body=None, timeout=60):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers=dict(headers or {}, **{"Content-Type": "application/json"}))
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def hub(method, path, body=None, timeout=60):
    return call(method, HUB_API + path, {"Authorization": "token " + read("hub-api-token").decode()}, body, timeout)


def service(path):
    status, body = call("GET", SERVICE + path, {"Authorization": "Bearer " + service_token()})
    return status, (json.loads(body) if body and status < 500 and path != "/metrics" else body)


def answers(url, timeout=2):
    try:
        with urllib.request.urlopen(url, timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True
    except Exception:  # noqa: BLE001 - not listening yet
        return False


def cpu(pid):
    """utime + stime of a process, seconds."""
    if not pid:
        return 0.0
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(next(line for line in f if line.startswith("VmRSS")).split()[1]) / 1024


def pid_of(path):
    try:
        pid = int(open(path).read().strip())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def commands():
    """The service's frontend commands to cluster bench so far, by kind."""
    counts = {}
    for line in service("/metrics")[1].decode().splitlines():
        if line.startswith("oarspawner_oar_command_duration_seconds_count{") and 'cluster="bench"' in line:
            kind = re.search(r'command="([^"]+)"', line).group(1)
            counts[kind] = counts.get(kind, 0) + float(line.rsplit(" ", 1)[1])
    return counts


def at(iso):
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))] if s else float("nan")


def oar(user, *args, timeout=120):
    return subprocess.run(["sudo", "-n", "-H", "-u", user, "--", *args], capture_output=True, text=True,
                          timeout=timeout, cwd="/")


def live_jobs():
    out = oar(login(1), "oarstat", "-J", "--sql", "job_user like 'bench%' and state not in ('Terminated','Error')").stdout
    return json.loads(out) if out.strip() else {}


def wait_no_jobs(deadline=300, settle=SETTLE):
    """Until no bench job is alive, then SETTLE s more: the next phase starts on a scheduler at rest."""
    end = time.time() + deadline
    while live_jobs():
        if time.time() > end:
            raise SystemExit(f"bench jobs still alive after {deadline} s: {sorted(live_jobs())}")
        time.sleep(0.5)
    time.sleep(settle)


def wait_hub_stopped(n, deadline=300):
    """Until no bench user has a server in the hub, running or pending."""
    end = time.time() + deadline
    while True:
        busy = [login(i) for i in range(1, n + 1)
                if json.loads(hub("GET", f"/users/{login(i)}")[1] or b"{}").get("servers")]
        if not busy:
            return
        if time.time() > end:
            raise SystemExit(f"the hub still has servers for {busy} after {deadline} s")
        time.sleep(0.5)


def launched_at(user):
    """When OAR started the job on the node, to 10 ms: the start of the oldest process of the notebook's ancestry that
    runs as the user (OAR's start time is whole seconds). The node is this machine. None if no notebook runs."""
    uid = int(subprocess.run(["id", "-u", user], capture_output=True, text=True, check=True).stdout)
    stat = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if os.stat(f"/proc/{pid}").st_uid == uid:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    stat[int(pid)] = (int(fields[1]), int(fields[19]), b"jupyterhub-singleuser" in f.read())
        except (OSError, IndexError, ValueError):
            continue
    notebooks = [pid for pid, (_, _, nb) in stat.items() if nb]
    if not notebooks:
        return None
    pid = notebooks[0]
    while stat[pid][0] in stat:  # the parent runs as the user too
        pid = stat[pid][0]
    boot = time.time() - time.clock_gettime(time.CLOCK_BOOTTIME)
    return boot + stat[pid][1] / TICKS


def started_at(user, ids):
    out = oar(user, "oarstat", "-fJ", "--sql", "job_id in (%s)" % ",".join(map(str, ids))).stdout
    return {int(k): v.get("startTime") for k, v in json.loads(out).items()}


# -- the floor: plain oarsub of the same notebook --------------------------------------------------------------------

def floor_script(i, options):
    """bench<i>'s floor notebook: what the hub's job runs, with the hub's environment (a token the hub does not know)."""
    u, port = login(i), FLOOR_PORT + i
    env = {"JUPYTERHUB_API_TOKEN": "hub-bench-floor", "JUPYTERHUB_API_URL": HUB_API, "JUPYTERHUB_BASE_URL": "/",
           "JUPYTERHUB_CLIENT_ID": f"jupyterhub-user-{u}", "JUPYTERHUB_USER": u, "JUPYTERHUB_SERVER_NAME": "",
           "JUPYTERHUB_SERVICE_PREFIX": f"/user/{u}/", "JUPYTERHUB_OAUTH_CALLBACK_URL": f"/user/{u}/oauth_callback",
           "JUPYTERHUB_SERVICE_URL": f"http://{NODE}:{port}/user/{u}/", "JUPYTERHUB_HOST": "",
           "JUPYTERHUB_SINGLEUSER_APP": "notebook.notebookapp.NotebookApp"}
    path = f"/home/{u}/.hub-bench-floor.sh"
    with open(path, "w") as f:
        f.write("#!/bin/bash\ncd \"$HOME\"\n" + "".join(f"export {k}='{v}'\n" for k, v in env.items())
                + f"exec jupyterhub-singleuser --ip={NODE} --port={port}\n")
    os.chmod(path, 0o755)
    return path, f"http://{NODE}:{port}/user/{u}/api"


def floor(n, options, barrier_timeout=60):
    """n plain oarsubs at once, each as its own bench login; per job: sent, answered, ready, OAR's start."""
    scripts = {i: floor_script(i, options) for i in range(1, n + 1)}
    barrier = threading.Barrier(n)
    resource = "/nodes=1/core=%d,walltime=%s" % (options["cores"], options["walltime"])

    def one(i):
        path, url = scripts[i]
        barrier.wait(barrier_timeout)
        sent = time.time()
        r = oar(login(i), "oarsub", "--name", "hub-bench-floor", "--directory", f"/home/{login(i)}",
                "--property", "cluster='bench'", "--resource", resource, path)
        answered = time.time()
        m = re.search(r"OAR_JOB_ID=(\d+)", r.stdout)
        if not m:
            raise SystemExit(f"floor oarsub as {login(i)} failed: {r.stdout} {r.stderr}")
        while not answers(url):
            if time.time() > sent + 600:
                raise SystemExit(f"the floor notebook of {login(i)} (job {m.group(1)}) did not answer in 600 s")
            time.sleep(0.05)
        ready = time.time()
        return {"user": login(i), "job": int(m.group(1)), "sent": sent, "answered": answered, "ready": ready,
                "launched": launched_at(login(i))}

    with cf.ThreadPoolExecutor(n) as pool:
        jobs = list(pool.map(one, range(1, n + 1)))
    starts = started_at(login(1), [j["job"] for j in jobs])
    dels = []
    for j in jobs:  # the floor of a stop: a plain oardel, one after the other
        t = time.time()
        oar(j["user"], "oardel", str(j["job"]))
        dels.append(time.time() - t)
    t0 = min(j["sent"] for j in jobs)
    for j in jobs:
        j["running"] = float(starts[j["job"]]) if starts.get(j["job"]) else j["answered"]
    return {"all ready": max(j["ready"] for j in jobs) - t0,
            "p50": pct([j["ready"] - j["sent"] for j in jobs], 50), "p95": pct([j["ready"] - j["sent"] for j in jobs], 95),
            "to oarsub answered": statistics.median(j["answered"] - j["sent"] for j in jobs),
            "OAR scheduling": statistics.median(j["running"] - j["answered"] for j in jobs),
            "node start": statistics.median(j["ready"] - j["running"] for j in jobs),
            **launch_split(jobs, "answered"),
            "hub and proxy": 0.0,
            "oarsub answered spread": max(j["answered"] for j in jobs) - min(j["answered"] for j in jobs),
            "oarsub sent spread": max(j["sent"] for j in jobs) - t0,
            "longest DELETE": max(dels)}


# -- through the hub -------------------------------------------------------------------------------------------------

def through_hub(n, options, hub_pid, service_pid):
    barrier = threading.Barrier(n)

    def spawn(i):
        u = login(i)
        barrier.wait(60)
        t0 = time.time()
        status, body = hub("POST", f"/users/{u}/server", options)
        if status not in (201, 202):
            raise SystemExit(f"hub POST for {u}: {status} {body[:300]}")
        last = {}
        req = urllib.request.Request(f"{HUB_API}/users/{u}/server/progress",
                                     headers={"Authorization": "token " + read("hub-api-token").decode()})
        with urllib.request.urlopen(req, timeout=900) as stream:
            for line in stream:
                if line.startswith(b"data: "):
                    last = json.loads(line[6:])
        if not last.get("ready"):  # counted and shown; the others are measured
            print(f"  {u}'s spawn failed: {str(last.get('message'))[:300]}", flush=True)
            return {"user": u, "post": t0, "ready": None}
        ready = time.time()
        return {"user": u, "post": t0, "ready": ready, "launched": launched_at(u)}

    def stop(i):
        barrier.wait(60)
        t = time.time()
        status, body = hub("DELETE", f"/users/{login(i)}/server", timeout=300)
        if status not in (202, 204, 400):  # 400: the server is not running (its spawn failed)
            raise SystemExit(f"hub DELETE for {login(i)}: {status} {body[:300]}")
        return time.time() - t

    cpu0, service0, commands0 = cpu(hub_pid), cpu(service_pid), commands()
    with cf.ThreadPoolExecutor(n) as pool:
        users = list(pool.map(spawn, range(1, n + 1)))
    cpu1, service1 = cpu(hub_pid), cpu(service_pid)
    rss = rss_mb(service_pid)
    failed = sum(1 for s in users if s["ready"] is None)
    users = [s for s in users if s["ready"] is not None]
    if not users:
        raise SystemExit("every spawn through the hub failed")
    for s in users:
        status, view = service(f"/api/v1/users/{s['user']}/servers/_default")
        s.update(submitted=at(view["submittedAt"]), running=at(view["runningAt"]), served=at(view["readyAt"]))
    barrier = threading.Barrier(n)
    with cf.ThreadPoolExecutor(n) as pool:
        dels = list(pool.map(stop, range(1, n + 1)))
    wait_hub_stopped(n)
    wait_no_jobs()
    used = commands()
    t0 = min(s["post"] for s in users)
    return {"all ready": max(s["ready"] for s in users) - t0,
            "p50": pct([s["ready"] - s["post"] for s in users], 50), "p95": pct([s["ready"] - s["post"] for s in users], 95),
            "to oarsub answered": statistics.median(s["submitted"] - s["post"] for s in users),
            "OAR scheduling": statistics.median(s["running"] - s["submitted"] for s in users),
            "node start": statistics.median(s["served"] - s["running"] for s in users),
            **launch_split(users, "submitted"),
            "hub and proxy": statistics.median(s["ready"] - s["served"] for s in users),
            "oarsub answered spread": max(s["submitted"] for s in users) - min(s["submitted"] for s in users),
            "longest DELETE": max(dels),
            "hub CPU, spawn": cpu1 - cpu0, "hub CPU, stop": cpu(hub_pid) - cpu1,
            "service CPU, spawn": service1 - service0, "service CPU, stop": cpu(service_pid) - service1,
            "service RSS MB": rss, "failed spawns": failed,
            "commands": {k: used.get(k, 0) - commands0.get(k, 0) for k in used if used.get(k, 0) != commands0.get(k, 0)}}


def launch_split(jobs, answered):
    """OAR's launch (oarsub answered to the job's first process on the node) and the node's part (that process to
    ready, as the benchmark saw it), medians, from launched_at."""
    timed = [j for j in jobs if j.get("launched")]
    if not timed:
        return {}
    return {"OAR launch (10 ms)": statistics.median(j["launched"] - j[answered] for j in timed),
            "launch to ready": statistics.median(j["ready"] - j["launched"] for j in timed)}


ROWS = ["all ready", "p50", "p95", "to oarsub answered", "OAR scheduling", "node start", "OAR launch (10 ms)",
        "launch to ready", "hub and proxy",
        "oarsub answered spread", "oarsub sent spread", "longest DELETE", "hub CPU, spawn", "hub CPU, stop",
        "service CPU, spawn", "service CPU, stop", "service RSS MB", "failed spawns"]


def table(title, hub_row, floor_row, n):
    print(title)
    print(f"  {'':26} {'hub':>9} {'floor':>9} {'ratio':>7}")
    for k in ROWS:
        h, f = hub_row.get(k), floor_row.get(k)
        ratio = f"{h / f:7.2f}" if h is not None and f else "      -"
        print(f"  {k:26} {'' if h is None else f'{h:9.2f}':>9} {'' if f is None else f'{f:9.2f}':>9} {ratio}")
    per = {k: v / n for k, v in hub_row["commands"].items()}
    print("  frontend commands per spawn (start+stop): " + ", ".join(f"{k} {v:.2f}" for k, v in sorted(per.items()))
          + f"; total {sum(per.values()):.2f} (floor: oarsub 1, oardel 1)", flush=True)


def ensure_running(started):
    if not answers(HUB_API, 3):
        subprocess.run(["bash", os.path.join(ROOT, "deploy/hub.sh"), "start"], check=True, stdin=subprocess.DEVNULL)
        started.append("hub")
    if not answers(SERVICE + "/health/live", 3):
        subprocess.run(["bash", os.path.join(ROOT, "deploy/service.sh"), "start"], check=True, stdin=subprocess.DEVNULL)
        started.append("service")


def bench_options():
    """The bench cluster's options as the service's profiles give them: its profile if one exists, else its limits."""
    profiles = service("/api/v1/profiles")[1]
    for p in profiles.get("profiles", []):
        if p.get("cluster") == "bench":
            return {"profile": p["name"]}, {"cores": p.get("cores", 1), "walltime": p.get("walltime", "0:30")}
    limits = next(c for c in profiles["clusters"] if c["name"] == "bench")
    walltime = min(limits.get("maxWalltime", "0:30"), "0:30", key=lambda w: [int(x) for x in w.split(":")])
    return {"cluster": "bench", "cores": 1, "walltime": walltime}, {"cores": 1, "walltime": walltime}


def cleanup(n):
    """Stops every bench server and job; removes the floor jobs' OAR output files."""
    for i in range(1, n + 1):
        hub("DELETE", f"/users/{login(i)}/server", timeout=60)
    wait_hub_stopped(n, 120)
    for job, j in live_jobs().items():
        oar(j.get("owner", login(1)), "oardel", str(job))
    wait_no_jobs(120)
    for i in range(1, n + 1):
        for f in os.listdir(f"/home/{login(i)}"):
            if f.startswith("OAR.hub-bench-floor."):
                os.unlink(f"/home/{login(i)}/{f}")


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    subprocess.run(["bash", os.path.join(ROOT, "deploy/cluster/bench-users.sh"), str(n)], check=True)
    started = []
    try:
        ensure_running(started)
        hub_pid, service_pid = pid_of(os.path.join(STATE, "jupyterhub.pid")), pid_of("/run/oarspawner.pid")
        hub("POST", "/users", {"usernames": [login(i) for i in range(1, n + 1)]})
        options, resources = bench_options()
        print(f"hub_bench: N={n}, {rounds} round(s), options {options}; hub pid {hub_pid}, service pid {service_pid}",
              flush=True)
        cleanup(n)
        results = []
        for r in range(1, rounds + 1):
            one = floor(1, resources)
            wait_no_jobs()
            burst = floor(n, resources) if n > 1 else one
            wait_no_jobs()
            through = through_hub(n, options, hub_pid, service_pid)
            results.append((through, burst, one))
            table(f"round {r}: N={n} through the hub vs the plain-oarsub floor (single oarsub: all ready "
                  f"{one['all ready']:.2f} s = oarsub {one['to oarsub answered']:.2f} + OAR {one['OAR scheduling']:.2f}"
                  f" + notebook {one['node start']:.2f})", through, burst, n)
        if rounds > 1:
            med = {k: statistics.median(t[k] for t, _, _ in results) for k in ROWS if k in results[0][0]}
            med["commands"] = {k: statistics.median(t["commands"].get(k, 0) for t, _, _ in results)
                               for k in set().union(*(t["commands"] for t, _, _ in results))}
            fmed = {k: statistics.median(b[k] for _, b, _ in results) for k in ROWS if k in results[0][1]}
            table(f"median of {rounds} rounds, N={n} (single oarsub all ready: median "
                  f"{statistics.median(o['all ready'] for _, _, o in results):.2f} s)", med, fmed, n)
    finally:
        try:
            cleanup(n)
        finally:
            for what in reversed(started):
                subprocess.run(["bash", os.path.join(ROOT, f"deploy/{what}.sh"), "stop"], stdin=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
