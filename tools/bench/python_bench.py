#!/usr/bin/python3
"""Rates of the Python client (clients/python) against a real assayd: the sync client (one
request at a time) and the asyncio client with 64 requests in flight, scoring a 50-item response;
then assay.LocalScorer, the same score in this process through libassay (score: dict in, dict
out; score_raw: packed params in, the result's bytes out).

    /usr/bin/python3 tools/bench/python_bench.py [--seconds S] [--assayd PATH | -d DIR]
                                                 [--library build/clients/c/libassay.so]

Starts assayd on a temporary directory unless -d names a running one. Prints a Markdown table.
"""
import argparse
import asyncio
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "clients", "python"))
import msgpack  # noqa: E402

import assay  # noqa: E402
import assay.aio  # noqa: E402


LIBRARY = None


def definition():
    items = []
    for i in range(50):
        item = {"id": f"q{i + 1:02d}", "cardinality": "single", "base_type": "identifier"}
        if i % 5 == 4:
            item.update(rule="map_response", mapping={"entries": [
                {"key": "ABCD"[o], "value": 1.0 if o == i % 4 else 0.5 if o == (i + 1) % 4 else 0}
                for o in range(4)]})
        else:
            item.update(rule="match_correct", correct=["ABCD"[i % 4]])
        items.append(item)
    return {"id": "pybench50", "items": items}


def answers():
    rng = random.Random(7)
    return {f"q{i + 1:02d}": rng.choice("ABCD") for i in range(50)}


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] * 1e6


def bench_sync(data, seconds, ans):
    c = assay.Client(data_dir=data)
    for _ in range(200):
        c.score(assessment="pybench50", answers=ans)
    lat, end = [], time.monotonic() + seconds
    t0 = time.monotonic()
    while time.monotonic() < end:
        t = time.monotonic()
        c.score(assessment="pybench50", answers=ans)
        lat.append(time.monotonic() - t)
    el = time.monotonic() - t0
    c.close()
    return len(lat) / el, pct(lat, 0.5), pct(lat, 0.99)


def bench_local(data, seconds, ans, raw):
    scorer = assay.LocalScorer(data, library=LIBRARY)
    params = msgpack.packb({"assessment": "pybench50", "answers": ans}, use_bin_type=True)
    call = (lambda: scorer.score_raw(params)) if raw else \
        (lambda: scorer.score("pybench50", ans))
    for _ in range(2000):
        call()
    lat, end = [], time.monotonic() + seconds
    t0 = time.monotonic()
    while time.monotonic() < end:
        t = time.perf_counter()
        call()
        lat.append(time.perf_counter() - t)
    el = time.monotonic() - t0
    scorer.close()
    return len(lat) / el, pct(lat, 0.5), pct(lat, 0.99)


async def bench_async(data, seconds, ans, inflight):
    async with assay.aio.Client(data_dir=data) as c:
        for _ in range(200):
            await c.score(assessment="pybench50", answers=ans)
        lat, end = [], time.monotonic() + seconds

        async def worker():
            while time.monotonic() < end:
                t = time.monotonic()
                await c.score(assessment="pybench50", answers=ans)
                lat.append(time.monotonic() - t)
        t0 = time.monotonic()
        await asyncio.gather(*[worker() for _ in range(inflight)])
        el = time.monotonic() - t0
    return len(lat) / el, pct(lat, 0.5), pct(lat, 0.99)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3)
    ap.add_argument("-d", "--data")
    ap.add_argument("--assayd", default=os.path.join(HERE, "..", "..", "build", "engine",
                                                      "assayd"))
    ap.add_argument("--library", default=os.path.join(HERE, "..", "..", "build", "clients", "c",
                                                       "libassay.so"))
    a = ap.parse_args()
    global LIBRARY
    LIBRARY = a.library
    proc, data = None, a.data
    if not data:
        data = tempfile.mkdtemp(prefix="assay-pybench-")
        proc = subprocess.Popen([a.assayd, "-d", data, "--log-level", "warn"])
        c = assay.Client(data_dir=data, timeout=0.2)
        for _ in range(100):
            try:
                c.ping()
                break
            except assay.Timeout:
                time.sleep(0.05)
        c.close()
    try:
        admin = assay.Client(data_dir=data, admin=True)
        admin.assessment_put(definition())
        admin.close()
        ans = answers()
        print("| client | in flight | req/s | p50 us | p99 us |\n|---|---|---|---|---|")
        for raw in (False, True):
            r = bench_local(data, a.seconds, ans, raw)
            name = "score_raw (bytes)" if raw else "score (dicts)"
            print(f"| Python assay.LocalScorer.{name} | in process | {r[0]:.0f} | {r[1]:.1f} | "
                  f"{r[2]:.1f} |")
        r = bench_sync(data, a.seconds, ans)
        print(f"| Python sync (assay.Client) | 1 | {r[0]:.0f} | {r[1]:.0f} | {r[2]:.0f} |")
        r = asyncio.run(bench_async(data, a.seconds, ans, 64))
        print(f"| Python asyncio (assay.aio.Client) | 64 | {r[0]:.0f} | {r[1]:.0f} | {r[2]:.0f} |")
    finally:
        if proc:
            proc.send_signal(signal.SIGTERM)
            proc.wait()
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
