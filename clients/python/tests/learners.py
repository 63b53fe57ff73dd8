"""Learners for tests of several engines: the engines' endpoints hold their temporary
directories' random names, so which engine a fixed list of learners reaches first changes from
run to run (all twelve on one engine about one run in two thousand). These are chosen after the
endpoints are known, the same number for each engine."""
from assay import _nodes


def balanced(eps, per_engine=6):
    """The first per_engine learners named learner-N whose first node is each of eps, sorted."""
    got = {i: [] for i in range(len(eps))}
    n = 0
    while any(len(v) < per_engine for v in got.values()):
        lr = f"learner-{n}"
        first = _nodes.order(eps, lr)[0]
        if len(got[first]) < per_engine:
            got[first].append(lr)
        n += 1
    return sorted(lr for v in got.values() for lr in v)
