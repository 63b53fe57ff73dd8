"""The engine's error codes as exceptions (proto/PROTOCOL.md, "Error codes")."""


class AssayError(Exception):
    """An error answered by the engine, or a client-side failure to get an answer.

    ``code`` is the protocol's error code (``"bad_request"``, ...), ``message`` the engine's
    message, naming what was wrong and where (``answers.q1: expected a string, got an integer``).
    """

    code = "error"

    def __init__(self, message, code=None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self):
        return f"{self.code}: {self.message}"


class BadRequest(AssayError):
    code = "bad_request"


class NotFound(AssayError):
    code = "not_found"


class Conflict(AssayError):
    code = "conflict"


class Forbidden(AssayError):
    code = "forbidden"


class TooLarge(AssayError):
    code = "too_large"


class Overloaded(AssayError):
    """The engine's queues are full: retry later (nothing was done)."""

    code = "overloaded"


class Unavailable(AssayError):
    """The engine is shutting down, or its data map is full."""

    code = "unavailable"


class Timeout(AssayError):
    """No answer within the client's timeout (the engine is stopped, or too slow). A write may
    or may not have been done: resend it with the same idempotency key."""

    code = "timeout"


class Internal(AssayError):
    code = "internal"


_BY_CODE = {c.code: c for c in (BadRequest, NotFound, Conflict, Forbidden, TooLarge, Overloaded,
                                Unavailable, Timeout, Internal)}


def from_reply(error):
    """The exception for an error map {code, message} of a response."""
    code = error.get("code", "internal") if isinstance(error, dict) else "internal"
    message = error.get("message", "") if isinstance(error, dict) else str(error)
    return _BY_CODE.get(code, AssayError)(message, code)
