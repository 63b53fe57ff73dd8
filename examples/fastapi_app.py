"""An app server forwarding submissions to assay — the usual scenario done right.

    ASSAY_DATA=./var/assay uvicorn examples.fastapi_app:app

POST /assessments/{assessment}/submissions {learner, answers, key?} stores the learner's
response in the engine (scored, stored durably, mastery updated, in one transaction) and returns
the score and the learner's mastery of the skills it gave evidence of. No cache, no queue, no
scoring loop in Python: one awaited request to the engine.

Engine errors become HTTP statuses with the engine's message: bad_request 400, not_found 404,
conflict 409 (max_attempts), overloaded/unavailable 503 with Retry-After, timeout 504. Retries
are safe when the client sends an idempotency key.
"""
import os

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

import assay
import assay.aio

app = FastAPI(title="assay example")
_engine = {}


class Submission(BaseModel):
    learner: str
    answers: dict
    key: str | None = None


def engine() -> assay.aio.Client:
    # one client per event loop: created on first use, inside the loop that serves requests
    if "client" not in _engine:
        _engine["client"] = assay.aio.Client(data_dir=os.environ.get("ASSAY_DATA"), timeout=5.0)
    return _engine["client"]


@app.on_event("shutdown")
async def _close():
    if "client" in _engine:
        await _engine.pop("client").close()


_STATUS = {assay.BadRequest: 400, assay.NotFound: 404, assay.Conflict: 409,
           assay.TooLarge: 413, assay.Overloaded: 503, assay.Unavailable: 503,
           assay.Timeout: 504}


@app.post("/assessments/{assessment}/submissions")
async def submit(assessment: str, body: Submission):
    try:
        r = await engine().submit(assessment=assessment, learner=body.learner,
                                  answers=body.answers, key=body.key)
    except assay.AssayError as e:
        status = _STATUS.get(type(e), 500)
        headers = {"Retry-After": "1"} if status == 503 else None
        raise HTTPException(status, {"code": e.code, "message": e.message}, headers) from None
    return {"response_id": r["response_id"], "attempt": r["attempt"], "score": r["score"],
            "max_score": r["max_score"], "ratio": r["ratio"], "passed": r.get("passed"),
            "mastery": r.get("mastery", {})}
