"""Wire protocol v1 framing (proto/PROTOCOL.md) and the method table shared by the sync and
asyncio clients."""
import os

import msgpack

from . import _nodes
from .errors import AssayError, from_reply

REQUEST, RESPONSE = 0, 1


def endpoint(data_dir=None, endpoint=None, admin=False, socket=None):
    """The ZeroMQ endpoint: given, or the engine's (or admin's) socket in a data directory
    (default: $ASSAY_DATA, else ./var/assay)."""
    if endpoint:
        return endpoint
    data_dir = data_dir or os.environ.get("ASSAY_DATA") or "./var/assay"
    name = socket or ("admin.sock" if admin else "engine.sock")
    return "ipc://" + os.path.join(os.path.abspath(data_dir), name)


_resolve = endpoint  # (endpoints' parameter of that name hides it)


def endpoints(data_dir=None, endpoint=None, admin=False, socket=None):
    """The endpoints of one engine or several: ``endpoint`` or ``data_dir`` may name several,
    comma-separated or as a list; each data directory is resolved as :func:`endpoint` does."""
    if endpoint:
        return _nodes.split(endpoint)
    if isinstance(data_dir, (list, tuple)) or (data_dir and "," in data_dir):
        return [_resolve(d, None, admin, socket) for d in _nodes.split(data_dir)]
    return [_resolve(data_dir, None, admin, socket)]


def encode(msgid, method, params):
    return msgpack.packb([REQUEST, msgid, method, params or {}], use_bin_type=True)


def decode(body):
    """(msgid, result) of a response body; raises the engine's error as an AssayError."""
    try:
        msg = msgpack.unpackb(body, raw=False, strict_map_key=False)
    except Exception as e:  # noqa: BLE001 - any decoding failure is a protocol error
        raise AssayError(f"undecodable response: {e}", "protocol") from None
    if not isinstance(msg, list) or len(msg) != 4 or msg[0] != RESPONSE:
        raise AssayError("malformed response", "protocol")
    return msg[1], msg[2], msg[3]


def params(**kwargs):
    """The params map: keyword arguments that are not None."""
    return {k: v for k, v in kwargs.items() if v is not None}


# Every protocol method: (python name, protocol method, shape). Shapes: "call" returns the
# result; "list" follows cursors and yields the rows under the key; "job" returns a Job.
METHODS = [
    ("ping", "ping", "call"),
    ("stats", "stats", "call"),
    ("assessment_put", "assessment.put", "call"),
    ("assessment_get", "assessment.get", "call"),
    ("assessment_list", "assessment.list", ("list", "assessments")),
    ("assessment_delete", "assessment.delete", "call"),
    ("assessment_report", "assessment.report", "call"),
    ("assessment_regrade", "assessment.regrade", "job"),
    ("score", "score", "call"),
    ("score_batch", "score_batch", "call"),
    ("response_submit", "response.submit", "call"),
    ("response_get", "response.get", "call"),
    ("response_list", "response.list", ("list", "responses")),
    ("job_get", "job.get", "call"),
    ("job_list", "job.list", ("list", "jobs")),
    ("skill_put", "skill.put", "call"),
    ("skill_get", "skill.get", "call"),
    ("skill_list", "skill.list", ("list", "skills")),
    ("skill_delete", "skill.delete", "call"),
    ("skill_recompute", "skill.recompute", "job"),
    ("skill_fit", "skill.fit", "job"),
    ("attempt_start", "attempt.start", "call"),
    ("attempt_save", "attempt.save", "call"),
    ("attempt_submit", "attempt.submit", "call"),
    ("attempt_get", "attempt.get", "call"),
    ("attempt_list", "attempt.list", ("list", "attempts")),
    ("attempt_abandon", "attempt.abandon", "call"),
    ("assessment_override", "assessment.override", "call"),
    ("assessment_import", "assessment.import", "call"),
    ("mastery_get", "mastery.get", "call"),
    ("mastery_distribution", "mastery.distribution", "call"),
    ("model_put", "model.put", "call"),
    ("model_get", "model.get", "call"),
    ("model_list", "model.list", ("list", "models")),
    ("model_delete", "model.delete", "call"),
    ("model_recompute", "model.recompute", "job"),
    ("grade_put", "grade.put", "call"),
    ("assessment_agreement", "assessment.agreement", "call"),
    ("grade_list", "grade.list", ("list", "grades")),
    ("grade_next", "grade.next", "call"),
]

# Shorter names for the calls an app server makes most.
ALIASES = {"submit": "response_submit", "mastery": "mastery_get", "report": "assessment_report",
           "regrade": "assessment_regrade", "responses": "response_list",
           "fit": "skill_fit", "import_qti": "assessment_import"}

ENDED = ("done", "failed")


def curve_options(sock, curve_cert=None, server_key=None):
    """Makes sock a CURVE client: curve_cert is this client's certificate with its secret key
    (the NAME_secret file `assay keygen NAME` writes), server_key the server's public key (40
    characters of Z85) or its public certificate file."""
    if not curve_cert and not server_key:
        return
    if not curve_cert or not server_key:
        raise ValueError("curve_cert and server_key go together")
    import zmq
    import zmq.auth
    public, secret = zmq.auth.load_certificate(curve_cert)
    if not secret:
        raise ValueError(f"{curve_cert}: no secret key (give the NAME_secret file)")
    # Z85 has '.' and '/' in its alphabet: a key is told from a path by whether the file exists
    if len(server_key) == 40 and not os.path.exists(server_key):
        server = server_key.encode()
    else:
        server, _ = zmq.auth.load_certificate(server_key)
    sock.setsockopt(zmq.CURVE_SERVERKEY, server)
    sock.setsockopt(zmq.CURVE_PUBLICKEY, public)
    sock.setsockopt(zmq.CURVE_SECRETKEY, secret)
