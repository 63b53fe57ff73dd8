"""The Python client against a real assayd: every method, error mapping, pipelined asyncio
requests, subscriptions, timeouts, and thread safety."""
import asyncio
import io
import json
import os
import threading
import time
import unittest
import zipfile

import assay
import assay.aio
from assay.errors import from_reply

from engine import EXAMPLES, Engine


def load(name):
    with open(os.path.join(EXAMPLES, name)) as f:
        return json.load(f)


QUIZ, ANSWERS = load("quiz.json"), load("answers.json")


class ClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.engine = Engine("--max-message", "64K")
        cls.admin = assay.Client(data_dir=cls.engine.dir, admin=True)
        cls.c = assay.Client(data_dir=cls.engine.dir)
        cls.admin.assessment_put(QUIZ)

    @classmethod
    def tearDownClass(cls):
        cls.admin.close()
        cls.c.close()
        cls.engine.cleanup()

    def test_ping_and_stats_answer(self):
        p = self.c.ping()
        self.assertEqual(p["protocol"], 1)
        self.assertIn("score", self.c.stats()["methods"])

    def test_score_and_batch_give_the_examples_scores(self):
        r = self.c.score(assessment="quiz-demo", answers=ANSWERS, detail=True)
        self.assertEqual(r["score"], 11.0)
        self.assertEqual(r["max_score"], 19.0)
        self.assertEqual(len(r["items"]), 11)
        b = self.c.score_batch(assessment="quiz-demo", responses=[ANSWERS, {}])
        self.assertEqual(b["scores"], [11.0, 0.0])

    def test_custom_processing_gives_outcomes_sync_and_asyncio(self):
        self.admin.assessment_put(load("custom.json"))
        ans = {"capitals": {"C1": "Rome", "C3": "Oslo"}, "gas": {"P": 4, "V": 6}}
        r = self.c.score(assessment="custom-demo", answers=ans, detail=True)
        self.assertEqual((r["score"], r["outcomes"]["BAND"]), (4.0, "pass"))
        self.assertEqual(r["items"][2]["score"], 2.0)

        async def run():
            async with assay.aio.Client(data_dir=self.engine.dir) as c:
                s = await c.submit(assessment="custom-demo", learner="py-cz", answers=ans)
                return await c.response_get(id=s["response_id"])
        got = asyncio.run(run())
        self.assertEqual(got["items"][0]["outcomes"]["SCORE"], 2)
        self.assertEqual(got["items"][1]["outcomes"], {"SCORE": 0.0, "FEEDBACK": "blank"})
        self.admin.assessment_delete(id="custom-demo", force=True)

    def test_qti_imports_sync_and_asyncio(self):
        items = os.path.join(os.environ["ASSAY_EXAMPLES"], "..", "tests", "qti", "items")
        with open(os.path.join(items, "slider.xml"), "rb") as f:
            xml = f.read()
        dry = self.admin.assessment_import(data=xml, name="slider.xml", dry_run=True)
        self.assertEqual((dry["dry_run"], dry["assessments"][0]["max_score"]), (True, 2.0))
        with self.assertRaises(assay.NotFound):
            self.c.assessment_get(id="slider")

        async def run():
            async with assay.aio.Client(data_dir=self.engine.dir, admin=True) as c:
                return await c.import_qti(data=xml, name="slider.xml", id="py-slider")
        got = asyncio.run(run())["assessments"][0]
        self.assertEqual((got["id"], got["version"], got["source"]), ("py-slider", 1, "slider.xml"))
        self.assertEqual(self.c.score(assessment="py-slider", answers={"py-slider": 68})["score"],
                         1.0)
        # nothing replaced by surprise: again, it needs replace=True
        with self.assertRaises(assay.Conflict):
            self.admin.import_qti(data=xml, name="slider.xml", id="py-slider")
        again = self.admin.import_qti(data=xml, name="slider.xml", id="py-slider", replace=True)
        self.assertEqual((again["assessments"][0]["version"], again["assessments"][0]["replaces"]),
                         (2, {"version": 1, "responses": 0}))
        # a package with a broken file: the rest stored with skip_invalid, the file listed
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("ok.xml", xml.replace(b'identifier="slider"', b'identifier="py-slider2"'))
            z.writestr("cut.xml", "<assessmentItem")
        with self.assertRaises(assay.BadRequest):
            self.admin.import_qti(data=buf.getvalue(), name="b.zip")
        got = self.admin.import_qti(data=buf.getvalue(), name="b.zip", skip_invalid=True)
        self.assertEqual(([a["id"] for a in got["assessments"]], [r["file"] for r in got["refused"]]),
                         (["py-slider2"], ["b.zip!/cut.xml"]))
        with self.assertRaises(assay.BadRequest) as e:
            self.admin.import_qti(data=b"<assessmentTest/>", name="t.xml")
        self.assertEqual(str(e.exception), "bad_request: t.xml:1: <assessmentTest>: no identifier")

    def test_assessments_are_put_got_listed_and_deleted(self):
        d = {"id": "py-a", "items": [{"id": "q", "cardinality": "single", "base_type": "identifier",
                                      "rule": "match_correct", "correct": ["A"]}]}
        self.assertEqual(self.admin.assessment_put(d)["version"], 1)
        self.assertEqual(self.admin.assessment_put(id="py-b", items=d["items"])["id"], "py-b")
        self.assertEqual(self.c.assessment_get(id="py-a")["items"][0]["correct"], ["A"])
        ids = [a["id"] for a in self.c.assessment_list(limit=1)]  # follows the cursors
        self.assertTrue({"py-a", "py-b", "quiz-demo"} <= set(ids))
        self.assertEqual(ids, sorted(ids))
        self.admin.assessment_delete(id="py-b")
        with self.assertRaises(assay.NotFound) as e:
            self.c.assessment_get(id="py-b")
        self.assertEqual(str(e.exception), 'not_found: assessment "py-b" not found')

    def test_submissions_are_stored_listed_and_retried_safely(self):
        r = self.c.submit(assessment="quiz-demo", learner="py-ana", answers=ANSWERS, key="k1")
        self.assertEqual((r["attempt"], r["score"]), (1, 11.0))
        again = self.c.submit(assessment="quiz-demo", learner="py-ana", answers={}, key="k1")
        self.assertEqual(again, r)
        self.c.response_submit(assessment="quiz-demo", learner="py-ana", answers={})
        got = self.c.response_get(id=r["response_id"])
        self.assertEqual(got["answers"], ANSWERS)
        rows = list(self.c.responses(assessment="quiz-demo", learner="py-ana", limit=1))
        self.assertEqual([x["attempt"] for x in rows], [1, 2])
        rep = self.c.report(assessment="quiz-demo")
        self.assertGreaterEqual(rep["n"], 1)

    def test_regrade_job_waits_with_progress(self):
        self.c.submit(assessment="quiz-demo", learner="py-rg", answers=ANSWERS)
        job = self.admin.regrade(assessment="quiz-demo", dry_run=True)
        self.assertIsInstance(job, assay.Job)
        seen = []
        info = job.wait(timeout=30, progress=lambda done, total: seen.append((done, total)))
        self.assertEqual(info["state"], "done")
        self.assertEqual(seen[-1][0], seen[-1][1])
        self.assertEqual(info["result"]["changed"], 0)
        self.assertIn(job.id, [j["job"] for j in self.c.job_list(limit=1)])
        self.assertEqual(self.c.job_get(job=job.id)["kind"], "regrade")

    def test_skills_mastery_and_recompute(self):
        self.admin.skill_put(id="py-k", prior=0.3, learn=0.1, forget=0, guess=0.2, slip=0.1)
        self.assertEqual(self.c.skill_get(id="py-k")["prior"], 0.3)
        self.assertIn("py-k", [s["id"] for s in self.c.skill_list()])
        self.admin.assessment_put(id="py-kt", items=[{
            "id": "q", "cardinality": "single", "base_type": "identifier",
            "rule": "match_correct", "correct": ["A"], "skills": ["py-k"]}])
        r = self.c.submit(assessment="py-kt", learner="py-m", answers={"q": "A"})
        self.assertAlmostEqual(r["mastery"]["py-k"]["p_mastery"], 0.69268292682926824, places=12)
        m = self.c.mastery(learner="py-m")
        self.assertEqual(m["skills"]["py-k"]["opportunities"], 1)
        self.admin.skill_put(id="py-k", prior=0.5, learn=0.2, forget=0.05, guess=0.25, slip=0.15)
        info = self.admin.skill_recompute(skill="py-k").wait(timeout=30)
        self.assertEqual(info["result"]["observations"], 1)
        m = self.c.mastery_get(learner="py-m", skill="py-k")
        self.assertAlmostEqual(m["skills"]["py-k"]["p_mastery"], 0.77954545454545454, places=12)
        with self.assertRaises(assay.Conflict):
            self.admin.skill_delete(id="py-k")
        d = self.c.mastery_distribution(skill="py-k")["skills"]["py-k"]
        self.assertEqual((d["learners"], d["mastered"], d["histogram"]),
                         (1, 0, [0, 0, 0, 0, 0, 0, 0, 1, 0, 0]))
        self.assertAlmostEqual(d["mean"], 0.77954545454545454, places=12)

    def test_deep_models_sync_and_asyncio(self):
        kt = os.path.join(EXAMPLES, "..", "tests", "kt")
        with open(os.path.join(kt, "dkt_small.safetensors"), "rb") as f:
            weights = f.read()
        with open(os.path.join(kt, "dkt_small.json")) as f:
            ref = json.load(f)
        concepts = [f"py-c{i}" for i in range(124)]
        for c in concepts[:3]:
            self.admin.skill_put(id=c, prior=0.3, learn=0.1, forget=0, guess=0.2, slip=0.1)
        self.admin.assessment_put(id="py-deep", items=[{
            "id": f"q{i}", "cardinality": "single", "base_type": "identifier",
            "rule": "match_correct", "correct": ["A"], "skills": [concepts[i]]}
            for i in range(3)])
        put = self.admin.model_put(id="py-dkt", kind="dkt", weights=weights, concepts=concepts)
        self.assertEqual((put["version"], put["concepts"], put["created"]), (1, 124, True))
        # a reference learner whose answers are to concepts 0..2: the engine predicts as PyTorch
        history = next(l["answers"] for l in ref["learners"]
                       if all(c < 3 for c, _, _ in l["answers"][:4]))[:4]
        for c, y, p in history:
            r = self.c.submit(assessment="py-deep", learner="py-d",
                              answers={f"q{c}": "A" if y else "B"})
            self.assertAlmostEqual(r["models"]["py-dkt"][concepts[c]]["predicted"], p, places=5)
        view = self.c.mastery_get(learner="py-d", model="py-dkt")
        self.assertEqual((view["steps"], len(view["concepts"])), (4, 124))
        self.assertIn("py-dkt", [m["id"] for m in self.c.model_list()])
        info = self.admin.model_recompute(id="py-dkt").wait(timeout=30)
        self.assertEqual((info["kind"], info["model"], info["state"]),
                         ("model_recompute", "py-dkt", "done"))
        self.assertEqual(self.c.mastery_get(learner="py-d", model="py-dkt")["concepts"],
                         view["concepts"])

        async def run():
            async with assay.aio.Client(data_dir=self.engine.dir, admin=True) as c:
                got = await c.model_get(id="py-dkt", weights=True)
                v = await c.mastery(learner="py-d", model="py-dkt")
                await c.model_delete(id="py-dkt")
                return got, v
        got, v = asyncio.run(run())
        self.assertEqual((got["weights"], got["concepts"], v["steps"]), (weights, concepts, 4))
        with self.assertRaises(assay.NotFound):
            self.c.model_get(id="py-dkt")

    def test_skill_fit_sync_and_asyncio_give_the_same_parameters(self):
        self.admin.skill_put(id="py-f", prior=0.3, learn=0.1, forget=0, guess=0.2, slip=0.1)
        self.admin.assessment_put(id="py-fa", items=[{
            "id": "q", "cardinality": "single", "base_type": "identifier",
            "rule": "match_correct", "correct": ["A"], "skills": ["py-f"]}])
        answers = ["B", "A", "A", "B", "A", "A", "A"]
        for n, a in enumerate(answers):
            r = self.c.submit(assessment="py-fa", learner=f"py-f{n % 3}", answers={"q": a})
            if n == 0:  # before any answer: prior 0.3 x (1 - slip) + 0.7 x guess
                self.assertAlmostEqual(r["mastery"]["py-f"]["predicted"], 0.41, places=15)
        info = self.admin.skill_fit(skill="py-f", seed=2, forgets=True).wait(timeout=30)
        fitted = info["result"]["skills"][0]
        self.assertEqual((info["kind"], info["skill"], fitted["skill"]), ("fit", "py-f", "py-f"))
        self.assertEqual((fitted["observations"], fitted["learners"]), (7, 3))
        self.assertFalse(info["result"]["applied"])

        async def run():
            async with assay.aio.Client(data_dir=self.engine.dir, admin=True) as c:
                job = await c.fit(skill="py-f", seed=2, forgets=True)
                return await job.wait(timeout=30)
        again = asyncio.run(run())["result"]["skills"][0]
        for k in ("prior", "learn", "forget", "guess", "slip", "log_likelihood"):
            self.assertEqual(again[k], fitted[k])

    def test_attempts_sync_and_asyncio(self):
        self.admin.assessment_put(id="py-ex", time_limit_s=600, items=[{
            "id": "q", "cardinality": "single", "base_type": "identifier",
            "rule": "match_correct", "correct": ["A"]}])
        a = self.c.attempt_start(assessment="py-ex", learner="pyx")
        self.assertEqual((a["state"], a["number"], a["answers"]), ("in_progress", 1, {}))
        saved = self.c.attempt_save(attempt=a["id"], answers={"q": "A"}, seq=1)
        self.assertTrue(saved["applied"])
        stale = self.c.attempt_save(attempt=a["id"], answers={"q": "B"}, seq=1)
        self.assertEqual((stale["applied"], stale["attempt"]["answers"]), (False, {"q": "A"}))
        with self.assertRaises(assay.Conflict):
            self.c.submit(assessment="py-ex", learner="pyx", answers={"q": "A"})

        async def run():
            async with assay.aio.Client(data_dir=self.engine.dir) as c:
                done = await c.attempt_submit(attempt=a["id"])
                rows = [x async for x in c.attempt_list(assessment="py-ex")]
                return done, rows
        done, rows = asyncio.run(run())
        self.assertEqual((done["response"]["score"], done["attempt"]["state"]), (1.0, "submitted"))
        self.assertEqual([r["id"] for r in rows], [a["id"]])
        o = self.admin.assessment_override(assessment="py-ex", learner="pyy", extra_attempts=2)
        self.assertEqual(o["extra_attempts"], 2)

    def test_errors_raise_their_classes_with_the_engines_message(self):
        with self.assertRaises(assay.BadRequest) as e:
            self.c.score(assessment="quiz-demo", answers={"capitol": "paris"})
        self.assertEqual(e.exception.message,
                         'answers.capitol: no item with this id in assessment "quiz-demo"')
        self.assertEqual(e.exception.code, "bad_request")
        with self.assertRaises(assay.Forbidden):
            self.c.assessment_put(QUIZ)
        with self.assertRaises(assay.TooLarge):
            self.c.score(assessment="quiz-demo", answers={"capital": "x" * 70000})
        with self.assertRaises(assay.NotFound):
            self.c.response_get(id=999999)
        self.c.submit(assessment="quiz-demo", learner="py-del", answers={})
        with self.assertRaises(assay.Conflict):
            self.admin.assessment_delete(id="quiz-demo")
        for code, cls in [("overloaded", assay.Overloaded), ("unavailable", assay.Unavailable),
                          ("internal", assay.Internal), ("timeout", assay.Timeout)]:
            err = from_reply({"code": code, "message": "m"})
            self.assertIsInstance(err, cls)
            self.assertIsInstance(err, assay.AssayError)
            self.assertEqual(str(err), f"{code}: m")

    def test_one_client_is_safe_to_share_between_threads(self):
        results, errors = [], []

        def work(i):
            try:
                for _ in range(50):
                    results.append(self.c.score(assessment="quiz-demo", answers=ANSWERS)["score"])
            except Exception as e:  # noqa: BLE001
                errors.append(e)
        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(results, [11.0] * 400)

    def test_people_grade_an_answer_sync_and_asyncio(self):
        self.admin.assessment_put({"id": "py-essay", "items": [
            {"id": "q", "cardinality": "single", "base_type": "identifier",
             "rule": "match_correct", "correct": ["A"]},
            {"id": "e", "graded": {"max": 4, "raters": 2, "tolerance": 1}}]})
        r = self.c.submit(assessment="py-essay", learner="py-g", answers={"q": "A", "e": "x"})
        self.assertEqual((r["state"], r["pending"], r["score"]), ("pending", ["e"], 1.0))
        offered = self.c.grade_next(assessment="py-essay", rater="ann", lease=60)
        self.assertGreater(offered.pop("lease_until"), time.time() + 50)
        self.assertEqual(offered, {"response": r["response_id"], "item": "e", "answer": "x",
                                   "max": 4.0, "step": 1.0, "rubric": None, "rater": "ann"})

        async def next_for(rater):
            async with assay.aio.Client(data_dir=self.engine.dir) as c:
                return await c.grade_next(assessment="py-essay", rater=rater, item="e")
        self.assertIsNone(asyncio.run(next_for("bo")))  # ann holds the only answer
        got = self.c.grade_put(response=r["response_id"], item="e", rater="ann", score=3)
        self.assertEqual(got, {"response": r["response_id"], "item": "e", "rater": "ann",
                               "score": 3.0, "state": "awaiting"})

        async def second():
            async with assay.aio.Client(data_dir=self.engine.dir) as c:
                return await c.grade_put(response=r["response_id"], item="e", rater="bo",
                                         score=4, comment="full marks almost")
        self.assertEqual(asyncio.run(next_for("bo"))["response"], r["response_id"])  # ann's done
        got = asyncio.run(second())
        self.assertEqual((got["state"], got["item_score"], got["response_score"]),
                         ("resolved", 3.5, 4.5))
        want = {"assessment": "py-essay", "items": {"e": {
            "units": 1, "grades": 2, "raters": 2, "exact": 0.0, "adjacent": 1.0,
            "alpha": {"nominal": 0.0, "ordinal": 0.0, "interval": 0.0},
            "pairs": {"ann|bo": {"n": 1, "exact": 0.0, "kappa": 0.0, "qwk": 0.0}},
            "judges": {}}}}
        self.assertEqual(self.c.assessment_agreement(assessment="py-essay"), want)

        async def agreement():
            async with assay.aio.Client(data_dir=self.engine.dir) as c:
                return await c.assessment_agreement(assessment="py-essay", item="e")
        self.assertEqual(asyncio.run(agreement()), want)
        rows = list(self.c.grade_list(response=r["response_id"], limit=1))
        self.assertEqual([(g["rater"], g["score"], g["comment"], g["revision"]) for g in rows],
                         [("ann", 3.0, None, 1), ("bo", 4.0, "full marks almost", 1)])
        with self.assertRaises(assay.BadRequest) as e:
            self.c.grade_put(response=r["response_id"], item="e", rater="cy", score=9)
        self.assertEqual(str(e.exception), "bad_request: score: 9 is not a point of item "
                                           "\"e\"'s scale (0 to 4 in steps of 1)")

    def test_a_subscriber_receives_a_submission(self):
        with assay.Subscriber(["score.quiz-demo"], data_dir=self.engine.dir) as sub:
            time.sleep(0.3)  # the subscription reaches the engine
            r = self.c.submit(assessment="quiz-demo", learner="py-sub", answers=ANSWERS)
            ev = sub.recv(timeout=3)
        self.assertEqual(ev.topic, "score.quiz-demo")
        self.assertEqual(ev.body["response_id"], r["response_id"])
        self.assertEqual(ev.missed, 0)

    def test_asyncio_client_keeps_1000_requests_in_flight(self):
        async def run():
            async with assay.aio.Client(data_dir=self.engine.dir) as c:
                rs = await asyncio.gather(*[
                    c.score(assessment="quiz-demo", answers=ANSWERS if i % 2 else {})
                    for i in range(1000)])
                self.assertEqual([r["score"] for r in rs], [11.0 if i % 2 else 0.0
                                                            for i in range(1000)])
                with self.assertRaises(assay.NotFound):
                    await c.assessment_get(id="nope")
                ids = [a["id"] async for a in c.assessment_list(limit=1)]
                self.assertIn("quiz-demo", ids)
        asyncio.run(run())

    def test_async_subscriber_and_job(self):
        async def run():
            sub = assay.aio.Subscriber(["job."], data_dir=self.engine.dir)
            await asyncio.sleep(0.3)
            async with assay.aio.Client(data_dir=self.engine.dir, admin=True) as c:
                job = await c.regrade(assessment="quiz-demo", dry_run=True)
                info = await job.wait(timeout=30)
                self.assertEqual(info["state"], "done")
                ev = await sub.recv(timeout=3)
                self.assertEqual(ev.topic, f"job.{job.id}")
                self.assertEqual(ev.body["state"], "queued")
            sub.close()
        asyncio.run(run())


class CurveTest(unittest.TestCase):
    def test_curve_keys_are_accepted_and_plain_clients_refused(self):
        import shutil
        import socket
        import tempfile
        import zmq.auth
        keys = tempfile.mkdtemp(prefix="assay-py-keys-")
        os.mkdir(os.path.join(keys, "clients"))
        server_pub, server_sec = zmq.auth.create_certificates(keys, "server")
        client_pub, client_sec = zmq.auth.create_certificates(keys, "client")
        shutil.copy(client_pub, os.path.join(keys, "clients"))
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        e = Engine("--tcp", f"127.0.0.1:{port}", "--curve-secret", server_sec,
                   "--curve-clients", os.path.join(keys, "clients"))
        try:
            ep = f"tcp://127.0.0.1:{port}"
            c = assay.Client(endpoint=ep, curve_cert=client_sec, server_key=server_pub, timeout=2)
            self.assertEqual(c.ping()["protocol"], 1)
            public, _ = zmq.auth.load_certificate(server_pub)
            c2 = assay.Client(endpoint=ep, curve_cert=client_sec, server_key=public.decode())
            self.assertEqual(c2.ping()["protocol"], 1)
            with self.assertRaises(assay.Timeout):
                assay.Client(endpoint=ep, timeout=0.5).ping()
            with self.assertRaises(ValueError):
                assay.Client(endpoint=ep, curve_cert=client_sec)
            c.close()
            c2.close()
        finally:
            e.cleanup()
            shutil.rmtree(keys, ignore_errors=True)


class StoppedEngineTest(unittest.TestCase):
    def test_calls_time_out_when_the_engine_is_stopped(self):
        e = Engine()
        try:
            c = assay.Client(data_dir=e.dir, timeout=0.3)
            self.assertEqual(c.ping()["protocol"], 1)
            e.stop()
            t = time.monotonic()
            with self.assertRaises(assay.Timeout) as err:
                c.ping()
            self.assertLess(time.monotonic() - t, 2)
            self.assertIn("no response to ping within 0.3 s", str(err.exception))

            async def run():
                ac = assay.aio.Client(data_dir=e.dir, timeout=0.3)
                with self.assertRaises(assay.Timeout):
                    await ac.ping()
                await ac.close()
            asyncio.run(run())
            e.start()  # and it works again once the engine is back
            self.assertEqual(c.ping()["protocol"], 1)
            c.close()
        finally:
            e.cleanup()


if __name__ == "__main__":
    unittest.main()
