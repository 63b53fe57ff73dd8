"""The failover suite (tools/test --cluster; or run it with /usr/bin/python3 while no cluster is
up): a local cluster of three nodes (tools/cluster: etcd, PostgreSQL under Patroni with a
synchronous standby, assayd in each namespace), clients submitting for many learners through
every engine (the Python client's several endpoints, CURVE) with a ledger of every
acknowledgement, and faults one after another:

  primary-killed      kill -9 of every process in the primary's namespace
  primary-partitioned the primary's link down (no packet in or out), then healed
  standby-killed      kill -9 of every process in the synchronous standby's namespace
  assayd-killed       kill -9 of one node's assayd alone

After each fault the node is started again (or healed) and the cluster waits for a primary and a
synchronous standby. At the end, the store is held to the ledger: every acknowledged submission
is there with its learner, attempt and score; each learner's responses are exactly the acknowledged
ones (no idempotency key stored twice: attempts run 1..n); the report equals one computed from the
stored responses; mastery counts every stored answer; and every exam attempt a thread started and
submitted (each retried until answered) is submitted once, with the one response its submit
answered. Printed per fault: acknowledgements, errors
the clients saw before a retry succeeded, and the longest wait between two acknowledgements
(unavailability).

  failover.py [FAULT ...]   the faults to run, in order (default: all four)
"""
import json
import os
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "clients", "python"))
import assay  # noqa: E402

CLUSTER = os.path.join(ROOT, "tools", "cluster")
THREADS, LEARNERS = 6, 4  # learners per thread
PACE = 0.01  # seconds between one thread's submissions: a steady load, not the machine's limit
BEFORE, DURING, AFTER = 3.0, 20.0, 3.0  # seconds of load around each fault
FAULTS = ["primary-killed", "primary-partitioned", "standby-killed", "assayd-killed"]
EXAM_LEARNERS = 4  # learners sitting exam attempts (start, then submit), one thread
QUIZ = {"id": "ha", "items": [{"id": "q", "cardinality": "single", "base_type": "identifier",
                               "rule": "match_correct", "correct": ["A"], "skills": ["ha-k"]}]}
EXAM = {"id": "ha-exam", "items": [{"id": "q", "cardinality": "single", "base_type": "identifier",
                                    "rule": "match_correct", "correct": ["A"]}]}
SKILL = {"id": "ha-k", "prior": 0.3, "learn": 0.1, "forget": 0, "guess": 0.2, "slip": 0.1}


def cluster(*args, check=True):
    r = subprocess.run([CLUSTER] + list(args), capture_output=True, text=True)
    if check and r.returncode:
        raise RuntimeError(f"tools/cluster {' '.join(args)}: {r.stdout}{r.stderr}")
    return r.stdout


def members(endpoints):
    """Patroni's view of the cluster, from the first node that answers."""
    import urllib.request
    for n in endpoints["nodes"]:
        try:
            with urllib.request.urlopen(n["patroni"] + "/cluster", timeout=1) as f:
                return json.load(f)["members"]
        except OSError:
            continue
    return []


def member(endpoints, role):
    for m in members(endpoints):
        if m["role"] == role and m["state"] in ("running", "streaming"):
            return m["name"]
    return None


def wait_healthy(endpoints, timeout=120, steady=3.0):
    """Until every node runs, one leads and one is its synchronous standby, for `steady` s."""
    deadline = time.monotonic() + timeout
    since = None
    while time.monotonic() < deadline:
        ms = members(endpoints)
        roles = sorted(m["role"] for m in ms if m["state"] in ("running", "streaming"))
        if len(ms) == len(endpoints["nodes"]) and roles.count("leader") == 1 and \
                "sync_standby" in roles and len(roles) == len(ms):
            since = since or time.monotonic()
            if time.monotonic() - since >= steady:
                return
        else:
            since = None
        time.sleep(0.5)
    raise RuntimeError(f"the cluster did not recover within {timeout} s: {members(endpoints)}")


class Load:
    """Threads submitting with their own idempotency keys, each key retried until acknowledged."""

    def __init__(self, endpoints):
        self.engines = ",".join(n["engine"] for n in endpoints["nodes"])
        self.cert, self.key = endpoints["client_cert"], endpoints["nodes"][0]["server_key"]
        self.acks, self.errors = [], []  # (time, learner, key, result); (time, error)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.exams = []  # (learner, the attempt as attempt.submit answered it)
        self.threads = [threading.Thread(target=self.run, args=(t,)) for t in range(THREADS)]
        self.threads.append(threading.Thread(target=self.run_exams))

    def client(self):
        return assay.Client(endpoint=self.engines, curve_cert=self.cert, server_key=self.key,
                            timeout=30, try_timeout=1.0)

    def run(self, t):
        c = self.client()
        i = 0
        while not self.stop.is_set():
            learner, key = f"t{t}-l{i % LEARNERS}", f"t{t}-k{i}"
            answer = "A" if i % 3 else "B"
            # until acknowledged, after stop too: then the store holds exactly these
            r = self.retried(lambda: c.submit(assessment="ha", learner=learner, key=key,
                                              answers={"q": answer}))
            with self.lock:
                self.acks.append((time.monotonic(), learner, key, r))
            i += 1
            time.sleep(PACE)
        c.close()

    def retried(self, call):
        """call() until it is answered, each error recorded (safe for what is sent here: a
        keyed submission is stored once, a start resumes the open attempt, a submit answers its
        first result)."""
        while True:
            try:
                return call()
            except assay.AssayError as e:
                with self.lock:
                    self.errors.append((time.monotonic(), f"{e.code}: {e.message}"))

    def run_exams(self):
        c = self.client()
        i = 0
        while not self.stop.is_set():
            learner = f"e{i % EXAM_LEARNERS}"
            a = self.retried(lambda: c.attempt_start(assessment="ha-exam", learner=learner))
            done = self.retried(lambda: c.attempt_submit(attempt=a["id"], answers={"q": "A"}))
            with self.lock:
                self.exams.append((learner, done))
            i += 1
            time.sleep(PACE)
        c.close()

    def start(self):
        for th in self.threads:
            th.start()

    def finish(self):
        self.stop.set()
        for th in self.threads:
            th.join()

    def window(self, t0, t1):
        """Acknowledgements, errors, and the longest wait between acknowledgements in [t0, t1]."""
        with self.lock:
            times = sorted(a[0] for a in self.acks if t0 <= a[0] <= t1)
            errors = [e for e in self.errors if t0 <= e[0] <= t1]
        gaps = [b - a for a, b in zip([t0] + times, times + [t1])]
        return len(times), errors, max(gaps)


class Watch:
    """Polls Patroni every 0.2 s from the fault on: when a new leader runs, and when it has a
    synchronous standby (seconds after t0)."""

    def __init__(self, endpoints, t0, old_leader):
        self.endpoints, self.t0, self.old = endpoints, t0, old_leader
        self.leader_s = self.sync_s = None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run)
        self.thread.start()

    def run(self):
        while not self.done.is_set() and self.sync_s is None:
            ms = [m for m in members(self.endpoints) if m["state"] in ("running", "streaming")]
            leader = next((m["name"] for m in ms if m["role"] == "leader"), None)
            now = time.monotonic() - self.t0
            if self.leader_s is None and leader and leader != self.old:
                self.leader_s = now
            if self.leader_s is not None and any(m["role"] == "sync_standby" for m in ms):
                self.sync_s = now
            time.sleep(0.2)

    def stop(self):
        self.done.set()
        self.thread.join()


def fault(name, endpoints):
    """Injects a fault; returns what puts the cluster back."""
    if name in ("primary-killed", "primary-partitioned"):
        node = member(endpoints, "leader")
    elif name == "standby-killed":
        node = member(endpoints, "sync_standby")
    else:
        node = endpoints["nodes"][1]["name"]
    if node is None:
        raise RuntimeError(f"{name}: no such node now: {members(endpoints)}")
    if name == "primary-partitioned":
        cluster("partition", node)
        return node, lambda: cluster("heal", node)
    cluster("kill", node, *(["assayd"] if name == "assayd-killed" else []))
    return node, lambda: cluster("start", node)


def check(load, admin):
    """The store against the ledger."""
    acks = load.acks
    for _, learner, key, r in acks:
        got = admin.response_get(id=r["response_id"])
        if (got["learner"], got["attempt"], got["score"]) != (learner, r["attempt"], r["score"]):
            raise AssertionError(f"acknowledged response {r['response_id']} ({key}) differs: {got}")
    per_learner = {}
    for _, learner, key, r in acks:
        per_learner.setdefault(learner, []).append(r)
    total, latest = 0, []
    for learner, rs in sorted(per_learner.items()):
        stored = list(admin.response_list(assessment="ha", learner=learner, limit=200))
        attempts = [s["attempt"] for s in stored]
        if attempts != list(range(1, len(rs) + 1)):
            raise AssertionError(f"{learner}: {len(rs)} acknowledged, attempts stored {attempts}")
        if sorted(s["response_id"] for s in stored) != sorted(r["response_id"] for r in rs):
            raise AssertionError(f"{learner}: the stored responses are not the acknowledged ones")
        m = admin.mastery_get(learner=learner, skill="ha-k")["skills"]["ha-k"]
        if m["opportunities"] != len(stored):
            raise AssertionError(f"{learner}: mastery counts {m['opportunities']} of "
                                 f"{len(stored)} answers")
        total += len(stored)
        latest.append(max(stored, key=lambda s: s["attempt"])["score"])
    # exam attempts: each submitted once, its one response the one its submit answered
    for learner in sorted({e[0] for e in load.exams}):
        mine = [e[1] for e in load.exams if e[0] == learner]
        attempts = list(admin.attempt_list(assessment="ha-exam", learner=learner, limit=200))
        responses = list(admin.response_list(assessment="ha-exam", learner=learner, limit=200))
        if [a["state"] for a in attempts] != ["submitted"] * len(mine):
            raise AssertionError(f"{learner}: {len(mine)} submits acknowledged, attempts "
                                 f"{[(a['id'], a['state']) for a in attempts]}")
        got = sorted(a["response_id"] for a in attempts)
        if got != sorted(r["response_id"] for r in responses) or \
                got != sorted(m["response"]["response_id"] for m in mine):
            raise AssertionError(f"{learner}: attempts and responses differ (an attempt "
                                 f"finished twice?): {got}")
    report = admin.assessment_report(assessment="ha")
    if report["n"] != len(latest) or abs(report["mean"] - sum(latest) / len(latest)) > 1e-12:
        raise AssertionError(f"report n={report['n']} mean={report['mean']}, from the stored "
                             f"responses n={len(latest)} mean={sum(latest) / len(latest)}")
    return total


def main(faults):
    for f in faults:
        if f not in FAULTS:
            sys.exit(f"failover.py: unknown fault {f} (known: {', '.join(FAULTS)})")
    print("==> tools/cluster up 3", flush=True)
    subprocess.run([CLUSTER, "up", "3"], check=True)
    try:
        with open(os.path.join(ROOT, "var", "cluster", "endpoints.json")) as f:
            endpoints = json.load(f)
        load = Load(endpoints)
        admin = assay.Client(endpoint=",".join(n["admin"] for n in endpoints["nodes"]),
                             curve_cert=load.cert, server_key=load.key, timeout=30)
        admin.skill_put(SKILL)
        admin.assessment_put(QUIZ)
        admin.assessment_put(EXAM)
        time.sleep(1.5)  # (every engine's follower has it: the documented bound is a second)
        load.start()
        print(f"{'fault':<22}{'node':<6}{'acks':>7}{'errors':>8}{'longest wait':>15}", flush=True)
        rows = []
        for name in faults:
            time.sleep(BEFORE)
            t0 = time.monotonic()
            watch = Watch(endpoints, t0, member(endpoints, "leader"))
            node, restore = fault(name, endpoints)
            time.sleep(DURING)
            watch.stop()
            restore()
            wait_healthy(endpoints)
            time.sleep(AFTER)
            n, errors, gap = load.window(t0, time.monotonic())
            rows.append({"fault": name, "node": node, "acks": n, "errors": len(errors),
                         "longest_wait_s": round(gap, 2)})
            print(f"{name:<22}{node:<6}{n:>7}{len(errors):>8}{gap:>13.2f} s", flush=True)
            if watch.leader_s is not None:
                rows[-1].update(new_primary_s=round(watch.leader_s, 2),
                                sync_standby_s=watch.sync_s and round(watch.sync_s, 2))
                sync = f"{watch.sync_s:.1f} s" if watch.sync_s else f"more than {DURING:.0f} s"
                print(f"    Patroni: a new primary after {watch.leader_s:.1f} s, its synchronous "
                      f"standby after {sync}", flush=True)
            kinds = sorted({e[1].split(":")[0] for e in errors})
            if kinds:
                print(f"    errors seen (then retried): {', '.join(kinds)}", flush=True)
        load.finish()
        total = check(load, admin)
        admin.close()
        print(f"==> {len(load.acks)} acknowledged submissions, {total} stored: none lost, none "
              f"twice; report and mastery equal to the stored responses; {len(load.exams)} "
              f"exam attempts, each finished once", flush=True)
        with open(os.path.join(ROOT, "var", "failover.json"), "w") as f:
            json.dump(rows, f, indent=1)
    except BaseException:
        # the nodes' logs outlive the cluster (var/failover-logs/NODE/)
        logs = os.path.join(ROOT, "var", "failover-logs")
        subprocess.run(["rm", "-rf", logs])
        for n in os.listdir(os.path.join(ROOT, "var", "cluster")):
            src = os.path.join(ROOT, "var", "cluster", n)
            if n.startswith("n") and os.path.isdir(src):
                subprocess.run(["mkdir", "-p", os.path.join(logs, n)])
                subprocess.run(f"cp -r {src}/*.log {src}/patroni-log {src}/patroni.out "
                               f"{os.path.join(logs, n)}/ 2>/dev/null", shell=True)
        print(f"==> the nodes' logs: {logs}", flush=True)
        raise
    finally:
        print("==> tools/cluster down", flush=True)
        cluster("down", check=False)


if __name__ == "__main__":
    if any(a in ("-h", "--help") for a in sys.argv[1:]):
        print(__doc__)
        sys.exit(0)
    main(sys.argv[1:] or FAULTS)
