"""The teacher dashboard in a real browser (headless Chromium over the DevTools protocol) against
a real assay-http and assayd: each view loads without a console error and shows the figures the
engine holds, updates within a second when a submission arrives, keeps up with a burst, and a
screenshot of each view is kept (ASSAY_ARTEFACTS, the build directory's dashboard-screenshots)."""
import concurrent.futures
import json
import os
import tempfile
import time
import unittest

import jwt

from cdp import Browser
from stack import APP, EXAMPLES, READ, Stack

SECRET = b"dashboard-rater-secret-0123456789abcdef"
ARTEFACTS = os.environ.get("ASSAY_ARTEFACTS") or os.path.join(os.getcwd(), "dashboard-screenshots")

# A quiz whose item q3 everyone gets right (p-value 1: flagged) and whose item q2 the weaker
# learners get right and the stronger wrong (negative discrimination: flagged).
QUIZ = {"title": "Dashboard check", "pass_ratio": 0.5, "items": [
    {"id": f"q{i}", "cardinality": "single", "base_type": "identifier", "rule": "match_correct",
     "correct": ["A"], "skills": ["dash-k"]} for i in range(1, 5)]}
ANSWERS = [  # q1 q2 q3 q4 per learner
    ("l1", "AB" "AA"), ("l2", "AB" "AA"), ("l3", "BA" "AB"), ("l4", "BA" "AB"), ("l5", "AB" "AB"),
    ("l6", "BA" "AA")]


def flags(report):
    """The items the page must flag, by the thresholds it documents (dashboard/README.md)."""
    out = []
    for it in report["items"]:
        d, p = it["discrimination"], it["p_value"]
        if (d is not None and d < 0.1) or (p is not None and (p < 0.1 or p > 0.95)):
            out.append(it["id"])
    return ",".join(out)


class DashboardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.makedirs(ARTEFACTS, exist_ok=True)
        fd, cls.secret = tempfile.mkstemp(prefix="assay-dash-secret-")
        os.write(fd, SECRET + b"\n")
        os.close(fd)
        cls.s = Stack("--jwt-secret-file", cls.secret)
        r = cls.s.request
        assert r("PUT", "/v1/skills/dash-k", {"prior": 0.3, "learn": 0.1, "forget": 0,
                                              "guess": 0.2, "slip": 0.1}, admin=True)[0] == 200
        assert r("PUT", "/v1/assessments/dash", QUIZ, admin=True)[0] == 200
        for learner, a in ANSWERS:
            st, doc, _ = r("POST", "/v1/assessments/dash/responses", {
                "learner": learner, "answers": {f"q{i + 1}": a[i] for i in range(4)}})
            assert st == 201, doc
        # a timed exam with one attempt running
        exam = dict(QUIZ, title="Timed", time_limit_s=3600)
        assert r("PUT", "/v1/assessments/dash-exam", exam, admin=True)[0] == 200
        st, doc, _ = r("POST", "/v1/assessments/dash-exam/attempts", {"learner": "l9"})
        assert st == 200, doc
        cls.attempt = doc["id"]
        # a deep model over the skill (tests/kt's small DKT; its concept 0 is dash-k)
        kt = os.path.join(EXAMPLES, "..", "tests", "kt")
        with open(os.path.join(kt, "dkt_small.safetensors"), "rb") as f:
            weights = f.read()
        concepts = ",".join(["dash-k"] + [f"dash-c{i}" for i in range(1, 124)])
        st, doc, _ = r("PUT", f"/v1/models/dash-dkt?kind=dkt&concepts={concepts}", raw=weights,
                       admin=True)
        assert st == 200, doc
        st, doc, _ = r("POST", "/v1/assessments/dash/responses", {
            "learner": "l1", "answers": {"q1": "A", "q2": "B", "q3": "A", "q4": "A"}})
        assert st == 201, doc
        cls.b = Browser()

    @classmethod
    def tearDownClass(cls):
        cls.b.close()
        cls.s.close()
        os.unlink(cls.secret)

    def open(self, fragment):
        self.b.goto(f"http://127.0.0.1:{self.s.port}/{fragment}")
        self.b.wait_for("document.readyState === 'complete' && document.body.dataset.view")
        self.b.pump(0.05)

    def api(self, path):
        st, doc, _ = self.s.request("GET", path, token=READ)
        self.assertEqual(st, 200, doc)
        return doc

    def shot(self, name):
        self.b.screenshot(os.path.join(ARTEFACTS, name + ".png"))

    def no_console_errors(self):
        self.b.pump(0.3)
        self.assertEqual(self.b.errors, [])

    def test_1_without_a_token_the_page_asks_for_one_and_a_wrong_one_is_refused(self):
        self.b.goto(f"http://127.0.0.1:{self.s.port}/")
        self.b.eval("sessionStorage.clear()")
        self.open("")
        self.b.wait_for("!document.querySelector('#login').hidden")
        self.shot("0-sign-in")
        self.b.eval("document.querySelector('#token').value = 'wrong-token-0123456789';"
                    "document.querySelector('#login button').click()")
        msg, _ = self.b.wait_for("document.querySelector('#login-error').textContent")
        self.assertEqual(msg, "the bearer token is not a valid token")
        # the browser logs the refused requests themselves; nothing else
        self.b.pump(0.3)
        self.assertTrue(self.b.errors)
        self.assertTrue(all("status of 401" in e for e in self.b.errors), self.b.errors)
        self.b.errors.clear()
        self.b.eval("document.querySelector('#token').value = %s;"
                    "document.querySelector('#login button').click()" % json.dumps(READ))
        self.b.wait_for("document.querySelector('#assessments tr[data-assessment]')")
        self.assertEqual(self.b.eval("sessionStorage.getItem('assay-token')"), READ)
        self.no_console_errors()

    def test_2_the_assessments_view_lists_learners_mean_and_pass_rate(self):
        self.open("#token=" + READ)
        self.assertEqual(self.b.eval("location.hash"), "#/")  # the token left the address bar
        self.b.wait_for("document.querySelector('tr[data-assessment=dash] [data-col=learners]')"
                        ".textContent !== '…'")
        rep = self.api("/v1/assessments/dash/report")
        row = self.b.eval("[...document.querySelectorAll('tr[data-assessment=dash] td')]"
                          ".map(td => td.textContent)")
        self.assertEqual(row, ["dash", "Dashboard check", "4", str(rep["n"]),
                               f"{rep['mean']:.2f} / 4", f"{100 * rep['pass_rate']:.1f}%"])
        self.assertEqual(self.b.eval("document.querySelectorAll('tr[data-assessment]').length"),
                         self.api("/v1/assessments")["total"])
        self.shot("1-assessments")
        self.no_console_errors()

    def test_3_an_assessment_shows_the_engines_figures_and_updates_within_a_second(self):
        self.open("#/a/dash")
        self.b.wait_for("document.querySelector('[data-figure=n]')")
        rep = self.api("/v1/assessments/dash/report")
        figures = self.b.eval("Object.fromEntries([...document.querySelectorAll('[data-figure]')]"
                              ".map(e => [e.dataset.figure, e.textContent]))")
        self.assertEqual(figures, {"n": str(rep["n"]), "mean": f"{rep['mean']:.2f}",
                                   "sd": f"{rep['sd']:.2f}", "alpha": f"{rep['alpha']:.3f}",
                                   "pass_rate": f"{100 * rep['pass_rate']:.1f}%",
                                   "version": "1", "arrived": "0"})
        self.assertEqual(self.b.eval("document.querySelector('[data-histogram]')"
                                     ".dataset.histogram"),
                         ",".join(str(b["count"]) for b in rep["histogram"]))
        self.assertEqual(self.b.eval("document.querySelector('#view > div').dataset.flagged"),
                         flags(rep))
        # the data was made for these: q1 and q2 against the rest of the test, q3 right by all
        self.assertEqual(flags(rep), "q1,q2,q3")
        self.assertEqual(self.b.eval("document.querySelectorAll('#items tr').length"), 4)
        self.shot("2-assessment")
        # a submission arrives: the page shows it within a second
        before = rep["n"]
        st, doc, _ = self.s.request("POST", "/v1/assessments/dash/responses", {
            "learner": "new-learner", "answers": {"q1": "A", "q2": "A", "q3": "A", "q4": "A"}})
        self.assertEqual(st, 201)
        t0 = time.monotonic()
        self.b.wait_for(f"document.querySelector('[data-figure=n]').textContent === "
                        f"'{before + 1}'", timeout=5)
        took = time.monotonic() - t0
        self.assertLess(took, 1.0)
        feed = self.b.eval("document.querySelector('#feed li').textContent")
        self.assertEqual(feed, f"#{doc['response_id']} new-learner: 4.00 / 4")
        self.assertEqual(self.b.eval("document.querySelector('[data-figure=mean]').textContent"),
                         f"{self.api('/v1/assessments/dash/report')['mean']:.2f}")
        self.no_console_errors()

    def test_4_attempts_in_progress_show_their_time_left(self):
        self.open("#/a/dash-exam")
        row = self.b.wait_for(f"document.querySelector('tr[data-attempt=\"{self.attempt}\"]') && "
                              f"[...document.querySelectorAll('tr[data-attempt=\"{self.attempt}\"] "
                              f"td')].map(td => td.textContent)")[0]
        self.assertEqual(row[1:2] + row[3:4], ["l9", "in_progress"])
        left = self.api(f"/v1/attempts/{self.attempt}")["time_left_s"]
        m, s = row[4].split(":")
        self.assertLessEqual(abs(int(m) * 60 + int(s) - left), 3)
        self.shot("3-exam-attempts")
        self.no_console_errors()

    def test_5_the_page_keeps_up_with_a_burst_of_submissions(self):
        self.open("#/a/dash")
        self.b.wait_for("document.querySelector('[data-figure=n]')")
        n = 400

        def submit(i):
            return self.s.request("POST", "/v1/assessments/dash/responses", {
                "learner": f"burst-{i}", "answers": {"q1": "A", "q2": "B", "q3": "A"}})[0]

        t0 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(submit, range(n)))
        rate = n / (time.monotonic() - t0)
        self.assertEqual(statuses, [201] * n)
        want = self.api("/v1/assessments/dash/report")["n"]
        self.b.wait_for(f"document.querySelector('[data-figure=n]').textContent === '{want}' && "
                        f"document.querySelector('[data-figure=arrived]').textContent === '{n}'",
                        timeout=10)
        self.assertEqual(self.b.eval("document.querySelectorAll('#feed li').length"), 50)
        print(f"burst: {n} submissions at {rate:.0f}/s through HTTP, all applied by the page")
        self.no_console_errors()

    def test_6_skills_show_the_mastery_distribution_and_one_learners_mastery(self):
        self.open("#/skills")
        self.b.wait_for("document.querySelector('[data-skill=dash-k] [data-histogram]')")
        d = self.api("/v1/mastery/distribution")["skills"]["dash-k"]
        got = self.b.eval("(() => { const c = document.querySelector('[data-skill=dash-k]');"
                          "return [c.querySelector('[data-figure=learners]').textContent,"
                          "c.querySelector('[data-histogram]').dataset.histogram] })()")
        self.assertEqual(got, [str(d["learners"]), ",".join(map(str, d["histogram"]))])
        self.shot("4-skills")
        self.b.eval("document.querySelector('#learner').value = 'l1';"
                    "document.querySelector('form.lookup button').click()")
        self.b.wait_for("document.querySelector('#mastery tr[data-skill=dash-k]')")
        bkt = self.api("/v1/learners/l1/mastery")["skills"]["dash-k"]
        deep = self.api("/v1/learners/l1/mastery?model=dash-dkt")["concepts"]["dash-k"]
        row = self.b.eval("[...document.querySelectorAll('#mastery tr[data-skill=dash-k] td')]"
                          ".map(td => td.textContent)")
        self.assertEqual([row[0], row[1], row[3], row[4], row[5], row[6]],
                         ["dash-k", f"{bkt['p_mastery']:.3f}", f"{bkt['p_correct_next']:.3f}",
                          str(bkt["opportunities"]), "yes" if bkt["mastered"] else "no",
                          f"{deep:.3f}"])
        self.assertIn("dash-dkt (dkt) P(next right)",
                      self.b.eval("document.querySelector('#mastery thead').textContent"))
        self.shot("5-learner")
        # the learner answers again: the row follows within a second
        self.s.request("POST", "/v1/assessments/dash/responses", {
            "learner": "l1", "answers": {"q1": "A", "q2": "A", "q3": "A", "q4": "A"}})
        bkt = self.api("/v1/learners/l1/mastery")["skills"]["dash-k"]
        self.b.wait_for("document.querySelector('#mastery tr[data-skill=dash-k] td:nth-child(2)')"
                        f".textContent === '{bkt['p_mastery']:.3f}'", timeout=1)
        self.no_console_errors()


    def test_7_after_a_lost_connection_the_page_reads_its_view_again(self):
        import assay  # the Python client, straight to the engine while assay-http is down

        self.open("#/a/dash")
        self.b.wait_for("document.querySelector('#live').textContent === 'live' && "
                        "document.querySelector('[data-figure=n]')")
        n = int(self.b.eval("document.querySelector('[data-figure=n]').textContent"))
        self.s.stop_http()
        self.b.wait_for("document.querySelector('#live').textContent === 'offline'")
        c = assay.Client(data_dir=self.s.dir)
        c.submit(assessment="dash", learner="while-down", answers={"q1": "A"})
        c.close()
        self.s.start_http()
        # no event tells the page of that submission: it reads the view again on reconnecting
        self.b.wait_for(f"document.querySelector('#live').textContent === 'live' && "
                        f"document.querySelector('[data-figure=n]').textContent === '{n + 1}'",
                        timeout=10)
        self.b.pump(0.3)
        # the browser logs the refused connections while the server was down; nothing else
        self.assertTrue(all("ERR_CONNECTION_REFUSED" in e or "ERR_EMPTY_RESPONSE" in e
                            for e in self.b.errors), self.b.errors)
        self.b.errors.clear()

    def test_8_a_rater_grades_the_answers_handed_out_with_keys_and_buttons(self):
        essay = {"title": "Essays", "items": [{"id": "e", "graded": {
            "max": 4, "raters": 2, "tolerance": 1, "rubric": [
                {"score": 0, "label": "none"},
                {"score": 4, "label": "full", "description": "all of it"}]}}]}
        r = self.s.request
        self.assertEqual(r("PUT", "/v1/assessments/dash-essay", essay, admin=True)[0], 200)
        rids = []
        for learner, text in (("w1", "first essay"), ("w2", "second\nessay")):
            st, doc, _ = r("POST", "/v1/assessments/dash-essay/responses",
                           {"learner": learner, "answers": {"e": text}})
            self.assertEqual(st, 201, doc)
            rids.append(doc["response_id"])
        # the assessment's view links to grading; grading asks who grades
        self.open("#token=" + APP)
        self.open("#/a/dash-essay")
        self.b.wait_for("!document.querySelector('#grade-link').parentNode.hidden")
        self.b.eval("document.querySelector('#grade-link').click()")
        self.b.wait_for("document.querySelector('#rater')")
        self.b.eval("document.querySelector('#rater').value = 'ann';"
                    "document.querySelector('form.lookup button').click()")
        self.b.wait_for("document.querySelector('#answer')")
        self.assertEqual(self.b.eval("location.hash"), "#/grade/dash-essay/ann")
        self.b.wait_for("document.querySelector('[data-figure=waiting]').textContent === '2'")
        self.assertEqual(self.b.eval("document.querySelector('#grading h2').textContent"),
                         f"Response {rids[0]}, item e")
        self.assertEqual(self.b.eval("document.querySelector('#answer').textContent"),
                         "first essay")
        self.assertEqual(self.b.eval("[...document.querySelectorAll('#scale button')]"
                                     ".map(b => b.dataset.score)"), ["0", "1", "2", "3", "4"])
        self.assertEqual(self.b.eval("[...document.querySelectorAll('#rubric tr')]"
                                     ".map(tr => tr.textContent)"), ["0none", "4fullall of it"])
        self.shot("8-grading")
        # a key grades the point of its value and the next answer comes at once
        self.b.call("Input.dispatchKeyEvent", type="keyDown", key="3", code="Digit3", text="3")
        self.b.wait_for("document.querySelector('#answer').textContent === 'second\\nessay'")
        self.assertEqual(self.b.eval("document.querySelector('#last-grade').textContent"),
                         f"Response {rids[0]}, item e: 3 (awaiting)")
        self.assertEqual(self.b.eval("document.querySelector('[data-figure=graded]').textContent"),
                         "1")
        # a key off the scale does nothing; a button grades
        self.b.call("Input.dispatchKeyEvent", type="keyDown", key="9", code="Digit9", text="9")
        self.b.pump(0.3)
        self.assertEqual(self.b.eval("document.querySelector('[data-figure=graded]').textContent"),
                         "1")
        self.b.eval("document.querySelector('#scale button[data-score=\"4\"]').click()")
        msg, _ = self.b.wait_for("document.querySelector('#nothing-left').textContent")
        self.assertEqual(msg, "Nothing left to grade for ann.")
        self.assertEqual(self.b.eval("document.querySelector('[data-figure=graded]').textContent"),
                         "2")
        st, doc, _ = r("GET", "/v1/grades?assessment=dash-essay&rater=ann")
        self.assertEqual((st, doc["total"]), (200, 2))
        self.assertEqual(sorted((g["response"], g["item"], g["score"]) for g in doc["grades"]),
                         [(rids[0], "e", 3.0), (rids[1], "e", 4.0)])
        self.no_console_errors()

    def test_9a_agreement_between_raters_shows_the_engines_statistics_and_follows_grades(self):
        quiz = {"title": "Agreement", "items": [
            {"id": "e", "graded": {"max": 2, "raters": 2, "tolerance": 2}}]}
        r = self.s.request
        self.assertEqual(r("PUT", "/v1/assessments/dash-agree", quiz, admin=True)[0], 200)
        rids = []
        for i in range(3):
            st, doc, _ = r("POST", "/v1/assessments/dash-agree/responses",
                           {"learner": f"a{i}", "answers": {"e": f"answer {i}"}})
            self.assertEqual(st, 201, doc)
            rids.append(doc["response_id"])

        def grade(rater, scores):
            for rid, score in zip(rids, scores):
                st, doc, _ = r("PUT", f"/v1/responses/{rid}/grades/e",
                               {"rater": rater, "score": score})
                self.assertEqual(st, 200, doc)
        grade("ann", [2, 1, 0])
        grade("bo", [2, 0, 0])
        grade("auto:j", [2, 1, 1])

        def num(x, d=3):
            return "–" if x is None else f"{x:.{d}f}"

        def pct(x):
            return "–" if x is None else f"{100 * x:.1f}%"

        def expected():
            a = self.api("/v1/assessments/dash-agree/agreement")["items"]["e"]
            row = [str(a["units"]), str(a["grades"]), str(a["raters"]), pct(a["exact"]),
                   pct(a["adjacent"]), num(a["alpha"]["nominal"]), num(a["alpha"]["ordinal"]),
                   num(a["alpha"]["interval"])]
            pairs = [[k, str(p["n"]), pct(p["exact"]), "–", num(p["kappa"]), num(p["qwk"])]
                     for k, p in a["pairs"].items()]
            pairs += [[k, str(j["n"]), pct(j["exact"]), pct(j["adjacent"]), num(j["kappa"]),
                       num(j["qwk"])] for k, j in a["judges"].items()]
            return a, row, pairs

        def shown():
            row = self.b.eval("[...document.querySelectorAll('#agreement tr[data-item=e] td')]"
                              ".slice(1).map(td => td.textContent)")
            pairs = self.b.eval("[...document.querySelectorAll('#pairs tr[data-pair]')]"
                                ".map(tr => [...tr.children].slice(1).map(td => td.textContent))")
            return row, pairs

        self.open("#token=" + READ)
        self.open("#/a/dash-agree")
        self.b.wait_for("document.querySelector('#agreement tr[data-item=e]')")
        a, row, pairs = expected()
        self.assertEqual((a["units"], a["grades"], a["raters"]), (3, 6, 2))
        self.assertEqual(sorted(p[0] for p in pairs), ["ann|bo", "auto:j"])
        self.assertEqual(shown(), (row, pairs))
        self.shot("9-agreement")
        # a third person's grade reaches the table through the event stream
        self.b.wait_for("document.querySelector('#live').textContent === 'live'")
        grade("cy", [2])
        self.b.wait_for("document.querySelector('#agreement tr[data-item=e] td:nth-child(4)')"
                        ".textContent === '3'", timeout=5)
        a, row, pairs = expected()
        self.assertEqual((a["units"], a["grades"], a["raters"]), (3, 7, 3))
        self.assertEqual(shown(), (row, pairs))
        self.no_console_errors()

    def test_9b_learners_show_their_latest_response_and_open_its_answers(self):
        quiz = {"title": "Learners", "items": [
            {"id": "q1", "cardinality": "single", "base_type": "identifier",
             "rule": "match_correct", "correct": ["A"]},
            {"id": "q2", "cardinality": "single", "base_type": "identifier",
             "rule": "match_correct", "correct": ["A"]},
            {"id": "e", "graded": {"max": 2}}]}
        r = self.s.request
        self.assertEqual(r("PUT", "/v1/assessments/dash-lr", quiz, admin=True)[0], 200)

        def submit(learner, answers):
            st, doc, _ = r("POST", "/v1/assessments/dash-lr/responses",
                           {"learner": learner, "answers": answers})
            self.assertEqual(st, 201, doc)
            return doc["response_id"]
        submit("x1", {"q1": "A", "q2": "B", "e": "an essay"})
        submit("x2", {"q1": "B", "q2": "B"})
        latest = submit("x2", {"q1": "A", "q2": "A"})

        def rows():
            return self.b.eval("[...document.querySelectorAll('#learners tr[data-learner]')]"
                               ".map(tr => [...tr.children].slice(0, 4).map(td => td.textContent))")
        self.open("#token=" + READ)
        self.open("#/a/dash-lr")
        self.b.wait_for("document.querySelector('#learners-link')")
        self.b.eval("document.querySelector('#learners-link').click()")
        self.b.wait_for("document.querySelectorAll('#learners tr[data-learner]').length === 2")
        self.assertEqual(self.b.eval("location.hash"), "#/a/dash-lr/learners")
        self.assertEqual(rows(), [["x1", "1", "1.00 / 4", "waiting for people: e"],
                                  ["x2", "2", "2.00 / 4", "scored"]])
        self.assertEqual(self.b.eval("document.querySelector('#learners-note').textContent"),
                         "2 learners")
        # a learner opens their latest response: its answers and item scores, as the engine has them
        self.b.eval("document.querySelector('tr[data-learner=x2] button').click()")
        self.b.wait_for("document.querySelector('#response-items')")
        doc = self.api(f"/v1/responses/{latest}")
        self.assertEqual(self.b.eval("document.querySelector('#response h2').textContent"),
                         f"Response {latest}: x2, attempt 2, 2.00 / 4")
        self.assertEqual(
            self.b.eval("[...document.querySelectorAll('#response-items tbody tr')]"
                        ".map(tr => [...tr.children].map(td => td.textContent))"),
            [[it["id"], doc["answers"].get(it["id"], "–"), f"{it['score']:.2f}",
              f"{it['max_score']:.2f}"] for it in doc["items"]])
        self.assertEqual([it["id"] for it in doc["items"]], ["q1", "q2", "e"])
        self.assertEqual(self.b.eval("document.querySelector('#response').textContent"
                                     ".includes('null')"), False)
        self.shot("10-learners")
        # a new submission reaches its learner's row through the event stream
        self.b.wait_for("document.querySelector('#live').textContent === 'live'")
        submit("x1", {"q1": "A", "q2": "A"})
        self.b.wait_for("document.querySelector('tr[data-learner=x1] td:nth-child(2)')"
                        ".textContent === '2'", timeout=5)
        self.assertEqual(rows(), [["x1", "2", "2.00 / 4", "scored"],
                                  ["x2", "2", "2.00 / 4", "scored"]])
        self.no_console_errors()

    def test_9c_a_raters_token_is_offered_its_assessments_and_grades_as_itself(self):
        quiz = {"title": "Rated", "items": [{"id": "e", "graded": {"max": 1}}]}
        r = self.s.request
        self.assertEqual(r("PUT", "/v1/assessments/dash-rater", quiz, admin=True)[0], 200)
        st, doc, _ = r("POST", "/v1/assessments/dash-rater/responses",
                       {"learner": "r1", "answers": {"e": "rated answer"}})
        self.assertEqual(st, 201, doc)
        rid = doc["response_id"]
        token = jwt.encode({"sub": "rita", "role": "rater", "exp": int(time.time()) + 300},
                           SECRET, algorithm="HS256")
        self.open("#token=" + token)
        self.b.wait_for("document.querySelector('#to-grade a[data-assessment=dash-rater]')")
        self.assertEqual(self.b.eval("document.querySelector('#view h1').textContent"),
                         "Grade as rita")
        self.b.eval("document.querySelector('#to-grade a[data-assessment=dash-rater]').click()")
        self.b.wait_for("document.querySelector('#answer')")
        self.assertEqual(self.b.eval("location.hash"), "#/grade/dash-rater")
        self.assertEqual(self.b.eval("document.querySelector('#view h1').textContent"),
                         "Grade dash-rater as rita")
        self.assertEqual(self.b.eval("document.querySelector('#answer').textContent"),
                         "rated answer")
        self.assertEqual(self.b.eval("document.querySelector('[data-figure=waiting]')"
                                     ".textContent"), "–")
        self.b.call("Input.dispatchKeyEvent", type="keyDown", key="1", code="Digit1", text="1")
        msg, _ = self.b.wait_for("document.querySelector('#nothing-left').textContent")
        self.assertEqual(msg, "Nothing left to grade for rita.")
        st, doc, _ = r("GET", "/v1/grades?rater=rita")
        self.assertEqual((st, [(g["response"], g["item"], g["score"]) for g in doc["grades"]]),
                         (200, [(rid, "e", 1.0)]))
        self.no_console_errors()


if __name__ == "__main__":
    unittest.main()
