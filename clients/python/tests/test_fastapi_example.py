"""examples/fastapi_app.py through FastAPI's TestClient, against a real assayd."""
import importlib.util
import os
import unittest

import assay

from engine import EXAMPLES, Engine


class FastAPIExampleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.engine = Engine()
        os.environ["ASSAY_DATA"] = cls.engine.dir
        a = assay.Client(data_dir=cls.engine.dir, admin=True)
        a.skill_put(id="fa-k", prior=0.3, learn=0.1, forget=0, guess=0.2, slip=0.1)
        a.assessment_put(id="fa", max_attempts=2, items=[{
            "id": "q", "cardinality": "single", "base_type": "identifier",
            "rule": "match_correct", "correct": ["A"], "skills": ["fa-k"]}])
        a.close()
        spec = importlib.util.spec_from_file_location(
            "fastapi_app", os.path.join(EXAMPLES, "fastapi_app.py"))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        from fastapi.testclient import TestClient
        cls.http = TestClient(mod.app)
        cls.http.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.http.__exit__(None, None, None)
        cls.engine.cleanup()

    def test_a_submission_returns_its_score_and_mastery(self):
        r = self.http.post("/assessments/fa/submissions",
                           json={"learner": "ana", "answers": {"q": "A"}, "key": "t1"})
        self.assertEqual(r.status_code, 200, r.text)
        body = r.json()
        self.assertEqual((body["score"], body["max_score"], body["attempt"]), (1.0, 1.0, 1))
        self.assertAlmostEqual(body["mastery"]["fa-k"]["p_mastery"], 0.69268292682926824, 12)
        again = self.http.post("/assessments/fa/submissions",
                               json={"learner": "ana", "answers": {"q": "B"}, "key": "t1"})
        self.assertEqual(again.json(), body)  # an idempotent retry

    def test_engine_errors_become_http_statuses_with_the_message(self):
        r = self.http.post("/assessments/nope/submissions", json={"learner": "a", "answers": {}})
        self.assertEqual(r.status_code, 404)
        self.assertEqual(r.json()["detail"],
                         {"code": "not_found", "message": 'assessment "nope" not found'})
        r = self.http.post("/assessments/fa/submissions",
                           json={"learner": "a", "answers": {"q": 7}})
        self.assertEqual(r.status_code, 400)
        self.assertEqual(r.json()["detail"]["message"],
                         "answers.q: expected an identifier (a string), got an integer")
        for _ in range(2):
            self.http.post("/assessments/fa/submissions", json={"learner": "bo", "answers": {}})
        r = self.http.post("/assessments/fa/submissions", json={"learner": "bo", "answers": {}})
        self.assertEqual(r.status_code, 409)


if __name__ == "__main__":
    unittest.main()
