"""Riding out an outage of the oarspawner service: which failures are worth retrying, and the backoff between tries.

A restart of the service (a deployment, a crash, SIGKILL) shows as refused or reset connections, timeouts, or a
front proxy's 502/503/504 for a few seconds. The hub must not take that for the end of a server: it would forget
a server whose OAR job runs on.
"""
import asyncio
import ssl

from tornado.httpclient import HTTPClientError
from tornado.iostream import StreamClosedError

# A front proxy's "the service is not there now", and the service's own 503 (a cluster's frontend unreachable).
TRANSIENT_STATUS = frozenset({502, 503, 504})
# tornado's code for "no HTTP response at all": connection refused or reset, timeout, stream closed.
NO_RESPONSE = 599


class ServiceError(Exception):
    """The service refused or failed a call; the message is the service's own (an admission rule's text, say)."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


class ServiceUnavailable(ServiceError):
    """No answer from the service, or a gateway's 502/503/504: it may be restarting, so try again."""


def is_transient_status(code):
    return code in TRANSIENT_STATUS or code == NO_RESPONSE


def is_transient(error):
    """True for every way a request can fail without an answer from the service, or with a gateway's 5xx."""
    if isinstance(error, ServiceUnavailable):
        return True
    if isinstance(error, HTTPClientError):
        # HTTPTimeoutError and HTTPStreamClosedError are HTTPClientError with code 599; a raised 502/503 too.
        return is_transient_status(error.code)
    # OSError covers ConnectionRefusedError, ConnectionResetError, socket.gaierror, ssl.SSLError and
    # StreamClosedError; asyncio.TimeoutError is TimeoutError (an OSError) from Python 3.11 only.
    return isinstance(error, (OSError, StreamClosedError, ssl.SSLError, asyncio.TimeoutError, TimeoutError,
                              ConnectionError, EOFError))


class Backoff:
    """Delays that double from first to at most cap: 0.5, 1, 2, 4, 5, 5, ... seconds by default."""

    def __init__(self, first=0.5, cap=5.0):
        self.first = first
        self.cap = cap
        self._next = first

    def next(self):
        delay = self._next
        self._next = min(self._next * 2, self.cap)
        return delay

    def reset(self):
        self._next = self.first


async def until(deadline, attempt, on_retry=None, first=0.5, cap=5.0, loop_time=None, sleep=asyncio.sleep):
    """Calls attempt() until it returns, retrying transient failures with backoff while loop_time() < deadline.

    attempt(remaining) gets the seconds left before the deadline (to bound its own request timeout). A
    transient failure past the deadline, and any other failure, is raised. on_retry(error, delay, tries) is
    called before each wait."""
    loop_time = loop_time or asyncio.get_running_loop().time
    backoff = Backoff(first, cap)
    tries = 0
    while True:
        tries += 1
        try:
            return await attempt(max(deadline - loop_time(), 0.001))
        except Exception as error:  # noqa: BLE001 - classified just below, re-raised when not transient
            left = deadline - loop_time()
            if not is_transient(error) or left <= 0:
                raise
            delay = min(backoff.next(), left)
            if on_retry is not None:
                on_retry(error, delay, tries)
            await sleep(delay)
