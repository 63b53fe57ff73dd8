"""Notifications from assayd's events.sock (proto/PROTOCOL.md, "Notifications")."""
import msgpack
import zmq

from . import _protocol


class Event:
    """One notification: ``topic`` (``score.quiz1``, ``mastery.ana``, ``job.7``...), ``body``
    (a dict), ``node`` (the engine that published it: its host and data directory), ``seq``
    (that engine's sequence number) and ``missed``: how many notifications of that engine this
    subscriber lost just before this one (PUB drops for a subscriber that falls behind; resync
    with a read when it is not 0)."""

    __slots__ = ("topic", "body", "node", "seq", "missed")

    def __init__(self, topic, body, node, seq, missed):
        self.topic, self.body, self.node, self.seq, self.missed = topic, body, node, seq, missed

    @classmethod
    def from_frames(cls, frames, last):
        """The event of a message's frames; ``last``: each node's last seq (a dict, updated)."""
        topic = frames[0].decode("utf-8", "replace")
        body = msgpack.unpackb(frames[-1], raw=False, strict_map_key=False)
        seq = body.get("seq") if isinstance(body, dict) else None
        node = body.get("node") if isinstance(body, dict) else None
        missed = 0
        if isinstance(seq, int):
            prev = last.get(node)
            if prev is not None and seq > prev + 1:
                missed = seq - prev - 1
            last[node] = seq
        return cls(topic, body, node, seq, missed)

    def __repr__(self):
        return f"<Event {self.topic} node={self.node} seq={self.seq}>"


def _connect(sock, data_dir, endpoint):
    """Connects a SUB socket to every engine's events socket; their endpoints, comma-separated."""
    eps = _protocol.endpoints(data_dir, endpoint, socket="events.sock")
    sock.setsockopt(zmq.LINGER, 0)
    for ep in eps:
        sock.connect(ep)
    return ",".join(eps)


class Subscriber:
    """``assay.Subscriber(topics, data_dir=... | endpoint=...)``: iterate to receive the
    notifications whose topic starts with one of ``topics`` (all of them with ``[""]``).
    Several engines on one database: name them all (a list, or comma-separated data directories
    or events endpoints); each event says its ``node``, and ``missed`` counts per node.

    Slow joiner: a subscription takes a moment to reach the engine, and notifications published
    before it are not seen. Subscribe first, then read the state you need (``response_list``,
    ``mastery_get``...), then apply notifications; ``event.missed`` tells you to read again."""

    def __init__(self, topics=("",), data_dir=None, endpoint=None, context=None):
        self._ctx = context or zmq.Context.instance()
        self._sock = self._ctx.socket(zmq.SUB)
        self.endpoint = _connect(self._sock, data_dir, endpoint)
        for t in topics:
            self.subscribe(t)
        self._last = {}

    def subscribe(self, prefix):
        self._sock.setsockopt(zmq.SUBSCRIBE, prefix.encode())

    def unsubscribe(self, prefix):
        self._sock.setsockopt(zmq.UNSUBSCRIBE, prefix.encode())

    def recv(self, timeout=None):
        """The next notification, or None after timeout seconds (None: wait forever)."""
        if timeout is not None and not self._sock.poll(int(timeout * 1000)):
            return None
        return Event.from_frames(self._sock.recv_multipart(), self._last)

    def __iter__(self):
        return self

    def __next__(self):
        return self.recv()

    def close(self):
        self._sock.close(0)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
