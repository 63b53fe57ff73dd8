"""Notifications from assayd's events.sock (proto/PROTOCOL.md, "Notifications")."""
import msgpack
import zmq

from . import _protocol


class Event:
    """One notification: ``topic`` (``score.quiz1``, ``mastery.ana``, ``job.7``...), ``body``
    (a dict), ``seq`` (the engine's sequence number) and ``missed``: how many notifications this
    subscriber lost before this one (PUB drops for a subscriber that falls behind; resync with a
    read when it is not 0)."""

    __slots__ = ("topic", "body", "seq", "missed")

    def __init__(self, topic, body, seq, missed):
        self.topic, self.body, self.seq, self.missed = topic, body, seq, missed

    @classmethod
    def from_frames(cls, frames, last_seq):
        topic = frames[0].decode("utf-8", "replace")
        body = msgpack.unpackb(frames[-1], raw=False, strict_map_key=False)
        seq = body.get("seq") if isinstance(body, dict) else None
        missed = 0
        if seq is not None and last_seq is not None and seq > last_seq + 1:
            missed = seq - last_seq - 1
        return cls(topic, body, seq, missed)

    def __repr__(self):
        return f"<Event {self.topic} seq={self.seq}>"


class Subscriber:
    """``assay.Subscriber(topics, data_dir=... | endpoint=...)``: iterate to receive the
    notifications whose topic starts with one of ``topics`` (all of them with ``[""]``).

    Slow joiner: a subscription takes a moment to reach the engine, and notifications published
    before it are not seen. Subscribe first, then read the state you need (``response_list``,
    ``mastery_get``...), then apply notifications; ``event.missed`` tells you to read again."""

    def __init__(self, topics=("",), data_dir=None, endpoint=None, context=None):
        self.endpoint = _protocol.endpoint(data_dir, endpoint, socket="events.sock")
        self._ctx = context or zmq.Context.instance()
        self._sock = self._ctx.socket(zmq.SUB)
        self._sock.setsockopt(zmq.LINGER, 0)
        self._sock.connect(self.endpoint)
        for t in topics:
            self.subscribe(t)
        self._last_seq = None

    def subscribe(self, prefix):
        self._sock.setsockopt(zmq.SUBSCRIBE, prefix.encode())

    def unsubscribe(self, prefix):
        self._sock.setsockopt(zmq.UNSUBSCRIBE, prefix.encode())

    def recv(self, timeout=None):
        """The next notification, or None after timeout seconds (None: wait forever)."""
        if timeout is not None and not self._sock.poll(int(timeout * 1000)):
            return None
        ev = Event.from_frames(self._sock.recv_multipart(), self._last_seq)
        if ev.seq is not None:
            self._last_seq = ev.seq
        return ev

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
