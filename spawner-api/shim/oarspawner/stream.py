"""Following a spawn on the service's event stream: ONE connection per spawn, read by start() (or get_url()), and
relayed to every progress() reader the hub opens meanwhile, through drops and restarts of the service."""
import asyncio
import json

from tornado.httpclient import HTTPRequest

from . import clients, retry
from .events import EventParser
from .retry import ServiceError

ENDED = ("stopped", "failed")
UNREACHABLE = "The oarspawner service cannot be reached; waiting for it to come back (the job is not lost)"


class SpawnStream:
    """The service's events for the spawner's server, kept in JupyterHub's progress shape for the hub's readers.

    follow() reads them until the last one (ready or an end). A dropped stream is resumed with Last-Event-ID. When the
    service could not be reached in between, it has most likely restarted and numbers its events from 1 again: the
    stream is then read from the start, and a message already shown is not shown again; the readers are told once per
    outage. Progress never goes backwards."""

    def __init__(self, spawner):
        self.spawner = spawner
        self.parser = EventParser()
        self.shown = []
        self.progress = 0
        self.state = None
        self.job_id = None
        self.closed = False
        self._seen = set()
        self._changed = asyncio.Event()

    # -- the hub's progress() readers: everything shown so far, then each new event, until closed --------------------

    async def relay(self):
        i = 0
        while True:
            if i < len(self.shown):
                i += 1
                yield self.shown[i - 1]
            elif self.closed:
                return
            else:
                await self._changed.wait()

    def _show(self, message):
        self.shown.append({"progress": self.progress, "message": message})
        self._wake()

    def close(self):
        self.closed = True
        self._wake()

    def _wake(self):
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def restart(self):
        """The server's events start again from 1 (a restarted service, a new spawn of the server)."""
        self.parser.last_id = 0

    def _take(self, event):
        """Records one event and shows it; True if it is the stream's last (ready, or the spawn ended)."""
        if event.get("jobId") is not None:
            self.job_id = event["jobId"]
        self.state = event.get("state") or ("ready" if event.get("ready") else self.state)
        final = bool(event.get("ready") or event.get("failed") or self.state in ENDED)
        progress = event.get("progress")
        if isinstance(progress, (int, float)):
            self.progress = max(self.progress, progress)
        message = event.get("message", "")
        if final or message not in self._seen:
            self._seen.add(message)
            self._show(message)
        return final

    # -- reading ------------------------------------------------------------------------------------------------------

    async def follow(self, deadline, put=None):
        """The stream's last event (ready, failed or stopped), or {"state": ...} once the loop's clock passes deadline.

        A restarted service that does not know the server (404) has no job for it if no job id was seen yet (it
        finds a submitted job in OAR before it answers): put() then sends start()'s PUT again. Otherwise, and without
        put (get_url), the 404 is raised as ServiceError. Any other refusal is raised as the service's message."""
        s = self.spawner
        loop = asyncio.get_running_loop()
        backoff = retry.Backoff(s.retry_first_delay, s.retry_max_delay)
        announced = False
        while True:
            outcome, event = await self._read(deadline, backoff)
            if event is not None:
                return event
            if loop.time() > deadline:
                return {"state": self.state, "message": "not ready within start_timeout"}
            if outcome != "unreachable":
                announced = False
            if outcome == "unknown":
                if put is None or self.job_id is not None:
                    raise ServiceError(f"the oarspawner service does not know {s.user.name}/{s.name}", 404)
                s.log.info("oarspawner: the service does not know %s/%s, no job was submitted: sending the PUT again",
                           s.user.name, s.name)
                await put()
                self.restart()
            elif outcome == "unreachable":
                self.restart()
                if not announced:
                    announced = True
                    self._show(UNREACHABLE)
            elif outcome == "ended":
                # The service ends a stream early only for a spawn at its end whose last event it thinks we saw:
                # a restarted service numbers from 1 again. Read it from the start.
                self.restart()
            await asyncio.sleep(min(backoff.next(), max(deadline - loop.time(), 0)))

    async def _read(self, deadline, backoff):
        """One connection: ('final', event), or how it ended without a last event: 'dropped' (resume it), 'ended' (the
        service closed it), 'unreachable' (no answer or a gateway's 5xx) or 'unknown' (404)."""
        s = self.spawner
        loop = asyncio.get_running_loop()
        self.parser.reset()
        status, body, streamed = [], [], []
        final = loop.create_future()

        def on_header(line):
            if not status and line.startswith("HTTP/"):
                status.append(int(line.split()[1]))

        def on_chunk(chunk):
            if status and status[0] != 200:
                body.append(chunk)
                return
            streamed.append(True)
            for event in self.parser.feed(chunk):
                backoff.reset()
                if self._take(event) and not final.done():
                    final.set_result(event)

        request = HTTPRequest(s.service_url.rstrip("/") + s._path() + "/events",
                              headers={"Authorization": "Bearer " + s._token(), "Last-Event-ID": str(self.parser.last_id)},
                              header_callback=on_header, streaming_callback=on_chunk,
                              request_timeout=max(deadline - loop.time(), 1))
        fetch = asyncio.ensure_future(clients.streams().fetch(request, raise_error=False))
        try:
            await asyncio.wait({fetch, final}, return_when=asyncio.FIRST_COMPLETED)
            if final.done() and not fetch.done():
                # The service ends the stream right after its last event: let the connection close cleanly.
                await asyncio.wait({fetch}, timeout=1)
        finally:
            if not fetch.done():
                fetch.cancel()
        if final.done():
            return "final", final.result()
        return self._outcome(fetch, bool(streamed), b"".join(body)), None

    def _outcome(self, fetch, streamed, body):
        s = self.spawner
        try:
            response = fetch.result()
        except Exception as e:  # noqa: BLE001 - classified here, re-raised when not a transport failure
            if not retry.is_transient(e):
                raise
            if streamed:
                s.log.info("oarspawner: events of %s/%s dropped: %s; resuming", s.user.name, s.name, e)
                return "dropped"
            s.log.info("oarspawner: events of %s/%s: %s: %s; reconnecting", s.user.name, s.name, type(e).__name__, e)
            return "unreachable"
        if response.code == 200:
            return "ended"
        if retry.is_transient_status(response.code):
            return "unreachable"
        if response.code == 404:
            return "unknown"
        try:
            message = json.loads(body)["message"]
        except (ValueError, KeyError, TypeError):
            message = f"HTTP {response.code} from the oarspawner service"
        raise ServiceError(message, response.code)
