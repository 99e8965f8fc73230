"""Relaying the service's progress events to the hub, through drops and restarts of the service."""
import asyncio

from tornado.httpclient import AsyncHTTPClient, HTTPRequest

from . import retry
from .events import EventParser


async def relay(spawner):
    """The service's events for the spawner's server, in JupyterHub's progress shape, until the final one.

    A dropped stream is resumed with Last-Event-ID. When the service could not be reached in between, it has most
    likely restarted, and its event ids start again from 1: the stream is then read from the start, and a message
    already shown is not shown again; the user is told once per outage. Progress never goes backwards. The hub
    stops this generator once start() has returned."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + spawner.start_timeout
    parser = EventParser()
    backoff = retry.Backoff(spawner.retry_first_delay, spawner.retry_max_delay)
    shown, progress, announced = set(), 0, False
    while True:
        queue = asyncio.Queue()
        parser.reset()
        streamed = []

        def on_chunk(chunk, parser=parser, queue=queue, streamed=streamed):
            streamed.append(True)
            for event in parser.feed(chunk):
                queue.put_nowait(event)

        request = HTTPRequest(spawner.service_url.rstrip("/") + spawner._path() + "/events",
                              headers={"Authorization": "Bearer " + spawner._token(), "Last-Event-ID": str(parser.last_id)},
                              streaming_callback=on_chunk, request_timeout=max(deadline - loop.time(), 1))
        fetch = asyncio.ensure_future(AsyncHTTPClient().fetch(request, raise_error=False))
        outcome = None
        try:
            while outcome is None:
                getter = asyncio.ensure_future(queue.get())
                done, _ = await asyncio.wait({getter, fetch}, return_when=asyncio.FIRST_COMPLETED)
                events = []
                if getter in done:
                    events.append(getter.result())
                else:
                    getter.cancel()
                    outcome = _stream_outcome(spawner, fetch, bool(streamed))
                    while not queue.empty():
                        events.append(queue.get_nowait())
                for event in events:
                    backoff.reset()
                    final = bool(event.get("ready") or event.get("failed"))
                    message = event.get("message", "")
                    progress = max(progress, event.get("progress", 0))
                    if final or message not in shown:
                        shown.add(message)
                        yield {"progress": progress, "message": message}
                    if final:
                        return
        finally:
            if not fetch.done():
                fetch.cancel()
        if outcome == "stop" or loop.time() > deadline:
            return
        if outcome == "unreachable":
            # Most likely a restart: the new process numbers its events from 1 again.
            parser.last_id = 0
            if not announced:
                announced = True
                yield {"progress": progress, "message": "The oarspawner service cannot be reached; waiting for it "
                                                        "to come back (the job is not lost)"}
        else:
            announced = False
        await asyncio.sleep(min(backoff.next(), max(deadline - loop.time(), 0)))

def _stream_outcome(spawner, fetch, streamed):
    """How an event stream ended without a final event: 'dropped' (it had started: resume it), 'unreachable'
    (no answer, or a gateway's 5xx: retry), 'unknown' (404: the restarted service does not know the server
    until start()'s PUT gets through again: retry) or 'stop' (refused: give up)."""
    try:
        response = fetch.result()
    except Exception as e:  # noqa: BLE001 - classified here, re-raised when not a transport failure
        if not retry.is_transient(e):
            raise
        if streamed:
            spawner.log.info("oarspawner: progress of %s/%s dropped: %s; resuming", spawner.user.name,
                          spawner.name, e)
            return "dropped"
        spawner.log.info("oarspawner: progress of %s/%s: %s: %s; reconnecting", spawner.user.name, spawner.name,
                      type(e).__name__, e)
        return "unreachable"
    if response.code == 200:
        return "dropped"
    if retry.is_transient_status(response.code):
        return "unreachable"
    if response.code == 404:
        return "unknown"
    spawner.log.warning("oarspawner: progress of %s/%s: HTTP %s from the service", spawner.user.name, spawner.name,
                     response.code)
    return "stop"
