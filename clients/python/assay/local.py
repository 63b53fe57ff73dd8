"""The local scorer: ``score`` answered in this process, through libassay (C), from the compiled
tables assayd publishes in its data directory (DATA/tables/), with the engine's own code: the
result is what ``Client.score`` returns for the same params, with no request to the engine.

    import assay
    scorer = assay.LocalScorer("/var/lib/assay")
    r = scorer.score(assessment="quiz1", answers={"q1": "B"})

The process must be able to read DATA/tables (the data directory's group: docs/OPERATIONS.md);
it never sees learners' data. Each call scores the tables as last committed (a version put is
scored by the next call). Submissions and everything that writes still go to the engine
(``assay.Client``). One LocalScorer per thread (its calls hold the GIL and take microseconds).

libassay is found at ``library``, else at $ASSAY_LIBRARY, else as ``libassay.so.0`` on the
loader's path.
"""
import ctypes
import os

import msgpack

from .errors import AssayError, from_reply

_ESYS = -30706
_EREPLY = -30700


def _load(library):
    path = library or os.environ.get("ASSAY_LIBRARY") or "libassay.so.0"
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        raise AssayError(f"cannot load libassay ({path}): {e}", "internal") from None
    lib.as_local_open.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p,
                                  ctypes.c_char_p, ctypes.c_size_t]
    lib.as_local_open.restype = ctypes.c_int
    lib.as_local_close.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
    lib.as_local_close.restype = None
    lib.as_local_score.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t,
                                   ctypes.POINTER(ctypes.c_void_p),
                                   ctypes.POINTER(ctypes.c_size_t)]
    lib.as_local_score.restype = ctypes.c_int
    lib.as_local_code.argtypes = [ctypes.c_void_p]
    lib.as_local_code.restype = ctypes.c_char_p
    lib.as_local_message.argtypes = [ctypes.c_void_p]
    lib.as_local_message.restype = ctypes.c_char_p
    return lib


class LocalScorer:
    """Scores with the tables of data directory ``data_dir``, in this process."""

    def __init__(self, data_dir, library=None):
        self._lib = _load(library)
        self._h = ctypes.c_void_p()
        why = ctypes.create_string_buffer(1024)
        rc = self._lib.as_local_open(ctypes.byref(self._h), os.fsencode(data_dir), why,
                                     len(why))
        if rc:
            text = why.value.decode(errors="replace") or f"libassay error {rc}"
            raise AssayError(text, "unavailable" if rc == _ESYS else "internal")
        self._res = ctypes.c_void_p()
        self._len = ctypes.c_size_t()

    def score_raw(self, params):
        """The result's msgpack bytes for params already packed (a msgpack map): the engine's
        bytes for the same request."""
        if self._h is None:
            raise AssayError("the local scorer is closed", "internal")
        rc = self._lib.as_local_score(self._h, params, len(params), ctypes.byref(self._res),
                                      ctypes.byref(self._len))
        if rc == _EREPLY:
            raise from_reply({"code": self._lib.as_local_code(self._h).decode(),
                              "message": self._lib.as_local_message(self._h).decode()})
        if rc:
            raise AssayError(f"libassay error {rc}", "internal")
        return ctypes.string_at(self._res, self._len.value)

    def score(self, assessment, answers, detail=None):
        """As ``Client.score``: {assessment, version, score, max_score, ratio, ...}."""
        params = {"assessment": assessment, "answers": answers}
        if detail is not None:
            params["detail"] = detail
        raw = self.score_raw(msgpack.packb(params, use_bin_type=True))
        return msgpack.unpackb(raw, raw=False, strict_map_key=False)

    def close(self):
        if self._h is not None:
            self._lib.as_local_close(ctypes.byref(self._h))
            self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass
