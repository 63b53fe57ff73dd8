"""An app server forwarding submissions to assay — the usual scenario done right.

    ASSAY_DATA=./var/assay uvicorn examples.fastapi_app:app

POST /assessments/{assessment}/submissions {learner, answers, key?} stores the learner's
response in the engine (scored, stored durably, mastery updated, in one transaction) and returns
the score and the learner's mastery of the skills it gave evidence of. No cache, no queue, no
scoring loop in Python: one awaited request to the engine.

Engine errors become HTTP statuses with the engine's message: bad_request 400, not_found 404,
conflict 409 (max_attempts), overloaded/unavailable 503 with Retry-After, timeout 504. Retries
are safe when the client sends an idempotency key.

POST /learners/{learner}/assay-token mints a learner token for the learner's browser, so it can
call assay-http directly (submit, run its attempts, read its own mastery, subscribe to
mastery.<learner>) and nothing else: a JWT signed HS256 with the secret assay-http reads from
--jwt-secret-file (ASSAY_JWT_SECRET_FILE here), `sub` the learner id, `exp` an hour away. In a
real app this route sits behind the app's own login, which decides who the learner is.
"""
import os
import time

import jwt  # PyJWT (Debian: python3-jwt); any standard JWT library does

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


def learner_token(learner: str, ttl_s: int = 3600, secret_file: str | None = None) -> str:
    """A learner token for assay-http: HS256 over {sub, exp} with the shared secret."""
    path = secret_file or os.environ["ASSAY_JWT_SECRET_FILE"]
    with open(path, "rb") as f:
        secret = f.read().rstrip(b"\r\n")  # assay-http ignores a trailing newline too
    return jwt.encode({"sub": learner, "exp": int(time.time()) + ttl_s}, secret, algorithm="HS256")


@app.post("/learners/{learner}/assay-token")
async def browser_token(learner: str):
    # here the app would check that its signed-in user is this learner
    return {"token": learner_token(learner), "expires_in": 3600}


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
