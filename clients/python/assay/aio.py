"""The asyncio client: many requests in flight on one DEALER socket, responses matched by msgid;
safe to share between the tasks of one event loop (not between loops or threads)."""
import asyncio
import time

import zmq
import zmq.asyncio

from . import _nodes, _protocol
from .client import JobFailed
from .errors import AssayError, Timeout, Unavailable, from_reply
from .subscriber import Event, _connect


class Job:
    """A background job; ``await job.wait()`` polls it to its end (see assay.Job)."""

    def __init__(self, client, info):
        self.client = client
        self.info = info
        self.id = info["job"]

    @property
    def state(self):
        return self.info["state"]

    async def refresh(self):
        self.info = await self.client.job_get(job=self.id)
        return self.info

    async def wait(self, timeout=None, progress=None, interval=0.1):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            info = await self.refresh()
            if progress:
                progress(info["progress"]["done"], info["progress"]["total"])
            if info["state"] == "failed":
                raise JobFailed(info)
            if info["state"] == "done":
                return info
            if deadline is not None and time.monotonic() >= deadline:
                raise Timeout(f"job {self.id} has not ended within {timeout} s")
            await asyncio.sleep(interval)


class Client:
    """``assay.aio.Client(data_dir=... | endpoint=..., timeout=5.0, admin=False)``: the same
    methods as :class:`assay.Client`, as coroutines (list methods are async iterators); several
    engines as it takes them (``try_timeout``, rendezvous hashing, retries on the next node)."""

    def __init__(self, data_dir=None, endpoint=None, timeout=5.0, admin=False, context=None,
                 curve_cert=None, server_key=None, try_timeout=2.0):
        self.endpoints = _protocol.endpoints(data_dir, endpoint, admin)
        self.endpoint = ",".join(self.endpoints)
        self._curve = (curve_cert, server_key)
        if bool(curve_cert) != bool(server_key):
            raise ValueError("curve_cert and server_key go together")
        self.timeout = timeout
        self.try_timeout = try_timeout
        self._ctx = context or zmq.asyncio.Context.instance()
        self._socks = [None] * len(self.endpoints)
        self._readers = [None] * len(self.endpoints)
        self._opened = 0.0
        self._msgid = 0
        self._pending = {}

    def _socket(self, i=0):
        if self._socks[i] is None:
            s = self._ctx.socket(zmq.DEALER)
            s.setsockopt(zmq.LINGER, 0)
            if len(self._socks) > 1:
                _nodes.node_options(s)
            _protocol.curve_options(s, *self._curve)
            s.connect(self.endpoints[i])
            self._socks[i] = s
            self._opened = time.monotonic()
            self._readers[i] = asyncio.get_running_loop().create_task(self._read(s))
        return self._socks[i]

    async def _read(self, sock):
        while True:
            try:
                frames = await sock.recv_multipart()
            except (zmq.ZMQError, asyncio.CancelledError):
                return
            try:
                msgid, error, result = _protocol.decode(frames[-1])
            except AssayError:
                continue
            fut = self._pending.pop(msgid, None)
            if fut is None or fut.done():
                continue  # the response to a request that timed out
            if error is not None:
                fut.set_exception(from_reply(error))
            else:
                fut.set_result(result)

    def _next_msgid(self):
        self._msgid = self._msgid % 0xFFFFFFFF + 1
        return self._msgid

    async def call(self, method, params=None, timeout=None):
        timeout = self.timeout if timeout is None else timeout
        if len(self.endpoints) > 1:
            return await self._call_nodes(method, params, timeout)
        sock = self._socket()
        msgid = self._next_msgid()
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        self._pending[msgid] = fut
        # a timer handle, not asyncio.wait_for (which costs a task per request)
        timer = loop.call_later(timeout, self._expire, msgid, method, timeout)
        try:
            await sock.send(_protocol.encode(msgid, method, params))
            return await fut
        finally:
            timer.cancel()

    async def _send_node(self, i, body):
        """Sends to node i of several if it is connected (a new connection's nodes are waited
        for CONNECT_GRACE); False when it is not."""
        sock = self._socket(i)
        while True:
            try:
                await sock.send(body, zmq.NOBLOCK)
                return True
            except zmq.Again:
                if time.monotonic() >= self._opened + _nodes.CONNECT_GRACE:
                    return False
                await asyncio.sleep(0.01)

    async def _call_nodes(self, method, params, timeout):
        params = _nodes.with_key(method, params)
        tries = _nodes.Tries(self.endpoints, params, timeout, self.try_timeout)
        loop = asyncio.get_running_loop()
        for i, pause in tries:
            if pause is not None:
                await asyncio.sleep(pause)
                continue
            msgid = self._next_msgid()
            fut = loop.create_future()
            self._pending[msgid] = fut
            try:
                if not await self._send_node(i, _protocol.encode(msgid, method, params)):
                    continue  # not connected
                tries.sent = True
                return await asyncio.wait_for(fut, tries.try_left())
            except Unavailable as e:
                tries.last = e
            except asyncio.TimeoutError:
                tries.last = None
            finally:
                self._pending.pop(msgid, None)
        raise tries.error(method, self.endpoint)

    def _expire(self, msgid, method, timeout):
        fut = self._pending.pop(msgid, None)
        if fut is not None and not fut.done():
            fut.set_exception(Timeout(f"no response to {method} within {timeout} s from "
                                      f"{self.endpoint} (is assayd running?)"))

    async def close(self):
        for i, reader in enumerate(self._readers):
            if reader:
                reader.cancel()
                try:
                    await reader
                except asyncio.CancelledError:
                    pass
                self._readers[i] = None
        for i, sock in enumerate(self._socks):
            if sock is not None:
                sock.close(0)
                self._socks[i] = None
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(AssayError("client closed", "closed"))
        self._pending.clear()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()


def _make(method, shape):
    if shape == "call":
        async def f(self, _params=None, **kw):
            return await self.call(method, {**(_params or {}), **_protocol.params(**kw)})
    elif shape == "job":
        async def f(self, _params=None, **kw):
            return Job(self, await self.call(method, {**(_params or {}),
                                                      **_protocol.params(**kw)}))
    else:
        key = shape[1]

        async def f(self, _params=None, **kw):
            p = {**(_params or {}), **_protocol.params(**kw)}
            while True:
                page = await self.call(method, p)
                for row in page[key]:
                    yield row
                if page.get("next_cursor") is None:
                    return
                p["cursor"] = page["next_cursor"]
    f.__doc__ = f"The {method} method (proto/PROTOCOL.md); params as keywords."
    return f


for _name, _method, _shape in _protocol.METHODS:
    setattr(Client, _name, _make(_method, _shape))
for _alias, _name in _protocol.ALIASES.items():
    setattr(Client, _alias, getattr(Client, _name))


class Subscriber:
    """The asyncio twin of :class:`assay.Subscriber`: ``async for event in sub``."""

    def __init__(self, topics=("",), data_dir=None, endpoint=None, context=None):
        self._ctx = context or zmq.asyncio.Context.instance()
        self._sock = self._ctx.socket(zmq.SUB)
        self.endpoint = _connect(self._sock, data_dir, endpoint)
        for t in topics:
            self.subscribe(t)
        self._last = {}

    def subscribe(self, prefix):
        self._sock.setsockopt(zmq.SUBSCRIBE, prefix.encode())

    async def recv(self, timeout=None):
        """The next notification, or None after timeout seconds."""
        try:
            frames = await asyncio.wait_for(self._sock.recv_multipart(), timeout)
        except asyncio.TimeoutError:
            return None
        return Event.from_frames(frames, self._last)

    def __aiter__(self):
        return self

    async def __anext__(self):
        return await self.recv()

    def close(self):
        self._sock.close(0)
