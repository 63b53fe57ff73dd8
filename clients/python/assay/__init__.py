"""assay: the Python client of the assay scoring engine (assayd).

    import assay
    c = assay.Client(data_dir="/var/lib/assay")
    r = c.submit(assessment="quiz1", learner="ana", answers={"q1": "B"})
    print(r["score"], r.get("mastery"))

``assay.Client`` (sync, thread-safe), ``assay.aio.Client`` (asyncio, many requests in flight),
``assay.Subscriber`` / ``assay.aio.Subscriber`` (notifications), ``assay.LocalScorer`` (``score``
in this process from the tables the engine publishes, through libassay). Errors are ``assay.AssayError``
subclasses named after the protocol's codes.
"""
from .client import Client, Job, JobFailed
from .errors import (AssayError, BadRequest, Conflict, Forbidden, Internal, NotFound,
                     Overloaded, Timeout, TooLarge, Unavailable)
from .local import LocalScorer
from .subscriber import Event, Subscriber

__version__ = "0.1.0"
__all__ = ["Client", "Job", "JobFailed", "LocalScorer", "Subscriber", "Event", "AssayError", "BadRequest",
           "NotFound", "Conflict", "Forbidden", "TooLarge", "Overloaded", "Unavailable",
           "Timeout", "Internal"]
