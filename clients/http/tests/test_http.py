"""assay-http against a real assayd (stack.py), with real HTTP requests: every route and status,
the admin token, the body limit, ETag/304, the engine stopped (504), the OpenAPI document against
the routes, and Server-Sent Events to several and to 1,000 subscribers. One file: every route's test shares one
started stack (engine and server) and the OpenAPI check reads all routes together; scoped tokens
are test_access.py's, limits test_limits.py's."""
import io
import json
import math
import os
import resource
import select
import socket
import struct
import subprocess
import time
import unittest
import zipfile

from stack import EXAMPLES, HTTPD, READ, Stack, load


class RoutesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Stack("--max-body", "64K")
        st, doc, _ = cls.s.request("PUT", "/v1/assessments/quiz-demo", load("quiz.json"),
                                   admin=True)
        assert st == 200, doc

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def test_health_answers_with_the_engine(self):
        st, doc, _ = self.s.request("GET", "/v1/health")
        self.assertEqual(st, 200)
        self.assertEqual(doc["status"], "ok")
        self.assertEqual(doc["engine"]["protocol"], 1)

    def test_assessments_put_get_list_and_delete(self):
        d = {"items": [{"id": "q", "cardinality": "single", "base_type": "identifier",
                        "rule": "match_correct", "correct": ["A"]}]}
        st, doc, _ = self.s.request("PUT", "/v1/assessments/h1", d, admin=True)
        self.assertEqual((st, doc["id"], doc["version"]), (200, "h1", 1))
        st, doc, _ = self.s.request("PUT", "/v1/assessments/h1", dict(d, id="other"), admin=True)
        self.assertEqual(st, 400)
        self.assertEqual(doc["error"]["message"], 'body.id: differs from the path\'s "h1"')
        st, doc, _ = self.s.request("GET", "/v1/assessments/h1")
        self.assertEqual((st, doc["items"][0]["correct"]), (200, ["A"]))
        st, doc, _ = self.s.request("GET", "/v1/assessments?limit=1")
        self.assertEqual((st, len(doc["assessments"])), (200, 1))
        self.assertIsNotNone(doc["next_cursor"])
        st, doc, _ = self.s.request("GET", "/v1/assessments?limit=1&cursor=" + doc["next_cursor"])
        self.assertEqual(st, 200)
        st, doc, _ = self.s.request("GET", "/v1/assessments?limit=x")
        self.assertEqual((st, doc["error"]["message"]),
                         (400, 'query limit: expected an integer, got "x"'))
        st, doc, _ = self.s.request("DELETE", "/v1/assessments/h1", admin=True)
        self.assertEqual(st, 200)
        st, doc, _ = self.s.request("GET", "/v1/assessments/h1")
        self.assertEqual((st, doc["error"]),
                         (404, {"code": "not_found", "message": 'assessment "h1" not found'}))

    def test_admin_routes_need_the_admin_token(self):
        q = load("quiz.json")
        st, doc, _ = self.s.request("PUT", "/v1/assessments/quiz-demo", q)
        self.assertEqual((st, doc["error"]),
                         (403, {"code": "forbidden", "message": "PUT /v1/assessments/{id} needs "
                                "an admin token; this one's scope is app"}))
        st, doc, _ = self.s.request("PUT", "/v1/assessments/quiz-demo", q,
                                    headers={"Authorization": "Bearer wrong-token-000000"})
        self.assertEqual((st, doc["error"]["code"]), (401, "unauthorized"))
        st, doc, _ = self.s.request("POST", "/v1/assessments/quiz-demo/regrade", {})
        self.assertEqual(st, 403)

    def test_a_rater_grades_an_answer(self):
        d = {"id": "h-essay", "items": [{"id": "e", "graded": {"max": 2}}]}
        self.assertEqual(self.s.request("PUT", "/v1/assessments/h-essay", d, admin=True)[0], 200)
        st, doc, _ = self.s.request("POST", "/v1/assessments/h-essay/responses",
                                    {"learner": "h-g", "answers": {"e": "an answer"}})
        self.assertEqual((st, doc["state"], doc["pending"]), (201, "pending", ["e"]))
        rid = doc["response_id"]
        st, doc, _ = self.s.request("POST", "/v1/assessments/h-essay/grade-next",
                                    {"rater": "ann", "lease": 30})
        self.assertEqual((st, doc["response"], doc["item"], doc["answer"], doc["max"]),
                         (200, rid, "e", "an answer", 2.0))
        st, doc, _ = self.s.request("POST", "/v1/assessments/h-essay/grade-next", {"rater": "bo"})
        self.assertEqual((st, doc), (200, None))  # ann holds it
        st, doc, _ = self.s.request("POST", "/v1/assessments/h-essay/grade-next",
                                    {"rater": "bo", "lease": 0})
        self.assertEqual((st, doc["error"]["message"]),
                         (400, "lease: expected an integer in 1..3600, got 0"))
        st, doc, _ = self.s.request("PUT", f"/v1/responses/{rid}/grades/e",
                                    {"rater": "ann", "score": 2, "comment": "complete"})
        self.assertEqual((st, doc), (200, {"response": rid, "item": "e", "rater": "ann",
                                           "score": 2.0, "state": "resolved",
                                           "item_score": 2.0, "response_score": 2.0}))
        st, doc, _ = self.s.request("PUT", f"/v1/responses/{rid}/grades/e",
                                    {"rater": "ann", "score": 3})
        self.assertEqual((st, doc["error"]["code"]), (400, "bad_request"))
        self.assertEqual(doc["error"]["message"],
                         "score: 3 is not a point of item \"e\"'s scale (0 to 2 in steps of 1)")
        st, doc, _ = self.s.request("GET", "/v1/assessments/h-essay/agreement?item=e")
        self.assertEqual((st, doc), (200, {"assessment": "h-essay", "items": {"e": {
            "units": 1, "grades": 1, "raters": 1, "exact": None, "adjacent": None,
            "alpha": {"nominal": None, "ordinal": None, "interval": None},
            "pairs": {}, "judges": {}}}}))
        st, doc, _ = self.s.request("GET", f"/v1/grades?response={rid}")
        self.assertEqual((st, doc["total"], doc["next_cursor"]), (200, 1, None))
        self.assertEqual([(g["rater"], g["score"], g["comment"]) for g in doc["grades"]],
                         [("ann", 2.0, "complete")])
        st, doc, _ = self.s.request("GET", "/v1/assessments/h-essay/agreement?item=zz")
        self.assertEqual((st, doc["error"]["message"]),
                         (404, "item: assessment \"h-essay\" has no item \"zz\""))

    def test_scoring_and_its_errors(self):
        ans = load("answers.json")
        st, doc, _ = self.s.request("POST", "/v1/assessments/quiz-demo/score", {"answers": ans})
        self.assertEqual((st, doc["score"], doc["max_score"]), (200, 11.0, 19.0))
        st, doc, _ = self.s.request("POST", "/v1/assessments/quiz-demo/score-batch",
                                    {"responses": [ans, {}]})
        self.assertEqual((st, doc["scores"]), (200, [11.0, 0.0]))
        st, doc, _ = self.s.request("POST", "/v1/assessments/quiz-demo/score",
                                    raw='{"answers": {')
        self.assertEqual(st, 400)
        self.assertTrue(doc["error"]["message"].startswith("invalid JSON at line 1, column 13"))
        st, doc, _ = self.s.request("POST", "/v1/assessments/quiz-demo/score", raw="[1]")
        self.assertEqual((st, doc["error"]["message"]), (400, "the body must be a JSON object"))
        st, doc, _ = self.s.request("POST", "/v1/assessments/quiz-demo/score",
                                    {"answers": {"capitol": "paris"}})
        self.assertEqual((st, doc["error"]["message"]),
                         (400, 'answers.capitol: no item with this id in assessment "quiz-demo"'))
        st, doc, _ = self.s.request("POST", "/v1/assessments/quiz-demo/score",
                                    raw="x" * 70000)
        self.assertEqual((st, doc["error"]["code"]), (413, "too_large"))

    def test_custom_processing_scores_with_outcomes_and_stored_items(self):
        st, doc, _ = self.s.request("PUT", "/v1/assessments/custom-demo", load("custom.json"),
                                    admin=True)
        self.assertEqual((st, doc["max_score"]), (200, 8.0))
        ans = {"capitals": {"C1": "Oslo", "C2": "Paris"}, "pi": 3.14, "spelling": "Colour"}
        st, doc, _ = self.s.request("POST", "/v1/assessments/custom-demo/score",
                                    {"answers": ans, "detail": True})
        self.assertEqual((st, doc["score"], doc["outcomes"]),
                         (200, 5.0, {"SCORE": 5.0, "BAND": "pass"}))
        self.assertEqual(doc["items"][1]["outcomes"], {"SCORE": 2.0, "FEEDBACK": "right"})
        st, doc, r = self.s.request("POST", "/v1/assessments/custom-demo/responses",
                                    {"learner": "h-cy", "answers": ans})
        self.assertEqual((st, doc["score"]), (201, 5.0))
        st, got, _ = self.s.request("GET", r.getheader("Location"))
        self.assertEqual([i["score"] for i in got["items"]], [2.0, 2.0, 0.0, 1.0])
        st, doc, _ = self.s.request("POST", "/v1/assessments/custom-demo/score",
                                    {"answers": {"gas": {"P": 1, "X": 2}}})
        self.assertEqual((st, doc["error"]["message"]),
                         (400, "answers.gas.X: no response with this id in the item"))

    def test_import_takes_a_zip_or_xml_body_and_dry_runs(self):
        items = os.path.join(EXAMPLES, "..", "tests", "qti", "items")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for f in ("choice_single.xml", "two_responses.xml", "extended_text.xml"):
                z.write(os.path.join(items, f), "items/" + f)
        st, doc, _ = self.s.request("POST", "/v1/import?name=bank.zip&dry_run=true",
                                    raw=buf.getvalue(), admin=True)
        self.assertEqual(st, 200, doc)
        self.assertEqual((doc["dry_run"], [a["id"] for a in doc["assessments"]]),
                         (True, ["choice-single", "extended-text", "two-responses"]))
        self.assertEqual(doc["assessments"][1]["unscorable"], ["extended-text"])
        st, doc, _ = self.s.request("GET", "/v1/assessments/choice-single")
        self.assertEqual(st, 404)
        with open(os.path.join(items, "two_responses.xml"), "rb") as f:
            xml = f.read()
        st, doc, _ = self.s.request("POST", "/v1/import?name=two.xml", raw=xml, admin=True)
        self.assertEqual((st, doc["assessments"][0]["version"]), (200, 1))
        st, doc, _ = self.s.request("POST", "/v1/assessments/two-responses/score",
                                    {"answers": {"two-responses": {"X": 3, "Y": -2}}})
        self.assertEqual((st, doc["score"], doc["max_score"]), (200, 2.0, 2.0))
        st, doc, _ = self.s.request("POST", "/v1/import?name=two.xml", raw=xml)
        self.assertEqual(st, 403)
        # again: refused without replace (409), said in the dry run, done with replace=true
        st, doc, _ = self.s.request("POST", "/v1/import?name=two.xml", raw=xml, admin=True)
        self.assertEqual((st, doc["error"]["code"]), (409, "conflict"))
        self.assertIn('"two-responses" (version 1, 0 stored response(s))', doc["error"]["message"])
        st, doc, _ = self.s.request("POST", "/v1/import?name=two.xml&dry_run=true", raw=xml,
                                    admin=True)
        self.assertEqual(doc["assessments"][0]["replaces"], {"version": 1, "responses": 0})
        st, doc, _ = self.s.request("POST", "/v1/import?name=two.xml&prefix=p1-&dry_run=true",
                                    raw=xml, admin=True)
        self.assertEqual((st, doc["assessments"][0]["id"], doc["assessments"][0]["replaces"]),
                         (200, "p1-two-responses", None))
        st, doc, _ = self.s.request("POST", "/v1/import?name=two.xml&replace=true", raw=xml,
                                    admin=True)
        self.assertEqual((st, doc["assessments"][0]["version"]), (200, 2))
        self.assertEqual(doc["assessments"][0]["replaces"], {"version": 1, "responses": 0})
        st, doc, _ = self.s.request("POST", "/v1/import?name=bad.xml", raw=b"<assessmentItem",
                                    admin=True)
        self.assertEqual((st, doc["error"]["message"]),
                         (400, "bad.xml:1: malformed XML: Couldn't find end of Start Tag "
                               "assessmentItem line 1"))
        st, doc, _ = self.s.request("DELETE", "/v1/assessments/two-responses", admin=True)
        self.assertEqual(st, 200)
        # a package with a broken file: refused whole, or the rest stored with skip_invalid
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.write(os.path.join(items, "choice_single.xml"), "items/choice_single.xml")
            z.writestr("items/cut.xml", "<assessmentItem identifier=\"y\">\n<response")
        cut = ("bank2.zip!/items/cut.xml:2: malformed XML: Premature end of data in tag "
               "assessmentItem line 1")
        st, doc, _ = self.s.request("POST", "/v1/import?name=bank2.zip", raw=buf.getvalue(),
                                    admin=True)
        self.assertEqual((st, doc["error"]["message"]),
                         (400, "1 file(s) refused, so nothing is stored (a dry run lists them "
                               "all; skip_invalid stores the others): " + cut))
        st, doc, _ = self.s.request("POST", "/v1/import?name=bank2.zip&skip_invalid=true",
                                    raw=buf.getvalue(), admin=True)
        self.assertEqual((st, [a["id"] for a in doc["assessments"]], doc["refused"]),
                         (200, ["choice-single"],
                          [{"file": "bank2.zip!/items/cut.xml", "message": cut}]))
        self.assertEqual(self.s.request("DELETE", "/v1/assessments/choice-single",
                                        admin=True)[0], 200)

    def test_json_numbers_are_the_shortest_text_of_their_double(self):
        st, doc, r = self.s.request("POST", "/v1/assessments/quiz-demo/score",
                                    {"answers": load("answers.json")})
        self.assertEqual(st, 200)
        self.assertIn(b'"ratio":0.5789473684210527,', r.body)
        self.assertIn(b'"score":11.0,', r.body)
        self.assertEqual(doc["ratio"], 11 / 19)

    def test_submissions_are_created_listed_and_reported(self):
        st, doc, r = self.s.request("POST", "/v1/assessments/quiz-demo/responses",
                                    {"learner": "h-ana", "answers": load("answers.json")})
        self.assertEqual((st, doc["attempt"]), (201, 1))
        loc = r.getheader("Location")
        self.assertEqual(loc, f"/v1/responses/{doc['response_id']}")
        st, got, _ = self.s.request("GET", loc)
        self.assertEqual((st, got["answers"]), (200, load("answers.json")))
        st, doc, _ = self.s.request("GET", "/v1/assessments/quiz-demo/responses?learner=h-ana")
        self.assertEqual((st, doc["total"]), (200, 1))
        st, doc, _ = self.s.request("GET", "/v1/assessments/quiz-demo/report")
        self.assertEqual(st, 200)
        self.assertGreaterEqual(doc["n"], 1)
        st, doc, _ = self.s.request("GET", "/v1/responses/abc")
        self.assertEqual((st, doc["error"]["message"]),
                         (400, 'path: "abc" is not an id (a positive integer)'))
        st, doc, _ = self.s.request("DELETE", "/v1/assessments/quiz-demo", admin=True)
        self.assertEqual(st, 409)

    def test_max_attempts_is_a_conflict(self):
        d = {"max_attempts": 1, "items": [{"id": "q", "cardinality": "single",
                                           "base_type": "identifier", "rule": "match_correct",
                                           "correct": ["A"]}]}
        self.s.request("PUT", "/v1/assessments/h-once", d, admin=True)
        sub = {"learner": "x", "answers": {"q": "A"}}
        self.assertEqual(self.s.request("POST", "/v1/assessments/h-once/responses", sub)[0], 201)
        st, doc, _ = self.s.request("POST", "/v1/assessments/h-once/responses", sub)
        self.assertEqual((st, doc["error"]["code"]), (409, "conflict"))
        st, _, _ = self.s.request("DELETE", "/v1/assessments/h-once?force=true", admin=True)
        self.assertEqual(st, 200)

    def test_regrade_is_accepted_with_the_jobs_location(self):
        st, doc, r = self.s.request("POST", "/v1/assessments/quiz-demo/regrade",
                                    {"dry_run": True}, admin=True)
        self.assertEqual((st, doc["state"]), (202, "queued"))
        self.assertEqual(r.getheader("Location"), f"/v1/jobs/{doc['job']}")
        for _ in range(200):
            st, job, _ = self.s.request("GET", r.getheader("Location"))
            if job["state"] == "done":
                break
            time.sleep(0.02)
        self.assertEqual((st, job["state"]), (200, "done"))
        st, doc, _ = self.s.request("GET", "/v1/jobs")
        self.assertEqual(st, 200)
        self.assertIn(job["job"], [j["job"] for j in doc["jobs"]])

    def test_skills_and_mastery(self):
        st, doc, _ = self.s.request("PUT", "/v1/skills/h-k", {"prior": 0.3, "learn": 0.1,
                                                              "forget": 0, "guess": 0.2,
                                                              "slip": 0.1}, admin=True)
        self.assertEqual((st, doc["id"]), (200, "h-k"))
        st, doc, _ = self.s.request("PUT", "/v1/skills/h-bad", {"prior": 2, "learn": 0,
                                                                "forget": 0, "guess": 0,
                                                                "slip": 0}, admin=True)
        self.assertEqual((st, doc["error"]["message"]),
                         (400, "prior: expected a probability in [0, 1], got 2"))
        self.assertEqual(self.s.request("GET", "/v1/skills/h-k")[1]["prior"], 0.3)
        self.assertIn("h-k", [k["id"] for k in self.s.request("GET", "/v1/skills")[1]["skills"]])
        self.s.request("PUT", "/v1/assessments/h-kt", {"items": [{
            "id": "q", "cardinality": "single", "base_type": "identifier",
            "rule": "match_correct", "correct": ["A"], "skills": ["h-k"]}]}, admin=True)
        st, doc, _ = self.s.request("POST", "/v1/assessments/h-kt/responses",
                                    {"learner": "h-m", "answers": {"q": "A"}})
        self.assertAlmostEqual(doc["mastery"]["h-k"]["p_mastery"], 0.69268292682926824, 12)
        st, doc, _ = self.s.request("GET", "/v1/learners/h-m/mastery")
        self.assertEqual((st, doc["skills"]["h-k"]["opportunities"]), (200, 1))
        st, doc, _ = self.s.request("GET", "/v1/learners/h-m/mastery?skill=nope")
        self.assertEqual(st, 404)
        st, doc, r = self.s.request("POST", "/v1/skills/h-k/recompute", admin=True)
        self.assertEqual((st, r.getheader("Location")), (202, f"/v1/jobs/{doc['job']}"))

    def test_models_are_put_as_raw_safetensors_and_serve_predictions(self):
        kt = os.path.join(EXAMPLES, "..", "tests", "kt")
        with open(os.path.join(kt, "dkt_small.safetensors"), "rb") as f:
            weights = f.read()
        concepts = ",".join(["h-k"] + [f"h-c{i}" for i in range(1, 124)])
        self.s.request("PUT", "/v1/skills/h-k", {"prior": 0.3, "learn": 0.1, "forget": 0,
                                                 "guess": 0.2, "slip": 0.1}, admin=True)
        self.s.request("PUT", "/v1/assessments/h-deep", {"items": [{
            "id": "q", "cardinality": "single", "base_type": "identifier",
            "rule": "match_correct", "correct": ["A"], "skills": ["h-k"]}]}, admin=True)
        path = f"/v1/models/h-dkt?kind=dkt&concepts={concepts}&title=small"
        st, doc, _ = self.s.request("PUT", path, raw=weights)
        self.assertEqual(st, 403)
        st, doc, _ = self.s.request("PUT", path, raw=weights, admin=True)
        self.assertEqual((st, doc), (200, {"id": "h-dkt", "version": 1, "kind": "dkt",
                                           "concepts": 124, "created": True}))
        st, doc, _ = self.s.request("PUT", "/v1/models/h-x?kind=lstm&concepts=a", raw=weights,
                                    admin=True)
        self.assertEqual((st, doc["error"]["message"]),
                         (400, "kind: expected \"dkt\" or \"dkvmn\", got \"lstm\""))
        # the first answer is predicted from the initial state: σ(out_layer.bias[concept 0])
        header_len = struct.unpack_from("<Q", weights)[0]
        header = json.loads(weights[8:8 + header_len])
        begin = 8 + header_len + header["out_layer.bias"]["data_offsets"][0]
        bias = struct.unpack_from("<f", weights, begin)[0]
        st, doc, _ = self.s.request("POST", "/v1/assessments/h-deep/responses",
                                    {"learner": "h-dm", "answers": {"q": "A"}})
        self.assertEqual(st, 201)
        self.assertAlmostEqual(doc["models"]["h-dkt"]["h-k"]["predicted"],
                               1 / (1 + math.exp(-bias)), 6)
        st, doc, _ = self.s.request("GET", "/v1/learners/h-dm/mastery?model=h-dkt")
        self.assertEqual((st, doc["steps"], len(doc["concepts"])), (200, 1, 124))
        st, doc, _ = self.s.request("GET", "/v1/models/h-dkt")
        self.assertEqual((st, doc["title"], doc["sizes"], doc["learners"]),
                         (200, "small", {"C": 124, "H": 16, "E": 16}, 1))
        st, doc, _ = self.s.request("GET", "/v1/models")
        self.assertIn("h-dkt", [m["id"] for m in doc["models"]])
        st, doc, r = self.s.request("POST", "/v1/models/h-dkt/recompute", admin=True)
        self.assertEqual((st, r.getheader("Location")), (202, f"/v1/jobs/{doc['job']}"))
        st, doc, _ = self.s.request("DELETE", "/v1/models/h-dkt", admin=True)
        self.assertEqual(st, 200)
        st, doc, _ = self.s.request("GET", "/v1/models/h-dkt")
        self.assertEqual(st, 404)

    def test_a_model_over_the_body_limit_needs_the_admin_token(self):
        # a zero DKVMN with a large memory (M 8,100, D 16): 1.06 MB, over --max-body (1M), and
        # cheap to compile (also under the sanitizers)
        c, d, m = 124, 16, 8100
        shapes = {"k_emb_layer.weight": [c, d], "Mk": [m, d], "Mv0": [m, d],
                  "v_emb_layer.weight": [2 * c, d], "f_layer.weight": [d, 2 * d],
                  "f_layer.bias": [d], "p_layer.weight": [1, d], "p_layer.bias": [1],
                  "e_layer.weight": [d, d], "e_layer.bias": [d], "a_layer.weight": [d, d],
                  "a_layer.bias": [d]}
        header, at = {}, 0
        for name, shape in shapes.items():
            n = 4 * shape[0] * (shape[1] if len(shape) > 1 else 1)
            header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [at, at + n]}
            at += n
        text = json.dumps(header).encode()
        weights = struct.pack("<Q", len(text)) + text + bytes(at)
        self.assertGreater(len(weights), 1 << 20)
        concepts = ",".join(f"h-z{i}" for i in range(c))
        path = f"/v1/models/h-big?kind=dkvmn&concepts={concepts}"
        st, doc, _ = self.s.request("PUT", path, raw=weights, token=None)
        self.assertEqual((st, doc["error"]["code"]), (401, "unauthorized"))
        st, doc, _ = self.s.request("PUT", path, raw=weights)
        self.assertEqual((st, doc["error"]["code"]), (403, "forbidden"))
        # over --max-body on a route that is not an admin one: the limit stays 1 MiB
        st, doc, _ = self.s.request("POST", "/v1/assessments/quiz-demo/score", raw=weights)
        self.assertEqual((st, doc["error"]["code"]), (413, "too_large"))
        st, doc, _ = self.s.request("PUT", path, raw=weights, admin=True)
        self.assertEqual((st, doc["version"]), (200, 1))
        self.assertEqual(self.s.request("DELETE", "/v1/models/h-big", admin=True)[0], 200)

    def test_attempt_routes_start_save_submit_and_override(self):
        self.s.request("PUT", "/v1/assessments/h-ex", {"time_limit_s": 600, "items": [{
            "id": "q", "cardinality": "single", "base_type": "identifier",
            "rule": "match_correct", "correct": ["A"]}]}, admin=True)
        st, a, _ = self.s.request("POST", "/v1/assessments/h-ex/attempts", {"learner": "hx"})
        self.assertEqual((st, a["state"], a["number"]), (200, "in_progress", 1))
        st, again, _ = self.s.request("POST", "/v1/assessments/h-ex/attempts", {"learner": "hx"})
        self.assertEqual(again["id"], a["id"])
        st, doc, _ = self.s.request("POST", f"/v1/attempts/{a['id']}/save",
                                    {"answers": {"q": "A"}, "seq": 1})
        self.assertEqual((st, doc["applied"], doc["attempt"]["answers"]), (200, True, {"q": "A"}))
        st, doc, _ = self.s.request("POST", f"/v1/attempts/{a['id']}/submit", {})
        self.assertEqual((st, doc["response"]["score"], doc["attempt"]["state"]),
                         (200, 1.0, "submitted"))
        st, doc, _ = self.s.request("GET", f"/v1/attempts/{a['id']}")
        self.assertEqual((st, doc["response_id"]), (200, doc["response_id"]))
        st, doc, _ = self.s.request("GET", "/v1/assessments/h-ex/attempts?learner=hx")
        self.assertEqual((st, doc["total"]), (200, 1))
        st, doc, _ = self.s.request("POST", "/v1/assessments/h-ex/responses",
                                    {"learner": "hx", "answers": {"q": "A"}})
        self.assertEqual((st, doc["error"]["message"]),
                         (409, 'assessment "h-ex" is timed: use attempt.start'))
        st, doc, _ = self.s.request("PUT", "/v1/assessments/h-ex/overrides/hy",
                                    {"extra_time_s": 60}, admin=True)
        self.assertEqual((st, doc["learner"], doc["extra_time_s"]), (200, "hy", 60.0))
        st, doc, _ = self.s.request("PUT", "/v1/assessments/h-ex/overrides/hy", {})
        self.assertEqual(st, 403)
        st, doc, _ = self.s.request("POST", f"/v1/attempts/{a['id']}/abandon", admin=True)
        self.assertEqual((st, doc["error"]["code"]), (409, "conflict"))

    def test_skill_fit_routes_start_a_fit_job(self):
        self.s.request("PUT", "/v1/skills/h-f", {"prior": 0.3, "learn": 0.1, "forget": 0,
                                                 "guess": 0.2, "slip": 0.1}, admin=True)
        st, doc, r = self.s.request("POST", "/v1/skills/h-f/fit", {"forgets": True, "seed": 4},
                                    admin=True)
        self.assertEqual((st, doc["kind"], doc["skill"], r.getheader("Location")),
                         (202, "fit", "h-f", f"/v1/jobs/{doc['job']}"))
        for _ in range(200):
            st, job, _ = self.s.request("GET", f"/v1/jobs/{doc['job']}")
            if job["state"] in ("done", "failed"):
                break
            time.sleep(0.05)
        self.assertEqual(job["state"], "done")
        self.assertEqual(job["result"]["skills"][0]["note"],
                         "no observations: the parameters are the skill's own")
        st, doc, _ = self.s.request("POST", "/v1/skills/fit", {"restarts": 2}, admin=True)
        self.assertEqual((st, doc["kind"], doc["skill"]), (202, "fit", None))
        st, doc, _ = self.s.request("POST", "/v1/skills/fit", {"bounds": {"slip": [0.7, 0.1]}},
                                    admin=True)
        self.assertEqual((st, doc["error"]["message"]),
                         (400, "bounds.slip: expected [lo, hi] with 0 <= lo <= hi <= 1"))
        st, doc, _ = self.s.request("POST", "/v1/skills/fit", {})
        self.assertEqual(st, 403)

    def test_gets_carry_an_etag_and_honour_if_none_match(self):
        st, doc, r = self.s.request("GET", "/v1/assessments/quiz-demo")
        etag = r.getheader("ETag")
        self.assertRegex(etag, r'^"[0-9a-f]{16}"$')
        st, body, r = self.s.request("GET", "/v1/assessments/quiz-demo",
                                     headers={"If-None-Match": etag})
        self.assertEqual((st, body), (304, b""))
        self.assertEqual(r.getheader("ETag"), etag)
        st, _, _ = self.s.request("GET", "/v1/assessments/quiz-demo",
                                  headers={"If-None-Match": '"0000000000000000"'})
        self.assertEqual(st, 200)

    def test_unknown_routes_and_methods(self):
        st, doc, _ = self.s.request("GET", "/v2/nothing")
        self.assertEqual((st, doc["error"]["message"]), (404, "no route GET /v2/nothing"))
        st, doc, _ = self.s.request("PATCH", "/v1/assessments/quiz-demo")
        self.assertEqual((st, doc["error"]["code"]), (405, "method_not_allowed"))

    def test_metrics_count_requests_per_route_and_status(self):
        self.s.request("GET", "/v1/assessments/nope")
        st, text, r = self.s.request("GET", "/metrics")
        self.assertEqual(st, 200)
        text = text.decode()
        self.assertIn('assay_http_requests_total{method="GET",route="/v1/assessments/{id}",'
                      'status="404"}', text)
        self.assertIn('assay_http_request_duration_seconds_bucket{method="GET",'
                      'route="/v1/assessments/{id}",le="+Inf"}', text)
        self.assertIn("assay_engine_up 1", text)
        self.assertIn('assay_engine_requests_total{method="assessment.get"}', text)

    def test_openapi_lists_exactly_the_routes_with_their_engine_methods(self):
        st, doc, _ = self.s.request("GET", "/v1/openapi.json")
        self.assertEqual((st, doc["openapi"]), (200, "3.1.0"))
        documented = {(m.upper(), p, op.get("x-engine-method"))
                      for p, ops in doc["paths"].items() for m, op in ops.items()}
        out = subprocess.run([HTTPD, "--routes"], capture_output=True, text=True, check=True)
        served = {tuple((line.split(" ") + [None])[:3]) for line in out.stdout.splitlines()}
        self.assertEqual(documented, served)

    def test_skill_delete_route_deletes_an_unused_skill_and_refuses_a_used_one(self):
        skill = {"prior": 0.3, "learn": 0.1, "forget": 0, "guess": 0.2, "slip": 0.1}
        for sid in ("h-unused", "h-used"):
            st, _, _ = self.s.request("PUT", "/v1/skills/" + sid, skill, admin=True)
            self.assertEqual(st, 200)
        d = {"items": [{"id": "q", "cardinality": "single", "base_type": "identifier",
                        "rule": "match_correct", "correct": ["A"], "skills": ["h-used"]}]}
        st, _, _ = self.s.request("PUT", "/v1/assessments/h-skilled", d, admin=True)
        self.assertEqual(st, 200)
        st, doc, _ = self.s.request("DELETE", "/v1/skills/h-unused")
        self.assertEqual((st, doc["error"]["code"]), (403, "forbidden"))
        st, doc, _ = self.s.request("DELETE", "/v1/skills/h-unused", admin=True)
        self.assertEqual(st, 200)
        st, doc, _ = self.s.request("GET", "/v1/skills/h-unused")
        self.assertEqual((st, doc["error"]["code"]), (404, "not_found"))
        st, doc, _ = self.s.request("DELETE", "/v1/skills/h-unused", admin=True)
        self.assertEqual((st, doc["error"]["code"]), (404, "not_found"))
        st, doc, _ = self.s.request("DELETE", "/v1/skills/h-used", admin=True)
        self.assertEqual((st, doc["error"]["code"]), (409, "conflict"))
        st, doc, _ = self.s.request("GET", "/v1/skills/h-used")
        self.assertEqual((st, doc["id"]), (200, "h-used"))

    def test_events_reach_several_subscribers(self):
        subs = [self.subscribe("/v1/events?topic=score.quiz-demo") for _ in range(3)]
        other = self.subscribe("/v1/events?topic=score.elsewhere")
        st, doc, _ = self.s.request("POST", "/v1/assessments/quiz-demo/responses",
                                    {"learner": "h-sse", "answers": {}})
        for s in subs:
            ev = self.read_event(s)
            self.assertEqual(ev["event"], "score.quiz-demo")
            data = json.loads(ev["data"])
            self.assertEqual(data["response_id"], doc["response_id"])
            self.assertEqual(ev["id"], str(data["seq"]))
            s.close()
        self.assertIsNone(self.read_event(other, timeout=0.5))
        other.close()

    def subscribe(self, path):
        s = socket.create_connection(("127.0.0.1", self.s.port))
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {READ}\r\n\r\n"
                  .encode())
        buf = b""
        while b": subscribed\n\n" not in buf:  # headers, then the stream's first comment
            buf += s.recv(4096)
        self.assertIn(b"text/event-stream", buf)
        return s

    @staticmethod
    def read_event(s, timeout=5):
        buf, end = b"", time.monotonic() + timeout
        while time.monotonic() < end:
            r, _, _ = select.select([s], [], [], end - time.monotonic())
            if not r:
                return None
            buf += s.recv(65536)
            for block in buf.split(b"\n\n"):
                fields = {}
                for line in block.decode().splitlines():
                    if ":" in line and not line.startswith(":"):
                        k, v = line.split(":", 1)
                        fields[k.strip()] = v.strip()
                if "event" in fields:
                    return fields
        return None


class ManySubscribersTest(unittest.TestCase):
    def test_a_thousand_sse_clients_each_receive_the_event(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
        s = Stack("--max-streams-per-token", "1000", "--max-connections-per-ip", "1100")
        socks = []
        try:
            s.request("PUT", "/v1/assessments/many", {"items": [{
                "id": "q", "cardinality": "single", "base_type": "identifier",
                "rule": "match_correct", "correct": ["A"]}]}, admin=True)
            for _ in range(1000):
                c = socket.create_connection(("127.0.0.1", s.port))
                c.sendall(f"GET /v1/events?topic=score.many&access_token={READ} HTTP/1.1\r\n"
                          "Host: x\r\n\r\n".encode())
                socks.append(c)
            pending = {c: b"" for c in socks}
            ready = set()
            end = time.monotonic() + 30
            while len(ready) < len(socks) and time.monotonic() < end:
                r, _, _ = select.select([c for c in socks if c not in ready], [], [], 1)
                for c in r:
                    pending[c] += c.recv(4096)
                    if b": subscribed" in pending[c]:
                        ready.add(c)
            self.assertEqual(len(ready), 1000)
            st, health, _ = s.request("GET", "/v1/health")
            self.assertEqual(health["sse_clients"], 1000)
            st, doc, _ = s.request("POST", "/v1/assessments/many/responses",
                                   {"learner": "x", "answers": {"q": "A"}})
            self.assertEqual(st, 201)
            got = set()
            want = f'"response_id":{doc["response_id"]}'.encode()
            end = time.monotonic() + 30
            while len(got) < len(socks) and time.monotonic() < end:
                r, _, _ = select.select([c for c in socks if c not in got], [], [], 1)
                for c in r:
                    pending[c] += c.recv(65536)
                    if want in pending[c]:
                        got.add(c)
            self.assertEqual(len(got), 1000)
        finally:
            for c in socks:
                c.close()
            s.close()
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


class EngineDownTest(unittest.TestCase):
    def test_a_stopped_engine_gives_504(self):
        s = Stack("--timeout-ms", "300")
        try:
            s.stop_engine()
            t = time.monotonic()
            st, doc, _ = s.request("GET", "/v1/assessments")
            self.assertEqual((st, doc["error"]),
                             (504, {"code": "timeout",
                                    "message": "the engine did not answer within 300 ms"}))
            self.assertLess(time.monotonic() - t, 2)
            s.start_engine()  # and it serves again once the engine is back
            for _ in range(50):
                st, doc, _ = s.request("GET", "/v1/assessments")
                if st == 200:
                    break
                time.sleep(0.1)
            self.assertEqual(st, 200)
        finally:
            s.close()


if __name__ == "__main__":
    unittest.main()
