"""assay.LocalScorer against a real assayd: ``score`` in this process through libassay gives what
the engine answers (the same result bytes, the same errors), sees a new version at the next call,
and says where it looked when a directory has no published tables."""
import json
import os
import tempfile
import unittest

import msgpack
import zmq

import assay

from engine import EXAMPLES, Engine

# The ASan build preloads its runtime for this interpreter alone (meson.build): not for the
# processes the test starts (assayd is built with it; tools/pg's clients are not).
os.environ.pop("LD_PRELOAD", None)


def load(name):
    with open(os.path.join(EXAMPLES, name)) as f:
        return json.load(f)


QUIZ, ANSWERS = load("quiz.json"), load("answers.json")


def engine_result_bytes(data_dir, params):
    """The result of `score` as the engine's response carries it, undecoded."""
    ctx = zmq.Context.instance()
    s = ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    s.connect("ipc://" + os.path.join(data_dir, "engine.sock"))
    try:
        s.send(msgpack.packb([0, 7, "score", params], use_bin_type=True))
        if not s.poll(10000):
            raise AssertionError("no response from the engine")
        body = s.recv_multipart()[-1]
    finally:
        s.close(0)
    u = msgpack.Unpacker(raw=False, strict_map_key=False)
    u.feed(body)
    assert u.read_array_header() == 4
    assert u.unpack() == 1 and u.unpack() == 7 and u.unpack() is None
    return body[u.tell():]


@unittest.skipIf(os.environ.get("ASSAY_LOCAL_SKIP"), os.environ.get("ASSAY_LOCAL_SKIP"))
class LocalScorerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.engine = Engine()
        cls.admin = assay.Client(data_dir=cls.engine.dir, admin=True)
        cls.admin.assessment_put(QUIZ)
        cls.local = assay.LocalScorer(cls.engine.dir)

    @classmethod
    def tearDownClass(cls):
        cls.local.close()
        cls.admin.close()
        cls.engine.cleanup()

    def test_the_local_result_is_the_engines_bytes_and_the_clients_value(self):
        for detail in (None, False, True):
            params = {"assessment": "quiz-demo", "answers": ANSWERS}
            if detail is not None:
                params["detail"] = detail
            raw = self.local.score_raw(msgpack.packb(params, use_bin_type=True))
            self.assertEqual(raw, engine_result_bytes(self.engine.dir, params))
            got = self.local.score("quiz-demo", ANSWERS, detail=detail)
            self.assertEqual(got, self.admin.score(**params))
        self.assertEqual(got["score"], 11)
        self.assertEqual(got["max_score"], 19)
        self.assertEqual(len(got["items"]), 11)

    def test_errors_raise_the_engines_classes_and_messages(self):
        with self.assertRaises(assay.NotFound) as local:
            self.local.score("nope", {})
        with self.assertRaises(assay.NotFound) as engine:
            self.admin.score(assessment="nope", answers={})
        self.assertEqual(str(local.exception), str(engine.exception))
        self.assertEqual(str(local.exception), 'not_found: assessment "nope" not found')
        with self.assertRaises(assay.BadRequest) as local:
            self.local.score("quiz-demo", {"capitol": 7})
        with self.assertRaises(assay.BadRequest) as engine:
            self.admin.score(assessment="quiz-demo", answers={"capitol": 7})
        self.assertEqual(str(local.exception), str(engine.exception))
        self.assertEqual(self.local.score("quiz-demo", ANSWERS)["score"], 11)

    def test_a_new_version_is_scored_by_the_next_call(self):
        item = {"id": "q", "cardinality": "single", "base_type": "identifier",
                "rule": "match_correct", "correct": ["A"]}
        self.admin.assessment_put({"id": "flip", "title": "F", "items": [item]})
        first = self.local.score("flip", {"q": "A"})
        self.assertEqual((first["version"], first["score"]), (1, 1))
        self.admin.assessment_put({"id": "flip", "title": "F",
                                   "items": [dict(item, correct=["B"])]})
        second = self.local.score("flip", {"q": "A"})
        self.assertEqual((second["version"], second["score"]), (2, 0))

    def test_a_directory_without_published_tables_says_where_it_looked(self):
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaises(assay.AssayError) as e:
                assay.LocalScorer(d)
            self.assertEqual(str(e.exception),
                             f"unavailable: no published tables at {d}/tables: No such file or directory "
                             "(is it an assay data directory, and may this user read it?)")

    def test_a_closed_scorer_refuses_calls(self):
        s = assay.LocalScorer(self.engine.dir)
        with s:
            self.assertEqual(s.score("quiz-demo", ANSWERS)["score"], 11)
        with self.assertRaises(assay.AssayError):
            s.score("quiz-demo", ANSWERS)


if __name__ == "__main__":
    unittest.main()
