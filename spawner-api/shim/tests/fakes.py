"""A fake oarspawner service on a real socket, for the shim's tests: the real service (Java) is covered through the
real hub by the service module's ITs (HubIT, ServiceOutageIT)."""
import asyncio
import json
import socket
import types

from oarspawner.spawner import OARSpawner


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeService:
    """Answers each request with the next scripted action: 'reset' closes the connection without an answer,
    (status, body) answers, ('events', [chunks], keep) streams chunks (then 'end' ends the stream, 'drop' resets
    the connection, 'die' resets it and stops listening; ('events', [chunks], 'hold', [more]) sends more once release
    is set, then ends); ('held', status, body) answers once release is set. The script may be a function of (method,
    path) instead."""

    def __init__(self, port, script):
        self.port = port
        self.script = script if callable(script) else list(script)
        self.requests = []
        self.server = None
        self.release = asyncio.Event()

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
        if callable(self.script):
            action = self.script(method, path)
        else:
            action = self.script.pop(0) if self.script else (500, {"message": "unscripted"})
        if action == "reset":
            writer.transport.abort()
            return
        if action[0] == "held":
            await self.release.wait()
            action = action[1:]
        if action[0] == "events":
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
            for chunk in action[1]:
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await writer.drain()
                await asyncio.sleep(0.01)
            if action[2] == "hold":
                await self.release.wait()
                for chunk in action[3]:
                    writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            if action[2] in ("drop", "die"):
                writer.transport.abort()
                if action[2] == "die":
                    self.server.close()
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



async def start_with_progress(s, readers=1):
    """start(), with the hub's progress() readers opened once it runs: (url or the exception, each reader's events)."""
    started = asyncio.ensure_future(s.start())
    await asyncio.sleep(0)
    seen = [[] for _ in range(readers)]

    async def read(into):
        async for event in s.progress():
            into.append(event)

    reading = [asyncio.ensure_future(read(into)) for into in seen]
    try:
        url = await started
    except Exception as e:  # noqa: BLE001 - returned for the test to check
        url = e
    await asyncio.wait_for(asyncio.gather(*reading), 5)
    return url, seen
