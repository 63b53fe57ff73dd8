"""The asyncio client: many requests in flight on one DEALER socket, responses matched by msgid;
safe to share between the tasks of one event loop (not between loops or threads)."""
import asyncio
import time

import zmq
import zmq.asyncio

from . import _protocol
from .client import JobFailed
from .errors import AssayError, Timeout, from_reply
from .subscriber import Event


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
    methods as :class:`assay.Client`, as coroutines (list methods are async iterators)."""

    def __init__(self, data_dir=None, endpoint=None, timeout=5.0, admin=False, context=None,
                 curve_cert=None, server_key=None):
        self.endpoint = _protocol.endpoint(data_dir, endpoint, admin)
        self._curve = (curve_cert, server_key)
        if bool(curve_cert) != bool(server_key):
            raise ValueError("curve_cert and server_key go together")
        self.timeout = timeout
        self._ctx = context or zmq.asyncio.Context.instance()
        self._sock = None
        self._msgid = 0
        self._pending = {}
        self._reader = None

    def _socket(self):
        if self._sock is None:
            s = self._ctx.socket(zmq.DEALER)
            s.setsockopt(zmq.LINGER, 0)
            _protocol.curve_options(s, *self._curve)
            s.connect(self.endpoint)
            self._sock = s
            self._reader = asyncio.get_running_loop().create_task(self._read())
        return self._sock

    async def _read(self):
        while True:
            try:
                frames = await self._sock.recv_multipart()
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

    async def call(self, method, params=None, timeout=None):
        timeout = self.timeout if timeout is None else timeout
        sock = self._socket()
        self._msgid = self._msgid % 0xFFFFFFFF + 1
        msgid = self._msgid
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

    def _expire(self, msgid, method, timeout):
        fut = self._pending.pop(msgid, None)
        if fut is not None and not fut.done():
            fut.set_exception(Timeout(f"no response to {method} within {timeout} s from "
                                      f"{self.endpoint} (is assayd running?)"))

    async def close(self):
        if self._reader:
            self._reader.cancel()
            try:
                await self._reader
            except asyncio.CancelledError:
                pass
            self._reader = None
        if self._sock is not None:
            self._sock.close(0)
            self._sock = None
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
        self.endpoint = _protocol.endpoint(data_dir, endpoint, socket="events.sock")
        self._ctx = context or zmq.asyncio.Context.instance()
        self._sock = self._ctx.socket(zmq.SUB)
        self._sock.setsockopt(zmq.LINGER, 0)
        self._sock.connect(self.endpoint)
        for t in topics:
            self.subscribe(t)
        self._last_seq = None

    def subscribe(self, prefix):
        self._sock.setsockopt(zmq.SUBSCRIBE, prefix.encode())

    async def recv(self, timeout=None):
        """The next notification, or None after timeout seconds."""
        try:
            frames = await asyncio.wait_for(self._sock.recv_multipart(), timeout)
        except asyncio.TimeoutError:
            return None
        ev = Event.from_frames(frames, self._last_seq)
        self._last_seq = ev.seq if ev.seq is not None else self._last_seq
        return ev

    def __aiter__(self):
        return self

    async def __anext__(self):
        return await self.recv()

    def close(self):
        self._sock.close(0)
