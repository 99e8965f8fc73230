import asyncio
import socket
import ssl

import pytest
from tornado.httpclient import HTTPClientError
from tornado.iostream import StreamClosedError
from tornado.simple_httpclient import HTTPStreamClosedError, HTTPTimeoutError

from oarspawner import retry
from oarspawner.retry import ServiceError, ServiceUnavailable


@pytest.mark.parametrize("error", [
    ConnectionRefusedError(111, "Connection refused"),
    ConnectionResetError(104, "Connection reset by peer"),
    BrokenPipeError(32, "Broken pipe"),
    socket.gaierror(-2, "Name or service not known"),
    OSError(113, "No route to host"),
    ssl.SSLError(1, "unexpected eof"),
    ssl.SSLEOFError(8, "EOF occurred in violation of protocol"),
    StreamClosedError(),
    asyncio.TimeoutError(),
    TimeoutError(),
    HTTPTimeoutError("Timeout while connecting"),
    HTTPStreamClosedError("Stream closed"),
    HTTPClientError(599),
    HTTPClientError(502),
    HTTPClientError(503),
    HTTPClientError(504),
    ServiceUnavailable("down"),
])
def test_every_transport_failure_is_retried(error):
    assert retry.is_transient(error)


@pytest.mark.parametrize("error", [
    HTTPClientError(400), HTTPClientError(401), HTTPClientError(404), HTTPClientError(500),
    ServiceError("cores: may be at most 4", 400), ValueError("bad json"), KeyError("state"),
])
def test_an_answer_from_the_service_is_not_retried(error):
    assert not retry.is_transient(error)


def test_backoff_doubles_to_its_cap_and_resets():
    b = retry.Backoff(0.5, 5)
    assert [b.next() for _ in range(7)] == [0.5, 1, 2, 4, 5, 5, 5]
    b.reset()
    assert b.next() == 0.5


class Clock:
    """A fixed clock that moves only when the code under test sleeps."""

    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def time(self):
        return self.now

    async def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_until_retries_transient_failures_then_returns():
    clock = Clock()
    outcomes = [ConnectionRefusedError(), HTTPClientError(599), ServiceUnavailable("502", 502), "done"]
    retries = []

    async def attempt(left):
        o = outcomes.pop(0)
        if isinstance(o, Exception):
            raise o
        return o

    result = asyncio.run(retry.until(clock.now + 60, attempt, lambda e, d, n: retries.append(n),
                                     loop_time=clock.time, sleep=clock.sleep))
    assert result == "done"
    assert clock.sleeps == [0.5, 1, 2]
    assert retries == [1, 2, 3]


def test_until_gives_up_at_the_deadline_and_never_sleeps_past_it():
    clock = Clock()

    async def attempt(left):
        raise ConnectionRefusedError()

    with pytest.raises(ConnectionRefusedError):
        asyncio.run(retry.until(clock.now + 12, attempt, loop_time=clock.time, sleep=clock.sleep))
    assert clock.sleeps == [0.5, 1, 2, 4, 4.5]
    assert clock.now == 112


def test_until_does_not_retry_a_refusal():
    clock = Clock()
    calls = []

    async def attempt(left):
        calls.append(left)
        raise ServiceError("cluster cpu refused the job: walltime too long", 422)

    with pytest.raises(ServiceError, match="walltime"):
        asyncio.run(retry.until(clock.now + 60, attempt, loop_time=clock.time, sleep=clock.sleep))
    assert calls == [60] and clock.sleeps == []
