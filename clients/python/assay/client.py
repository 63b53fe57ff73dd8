"""The synchronous client: one DEALER socket, one request at a time, safe to share between
threads (a lock serialises calls; for parallel calls use one Client per thread, or the asyncio
client)."""
import threading
import time

import zmq

from . import _protocol
from .errors import AssayError, Timeout, from_reply


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
                 curve_cert=None, server_key=None):
        self.endpoint = _protocol.endpoint(data_dir, endpoint, admin)
        self._curve = (curve_cert, server_key)
        if bool(curve_cert) != bool(server_key):
            raise ValueError("curve_cert and server_key go together")
        self.timeout = timeout
        self._ctx = context or zmq.Context.instance()
        self._lock = threading.Lock()
        self._sock = None
        self._msgid = 0

    def _socket(self):
        if self._sock is None:
            s = self._ctx.socket(zmq.DEALER)
            s.setsockopt(zmq.LINGER, 0)
            _protocol.curve_options(s, *self._curve)
            s.connect(self.endpoint)
            self._sock = s
        return self._sock

    def _reset(self):
        if self._sock is not None:
            self._sock.close(0)
            self._sock = None

    def call(self, method, params=None, timeout=None):
        """Calls any method with a params dict; returns its result."""
        timeout = self.timeout if timeout is None else timeout
        with self._lock:
            sock = self._socket()
            self._msgid = self._msgid % 0xFFFFFFFF + 1
            msgid = self._msgid
            sock.send(_protocol.encode(msgid, method, params))
            deadline = time.monotonic() + timeout
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not sock.poll(max(1, int(left * 1000))):
                    # a new socket, so a late response is never taken for the next request's
                    self._reset()
                    raise Timeout(f"no response to {method} within {timeout} s from "
                                  f"{self.endpoint} (is assayd running?)")
                got, error, result = _protocol.decode(sock.recv_multipart()[-1])
                if got != msgid:
                    continue
                if error is not None:
                    raise from_reply(error)
                return result

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
