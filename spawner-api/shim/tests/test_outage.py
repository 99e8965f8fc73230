"""The shim through a service outage, at the transport level: a FakeService on a real socket that is absent
(connection refused), resets the connection, answers 503, or answers. The real service's restart is covered
through the real hub by the service module's ServiceOutageIT."""
import asyncio
import json
import socket
import types

import pytest

from oarspawner.retry import ServiceError, ServiceUnavailable
from oarspawner.spawner import OARSpawner


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeService:
    """Answers each request with the next scripted action: 'reset' closes the connection without an answer,
    (status, body) answers, ('events', [chunks], keep) streams chunks (and then hangs if keep)."""

    def __init__(self, port, script):
        self.port = port
        self.script = list(script)
        self.requests = []
        self.server = None

    async def start(self):
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def stop(self):
        self.server.close()
        await self.server.wait_closed()

    async def _handle(self, reader, writer):
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        method, path, _ = lines[0].split(" ")
        headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)}
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        self.requests.append((method, path, headers, body))
        action = self.script.pop(0) if self.script else (500, {"message": "unscripted"})
        if action == "reset":
            writer.transport.abort()
            return
        if action[0] == "events":
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
            for chunk in action[1]:
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await writer.drain()
                await asyncio.sleep(0.01)
            if action[2] == "drop":
                writer.transport.abort()
                return
            writer.write(b"0\r\n\r\n")
        else:
            status, payload = action
            data = json.dumps(payload).encode() if payload is not None else b""
            writer.write(b"HTTP/1.1 %d X\r\ncontent-type: application/json\r\ncontent-length: %d\r\nconnection: close\r\n\r\n%s"
                         % (status, len(data), data))
        await writer.drain()
        writer.close()


def spawner(port, **traits):
    s = OARSpawner(user=types.SimpleNamespace(name="alice", url="/user/alice/"), static_token="t",
                   service_url=f"http://127.0.0.1:{port}", retry_first_delay=0.05, retry_max_delay=0.2, **traits)
    s._environment = lambda: {"JUPYTERHUB_API_TOKEN": "x"}
    return s


READY = {"state": "ready", "url": "http://node-cpu:40000", "cluster": "cpu", "jobId": 7}


def test_poll_never_reports_a_stop_because_the_service_is_unreachable():
    port = free_port()

    async def run():
        s = spawner(port)
        nobody = await s.poll()
        fake = FakeService(port, ["reset", (503, {"message": "cluster_unreachable"}), (502, None),
                                  (404, {"message": "user alice has no server ''"})])
        await fake.start()
        try:
            return nobody, await s.poll(), await s.poll(), await s.poll(), await s.poll()
        finally:
            await fake.stop()

    # refused, reset, 503, 502: still running; only the service's own 404 ends the server.
    assert asyncio.run(run()) == (None, None, None, None, 0)


def test_stop_rides_out_a_restart():
    port = free_port()

    async def run():
        s = spawner(port, stop_grace=30)
        fake = FakeService(port, ["reset", (202, READY)])

        async def come_back():
            await asyncio.sleep(0.5)
            await fake.start()

        back = asyncio.ensure_future(come_back())
        await s.stop()
        await back
        await fake.stop()
        return [(m, p) for m, p, _, _ in fake.requests]

    assert asyncio.run(run()) == [("DELETE", "/api/v1/users/alice/servers/_default")] * 2


def test_stop_gives_up_after_its_grace():
    port = free_port()

    async def run():
        s = spawner(port, stop_grace=0.6)
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        with pytest.raises(ServiceUnavailable, match="cannot be reached"):
            await s.stop()
        return loop.time() - t0

    assert 0.5 <= asyncio.run(run()) < 5


def test_start_retries_its_put_after_a_reset_and_follows_the_same_job():
    port = free_port()
    profiles = {"profiles": [{"name": "cpu-1core-2h", "display": "1 core", "cluster": "cpu"}], "clusters": [{"name": "cpu", "display": "CPU", "maxCores": 4, "maxGpus": 0, "gpuModels": [], "projects": []}]}
    queued = {"state": "queued", "cluster": "cpu", "jobId": 7}

    async def run():
        s = spawner(port, poll_interval_while_starting=0.05)
        s.user_options = {"profile": "cpu-1core-2h"}
        # The PUT's connection is reset (the service was killed during oarsub); the restarted service found job 7
        # in OAR and answers the retried PUT with 200; a GET meets a 503, the next one finds it ready.
        fake = FakeService(port, [(200, profiles), "reset", (200, queued), (503, {"message": "starting up"}), (200, READY)])
        await fake.start()
        try:
            return await s.start(), [(m, p) for m, p, _, _ in fake.requests]
        finally:
            await fake.stop()

    url, requests = asyncio.run(run())
    assert url == "http://node-cpu:40000"
    assert [m for m, _ in requests] == ["GET", "PUT", "PUT", "GET", "GET"]


def test_start_reports_a_refusal_at_once():
    port = free_port()
    profiles = {"profiles": [{"name": "cpu-1core-2h", "display": "1 core", "cluster": "cpu"}], "clusters": [{"name": "cpu", "display": "CPU", "maxCores": 4, "maxGpus": 0, "gpuModels": [], "projects": []}]}

    async def run():
        s = spawner(port)
        s.user_options = {"profile": "cpu-1core-2h"}
        fake = FakeService(port, [(200, profiles), (422, {"message": "Cluster cpu refused the job: no project"})])
        await fake.start()
        try:
            with pytest.raises(ServiceError, match="no project"):
                await s.start()
            return len(fake.requests)
        finally:
            await fake.stop()

    assert asyncio.run(run()) == 2


def test_progress_resumes_with_last_event_id_after_a_drop_and_decodes_split_characters():
    port = free_port()
    first = 'id: 1\ndata: {"progress": 10, "message": "Submitted as job 7"}\n\nid: 2\ndata: {"progress": 30, "message": "Job 7 attend, début 07:13"}\n\n'.encode()
    cut = first.index("é".encode()) + 1

    async def run():
        s = spawner(port)
        fake = FakeService(port, [
            ("events", [first[:cut], first[cut:]], "drop"),
            ("events", [b'id: 3\ndata: {"progress": 100, "message": "Server ready", "ready": true}\n\n'], "end"),
        ])
        await fake.start()
        try:
            events = [e async for e in s.progress()]
            return events, [h.get("last-event-id") for _, _, h, _ in fake.requests]
        finally:
            await fake.stop()

    events, last_ids = asyncio.run(run())
    assert [e["message"] for e in events] == ["Submitted as job 7", "Job 7 attend, début 07:13", "Server ready"]
    assert last_ids == ["0", "2"]


def test_progress_after_a_restart_reads_the_stream_again_without_repeating_itself():
    port = free_port()

    async def run():
        s = spawner(port)
        fake = FakeService(port, [
            ("events", [b'id: 1\ndata: {"progress": 10, "message": "Submitted as job 7"}\n\n',
                        b'id: 2\ndata: {"progress": 30, "message": "Job 7 is waiting, position 1"}\n\n'], "drop"),
        ])
        await fake.start()
        events = []
        gen = s.progress()
        events.append(await gen.__anext__())
        events.append(await gen.__anext__())
        await fake.stop()  # killed: the next connection is refused

        async def restarted():
            await asyncio.sleep(0.3)
            fake.script = [("events", [b'id: 1\ndata: {"progress": 10, "message": "Found job 7 on cluster cpu again"}\n\n',
                                       b'id: 2\ndata: {"progress": 30, "message": "Job 7 is waiting, position 1"}\n\n',
                                       b'id: 3\ndata: {"progress": 100, "message": "Server ready", "ready": true}\n\n'], "end")]
            await fake.start()

        back = asyncio.ensure_future(restarted())
        events += [e async for e in gen]
        await back
        await fake.stop()
        return events, [h.get("last-event-id") for _, _, h, _ in fake.requests]

    events, last_ids = asyncio.run(run())
    assert [e["message"] for e in events] == ["Submitted as job 7", "Job 7 is waiting, position 1",
                                              "The oarspawner service cannot be reached; waiting for it to come back (the job is not lost)",
                                              "Found job 7 on cluster cpu again", "Server ready"]
    assert [e["progress"] for e in events] == [10, 30, 30, 30, 100]
    assert last_ids[0] == "0" and last_ids[-1] == "0"


def test_poll_takes_a_bad_answer_as_still_running():
    port = free_port()

    async def run():
        s = spawner(port)
        # An empty 200, a 200 that is no server, a 401 (a key rotated): none may make the hub drop a running job.
        fake = FakeService(port, [(200, None), (200, ["not", "a", "server"]), (401, {"message": "unauthorized"})])
        await fake.start()
        try:
            return await s.poll(), await s.poll(), await s.poll()
        finally:
            await fake.stop()

    assert asyncio.run(run()) == (None, None, None)


def test_get_url_after_a_hub_restart_never_raises():
    port = free_port()

    async def run():
        s = spawner(port)
        s.server = types.SimpleNamespace(url="http://127.0.0.1:8000/user/alice/")
        # The hub's start-up check calls get_url for every server poll() kept: a 401 or a 500 there must not raise.
        fake = FakeService(port, [(401, {"message": "unauthorized"}), (500, {"message": "internal"})])
        await fake.start()
        try:
            return await s.get_url(), await s.get_url()
        finally:
            await fake.stop()

    assert asyncio.run(run()) == ("http://127.0.0.1:8000/user/alice/",) * 2
