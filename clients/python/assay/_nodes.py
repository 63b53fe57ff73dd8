"""Several engines (proto/PROTOCOL.md, "Several engines"): the node a request goes to, by
rendezvous hashing of its routing key, as every assay client computes it, and the idempotency key
a submission gets when it may be sent twice."""
import os
import time

import zmq

from .errors import Timeout

_M64 = (1 << 64) - 1


def _fnv(h, data):
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & _M64
    return h


def _mix(x):
    x = ((x ^ (x >> 30)) * 0xbf58476d1ce4e5b9) & _M64
    x = ((x ^ (x >> 27)) * 0x94d049bb133111eb) & _M64
    return x ^ (x >> 31)


def weight(endpoint, key):
    """Node ``endpoint``'s weight for routing key ``key`` (str or bytes)."""
    if isinstance(key, str):
        key = key.encode()
    h = _fnv(0xcbf29ce484222325, key + b"\0")
    return _mix(_fnv(h, endpoint.encode()))


def order(endpoints, key):
    """The indexes of ``endpoints``, heaviest first for ``key``; ties to the earlier."""
    w = [weight(e, key) for e in endpoints]
    return sorted(range(len(endpoints)), key=lambda i: (-w[i], i))


def route_key(params):
    """A request's routing key: its "learner", else its "assessment", else ""."""
    for name in ("learner", "assessment"):
        v = (params or {}).get(name)
        if isinstance(v, str):
            return v
    return ""


def with_key(method, params):
    """A response.submit without "key" gets one, so that its retry is stored once."""
    if method != "response.submit" or (params and "key" in params):
        return params
    return {**(params or {}), "key": "auto-" + os.urandom(16).hex()}


def split(target):
    """The endpoints of a comma-separated target (a list or tuple is taken as it is)."""
    if isinstance(target, (list, tuple)):
        return list(target)
    parts = target.split(",")
    if any(not p for p in parts):
        raise ValueError(f"an empty endpoint in {target!r}")
    return parts


# A new connection's nodes may still be connecting so long (s): a send waits for its node.
CONNECT_GRACE = 0.25
# After a round in which every node failed: the first pause (s), doubled up to MAX_PAUSE.
PAUSE, MAX_PAUSE = 0.1, 1.0


def node_options(sock):
    """A node socket of several: a send to a node not connected fails at once (IMMEDIATE) and a
    silent peer is dropped by heartbeats, so a try moves on."""
    sock.setsockopt(zmq.IMMEDIATE, 1)
    sock.setsockopt(zmq.HEARTBEAT_IVL, 1000)
    sock.setsockopt(zmq.HEARTBEAT_TIMEOUT, 3000)


class Tries:
    """The tries of one call over several nodes, for the sync and asyncio clients alike:
    iterating yields ``(node, None)`` for each try, the key's order round after round, and
    ``(None, seconds)`` for the pause after a round; it ends at the call's deadline. The caller
    sets ``sent`` when a try reached its node and ``last`` to an ``unavailable`` answer (None
    after a try that timed out); :meth:`error` is what the call raises at the end."""

    def __init__(self, endpoints, params, timeout, try_timeout):
        self.order = order(endpoints, route_key(params))
        self.timeout, self.try_timeout = timeout, try_timeout
        self.deadline = time.monotonic() + timeout
        self.sent, self.last = False, None

    def __iter__(self):
        pause = PAUSE
        while True:
            self.sent = False
            for i in self.order:
                if time.monotonic() >= self.deadline:
                    return
                yield i, None
            left = self.deadline - time.monotonic()
            if left <= 0:
                return
            yield None, min(pause if self.sent else 0.01, left)
            if self.sent:
                pause = min(2 * pause, MAX_PAUSE)

    def try_left(self):
        """Seconds this try may wait for its answer."""
        return max(0.0, min(self.deadline - time.monotonic(), self.try_timeout))

    def error(self, method, endpoints):
        if self.last is not None:
            return self.last
        return Timeout(f"no response to {method} within {self.timeout} s from any of "
                       f"{endpoints} (are they running?)")
