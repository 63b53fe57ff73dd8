#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets (tools/fuzz/corpus/TARGET/) from the examples and
a request of every method. Run from the repository root; the seeds are committed."""
import json
import os

import msgpack

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "tools", "fuzz", "corpus")
quiz = json.load(open(os.path.join(ROOT, "examples", "quiz.json")))
answers = json.load(open(os.path.join(ROOT, "examples", "answers.json")))
small = {"id": "s", "max_attempts": 2, "pass_ratio": 0.5, "items": [
    {"id": "q", "cardinality": "single", "base_type": "identifier", "rule": "match_correct",
     "correct": ["A"], "skills": ["add"], "kt_threshold": 0.5},
    {"id": "n", "cardinality": "single", "base_type": "float", "rule": "match_numeric",
     "correct": [1.5], "tolerance": {"mode": "relative", "value": 5}}]}
requests = [
    ("ping", {}), ("stats", {}), ("assessment.get", {"id": "quiz-demo"}),
    ("assessment.list", {"limit": 2, "cursor": "a"}), ("assessment.put", small),
    ("assessment.delete", {"id": "quiz-demo", "force": True}),
    ("score", {"assessment": "quiz-demo", "answers": answers, "detail": True}),
    ("score_batch", {"assessment": "quiz-demo", "responses": [answers, {}]}),
    ("response.submit", {"assessment": "quiz-demo", "learner": "ana", "answers": answers,
                         "key": "k"}),
    ("response.get", {"id": 1}),
    ("response.list", {"assessment": "quiz-demo", "learner": "ana", "limit": 5, "cursor": "3"}),
    ("assessment.report", {"assessment": "quiz-demo"}),
    ("assessment.regrade", {"assessment": "quiz-demo", "dry_run": True}),
    ("job.get", {"job": 1}), ("job.list", {"limit": 1}),
    ("skill.put", {"id": "add", "prior": 0.3, "learn": 0.1, "forget": 0, "guess": 0.2,
                   "slip": 0.1, "mastery_threshold": 0.9}),
    ("skill.get", {"id": "add"}), ("skill.list", {}), ("skill.delete", {"id": "add"}),
    ("skill.recompute", {"skill": "add"}), ("mastery.get", {"learner": "ana", "skill": "add"}),
    ("skill.fit", {"skill": "add", "forgets": True, "restarts": 2, "seed": 3,
                   "bounds": {"guess": [0, 0.3], "slip": [0.01, 0.2]}, "apply": True}),
    ("attempt.start", {"assessment": "quiz-demo", "learner": "ana"}),
    ("attempt.save", {"attempt": 1, "answers": {"capital": "paris", "gravity": None}, "seq": 2}),
    ("attempt.submit", {"attempt": 1, "answers": {"capital": "paris"}}),
    ("attempt.get", {"attempt": 1}),
    ("attempt.list", {"assessment": "quiz-demo", "learner": "ana", "state": "overdue",
                      "limit": 5, "cursor": "1"}),
    ("attempt.abandon", {"attempt": 1}),
    ("assessment.override", {"assessment": "quiz-demo", "learner": "ana", "extra_time_s": 60,
                             "extra_attempts": 1, "close_at": "2030-01-01T00:00:00Z"}),
]


def write(target, name, obj):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(obj if isinstance(obj, bytes) else msgpack.packb(obj, use_bin_type=True))


for i, (method, params) in enumerate(requests):
    body = [0, i + 1, method, params]
    write("fuzz_decode", f"{i:02d}-{method}", body)
    write("fuzz_dispatch", f"{i:02d}-{method}", body)
write("fuzz_compile", "quiz", quiz)
write("fuzz_compile", "small", small)
write("fuzz_score", "answers", answers)
write("fuzz_score", "empty", {})
write("fuzz_score", "partial", {"capital": "paris", "gravity": 9.8, "primes": [2, 3]})
