#!/usr/bin/python3
"""The teacher dashboard under a stream of submissions: does it keep up?

    /usr/bin/python3 tools/bench/dashboard_bench.py [--rate R] [--seconds S] [--build DIR]

Starts assayd and assay-http on a temporary directory (from build/), opens the dashboard's view
of one assessment in headless Chromium (over the DevTools protocol, clients/http/tests/cdp.py),
and submits R responses a second (default 1,000) for S seconds (default 10) straight to the engine
with the asyncio Python client, paced to the rate. Then it reports the rate reached, how long
after the last submission the page showed the final figures (learners and the arrivals count),
whether it applied every event, and the page's main-thread time per second of the stream
(Chromium's TaskDuration and ScriptDuration metrics).
"""
import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "clients", "python"))
sys.path.insert(0, os.path.join(ROOT, "clients", "http", "tests"))
import assay  # noqa: E402
import assay.aio  # noqa: E402
from cdp import Browser  # noqa: E402

READ = "bench-read-0123456789ab"


def request(port, method, path, body=None, token=READ):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(req) as r:
        return json.load(r)


async def submit(data_dir, rate, seconds):
    """Submits `rate` responses a second for `seconds`, in ticks of 10 ms; returns (n, s)."""
    c = assay.aio.Client(data_dir=data_dir, timeout=30)
    n, t0 = 0, time.monotonic()
    pending = set()
    try:
        while time.monotonic() - t0 < seconds:
            due = int((time.monotonic() - t0) * rate) + 1
            while n < due:
                ans = {"q1": "AB"[n % 2], "q2": "AB"[(n // 2) % 2], "q3": "A"}
                pending.add(asyncio.ensure_future(
                    c.submit(assessment="dash", learner=f"b{n}", answers=ans)))
                n += 1
            if len(pending) > 256:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            await asyncio.sleep(0.01)
        await asyncio.gather(*pending)
        return n, time.monotonic() - t0
    finally:
        await c.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rate", type=float, default=1000)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="assay-dashbench-")
    tokens = d + ".tokens"
    fd = os.open(tokens, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, f"admin admin-{READ}\nread {READ}\n".encode())
    os.close(fd)
    procs = [subprocess.Popen([os.path.join(a.build, "engine", "assayd"), "-d", d,
                               "--log-level", "warn"])]
    time.sleep(0.5)
    port = 20000 + os.getpid() % 20000
    procs.append(subprocess.Popen([os.path.join(a.build, "clients", "http", "assay-http"), "-d", d,
                                   "--listen", f"127.0.0.1:{port}", "--tokens", tokens],
                                  stderr=subprocess.DEVNULL))
    time.sleep(0.5)
    b = None
    try:
        request(port, "PUT", "/v1/assessments/dash", {"items": [
            {"id": f"q{i}", "cardinality": "single", "base_type": "identifier",
             "rule": "match_correct", "correct": ["A"]} for i in (1, 2, 3)]}, token="admin-" + READ)
        b = Browser()
        b.goto(f"http://127.0.0.1:{port}/#token={READ}")
        b.wait_for("document.body.dataset.view === 'assessments'")
        b.goto(f"http://127.0.0.1:{port}/#/a/dash")
        b.wait_for("document.querySelector('[data-figure=n]') && "
                   "document.querySelector('#live').textContent === 'live'")
        b.call("Performance.enable")
        m0 = {m["name"]: m["value"] for m in b.call("Performance.getMetrics")["metrics"]}
        n, took = asyncio.run(submit(d, a.rate, a.seconds))
        # from the last submission's answer (wait_for starts polling right away)
        _, lag = b.wait_for(f"document.querySelector('[data-figure=n]').textContent === '{n}'",
                            timeout=60)
        m1 = {m["name"]: m["value"] for m in b.call("Performance.getMetrics")["metrics"]}
        arrived = int(b.eval("document.querySelector('[data-figure=arrived]').textContent"))
        busy = (m1["TaskDuration"] - m0["TaskDuration"]) / took
        script = (m1["ScriptDuration"] - m0["ScriptDuration"]) / took
        print(f"| {a.rate:.0f}/s target | {n / took:,.0f}/s reached ({n} in {took:.1f} s) | "
              f"page final {lag * 1000:.0f} ms after the last | events applied {arrived}/{n} | "
              f"main thread {100 * busy:.1f}% busy (script {100 * script:.1f}%) |")
        if b.errors:
            print("console errors:", b.errors)
    finally:
        if b:
            b.close()
        for p in reversed(procs):
            p.send_signal(signal.SIGTERM)
            p.wait(10)
        shutil.rmtree(d, ignore_errors=True)
        os.unlink(tokens)


if __name__ == "__main__":
    main()
