"""start() on the service's event stream: one connection per spawn, shared with the hub's progress() readers; the url
from the ready event (one GET only when a service does not put it there); a failed event's message as the error."""
import asyncio
import types

import pytest
from fakes import FakeService, free_port, spawner, start_with_progress

from oarspawner.retry import ServiceError

PROFILES = {"profiles": [{"name": "cpu-1core-2h", "display": "1 core", "cluster": "cpu"}],
            "clusters": [{"name": "cpu", "display": "CPU", "maxCores": 4, "maxGpus": 0, "gpuModels": [], "projects": []}]}
SUBMITTING = {"state": "submitting", "cluster": "cpu"}
SERVER = "/api/v1/users/alice/servers/_default"


def event(i, progress, message, **data):
    import json
    return b"id: %d\ndata: %s\n\n" % (i, json.dumps(dict(data, progress=progress, message=message)).encode())


SUBMITTED = [event(1, 5, "Submitting the job to cluster cpu", state="submitting"),
             event(2, 10, "Submitted as job 7 on cluster cpu", state="queued", jobId=7),
             event(3, 60, "Job 7 is running on node node-cpu", state="starting", jobId=7)]
READY_URL = event(4, 100, "Server ready at http://node-cpu:40000", state="ready", ready=True, jobId=7,
                  url="http://node-cpu:40000")


def run(script, test):
    port = free_port()

    async def go():
        fake = FakeService(port, script)
        await fake.start()
        try:
            result = await test(spawner(port, user_options={"profile": "cpu-1core-2h"}))
            return result, [(m, p) for m, p, _, _ in fake.requests], fake.requests
        finally:
            await fake.stop()

    return asyncio.run(go())


def test_a_202_then_the_stream_to_its_ready_event_is_the_whole_spawn_and_every_progress_reader_shares_it():
    async def test(s):
        url, seen = await start_with_progress(s, readers=2)
        return url, seen, s.get_state()

    (url, seen, state), requests, _ = run([(200, PROFILES), (202, SUBMITTING), ("events", SUBMITTED + [READY_URL], "end")], test)
    assert url == "http://node-cpu:40000"
    # No status polling, and one stream for start() and both readers.
    assert requests == [("GET", "/api/v1/profiles?free=false"), ("PUT", SERVER), ("GET", SERVER + "/events")]
    messages = ["Submitting the job to cluster cpu", "Submitted as job 7 on cluster cpu", "Job 7 is running on node node-cpu",
                "Server ready at http://node-cpu:40000"]
    assert [[e["message"] for e in events] for events in seen] == [messages, messages]
    assert [e["progress"] for e in seen[0]] == [5, 10, 60, 100]
    assert state["job_id"] == 7 and state["cluster"] == "cpu"


def test_a_service_that_answers_201_and_puts_no_url_in_its_ready_event_costs_one_get():
    ready = {"state": "ready", "url": "http://node-cpu:40000", "cluster": "cpu", "jobId": 7}

    async def test(s):
        return await s.start()

    url, requests, _ = run([(200, PROFILES), (201, {"state": "queued", "cluster": "cpu", "jobId": 7}),
                            ("events", SUBMITTED + [event(4, 100, "Server ready", state="ready", ready=True)], "end"),
                            (200, ready)], test)
    assert url == "http://node-cpu:40000"
    assert requests == [("GET", "/api/v1/profiles?free=false"), ("PUT", SERVER), ("GET", SERVER + "/events"), ("GET", SERVER)]


def test_a_failed_event_is_the_error_with_its_message():
    async def test(s):
        url, (events,) = await start_with_progress(s)
        return url, events

    refused = event(2, 100, "Cluster cpu refused the job: [ADMISSION RULE] --project is required", state="failed", failed=True)
    (error, events), requests, _ = run([(200, PROFILES), (202, SUBMITTING), ("events", SUBMITTED[:1] + [refused], "end")], test)
    assert isinstance(error, ServiceError) and "--project is required" in str(error)
    assert events[-1]["message"] == "Cluster cpu refused the job: [ADMISSION RULE] --project is required"
    assert len(requests) == 3


def test_a_restarted_service_that_never_got_to_submit_gets_the_put_again_and_is_followed_from_its_first_event():
    async def test(s):
        return await s.start()

    # Dropped before the job was submitted; the restarted service has no job for the server (404) until the PUT
    # comes again; its events are numbered from 1.
    url, requests, raw = run([(200, PROFILES), (202, SUBMITTING), ("events", SUBMITTED[:1], "drop"),
                              (404, {"message": "user alice has no server '_default'"}), (202, SUBMITTING),
                              ("events", SUBMITTED + [READY_URL], "end")], test)
    assert url == "http://node-cpu:40000"
    assert [m for m, _ in requests] == ["GET", "PUT", "GET", "GET", "PUT", "GET"]
    assert [h.get("last-event-id") for _, p, h, _ in raw if p.endswith("/events")] == ["0", "1", "0"]


def test_a_404_once_the_job_was_submitted_is_a_job_that_ended_while_the_service_restarted():
    async def test(s):
        with pytest.raises(ServiceError, match="ended while the oarspawner service was restarting"):
            await s.start()

    _, requests, _ = run([(200, PROFILES), (202, SUBMITTING), ("events", SUBMITTED[:2], "drop"),
                          (404, {"message": "user alice has no server '_default'"})], test)
    assert [m for m, _ in requests] == ["GET", "PUT", "GET", "GET"]


def test_the_end_of_a_previous_job_is_checked_and_the_new_spawn_followed():
    async def test(s):
        return await s.start()

    # The PUT came while the server's previous job was being stopped: its stream ends with that job 'stopped';
    # the server itself is submitting again, and its events are numbered from 1.
    url, requests, raw = run([(200, PROFILES), (202, {"state": "stopping", "cluster": "cpu", "jobId": 6}),
                              ("events", [event(5, 100, "Job 6 was cancelled", state="stopped")], "end"),
                              (200, SUBMITTING), ("events", SUBMITTED + [READY_URL], "end")], test)
    assert url == "http://node-cpu:40000"
    assert [p for _, p in requests] == ["/api/v1/profiles?free=false", SERVER, SERVER + "/events", SERVER, SERVER + "/events"]
    assert [h.get("last-event-id") for _, p, h, _ in raw if p.endswith("/events")] == ["0", "0"]


def test_a_stream_the_service_ends_without_its_last_event_is_read_again_from_the_start():
    async def test(s):
        return await s.start()

    url, _, raw = run([(200, PROFILES), (202, SUBMITTING), ("events", SUBMITTED[:2], "end"),
                       ("events", SUBMITTED + [READY_URL], "end")], test)
    assert url == "http://node-cpu:40000"
    assert [h.get("last-event-id") for _, p, h, _ in raw if p.endswith("/events")] == ["0", "0"]


def test_the_profiles_are_fetched_once_per_hub_process_and_again_when_a_choice_is_not_in_them():
    port = free_port()
    more = {"profiles": PROFILES["profiles"] + [{"name": "cpu-4cores-1h", "display": "4 cores", "cluster": "cpu"}],
            "clusters": PROFILES["clusters"]}

    async def go():
        fake = FakeService(port, [(200, PROFILES), (202, SUBMITTING), ("events", [READY_URL], "end"),
                                  (202, SUBMITTING), ("events", [READY_URL], "end"),
                                  (200, more), (202, SUBMITTING), ("events", [READY_URL], "end")])
        await fake.start()
        try:
            for options in ({"profile": "cpu-1core-2h"}, {"profile": "cpu-1core-2h"}, {"profile": "cpu-4cores-1h"}):
                s = spawner(port, user_options=options)
                s.user = types.SimpleNamespace(name="bob", url="/user/bob/")
                assert await s.start() == "http://node-cpu:40000"
            return [p for _, p, _, _ in fake.requests if "profiles" in p]
        finally:
            await fake.stop()

    assert asyncio.run(go()) == ["/api/v1/profiles?free=false"] * 2


def test_get_url_after_a_hub_restart_asks_once_and_follows_the_stream_of_a_server_not_ready_yet():
    port = free_port()
    queued = {"state": "queued", "cluster": "cpu", "jobId": 7}
    ready = {"state": "ready", "url": "http://node-cpu:40001", "cluster": "cpu", "jobId": 8}

    async def go():
        fake = FakeService(port, [(200, queued), ("events", SUBMITTED + [READY_URL], "end"), (200, ready)])
        await fake.start()
        try:
            s = spawner(port)
            s.server = types.SimpleNamespace(url="http://127.0.0.1:8000/user/alice/")
            return await s.get_url(), await s.get_url(), [p for _, p, _, _ in fake.requests]
        finally:
            await fake.stop()

    assert asyncio.run(go()) == ("http://node-cpu:40000", "http://node-cpu:40001", [SERVER, SERVER + "/events", SERVER])


def test_the_event_streams_leave_the_hubs_shared_http_client_free():
    from tornado.httpclient import AsyncHTTPClient

    from oarspawner import spawner as module
    port = free_port()
    url = f"http://127.0.0.1:{port}"

    def answer(method, path):
        if method == "PUT":
            return 202, SUBMITTING
        if path.endswith("/events"):
            return "events", SUBMITTED[:1], "hold", [READY_URL]
        return 200, {"the": "hub's own call"}

    async def go():
        fake = FakeService(port, answer)
        await fake.start()
        kept = module._PROFILES[url] = asyncio.get_running_loop().create_future()
        kept.set_result(PROFILES)
        try:
            # More servers starting at once than the hub's shared client runs requests (10, tornado's default).
            spawners = [spawner(port, user_options={"profile": "cpu-1core-2h"}) for _ in range(12)]
            for i, s in enumerate(spawners):
                s.user = types.SimpleNamespace(name=f"u{i:02d}", url=f"/user/u{i:02d}/")
            starts = [asyncio.ensure_future(s.start()) for s in spawners]

            async def streams_open():
                while sum(p.endswith("/events") for _, p, _, _ in fake.requests) < 12:
                    await asyncio.sleep(0.01)
            await asyncio.wait_for(streams_open(), 10)
            # The hub's own calls (to its proxy, to the notebooks) through the shared client are not queued behind them.
            other = await asyncio.wait_for(AsyncHTTPClient().fetch(url + "/hub-call", raise_error=False), 10)
            fake.release.set()
            return other.code, await asyncio.gather(*starts)
        finally:
            fake.release.set()
            await fake.stop()

    code, urls = asyncio.run(go())
    assert code == 200
    assert urls == ["http://node-cpu:40000"] * 12


def test_a_burst_of_starts_shares_one_request_for_the_profiles():
    port = free_port()

    def answer(method, path):
        if "profiles" in path:
            return 200, PROFILES
        return (202, SUBMITTING) if method == "PUT" else ("events", [READY_URL], "end")

    async def go():
        fake = FakeService(port, answer)
        await fake.start()
        try:
            spawners = [spawner(port, user_options={"profile": "cpu-1core-2h"}) for _ in range(5)]
            for i, s in enumerate(spawners):
                s.user = types.SimpleNamespace(name=f"u{i}", url=f"/user/u{i}/")
            urls = await asyncio.wait_for(asyncio.gather(*(s.start() for s in spawners)), 10)
            return urls, [p for _, p, _, _ in fake.requests if "profiles" in p]
        finally:
            await fake.stop()

    assert asyncio.run(go()) == (["http://node-cpu:40000"] * 5, ["/api/v1/profiles?free=false"])


def test_profiles_that_could_not_be_fetched_are_asked_again_by_the_next_start():
    async def test(s):
        with pytest.raises(ServiceError, match="unauthorized"):
            await s.start()
        return await s.start()

    url, requests, _ = run([(401, {"message": "unauthorized"}), (200, PROFILES), (202, SUBMITTING),
                            ("events", [READY_URL], "end")], test)
    assert url == "http://node-cpu:40000"
    assert [p for _, p in requests if "profiles" in p] == ["/api/v1/profiles?free=false"] * 2


def test_calls_to_the_service_leave_the_hubs_shared_http_client_free():
    from tornado.httpclient import AsyncHTTPClient

    port = free_port()
    url = f"http://127.0.0.1:{port}"

    def answer(method, path):
        if method == "DELETE":
            return "held", 202, None
        return 200, {"the": "hub's own call"}

    async def go():
        fake = FakeService(port, answer)
        await fake.start()
        try:
            # A class stopping at once: more stops than the hub's shared client runs requests (10, tornado's default).
            spawners = [spawner(port) for _ in range(12)]
            for i, s in enumerate(spawners):
                s.user = types.SimpleNamespace(name=f"u{i:02d}", url=f"/user/u{i:02d}/")
            stops = [asyncio.ensure_future(s.stop()) for s in spawners]

            async def all_sent():
                while sum(m == "DELETE" for m, _, _, _ in fake.requests) < 12:
                    await asyncio.sleep(0.01)
            await asyncio.wait_for(all_sent(), 10)
            # The hub's own calls (to its proxy, to the notebooks) through the shared client are not queued behind them.
            other = await asyncio.wait_for(AsyncHTTPClient().fetch(url + "/hub-call", raise_error=False), 10)
            fake.release.set()
            await asyncio.wait_for(asyncio.gather(*stops), 10)
            return other.code
        finally:
            fake.release.set()
            await fake.stop()

    assert asyncio.run(go()) == 200
