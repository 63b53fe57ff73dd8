"""The synchronous client: one DEALER socket, one request at a time, safe to share between
threads (a lock serialises calls; for parallel calls use one Client per thread, or the asyncio
client)."""
import threading
import time

import zmq

from . import _nodes, _protocol
from .errors import AssayError, Timeout, Unavailable, from_reply


class JobFailed(AssayError):
    """A job (regrade, recompute) ended in state "failed"; ``info`` is the job."""

    code = "job_failed"

    def __init__(self, info):
        super().__init__(info.get("error", "the job failed"))
        self.info = info


class Job:
    """A background job (assessment.regrade, skill.recompute): ``id``, ``info`` (as job.get shows
    it), ``refresh()`` and ``wait()``."""

    def __init__(self, client, info):
        self.client = client
        self.info = info
        self.id = info["job"]

    @property
    def state(self):
        return self.info["state"]

    def refresh(self):
        self.info = self.client.job_get(job=self.id)
        return self.info

    def wait(self, timeout=None, progress=None, interval=0.1):
        """Polls job.get until the job ends; calls progress(done, total) at each poll. Returns the
        job; raises JobFailed if it failed, Timeout if it has not ended within timeout s."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            info = self.refresh()
            if progress:
                progress(info["progress"]["done"], info["progress"]["total"])
            if info["state"] == "failed":
                raise JobFailed(info)
            if info["state"] == "done":
                return info
            if deadline is not None and time.monotonic() >= deadline:
                raise Timeout(f"job {self.id} has not ended within {timeout} s")
            time.sleep(interval)

    def __repr__(self):
        return f"<Job {self.id} {self.info.get('kind')} {self.state}>"


class Client:
    """A connection to assayd.

    ``Client(data_dir=...)`` connects to DIR/engine.sock (``admin=True``: DIR/admin.sock, needed
    for writes to assessments and skills), ``Client(endpoint="tcp://...")`` to an endpoint.
    ``timeout`` (seconds) bounds every call; on expiry the call raises :class:`Timeout`.
    Several engines on one database (``endpoint="tcp://a:5555,tcp://b:5555"``, or a list; data
    directories likewise): a request goes to the node chosen by rendezvous hashing of its
    ``learner`` (else its ``assessment``), and a try that takes longer than ``try_timeout``
    seconds or is answered ``unavailable`` goes to the next node, round after round until
    ``timeout``; a ``submit`` without ``key`` is given one first, so it is stored once
    (proto/PROTOCOL.md, "Several engines").
    Over tcp with CURVE (assayd --curve-secret): ``curve_cert`` is this client's certificate with
    its secret key (``assay keygen NAME`` writes NAME_secret), ``server_key`` the server's public
    key (40 characters) or public certificate.

    One method per protocol method, named with ``_`` for ``.`` and taking the protocol's params
    as keywords: ``c.score(assessment="a1", answers={...})``,
    ``c.submit(assessment=..., learner=..., answers=..., key=...)``. List methods
    (``assessment_list``, ``response_list``, ``job_list``, ``skill_list``) return iterators that
    follow the cursors. ``assessment_regrade``, ``skill_recompute`` and ``skill_fit`` return a
    :class:`Job`.
    Errors raise :class:`assay.AssayError` subclasses carrying the engine's message.
    """

    def __init__(self, data_dir=None, endpoint=None, timeout=5.0, admin=False, context=None,
                 curve_cert=None, server_key=None, try_timeout=2.0):
        self.endpoints = _protocol.endpoints(data_dir, endpoint, admin)
        self.endpoint = ",".join(self.endpoints)
        self._curve = (curve_cert, server_key)
        if bool(curve_cert) != bool(server_key):
            raise ValueError("curve_cert and server_key go together")
        self.timeout = timeout
        self.try_timeout = try_timeout
        self._ctx = context or zmq.Context.instance()
        self._lock = threading.Lock()
        self._socks = [None] * len(self.endpoints)
        self._opened = 0.0
        self._msgid = 0

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
        return self._socks[i]

    def _reset(self):
        for i, s in enumerate(self._socks):
            if s is not None:
                s.close(0)
                self._socks[i] = None

    def _next_msgid(self):
        self._msgid = self._msgid % 0xFFFFFFFF + 1
        return self._msgid

    def _wait(self, sock, msgid, deadline):
        """The result of request msgid on sock; None when none came by deadline."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not sock.poll(max(1, int(left * 1000))):
                return None
            got, error, result = _protocol.decode(sock.recv_multipart()[-1])
            if got != msgid:
                continue
            if error is not None:
                raise from_reply(error)
            return (result,)

    def _send_node(self, i, body):
        """Sends to node i of several if it is connected (a new connection's nodes are waited
        for CONNECT_GRACE); False when it is not."""
        sock = self._socket(i)
        try:
            sock.send(body, zmq.NOBLOCK)
            return True
        except zmq.Again:
            grace = self._opened + _nodes.CONNECT_GRACE - time.monotonic()
            if grace <= 0:
                return False
        sock.setsockopt(zmq.SNDTIMEO, max(1, int(grace * 1000)))
        try:
            sock.send(body)
            return True
        except zmq.Again:
            return False
        finally:
            sock.setsockopt(zmq.SNDTIMEO, -1)

    def _call_nodes(self, method, params, timeout):
        params = _nodes.with_key(method, params)
        tries = _nodes.Tries(self.endpoints, params, timeout, self.try_timeout)
        for i, pause in tries:
            if pause is not None:
                time.sleep(pause)
                continue
            msgid = self._next_msgid()
            if not self._send_node(i, _protocol.encode(msgid, method, params)):
                continue  # not connected
            tries.sent = True
            try:
                got = self._wait(self._socks[i], msgid, time.monotonic() + tries.try_left())
            except Unavailable as e:
                tries.last = e
                continue
            if got is not None:
                return got[0]
            tries.last = None
        raise tries.error(method, self.endpoint)

    def call(self, method, params=None, timeout=None):
        """Calls any method with a params dict; returns its result."""
        timeout = self.timeout if timeout is None else timeout
        with self._lock:
            if len(self.endpoints) > 1:
                return self._call_nodes(method, params, timeout)
            sock = self._socket()
            msgid = self._next_msgid()
            sock.send(_protocol.encode(msgid, method, params))
            got = self._wait(sock, msgid, time.monotonic() + timeout)
            if got is None:
                # a new socket, so a late response is never taken for the next request's
                self._reset()
                raise Timeout(f"no response to {method} within {timeout} s from "
                              f"{self.endpoint} (is assayd running?)")
            return got[0]

    def close(self):
        with self._lock:
            self._reset()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _make(method, shape):
    if shape == "call":
        def f(self, _params=None, **kw):
            return self.call(method, {**(_params or {}), **_protocol.params(**kw)})
    elif shape == "job":
        def f(self, _params=None, **kw):
            return Job(self, self.call(method, {**(_params or {}), **_protocol.params(**kw)}))
    else:
        key = shape[1]

        def f(self, _params=None, **kw):
            p = {**(_params or {}), **_protocol.params(**kw)}
            while True:
                page = self.call(method, p)
                yield from page[key]
                if page.get("next_cursor") is None:
                    return
                p["cursor"] = page["next_cursor"]
    f.__doc__ = f"The {method} method (proto/PROTOCOL.md); params as keywords."
    return f


for _name, _method, _shape in _protocol.METHODS:
    setattr(Client, _name, _make(_method, _shape))
for _alias, _name in _protocol.ALIASES.items():
    setattr(Client, _alias, getattr(Client, _name))
