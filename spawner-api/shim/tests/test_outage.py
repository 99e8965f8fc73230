"""The shim through a service outage, at the transport level: a FakeService on a real socket that is absent
(connection refused), resets the connection, answers 503, or answers. The real service's restart is covered
through the real hub by the service module's ServiceOutageIT."""
import asyncio
import types

import pytest
from fakes import FakeService, free_port, spawner, start_with_progress

from oarspawner.retry import ServiceError, ServiceUnavailable


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


PROFILES = {"profiles": [{"name": "cpu-1core-2h", "display": "1 core", "cluster": "cpu"}],
            "clusters": [{"name": "cpu", "display": "CPU", "maxCores": 4, "maxGpus": 0, "gpuModels": [], "projects": []}]}
SUBMITTING = {"state": "submitting", "cluster": "cpu"}


def test_start_retries_its_put_after_a_reset_and_follows_the_same_job():
    port = free_port()
    queued = {"state": "queued", "cluster": "cpu", "jobId": 7}

    async def run():
        s = spawner(port)
        s.user_options = {"profile": "cpu-1core-2h"}
        # The PUT's connection is reset (the service was killed during oarsub); the restarted service found job 7
        # in OAR and answers the retried PUT with 200; the event stream meets a 503, then ends ready. This service
        # puts no url in its ready event: one GET for it.
        fake = FakeService(port, [(200, PROFILES), "reset", (200, queued), (503, {"message": "starting up"}),
                                  ("events", [b'id: 1\ndata: {"progress": 10, "message": "Found job 7 on cluster cpu again", "state": "queued"}\n\n',
                                              b'id: 2\ndata: {"progress": 100, "message": "Server ready", "state": "ready", "ready": true}\n\n'], "end"),
                                  (200, READY)])
        await fake.start()
        try:
            return await s.start(), [(m, p) for m, p, _, _ in fake.requests], s.get_state()
        finally:
            await fake.stop()

    url, requests, state = asyncio.run(run())
    assert url == "http://node-cpu:40000"
    server = "/api/v1/users/alice/servers/_default"
    assert requests == [("GET", "/api/v1/profiles?free=false"), ("PUT", server), ("PUT", server),
                        ("GET", server + "/events"), ("GET", server + "/events"), ("GET", server)]
    assert state["job_id"] == 7


def test_start_reports_a_refusal_at_once():
    port = free_port()

    async def run():
        s = spawner(port)
        s.user_options = {"profile": "cpu-1core-2h"}
        fake = FakeService(port, [(200, PROFILES), (422, {"message": "Cluster cpu refused the job: no project"})])
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
    first = 'id: 1\ndata: {"progress": 10, "message": "Submitted as job 7", "jobId": 7}\n\nid: 2\ndata: {"progress": 30, "message": "Job 7 attend, début 07:13"}\n\n'.encode()
    cut = first.index("é".encode()) + 1

    async def run():
        s = spawner(port)
        s.user_options = {"profile": "cpu-1core-2h"}
        fake = FakeService(port, [(200, PROFILES), (202, SUBMITTING),
            ("events", [first[:cut], first[cut:]], "drop"),
            ("events", [b'id: 3\ndata: {"progress": 100, "message": "Server ready", "ready": true, "url": "http://node-cpu:40000", "jobId": 7}\n\n'], "end"),
        ])
        await fake.start()
        try:
            url, (events,) = await start_with_progress(s)
            return url, events, [h.get("last-event-id") for m, p, h, _ in fake.requests if p.endswith("/events")]
        finally:
            await fake.stop()

    url, events, last_ids = asyncio.run(run())
    assert url == "http://node-cpu:40000"
    assert [e["message"] for e in events] == ["Submitted as job 7", "Job 7 attend, début 07:13", "Server ready"]
    assert last_ids == ["0", "2"]


def test_progress_after_a_restart_reads_the_stream_again_without_repeating_itself():
    port = free_port()

    async def run():
        s = spawner(port)
        s.user_options = {"profile": "cpu-1core-2h"}
        fake = FakeService(port, [(200, PROFILES), (202, SUBMITTING),
            ("events", [b'id: 1\ndata: {"progress": 10, "message": "Submitted as job 7", "jobId": 7}\n\n',
                        b'id: 2\ndata: {"progress": 30, "message": "Job 7 is waiting, position 1"}\n\n'], "die"),
        ])
        await fake.start()

        async def restarted():
            # Killed: connections are refused until it is back, numbering its events from 1 again.
            while fake.script:
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.3)
            fake.script = [("events", [b'id: 1\ndata: {"progress": 10, "message": "Found job 7 on cluster cpu again"}\n\n',
                                       b'id: 2\ndata: {"progress": 30, "message": "Job 7 is waiting, position 1"}\n\n',
                                       b'id: 3\ndata: {"progress": 100, "message": "Server ready", "ready": true, "url": "http://node-cpu:40000"}\n\n'], "end")]
            await fake.start()

        back = asyncio.ensure_future(restarted())
        url, (events,) = await start_with_progress(s)
        await back
        await fake.stop()
        return url, events, [h.get("last-event-id") for m, p, h, _ in fake.requests if p.endswith("/events")]

    url, events, last_ids = asyncio.run(run())
    assert url == "http://node-cpu:40000"
    assert [e["message"] for e in events] == ["Submitted as job 7", "Job 7 is waiting, position 1",
                                              "The oarspawner service cannot be reached; waiting for it to come back (the job is not lost)",
                                              "Found job 7 on cluster cpu again", "Server ready"]
    assert [e["progress"] for e in events] == [10, 30, 30, 30, 100]
    assert last_ids == ["0", "0"]


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
