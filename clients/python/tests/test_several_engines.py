"""One client, several engines (proto/PROTOCOL.md, "Several engines"), sync and asyncio, against
real assayd: the rendezvous order is the documented one (the C library's test checks the same
vectors), a learner's requests go to its node, and when that node is killed they go to the next
without an error. The two engines here keep separate stores, so where each submission went can be
read back; on one database (docs/OPERATIONS.md) it would be stored once whichever node took it."""
import asyncio
import signal
import socket
import time
import unittest

import msgpack

import assay
import assay.aio
from assay import _nodes

from engine import Engine
from learners import balanced

EPS = ["tcp://10.0.0.1:5555", "tcp://10.0.0.2:5555", "tcp://10.0.0.3:5555"]
QUIZ = {"id": "many", "items": [{"id": "q", "cardinality": "single", "base_type": "identifier",
                                 "rule": "match_correct", "correct": ["A"]}]}
# A try's time: far above what an engine that runs takes for one submission, even under the
# sanitizers on a loaded machine (a try that runs out goes on to the next engine while the first
# may still store it, and the stores here are separate: where each went is what the tests check),
# and the least a stopped engine costs a request.
TRY_S = 2.0


class RendezvousTest(unittest.TestCase):
    def test_weights_and_orders_are_the_protocols_vectors(self):
        self.assertEqual([_nodes.weight(e, "ada") for e in EPS],
                         [0xdda0b4134c13e80c, 0x125b03a2ed11e4a5, 0x30dcbe742f077566])
        self.assertEqual(_nodes.weight(EPS[0], ""), 0xcb644de141322fc0)
        self.assertEqual(_nodes.order(EPS, "ada"), [0, 2, 1])
        self.assertEqual(_nodes.order(EPS, "bo"), [1, 0, 2])
        self.assertEqual(_nodes.order(EPS, ""), [2, 0, 1])

    def test_a_submission_gets_a_key_and_routes_by_its_learner(self):
        p = _nodes.with_key("response.submit", {"assessment": "a", "learner": "ada"})
        self.assertTrue(p["key"].startswith("auto-"))
        self.assertEqual(len(p["key"]), 37)
        self.assertEqual(_nodes.with_key("response.submit", {"key": "mine"}), {"key": "mine"})
        self.assertEqual(_nodes.with_key("score", {"assessment": "a"}), {"assessment": "a"})
        self.assertEqual(_nodes.route_key(p), "ada")
        self.assertEqual(_nodes.route_key({"assessment": "a"}), "a")
        self.assertEqual(_nodes.route_key(None), "")


class MissedPerNodeTest(unittest.TestCase):
    def test_a_gap_is_counted_for_its_own_node_only(self):
        last = {}

        def ev(node, seq):
            return assay.Event.from_frames(
                [b"score.q", msgpack.packb({"node": node, "seq": seq})], last)
        got = [(e.node, e.seq, e.missed) for e in
               (ev("h:a", 7), ev("h:b", 1), ev("h:a", 8), ev("h:b", 4), ev("h:a", 9))]
        self.assertEqual(got, [("h:a", 7, 0), ("h:b", 1, 0), ("h:a", 8, 0), ("h:b", 4, 2),
                               ("h:a", 9, 0)])
        self.assertEqual(last, {"h:a": 9, "h:b": 4})


class SeveralEnginesTest(unittest.TestCase):
    def setUp(self):
        self.engines = []
        for _ in range(2):
            self.engines.append(Engine())
            self.addCleanup(self.engines[-1].cleanup)
        for e in self.engines:
            with assay.Client(data_dir=e.dir, admin=True) as a:
                a.assessment_put(QUIZ)
        self.dirs = [e.dir for e in self.engines]
        eps = [f"ipc://{d}/engine.sock" for d in self.dirs]
        self.learners = balanced(eps)
        self.first = {lr: _nodes.order(eps, lr)[0] for lr in self.learners}

    def stored(self, i):
        """Each learner's count of responses on engine i."""
        with assay.Client(data_dir=self.dirs[i]) as c:
            return {lr: len(list(c.response_list(assessment="many", learner=lr)))
                    for lr in self.learners}

    def check(self, submit_all):
        submit_all()
        for i in (0, 1):
            self.assertEqual(self.stored(i),
                             {lr: int(self.first[lr] == i) for lr in self.learners})
        self.engines[0].proc.kill()
        self.engines[0].proc.wait()
        submit_all()
        self.assertEqual(self.stored(1),
                         {lr: 1 + int(self.first[lr] == 1) for lr in self.learners})

    def test_a_learner_goes_to_its_engine_and_to_the_next_when_it_dies(self):
        c = assay.Client(data_dir=",".join(self.dirs), timeout=10, try_timeout=TRY_S)

        def submit_all():
            for lr in self.learners:
                r = c.submit(assessment="many", learner=lr, answers={"q": "A"})
                self.assertEqual(r["score"], 1.0)
        self.check(submit_all)
        c.close()

    def test_a_try_not_answered_in_time_goes_to_the_next_engine(self):
        c = assay.Client(data_dir=self.dirs, timeout=10, try_timeout=TRY_S)
        learner = next(lr for lr in self.learners if self.first[lr] == 0)
        list(c.response_list(assessment="many", learner=learner))  # (engine 0 connected)
        self.engines[0].proc.send_signal(signal.SIGSTOP)
        try:
            t0 = time.monotonic()
            r = c.submit(assessment="many", learner=learner, answers={"q": "A"})
            took = time.monotonic() - t0
        finally:
            self.engines[0].proc.send_signal(signal.SIGCONT)
        self.assertEqual(r["attempt"], 1)
        self.assertGreaterEqual(took, TRY_S)
        self.assertEqual(self.stored(1)[learner], 1)
        c.close()

    def nodes(self):
        return {f"{socket.gethostname()}:{d}" for d in self.dirs}

    def check_events(self, events):
        """One score event per learner, from both engines, each engine's seq without a gap."""
        self.assertEqual(sorted(e.body["learner"] for e in events), sorted(self.learners))
        self.assertEqual({e.node for e in events}, self.nodes())
        for node in self.nodes():
            seqs = [e.seq for e in events if e.node == node]
            self.assertEqual(seqs, list(range(seqs[0], seqs[0] + len(seqs))))
        self.assertEqual([e.missed for e in events], [0] * len(self.learners))

    def test_a_subscriber_follows_every_engine(self):
        c = assay.Client(data_dir=self.dirs, timeout=10)
        with assay.Subscriber(["score.many"], data_dir=",".join(self.dirs)) as sub:
            time.sleep(0.3)  # the subscriptions reach the engines
            for lr in self.learners:
                c.submit(assessment="many", learner=lr, answers={"q": "A"})
            events = [sub.recv(timeout=3) for _ in self.learners]
        c.close()
        self.check_events(events)

    def test_the_asyncio_subscriber_follows_every_engine(self):
        async def go():
            async with assay.aio.Client(data_dir=self.dirs, timeout=10) as c:
                sub = assay.aio.Subscriber(["score.many"], data_dir=self.dirs)
                await asyncio.sleep(0.3)
                for lr in self.learners:
                    await c.submit(assessment="many", learner=lr, answers={"q": "A"})
                events = [await sub.recv(timeout=3) for _ in self.learners]
                sub.close()
                return events
        self.check_events(asyncio.run(go()))

    def test_the_asyncio_client_does_the_same(self):
        c = assay.aio.Client(data_dir=self.dirs, timeout=10, try_timeout=TRY_S)

        def submit_all():
            async def go():
                rs = await asyncio.gather(*(c.submit(assessment="many", learner=lr,
                                                     answers={"q": "A"}) for lr in self.learners))
                self.assertEqual([r["score"] for r in rs], [1.0] * len(self.learners))
            loop.run_until_complete(go())
        loop = asyncio.new_event_loop()
        try:
            self.check(submit_all)
            loop.run_until_complete(c.close())
        finally:
            loop.close()


if __name__ == "__main__":
    unittest.main()
