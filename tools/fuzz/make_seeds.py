#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets (tools/fuzz/corpus/TARGET/) from the examples and
a request of every method. Run from the repository root; the seeds are committed."""
import json
import os

import msgpack

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "tools", "fuzz", "corpus")
quiz = json.load(open(os.path.join(ROOT, "examples", "quiz.json")))
custom = json.load(open(os.path.join(ROOT, "examples", "custom.json")))
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
write("fuzz_compile", "custom", custom)
# items people score: a scale in halves with a rubric, and one resolved by its first grade
graded = {"id": "essay", "pass_ratio": 0.5, "items": [
    {"id": "q", "cardinality": "single", "base_type": "identifier", "rule": "match_correct",
     "correct": ["A"]},
    {"id": "e", "graded": {"max": 4, "step": 0.5, "raters": 2, "resolve": "mean", "tolerance": 1,
                           "rubric": [{"score": 0, "label": "none"},
                                      {"score": 2.5, "label": "some",
                                       "description": "half the points made"},
                                      {"score": 4, "label": "full"}]}, "skills": []},
    {"id": "u", "responses": [{"id": "RESPONSE", "cardinality": "single", "base_type": "string"}],
     "graded": {"max": 10, "resolve": "first"}}]}
write("fuzz_compile", "graded", graded)
# the QTI converter: every item file of tests/qti, and a zip of them with a manifest
import io
import zipfile
QTI = os.path.join(ROOT, "tests", "qti", "items")
for f in sorted(os.listdir(QTI)):
    write("fuzz_qti", f, open(os.path.join(QTI, f), "rb").read())
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("imsmanifest.xml", '<manifest><resources>'
               '<resource identifier="A" type="imsqti_item_xmlv2p1" href="items/slider.xml"/>'
               '<resource identifier="T" type="imsqti_test_xmlv2p1" href="items/test.xml"/>'
               '</resources></manifest>')
    for f in ("slider.xml", "test.xml", "choice_single.xml", "text_entry_integer.xml",
              "text_entry_float.xml"):
        z.write(os.path.join(QTI, f), "items/" + f)
write("fuzz_qti", "package.zip", buf.getvalue())
write("fuzz_program", "custom-right", [custom, {
    "capitals": {"C1": "Rome", "C2": "Rome", "C3": "Madrid"}, "pi": 3.1412,
    "gas": {"P": 2, "V": 12.5}, "spelling": "color"}])
write("fuzz_program", "custom-blank", [custom, {}])
write("fuzz_program", "custom-wrong", [custom, {"capitals": {"C2": "Oslo"}, "pi": 2.5,
                                                "gas": {"P": 1}, "spelling": "kolor"}])


def prog_item(iid, responses, outcomes, rules):
    return {"id": iid, "responses": responses, "outcomes": outcomes, "response_processing": rules}


def bv(base, value):
    return {"baseValue": {"baseType": base, "value": value}}


def setv(ident, expr):
    return {"setOutcomeValue": {"identifier": ident, "expression": expr}}


# one item per family of operators, over two responses, for the fuzzer to mutate
R = [{"id": "A", "cardinality": "multiple", "base_type": "integer", "correct": [1, 2]},
     {"id": "B", "cardinality": "ordered", "base_type": "string", "correct": ["x", "y"]},
     {"id": "P", "cardinality": "multiple", "base_type": "point"}]
O = [{"id": "SCORE", "base_type": "float", "normal_maximum": 5},
     {"id": "N", "base_type": "integer"}, {"id": "F", "base_type": "float"},
     {"id": "T", "base_type": "boolean"}, {"id": "C", "cardinality": "multiple",
                                            "base_type": "integer"},
     {"id": "G", "base_type": "identifier", "match_table": {
         "entries": [{"source_value": 1, "target_value": "one"}], "default_value": "other"}}]
families = {
    "arith": [setv("F", {"sum": [{"variable": "A"}, bv("float", 1.5)]}),
              setv("N", {"integerModulus": [{"containerSize": [{"variable": "A"}]}, bv("integer", 3)]}),
              setv("SCORE", {"roundTo": {"roundingMode": "decimalPlaces", "figures": 1, "args": [
                  {"divide": [{"variable": "F"}, bv("integer", 3)]}]}}),
              {"lookupOutcomeValue": {"identifier": "G", "expression": {"variable": "N"}}}],
    "logic": [setv("T", {"anyN": {"min": 1, "max": 2, "args": [
                  {"member": [bv("integer", 1), {"variable": "A"}]},
                  {"match": [{"variable": "B"}, {"correct": "B"}]},
                  {"isNull": [{"variable": "P"}]}]}}),
              {"responseCondition": {"if": {"condition": {"variable": "T"}, "then": [
                  setv("SCORE", bv("float", 2)), {"exitResponse": None}]},
                  "else_if": [{"condition": {"not": [{"equal": {"toleranceMode": "relative",
                                                                 "tolerance": [10, 20], "args": [
                      bv("float", 3), {"max": [{"variable": "A"}]}]}}]},
                      "then": [setv("SCORE", bv("integer", 1))]}],
                  "else": [setv("SCORE", bv("float", -1))]}}],
    "containers": [setv("C", {"delete": [bv("integer", 2), {"multiple": [
                       {"variable": "A"}, bv("integer", 7), {"null": None}]}]}),
                   setv("N", {"index": {"n": 2, "args": [{"ordered": [bv("integer", 4),
                                                                       bv("integer", 5)]}]}}),
                   setv("T", {"contains": [{"variable": "B"}, {"ordered": [bv("string", "y")]}]}),
                   setv("SCORE", {"statsOperator": {"name": "popSD", "args": [{"variable": "C"}]}})],
    "strings": [setv("T", {"or": [{"stringMatch": {"caseSensitive": False, "substring": True,
                                                   "args": [bv("string", "X"),
                                                            {"index": {"n": 1, "args": [
                                                                {"variable": "B"}]}}]}},
                                  {"patternMatch": {"pattern": "[a-z]+\\d?", "args": [
                                      {"index": {"n": 2, "args": [{"variable": "B"}]}}]}}]}),
                setv("SCORE", {"mathOperator": {"name": "atan2", "args": [
                    {"integerToFloat": [{"max": [{"variable": "A"}]}]}, bv("float", 2)]}})],
    "points": [setv("T", {"inside": {"shape": "poly", "coords": "0,0,4,0,4,4",
                                     "args": [{"variable": "P"}]}}),
               setv("F", {"power": [bv("float", 2), {"containerSize": [{"variable": "P"}]}]}),
               setv("SCORE", {"min": [{"variable": "F"}, bv("integer", 5)]})],
}
for name, rules in families.items():
    d = {"id": "f", "items": [prog_item("q", R, O, rules)]}
    write("fuzz_program", name + "-blank", [d, {}])
    write("fuzz_program", name, [d, {"q": {"A": [1, 2, 2], "B": ["x", "y"], "P": [[1, 1], [9, 9]]}}])

# fuzz_model: a kind byte (0 DKT, 1 DKVMN) then a tiny safetensors file of pyKT's names
def safetensors(shapes):
    import struct
    header, at, data = {}, 0, b""
    for i, (name, shape) in enumerate(shapes.items()):
        n = 1
        for s in shape:
            n *= s
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [at, at + 4 * n]}
        data += struct.pack(f"<{n}f", *[((i * 7 + j * 3) % 11 - 5) / 10 for j in range(n)])
        at += 4 * n
    text = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(text)) + text + data


C, H, D, M = 3, 2, 2, 2
write("fuzz_model", "dkt", b"\0" + safetensors({
    "interaction_emb.weight": [2 * C, H], "lstm_layer.weight_ih_l0": [4 * H, H],
    "lstm_layer.weight_hh_l0": [4 * H, H], "lstm_layer.bias_ih_l0": [4 * H],
    "lstm_layer.bias_hh_l0": [4 * H], "out_layer.weight": [C, H], "out_layer.bias": [C]}))
write("fuzz_model", "dkvmn", b"\1" + safetensors({
    "k_emb_layer.weight": [C, D], "Mk": [M, D], "Mv0": [M, D], "v_emb_layer.weight": [2 * C, D],
    "f_layer.weight": [D, 2 * D], "f_layer.bias": [D], "p_layer.weight": [1, D],
    "p_layer.bias": [1], "e_layer.weight": [D, D], "e_layer.bias": [D], "a_layer.weight": [D, D],
    "a_layer.bias": [D]}))

# fuzz_access: token files (even first byte) and learner JWTs (odd) signed with its fixed secret
write("fuzz_access", "tokens", b"\0# tokens\nadmin admin-token-0123456789\n  app\tapp-token-0123456789ab\n"
      b"read read-token-0123456789a\r\n\n")
write("fuzz_access", "tokens-bad", b"\0learner x-0123456789abcdef\nread short\n")
try:
    import jwt  # python3-jwt

    key = b"fuzz-secret-0123456789abcdef-0123456789"
    for name, claims, alg in [("jwt", {"sub": "ana", "exp": 4102444800}, "HS256"),
                              ("jwt-expired", {"sub": "ana", "exp": 1}, "HS256"),
                              ("jwt-nbf", {"sub": "b", "exp": 4102444800, "nbf": 4102444000},
                               "HS256"),
                              ("jwt-hs512", {"sub": "ana", "exp": 4102444800}, "HS512")]:
        write("fuzz_access", name, b"\1" + jwt.encode(claims, key, algorithm=alg).encode())
    write("fuzz_access", "jwt-none",
          b"\1" + jwt.encode({"sub": "ana", "exp": 4102444800}, None, algorithm="none").encode())
except ImportError:
    print("make_seeds.py: python3-jwt is missing: no JWT seeds for fuzz_access")
