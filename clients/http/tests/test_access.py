"""Who may call what in assay-http, against a real assayd: every route with every scope (the
scopes the OpenAPI document gives each operation, x-scope and x-learner, checked against what the
server does), learner JWTs (expired, wrongly signed, alg none, another learner's records and
topics), the token file read again when it changes, rate limits, CORS and the refusals counted
in /metrics."""
import http.client
import importlib.util
import json
import os
import select
import socket
import subprocess
import tempfile
import time
import unittest

import jwt  # python3-jwt: what an app server would mint learner tokens with

from stack import APP, EXAMPLES, HTTPD, READ, TOKEN, Stack

SECRET = b"learner-secret-0123456789abcdef-0123456789"
SCOPES = ("none", "read", "app", "admin", "learner", "rater")


def secret_file(data, mode=0o600):
    fd, path = tempfile.mkstemp(prefix="assay-secret-")
    os.write(fd, data)
    os.close(fd)
    os.chmod(path, mode)
    return path


def learner_token(sub, secret=SECRET, exp_in=300, alg="HS256", **extra):
    claims = {"sub": sub, **extra}
    if exp_in is not None:
        claims["exp"] = int(time.time()) + exp_in
    return jwt.encode(claims, secret, algorithm=alg)


def status_line(port, path, token):
    """The status of a GET whose body may never end (the event stream), and its headers."""
    s = socket.create_connection(("127.0.0.1", port), 5)
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n{auth}\r\n".encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
    s.close()
    return int(buf.split(b" ", 2)[1]), buf


class AccessTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.secret = secret_file(SECRET + b"\n")
        cls.s = Stack("--jwt-secret-file", cls.secret, "--cors-origin", "https://app.example.org")
        r = cls.s.request
        assert r("PUT", "/v1/skills/mxk", {"prior": 0.3, "learn": 0.1, "forget": 0,
                                           "guess": 0.2, "slip": 0.1}, admin=True)[0] == 200
        assert r("PUT", "/v1/assessments/mx", {"pass_ratio": 0.5, "items": [{
            "id": "q", "cardinality": "single", "base_type": "identifier",
            "rule": "match_correct", "correct": ["A"], "skills": ["mxk"]}]}, admin=True)[0] == 200
        cls.ana = learner_token("ana")
        cls.rita = learner_token("rita", role="rater")
        st, doc, _ = r("POST", "/v1/assessments/mx/responses", {"answers": {"q": "A"}},
                       token=cls.ana)
        assert st == 201, doc
        cls.ana_response = doc["response_id"]
        st, doc, _ = r("POST", "/v1/assessments/mx/attempts", {}, token=cls.ana)
        assert st == 200, doc
        cls.ana_attempt = doc["id"]
        st, doc, _ = r("POST", "/v1/assessments/mx/responses",
                       {"learner": "bob", "answers": {"q": "B"}})
        cls.bob_response = doc["response_id"]
        st, doc, _ = r("POST", "/v1/assessments/mx/attempts", {"learner": "bob"})
        cls.bob_attempt = doc["id"]

    @classmethod
    def tearDownClass(cls):
        cls.s.close()
        os.unlink(cls.secret)

    def token_of(self, scope):
        return {"none": None, "read": READ, "app": APP, "admin": TOKEN, "learner": self.ana,
                "rater": self.rita}[scope]

    def concrete(self, path, scope):
        """The route's pattern with ids of records that exist (the learner's own)."""
        fixed = {"/v1/responses/{id}": f"/v1/responses/{self.ana_response}",
                 "/v1/attempts/{id}": f"/v1/attempts/{self.ana_attempt}",
                 "/v1/learners/{id}": "/v1/learners/ana", "/v1/skills/{id}": "/v1/skills/mxk",
                 "/v1/models/{id}": "/v1/models/nomodel", "/v1/jobs/{id}": "/v1/jobs/1",
                 "/dashboard/{file}": "/dashboard/app.js"}
        for k, v in fixed.items():
            if path.startswith(k):
                path = v + path[len(k):]
        path = path.replace("{learner}", "ana").replace("{id}", "mx")
        if path == "/v1/events":
            path += "?topic=mastery.ana" if scope == "learner" else "?topic=score.mx"
        return path

    def test_every_route_answers_every_scope_as_the_openapi_document_says(self):
        st, doc, _ = self.s.request("GET", "/v1/openapi.json", token=READ)
        self.assertEqual(st, 200)
        rank = {"public": 0, "read": 1, "app": 2, "admin": 3}
        checked = 0
        for pattern, item in doc["paths"].items():
            for method, op in item.items():
                need, learner_ok = op["x-scope"], op.get("x-learner", False)
                for scope in SCOPES:
                    if scope == "none":
                        allowed = need == "public"
                    elif scope == "learner":
                        allowed = need == "public" or learner_ok
                    elif scope == "rater":
                        allowed = need == "public" or "x-rater" in op
                    else:
                        allowed = rank[scope] >= rank[need]
                    path = self.concrete(pattern, scope)
                    token = self.token_of(scope)
                    if pattern == "/v1/events" and allowed:  # a stream: its status only
                        status, _ = status_line(self.s.port, path, token)
                    else:
                        body = {} if method in ("post", "put") else None
                        status, got, _ = self.s.request(method.upper(), path, body, token=token)
                    where = f"{method.upper()} {path} as {scope}"
                    if allowed:
                        self.assertNotIn(status, (401, 403), where)
                    elif scope == "none":
                        self.assertEqual(status, 401, where)
                        self.assertEqual(got["error"]["code"], "unauthorized", where)
                    else:
                        self.assertEqual(status, 403, where)
                        self.assertIn("token", got["error"]["message"], where)
                    checked += 1
        self.assertEqual(checked, 6 * sum(len(i) for i in doc["paths"].values()))

    def test_a_rater_token_grades_as_its_own_rater_only(self):
        r = self.s.request
        self.assertEqual(r("PUT", "/v1/assessments/mxe", {"items": [
            {"id": "e", "graded": {"max": 3, "raters": 2}}]}, admin=True)[0], 200)
        st, doc, _ = r("POST", "/v1/assessments/mxe/responses",
                       {"learner": "cal", "answers": {"e": "an essay"}})
        rid = doc["response_id"]
        # it is handed the answer as itself, reads it, grades as itself (named or not), lists
        # only its own grades
        st, doc, _ = r("POST", "/v1/assessments/mxe/grade-next", {}, token=self.rita)
        self.assertEqual((st, doc["response"], doc["item"], doc["rater"], doc["answer"]),
                         (200, rid, "e", "rita", "an essay"))
        st, doc, _ = r("POST", "/v1/assessments/mxe/grade-next", {"rater": "ola"},
                       token=self.rita)
        self.assertEqual((st, doc["error"]["message"]),
                         (403, "body.rater: a rater token acts only as its own rater \"rita\", "
                               "not \"ola\""))
        st, doc, _ = r("GET", f"/v1/responses/{rid}", token=self.rita)
        self.assertEqual((st, doc["answers"]), (200, {"e": "an essay"}))
        st, doc, _ = r("PUT", f"/v1/responses/{rid}/grades/e", {"score": 2}, token=self.rita)
        self.assertEqual((st, doc["rater"], doc["state"]), (200, "rita", "awaiting"))
        st, doc, _ = r("PUT", f"/v1/responses/{rid}/grades/e", {"rater": "rita", "score": 3},
                       token=self.rita)
        self.assertEqual((st, doc["rater"], doc["score"]), (200, "rita", 3.0))
        self.assertEqual(r("PUT", f"/v1/responses/{rid}/grades/e", {"rater": "ola", "score": 3})[0],
                         200)
        st, doc, _ = r("GET", f"/v1/grades?response={rid}", token=self.rita)
        self.assertEqual((st, [(g["rater"], g["revision"]) for g in doc["grades"]]),
                         (200, [("rita", 2)]))
        # another rater's name, other raters' grades, the agreement: refused, saying why
        st, doc, _ = r("PUT", f"/v1/responses/{rid}/grades/e", {"rater": "ola", "score": 0},
                       token=self.rita)
        self.assertEqual((st, doc["error"]["message"]),
                         (403, "body.rater: a rater token acts only as its own rater \"rita\", "
                               "not \"ola\""))
        st, doc, _ = r("GET", "/v1/grades?rater=ola", token=self.rita)
        self.assertEqual((st, doc["error"]["message"]),
                         (403, "query rater: a rater token acts only as its own rater \"rita\", "
                               "not \"ola\""))
        st, doc, _ = r("GET", "/v1/assessments/mxe/agreement", token=self.rita)
        self.assertEqual((st, doc["error"]["message"]),
                         (403, "a rater token may not call GET /v1/assessments/{id}/agreement: "
                               "raters read assessments and responses, take answers to grade, put "
                               "their own grades and list them"))
        # a token of an unknown role is no token
        st, doc, _ = r("GET", "/v1/assessments/mxe", token=learner_token("x", role="admin"))
        self.assertEqual((st, doc["error"]["message"]),
                         (401, "the token's role must be \"learner\" (the default) or \"rater\""))

    def test_a_wrong_scope_is_403_saying_what_it_needs(self):
        st, doc, _ = self.s.request("POST", "/v1/assessments/mx/score", {"answers": {}},
                                    token=READ)
        self.assertEqual((st, doc["error"]["message"]),
                         (403, "POST /v1/assessments/{id}/score needs an app token (or a wider "
                               "one); this one's scope is read"))
        st, doc, _ = self.s.request("GET", "/v1/assessments", token=self.ana)
        self.assertEqual((st, doc["error"]["message"]),
                         (403, "a learner token may not call GET /v1/assessments: learners submit "
                               "and run their own attempts, and read their own responses, "
                               "attempts, mastery and notifications"))
        st, doc, r = self.s.request("GET", "/v1/assessments", token=None)
        self.assertEqual((st, doc["error"]["message"], r.getheader("WWW-Authenticate")),
                         (401, "this route needs a token: Authorization: Bearer <token>",
                          'Bearer realm="assay"'))
        self.assertEqual(self.s.request("GET", "/v1/health", token=None)[0], 200)

    def test_bad_learner_tokens_are_401_with_the_reason(self):
        cases = [
            (learner_token("ana", exp_in=-10), "the learner token expired at "),
            (learner_token("ana", secret=b"another-secret-0123456789abcdef-0123"),
             "the learner token's signature does not verify with --jwt-secret-file's secret "
             "(or it is malformed)"),
            (learner_token("ana", alg="HS512"), 'the learner token\'s alg is "HS512": only HS256 '
                                                "is accepted"),
            (learner_token("ana", exp_in=None), "the learner token has no exp (an expiry is "
                                                "required)"),
            (jwt.encode({"exp": int(time.time()) + 60}, SECRET, algorithm="HS256"),
             "the learner token's sub (the learner id) must be 1 to 128 bytes without control "
             "characters"),
            (learner_token("ana", nbf=int(time.time()) + 600),
             "the learner token is not valid yet (nbf)"),
            # a NumericDate may be fractional: a float nbf in the future is not valid yet
            (learner_token("ana", nbf=time.time() + 600.5),
             "the learner token is not valid yet (nbf)"),
            # any other type is refused, never taken for an absent claim
            (learner_token("ana", nbf=str(int(time.time()) + 600)),
             "the learner token's nbf is not a number (a NumericDate)"),
            (learner_token("ana", nbf=None), "the learner token's nbf is not a number"),
            (learner_token("ana", exp_in=None, exp=str(int(time.time()) + 600)),
             "the learner token's exp is not a number (a NumericDate)"),
            (learner_token("ana", exp_in=None, exp=True),
             "the learner token's exp is not a number (a NumericDate)"),
            # a critical header extension is one nothing here understands
            (jwt.encode({"sub": "ana", "exp": int(time.time()) + 60}, SECRET, algorithm="HS256",
                        headers={"crit": ["exp"]}),
             "the learner token's header has crit: no JWT extension is understood here"),
        ]
        # alg none: an unsigned token that claims to be ana's
        unsigned = jwt.encode({"sub": "ana", "exp": int(time.time()) + 60}, None, algorithm="none")
        cases.append((unsigned, 'the learner token\'s alg is "none": only HS256 is accepted'))
        # a validly signed token whose header was swapped for alg none
        signed = learner_token("ana").split(".")
        none_header = unsigned.split(".")[0]
        cases.append((".".join([none_header, signed[1], signed[2]]),
                      'the learner token\'s alg is "none": only HS256 is accepted'))
        cases.append(("not-a-token-at-all-0000", "the bearer token is not a valid token"))
        for token, want in cases:
            st, doc, r = self.s.request("GET", "/v1/learners/ana/mastery", token=token)
            self.assertEqual(st, 401, token)
            self.assertTrue(doc["error"]["message"].startswith(want), doc["error"]["message"])
            self.assertEqual(r.getheader("WWW-Authenticate"),
                             'Bearer realm="assay", error="invalid_token"')

    def test_numeric_dates_may_be_fractional(self):
        token = learner_token("ana", exp_in=None, exp=time.time() + 300.25,
                              nbf=time.time() - 10.5)
        self.assertEqual(self.s.request("GET", "/v1/learners/ana/mastery", token=token)[0], 200)

    def test_a_token_accepted_before_is_refused_once_expired_or_altered(self):
        # accepted tokens are kept verified (access.c): each use checks exp and the whole token
        token = learner_token("ana", exp_in=2)
        self.assertEqual(self.s.request("GET", "/v1/learners/ana/mastery", token=token)[0], 200)
        self.assertEqual(self.s.request("GET", "/v1/learners/ana/mastery", token=token)[0], 200)
        head, payload, sig = token.split(".")
        altered = ".".join([head, payload, sig[:-2] + ("AA" if sig[-2:] != "AA" else "BB")])
        st, doc, _ = self.s.request("GET", "/v1/learners/ana/mastery", token=altered)
        self.assertEqual((st, doc["error"]["message"]),
                         (401, "the learner token's signature does not verify with "
                               "--jwt-secret-file's secret (or it is malformed)"))
        time.sleep(3.05)
        st, doc, _ = self.s.request("GET", "/v1/learners/ana/mastery", token=token)
        self.assertEqual(st, 401)
        self.assertTrue(doc["error"]["message"].startswith("the learner token expired at "))

    def test_a_learner_reaches_only_its_own_records(self):
        r = self.s.request
        ana = self.ana
        st, doc, _ = r("POST", "/v1/assessments/mx/responses",
                       {"learner": "bob", "answers": {"q": "A"}}, token=ana)
        self.assertEqual((st, doc["error"]["message"]),
                         (403, 'body.learner: a learner token acts only as its own learner '
                               '"ana", not "bob"'))
        st, doc, _ = r("GET", f"/v1/responses/{self.bob_response}", token=ana)
        self.assertEqual((st, doc["error"]["message"]),
                         (403, f'response {self.bob_response} is another learner\'s (not '
                               f'"ana"\'s)'))
        st, doc, _ = r("GET", f"/v1/responses/{self.ana_response}", token=ana)
        self.assertEqual((st, doc["learner"]), (200, "ana"))
        for action in ("save", "submit"):
            st, doc, _ = r("POST", f"/v1/attempts/{self.bob_attempt}/{action}",
                           {"answers": {"q": "A"}}, token=ana)
            self.assertEqual((st, doc["error"]["message"]),
                             (403, f'attempt {self.bob_attempt} is another learner\'s (not '
                                   f'"ana"\'s)'))
        st, doc, _ = r("GET", f"/v1/attempts/{self.bob_attempt}", token=APP)
        self.assertEqual((doc["state"], doc["answers"]), ("in_progress", {}))  # untouched
        st, doc, _ = r("GET", "/v1/learners/bob/mastery", token=ana)
        self.assertEqual((st, doc["error"]["message"]),
                         (403, 'path: a learner token acts only as its own learner "ana", not '
                               '"bob"'))
        st, doc, _ = r("GET", "/v1/learners/ana/mastery", token=ana)
        self.assertEqual((st, doc["skills"]["mxk"]["opportunities"]), (200, 1))
        st, doc, _ = r("GET", "/v1/assessments/mx/responses?learner=bob", token=ana)
        self.assertEqual(st, 403)
        st, doc, _ = r("GET", "/v1/assessments/mx/responses", token=ana)
        self.assertEqual({x["learner"] for x in doc["responses"]}, {"ana"})
        st, doc, _ = r("GET", "/v1/assessments/mx/attempts", token=ana)
        self.assertEqual({x["learner"] for x in doc["attempts"]}, {"ana"})
        st, doc, _ = r("POST", "/v1/assessments/mx/attempts", {"learner": 7}, token=ana)
        self.assertEqual((st, doc["error"]["message"]),
                         (403, 'body.learner: a learner token acts only as its own learner '
                               '"ana", not "7"'))

    def test_a_learner_subscribes_only_to_its_own_topic(self):
        ana = self.ana
        for path, want in [
                ("/v1/events", "a learner token subscribes to its own topic only: "
                               "?topic=mastery.ana is required"),
                ("/v1/events?topic=mastery.bob", 'topic "mastery.bob": a learner token '
                                                 "subscribes to its own topic only (mastery.ana)"),
                ("/v1/events?topic=mastery.an", 'topic "mastery.an": a learner token subscribes '
                                                "to its own topic only (mastery.ana)"),
                ("/v1/events?topic=score.", 'topic "score.": a learner token subscribes to its '
                                            "own topic only (mastery.ana)")]:
            st, doc, _ = self.s.request("GET", path, token=ana)
            self.assertEqual((st, doc["error"]["message"]), (403, want))
        # its own topic, exactly: a learner whose id extends it ("anab") is not delivered
        s = socket.create_connection(("127.0.0.1", self.s.port))
        s.sendall(f"GET /v1/events?topic=mastery.ana&access_token={ana} HTTP/1.1\r\n"
                  "Host: x\r\n\r\n".encode())
        buf = b""
        while b": subscribed" not in buf:
            buf += s.recv(4096)
        self.assertTrue(buf.startswith(b"HTTP/1.1 200"))
        self.s.request("POST", "/v1/assessments/mx/responses",
                       {"learner": "anab", "answers": {"q": "A"}})
        st, mine, _ = self.s.request("POST", "/v1/assessments/mx/responses",
                                     {"answers": {"q": "A"}}, token=ana)
        got = b""
        end = time.monotonic() + 5
        while b"\n\n" not in got.split(b"event:", 1)[-1] and time.monotonic() < end:
            if select.select([s], [], [], 0.5)[0]:
                got += s.recv(65536)
        s.close()
        events = [b for b in got.split(b"\n\n") if b"event:" in b]
        self.assertEqual(len(events), 1)
        self.assertIn(b"event: mastery.ana\n", events[0])
        data = json.loads(events[0].split(b"data: ", 1)[1])
        self.assertEqual((data["learner"], data["response_id"]), ("ana", mine["response_id"]))

    def test_a_token_minted_by_the_fastapi_example_reaches_its_learner_only(self):
        spec = importlib.util.spec_from_file_location(
            "fastapi_app", os.path.join(EXAMPLES, "fastapi_app.py"))
        app = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(app)
        token = app.learner_token("ana", secret_file=self.secret)
        st, doc, _ = self.s.request("GET", "/v1/learners/ana/mastery", token=token)
        self.assertEqual((st, doc["learner"]), (200, "ana"))
        self.assertEqual(self.s.request("GET", "/v1/learners/bob/mastery", token=token)[0], 403)

    def test_cors_answers_preflights_for_the_configured_origins(self):
        c = http.client.HTTPConnection("127.0.0.1", self.s.port, timeout=5)
        c.request("OPTIONS", "/v1/assessments/mx/score",
                  headers={"Origin": "https://app.example.org",
                           "Access-Control-Request-Method": "POST",
                           "Access-Control-Request-Headers": "authorization, content-type"})
        r = c.getresponse()
        r.read()
        self.assertEqual((r.status, r.getheader("Access-Control-Allow-Origin"),
                          r.getheader("Access-Control-Allow-Methods"),
                          r.getheader("Access-Control-Allow-Headers")),
                         (204, "https://app.example.org", "POST",
                          "Authorization, Content-Type, If-None-Match"))
        c.request("OPTIONS", "/v1/assessments/mx/score",
                  headers={"Origin": "https://evil.example.net",
                           "Access-Control-Request-Method": "POST"})
        r = c.getresponse()
        r.read()
        self.assertEqual((r.status, r.getheader("Access-Control-Allow-Origin")), (403, None))
        c.close()
        st, _, r = self.s.request("GET", "/v1/assessments/mx", token=READ,
                                  headers={"Origin": "https://app.example.org"})
        self.assertEqual((st, r.getheader("Access-Control-Allow-Origin"), r.getheader("Vary")),
                         (200, "https://app.example.org", "Origin"))
        st, _, r = self.s.request("GET", "/v1/assessments/mx", token=READ,
                                  headers={"Origin": "https://evil.example.net"})
        self.assertEqual((st, r.getheader("Access-Control-Allow-Origin")), (200, None))


def metric(stack, name):
    st, text, _ = stack.request("GET", "/metrics", admin=True)
    for line in text.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return 0.0


class TokenFileTest(unittest.TestCase):
    def test_the_token_file_is_read_again_when_it_changes(self):
        s = Stack()
        try:
            new = "fresh-token-0123456789"
            self.assertEqual(s.request("GET", "/v1/assessments", token=new)[0], 401)
            time.sleep(1.1)  # a change within the second it was read could keep its mtime
            with open(s.dir + ".token", "w") as f:
                f.write(f"admin {TOKEN}\nread {new}\n")  # APP and READ revoked
            for _ in range(40):
                if s.request("GET", "/v1/assessments", token=new)[0] == 200:
                    break
                time.sleep(0.1)
            self.assertEqual(s.request("GET", "/v1/assessments", token=new)[0], 200)
            self.assertEqual(s.request("GET", "/v1/assessments", token=APP)[0], 401)
            self.assertEqual(s.request("POST", "/v1/assessments/x/score", {}, token=new)[0], 403)
            # a broken file leaves the tokens in force and says why
            time.sleep(1.1)
            with open(s.dir + ".token", "w") as f:
                f.write(f"admin {TOKEN}\nsuper {new}\n")
            time.sleep(1.2)
            self.assertEqual(s.request("GET", "/v1/assessments", token=new)[0], 200)
            self.assertEqual(s.request("GET", "/v1/assessments", token=new)[0], 200)
            with open(s.log.name) as f:
                self.assertIn(":2: the scope is admin, app or read (learner and rater tokens are JWTs) "
                              "(the previous tokens stay in force)", f.read())
        finally:
            s.close()

    def run_http(self, *args):
        p = subprocess.run([HTTPD, "-d", "/nonexistent", "--listen", "127.0.0.1:1"] + list(args),
                           capture_output=True, text=True, timeout=10)
        return p.returncode, p.stderr

    def test_secret_files_others_may_read_and_bad_options_are_refused(self):
        path = secret_file(b"read read-token-0123456789a\n", 0o644)
        try:
            self.assertEqual(self.run_http("--tokens", path),
                             (2, f"assay-http: --tokens {path}: group or others may read or "
                                 "write it (mode 0644): it holds secrets, chmod 600 it\n"))
            os.chmod(path, 0o600)
            with open(path, "w") as f:
                f.write("read short\n")
            self.assertEqual(self.run_http("--tokens", path),
                             (2, f"assay-http: --tokens {path}:1: a token must be at least 16 "
                                 "characters\n"))
            with open(path, "w") as f:
                f.write("# ok\nread read-token-0123456789a\napp read-token-0123456789a\n")
            self.assertEqual(self.run_http("--tokens", path),
                             (2, f"assay-http: --tokens {path}:3: the same token is on an "
                                 "earlier line\n"))
            with open(path, "w") as f:
                f.write("short-secret")
            self.assertEqual(self.run_http("--jwt-secret-file", path),
                             (2, f"assay-http: --jwt-secret-file {path}: the secret must be 32 "
                                 "to 4096 bytes (HS256 needs at least 256 bits), found 12\n"))
        finally:
            os.unlink(path)
        self.assertEqual(self.run_http("--rate-limit", "learner=0"),
                         (2, "assay-http: --rate-limit learner=0: expected RATE (requests a "
                             "second, > 0) and optionally /BURST (>= 1), e.g. learner=20/40\n"))
        self.assertEqual(self.run_http("--rate-limit", "guest=5"),
                         (2, "assay-http: --rate-limit guest=5: expected SCOPE=RATE[/BURST] with "
                             "SCOPE admin, app, read or learner\n"))
        self.assertEqual(self.run_http("--cors-origin", "https://a.example/x"),
                         (2, "assay-http: --cors-origin https://a.example/x: expected an origin, "
                             "scheme://host[:port] without a path (e.g. https://app.example.org), "
                             "or *\n"))

    def test_the_admin_token_file_still_gives_an_admin_token(self):
        path = secret_file(b"only-admin-token-0123456789\n")
        s = Stack("--admin-token-file", path, token=False)
        try:
            st, _, _ = s.request("PUT", "/v1/skills/k", {"prior": 0.3, "learn": 0.1, "forget": 0,
                                                         "guess": 0.2, "slip": 0.1},
                                 token="only-admin-token-0123456789")
            self.assertEqual(st, 200)
            self.assertEqual(s.request("GET", "/v1/skills", token=APP)[0], 401)
        finally:
            s.close()
            os.unlink(path)

    def test_without_tokens_every_route_but_health_and_the_page_is_401(self):
        s = Stack(token=False)
        try:
            st, doc, _ = s.request("GET", "/v1/assessments", token="anything-0123456789")
            self.assertEqual(st, 401)
            st, doc, _ = s.request("GET", "/v1/assessments", token=None)
            self.assertEqual((st, doc["error"]["message"]),
                             (401, "no tokens are configured: start assay-http with --tokens FILE "
                                   "(or --admin-token-file, --jwt-secret-file)"))
            self.assertEqual(s.request("GET", "/v1/health", token=None)[0], 200)
            st, page, r = s.request("GET", "/", token=None)
            self.assertEqual((st, r.getheader("Content-Type")), (200, "text/html; charset=utf-8"))
            self.assertIn(b"<title>assay", page)
            self.assertIn("default-src 'self'", r.getheader("Content-Security-Policy"))
            self.assertEqual(s.request("GET", "/dashboard/nope.js", token=None)[0], 404)
        finally:
            s.close()


class RateLimitTest(unittest.TestCase):
    def test_a_token_over_its_rate_gets_429_with_retry_after_and_is_counted(self):
        secret = secret_file(SECRET)
        s = Stack("--rate-limit", "read=1/3", "--rate-limit", "learner=0.5/1",
                  "--jwt-secret-file", secret)
        try:
            got = [s.request("GET", "/v1/assessments", token=READ)[0] for _ in range(3)]
            self.assertEqual(got, [200, 200, 200])  # the burst
            st, doc, r = s.request("GET", "/v1/assessments", token=READ)
            self.assertEqual((st, doc["error"]["code"], r.getheader("Retry-After")),
                             (429, "rate_limited", "1"))
            self.assertTrue(doc["error"]["message"].startswith(
                "this read token made more than 1 requests a second (burst 3): retry in "))
            # other tokens have their own buckets; a scope without a limit has none
            self.assertEqual(s.request("GET", "/v1/assessments", token=APP)[0], 200)
            ana, bob = learner_token("ana"), learner_token("bob")
            self.assertEqual(s.request("GET", "/v1/learners/ana/mastery", token=ana)[0], 200)
            st, _, r = s.request("GET", "/v1/learners/ana/mastery", token=ana)
            self.assertEqual((st, r.getheader("Retry-After")), (429, "2"))
            self.assertEqual(s.request("GET", "/v1/learners/bob/mastery", token=bob)[0], 200)
            time.sleep(1.05)  # one more token for read
            self.assertEqual(s.request("GET", "/v1/assessments", token=READ)[0], 200)
            self.assertEqual(metric(s, 'assay_http_refused_total{reason="rate_limited",'
                                       'scope="read"}'), 1)
            self.assertEqual(metric(s, 'assay_http_refused_total{reason="rate_limited",'
                                       'scope="learner"}'), 1)
            s.request("GET", "/v1/assessments", token=None)
            self.assertEqual(metric(s, 'assay_http_refused_total{reason="no_token",'
                                       'scope="none"}'), 1)
        finally:
            s.close()
            os.unlink(secret)


if __name__ == "__main__":
    unittest.main()
