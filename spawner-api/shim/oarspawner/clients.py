"""The shim's own HTTP clients, one of each per event loop, apart from the hub's shared AsyncHTTPClient. That one
(tornado's simple client: Debian's hub has no pycurl) runs at most 10 requests at once and queues the others, the
hub's own calls to its proxy and to the notebooks among them, failing them after 20 s in its queue."""
import asyncio
import weakref

from tornado.httpclient import AsyncHTTPClient

# The most event streams open at once in a hub process (one per server starting): a stream held for a whole start
# must not take a place in the hub's client.
MAX_STREAMS = 1000
# The most calls to the service at once. A class stopping together makes three per server (the hub's poll before
# the stop, its poll in stop, the DELETE): in the shared client they queued behind each other and the hub's proxy
# calls, and 20 stops took 1.6 s.
MAX_CALLS = 100

_STREAMS = weakref.WeakKeyDictionary()
_CALLS = weakref.WeakKeyDictionary()


def streams():
    return _own(_STREAMS, MAX_STREAMS)


def calls():
    return _own(_CALLS, MAX_CALLS)


def _own(clients, max_clients):
    loop = asyncio.get_running_loop()
    client = clients.get(loop)
    if client is None:
        client = clients[loop] = AsyncHTTPClient(force_instance=True, max_clients=max_clients)
    return client
