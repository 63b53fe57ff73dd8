"""assay-http in front of several engines (-e A,B): each request reaches its learner's engine
(the rendezvous order every assay client computes), a killed engine's learners go to the next,
a try not answered in time goes to the next after --try-timeout-ms, and lists that cannot name
their engines are refused at start. The engines here keep separate stores, so where each
submission went can be read back."""
import json
import os
import select
import signal
import socket
import subprocess
import time
import unittest

import assay
from assay import _nodes
from stack import HTTPD, free_port
from tests.engine import Engine
from tests.learners import balanced

QUIZ = {"id": "many", "items": [{"id": "q", "cardinality": "single", "base_type": "identifier",
                                 "rule": "match_correct", "correct": ["A"]}]}
APP = "app-token-0123456789ab"
# A try's time: far above what an engine that runs takes for one submission, even under the
# sanitizers on a loaded machine (a try that runs out sends its request on to the next engine
# while the first may still store it, and the stores here are separate: where each went is what
# the tests check), and the least a stopped engine costs a request.
TRY_MS = 2000


class SeveralEnginesTest(unittest.TestCase):
    def setUp(self):
        self.engines = [Engine(), Engine()]
        self.http = None
        for e in self.engines:
            with assay.Client(data_dir=e.dir, admin=True) as a:
                a.assessment_put(QUIZ)
        self.eps = [f"ipc://{e.dir}/engine.sock" for e in self.engines]
        self.learners = balanced(self.eps)
        self.first = {lr: _nodes.order(self.eps, lr)[0] for lr in self.learners}
        self.tokens = self.engines[0].dir + ".tokens"
        fd = os.open(self.tokens, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(f"app {APP}\n")
        self.port = free_port()
        self.http = subprocess.Popen([
            HTTPD, "--listen", f"127.0.0.1:{self.port}", "--tokens", self.tokens,
            "--engine", ",".join(self.eps),
            "--admin-endpoint", ",".join(f"ipc://{e.dir}/admin.sock" for e in self.engines),
            "--events-endpoint", ",".join(f"ipc://{e.dir}/events.sock" for e in self.engines),
            "--try-timeout-ms", str(TRY_MS), "--timeout-ms", "20000"])
        deadline = time.monotonic() + 15
        while self.post("/v1/health", None, method="GET")[0] != 200:
            if time.monotonic() > deadline:
                self.tearDown()
                self.fail("assay-http did not answer /v1/health within 15 s")
            time.sleep(0.05)

    def tearDown(self):
        if self.http:
            self.http.send_signal(signal.SIGTERM)
            self.http.wait(10)
        os.unlink(self.tokens)
        for e in self.engines:
            if e.proc and e.proc.poll() is not None:
                e.proc = None  # (killed by the test)
            e.cleanup()

    def post(self, path, body, method="POST"):
        import http.client
        import json
        try:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            c.request(method, path, json.dumps(body) if body is not None else None,
                      {"Authorization": "Bearer " + APP})
            r = c.getresponse()
            doc = json.loads(r.read() or b"null")
            c.close()
            return r.status, doc
        except OSError:
            return None, None

    def submit(self, learner):
        return self.post("/v1/assessments/many/responses",
                         {"learner": learner, "answers": {"q": "A"}})

    def stored(self, i):
        with assay.Client(data_dir=self.engines[i].dir) as c:
            return {lr: len(list(c.response_list(assessment="many", learner=lr)))
                    for lr in self.learners}

    def test_each_learner_reaches_its_engine_and_the_next_when_it_dies(self):
        for lr in self.learners:
            self.assertEqual(self.submit(lr)[0], 201)
        for i in (0, 1):
            self.assertEqual(self.stored(i), {lr: int(self.first[lr] == i) for lr in self.learners})
        self.engines[0].proc.kill()
        self.engines[0].proc.wait()
        for lr in self.learners:
            status, doc = self.submit(lr)
            self.assertEqual(status, 201, doc)
        self.assertEqual(self.stored(1), {lr: 1 + int(self.first[lr] == 1) for lr in self.learners})

    def test_a_try_not_answered_in_time_goes_to_the_next_engine(self):
        learner = next(lr for lr in self.learners if self.first[lr] == 0)
        self.assertEqual(self.submit(learner)[0], 201)  # (engine 0 connected, and answering)
        self.assertEqual((self.stored(0)[learner], self.stored(1)[learner]), (1, 0))
        self.engines[0].proc.send_signal(signal.SIGSTOP)
        try:
            t0 = time.monotonic()
            status, doc = self.submit(learner)
            took = time.monotonic() - t0
        finally:
            self.engines[0].proc.send_signal(signal.SIGCONT)
        self.assertEqual((status, doc["attempt"]), (201, 1))  # (engine 1's first)
        self.assertGreaterEqual(took, TRY_MS / 1000)
        self.assertEqual(self.stored(1)[learner], 1)


    def events(self, n, timeout=5):
        """The next n events of a stream of score.many (GET /v1/events), as dicts."""
        s = socket.create_connection(("127.0.0.1", self.port))
        s.sendall(f"GET /v1/events?topic=score.many HTTP/1.1\r\nHost: x\r\n"
                  f"Authorization: Bearer {APP}\r\n\r\n".encode())
        buf = b""
        while b": subscribed\n\n" not in buf:
            buf += s.recv(4096)
        buf = buf.split(b": subscribed\n\n", 1)[1]
        time.sleep(0.3)  # (the hub's subscriptions reach the engines)
        yield None  # the caller sends its requests now
        got, end = [], time.monotonic() + timeout
        while len(got) < n and time.monotonic() < end:
            blocks = buf.split(b"\n\n")
            buf = blocks.pop()
            for block in blocks:
                fields = dict(line.split(": ", 1) for line in block.decode().splitlines()
                              if ": " in line and not line.startswith(":"))  # (chunk sizes)
                if "event" in fields:
                    got.append(fields)
            if len(got) < n and select.select([s], [], [], end - time.monotonic())[0]:
                buf += s.recv(65536)
        s.close()
        yield got

    def test_the_event_stream_carries_every_engines_events(self):
        stream = self.events(len(self.learners))
        next(stream)
        for lr in self.learners:
            self.assertEqual(self.submit(lr)[0], 201)
        got = next(stream)
        datas = [json.loads(f["data"]) for f in got]
        self.assertEqual(sorted(d["learner"] for d in datas), sorted(self.learners))
        nodes = [f"{socket.gethostname()}:{e.dir}" for e in self.engines]
        self.assertEqual({d["node"] for d in datas}, set(nodes))
        for i, node in enumerate(nodes):
            self.assertEqual([d["learner"] for d in datas if d["node"] == node],
                             [lr for lr in self.learners if self.first[lr] == i])
            seqs = [d["seq"] for d in datas if d["node"] == node]
            self.assertEqual(seqs, list(range(seqs[0], seqs[0] + len(seqs))))
        self.assertEqual([f["id"] for f in got], [str(d["seq"]) for d in datas])


class EngineListsTest(unittest.TestCase):
    def run_http(self, *args):
        p = subprocess.run([HTTPD, "--listen", "127.0.0.1:1"] + list(args), capture_output=True,
                           text=True, timeout=10)
        return p.returncode, p.stderr

    def test_lists_that_cannot_name_their_engines_are_refused(self):
        self.assertEqual(self.run_http("-e", "tcp://a:1,,tcp://b:1", "--events-endpoint", "x"),
                         (2, "assay-http: tcp://a:1,,tcp://b:1: expected 1..16 endpoints "
                             "separated by commas\n"))
        self.assertEqual(self.run_http("-e", "tcp://a:1,tcp://b:1", "--admin-endpoint",
                                       "tcp://a:2", "--events-endpoint", "x"),
                         (2, "assay-http: --admin-endpoint names 1 endpoint(s) and -e 2: give "
                             "one admin endpoint per engine, in the same order\n"))
        self.assertEqual(self.run_http("-d", "/a,/b")[0], 2)
        self.assertEqual(self.run_http("-e", "tcp://a:1", "--events-endpoint", "ipc://x,"),
                         (2, "assay-http: ipc://x,: expected 1..16 endpoints separated by "
                             "commas\n"))
        self.assertEqual(self.run_http("--try-timeout-ms", "0"),
                         (2, "assay-http: --try-timeout-ms: expected milliseconds, 1..3600000, "
                             "got \"0\"\n"))


if __name__ == "__main__":
    unittest.main()
