"""OARSpawner against a fake oarspawner service: a real tornado HTTP server on loopback that answers from a script.
(The real service is exercised with the real hub in the Java ITs, HubIT and BrowserIT.)"""
import asyncio
import json
from types import SimpleNamespace

import tornado.httpserver
import tornado.web
from tornado.testing import bind_unused_port

from oarspawner.spawner import OARSpawner

SERVER = "/api/v1/users/alice/servers/_default"


class FakeService:
    """Answers GET on the server with the next of `states`, and streams `events` on /events; records each call."""

    def __init__(self, states=(), events=()):
        self.states = list(states)
        self.events = list(events)
        self.calls = []

    def app(self):
        fake = self

        class Server(tornado.web.RequestHandler):
            def get(self):
                fake.calls.append("GET")
                if not fake.states:
                    self.set_status(404)
                    self.finish({"code": "not_found", "message": "alice has no server named _default"})
                    return
                self.finish(fake.states.pop(0) if len(fake.states) > 1 else fake.states[0])

        class Events(tornado.web.RequestHandler):
            def get(self):
                fake.calls.append("EVENTS")
                self.set_header("Content-Type", "text/event-stream")
                for i, e in enumerate(fake.events, 1):
                    self.write(f"id: {i}\ndata: {json.dumps(e)}\n\n")
                self.finish()

        return tornado.web.Application([(SERVER, Server), (SERVER + "/events", Events)])


def run(fake, test):
    async def main():
        sock, port = bind_unused_port()
        server = tornado.httpserver.HTTPServer(fake.app())
        server.add_sockets([sock])
        spawner = OARSpawner(user=SimpleNamespace(name="alice", url="/user/alice/"), static_token="t",
                             service_url=f"http://127.0.0.1:{port}", poll_interval_while_starting=0)
        spawner.server = SimpleNamespace(url="http://stale:1/user/alice/")
        try:
            return await test(spawner)
        finally:
            server.stop()

    return asyncio.run(main())


def test_after_a_hub_restart_get_url_waits_for_the_same_job_to_be_ready():
    fake = FakeService(states=[{"state": "queued", "jobId": 7, "cluster": "gpu"},
                               {"state": "starting", "jobId": 7, "cluster": "gpu"},
                               {"state": "ready", "jobId": 7, "cluster": "gpu", "url": "http://node-gpu:5000/user/alice/"}])
    url = run(fake, lambda s: s.get_url())
    assert url == "http://node-gpu:5000/user/alice/"
    assert fake.calls == ["GET", "GET", "GET"]


def test_get_url_gives_the_hub_the_old_url_when_the_job_failed_meanwhile():
    fake = FakeService(states=[{"state": "failed", "jobId": 7, "cluster": "gpu", "message": "walltime reached"}])
    assert run(fake, lambda s: s.get_url()) == "http://stale:1/user/alice/"


def test_poll_finds_the_job_by_user_and_server_without_state():
    assert run(FakeService(states=[{"state": "queued", "jobId": 7, "cluster": "gpu"}]), lambda s: s.poll()) is None
    assert run(FakeService(states=[{"state": "stopped", "cluster": "gpu"}]), lambda s: s.poll()) == 0
    assert run(FakeService(), lambda s: s.poll()) == 0


def test_progress_waits_until_the_service_knows_the_server_then_relays_the_events():
    fake = FakeService(events=[{"progress": 10, "message": "Submitted as job 7 on cluster gpu"},
                               {"progress": 30, "message": "Job 7 is waiting, position 2"},
                               {"progress": 100, "message": "ready", "ready": True}])

    async def test(spawner):
        spawner._submitted = asyncio.Event()
        relayed = []

        async def follow():
            async for event in spawner.progress():
                relayed.append(event)

        task = asyncio.ensure_future(follow())
        await asyncio.sleep(0.6)
        assert "EVENTS" not in fake.calls, "progress() followed events of a server the service did not know yet"
        spawner._submitted.set()
        await asyncio.wait_for(task, 10)
        return relayed

    relayed = run(fake, test)
    assert [e["message"] for e in relayed] == ["Submitted as job 7 on cluster gpu", "Job 7 is waiting, position 2", "ready"]
    assert [e["progress"] for e in relayed] == [10, 30, 100]


def test_progress_follows_the_events_once_the_service_knows_the_server_before_the_put_returns():
    # The PUT is still out (oarsub is slow), but the service already has the server: its events flow.
    fake = FakeService(states=[{"state": "submitting", "cluster": "cpu"}],
                       events=[{"progress": 5, "message": "Submitting the job to cluster cpu"},
                               {"progress": 100, "message": "ready", "ready": True}])

    async def test(spawner):
        spawner._submitted = asyncio.Event()
        relayed = []
        async for event in spawner.progress():
            relayed.append(event)
        assert not spawner._submitted.is_set()
        return relayed

    relayed = run(fake, test)
    assert [e["message"] for e in relayed] == ["Submitting the job to cluster cpu", "ready"]
    assert fake.calls[0] == "GET"
