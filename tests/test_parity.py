"""Every protocol method reaches every client, kept so by this test.

The engine's method table (`assayd --methods`) is the list. For each method:
- PROTOCOL.md documents it (a `### \\`name\\`` or `#### \\`name\\`` heading);
- the CLI calls it: some source file of clients/cli passes its name as a literal to a call
  (`cli_run(cli, "job.list", ...)`, `.method = "job.list"` of a pager, either side of a `?:`);
- assay-http has a route for it (`assay-http --routes`, whose routes the HTTP suite holds equal to
  the OpenAPI document's operations and their x-engine-method);
- the Python client, sync and asyncio, sends it: each is called against a real assayd and the
  engine's own per-method counters (`stats`) must show the call arrived under that name.
libassay is generic (`assay_call(conn, method, ...)`): it carries every method by construction.

A deliberate exception goes in EXCEPTIONS with its reason; one that is no longer needed fails too.
"""
import asyncio
import glob
import os
import re
import subprocess
import sys
import unittest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "clients", "python"))
sys.path.insert(0, os.path.join(ROOT, "clients", "python", "tests"))

import assay  # noqa: E402
import assay.aio  # noqa: E402
from engine import Engine  # noqa: E402

# (client, method) -> why that client deliberately lacks the method. Clients: "protocol", "cli",
# "http", "python". Keep it short: every entry is a method some user cannot reach.
EXCEPTIONS = {}


def engine_methods():
    out = subprocess.run([os.environ["ASSAYD"], "--methods"], capture_output=True, text=True,
                         check=True).stdout
    return [line.split(" ")[0] for line in out.splitlines()]


def documented_methods():
    with open(os.path.join(ROOT, "proto", "PROTOCOL.md")) as f:
        return set(re.findall(r"^#{3,4} `([a-z_.]+)`", f.read(), re.M))


def cli_methods(names):
    """The method names a CLI source passes as a literal argument (main.c is the command table,
    whose command names are not calls)."""
    found = set()
    for path in glob.glob(os.path.join(ROOT, "clients", "cli", "*.c")):
        if os.path.basename(path) == "main.c":
            continue
        with open(path) as f:
            text = f.read()
        for name in names:
            if re.search(r'[(,=?:]\s*"' + re.escape(name) + '"', text):
                found.add(name)
    return found


def http_methods():
    out = subprocess.run([os.environ["ASSAY_HTTP"], "--routes"], capture_output=True, text=True,
                         check=True).stdout
    return {line.split(" ")[2] for line in out.splitlines() if len(line.split(" ")) == 3}


def calls_arrived(stats):
    return {m: s["count"] for m, s in stats["methods"].items()}


class ParityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.methods = engine_methods()

    def check(self, client, have):
        missing = [m for m in self.methods if m not in have and (client, m) not in EXCEPTIONS]
        self.assertEqual(missing, [], f"{client} lacks these engine methods")
        stale = [m for (c, m) in EXCEPTIONS if c == client and m in have]
        self.assertEqual(stale, [], f"{client} has these methods listed as exceptions")

    def test_engine_method_table_lists_the_methods(self):
        self.assertEqual(len(self.methods), len(set(self.methods)))
        for m in ("ping", "score", "response.submit", "job.list", "skill.delete"):
            self.assertIn(m, self.methods)

    def test_protocol_md_documents_every_method(self):
        self.check("protocol", documented_methods())

    def test_cli_calls_every_method(self):
        self.check("cli", cli_methods(self.methods))

    def test_http_routes_reach_every_method(self):
        self.check("http", http_methods())

    def test_python_sync_and_asyncio_clients_send_every_method(self):
        """Each method called once, with no params (most answer bad_request, which the engine
        counts under the method): the engine's count of each grows by exactly one, and stats's
        by two (the call and the previous reading; a request is counted before it is answered,
        so a reading never counts itself)."""
        eng = Engine()
        try:
            c = assay.Client(data_dir=eng.dir, admin=True, timeout=10)
            before = calls_arrived(c.stats())
            for m in self.methods:
                if ("python", m) in EXCEPTIONS or not hasattr(c, m.replace(".", "_")):
                    continue
                try:
                    r = getattr(c, m.replace(".", "_"))()
                    if hasattr(r, "__next__"):
                        next(r, None)
                except assay.AssayError:
                    pass
            after = calls_arrived(c.stats())
            self.check("python", self.sent_once(before, after))

            async def run_async():
                a = assay.aio.Client(data_dir=eng.dir, admin=True, timeout=10)
                for m in self.methods:
                    if ("python", m) in EXCEPTIONS or not hasattr(a, m.replace(".", "_")):
                        continue
                    try:
                        r = getattr(a, m.replace(".", "_"))()
                        if hasattr(r, "__anext__"):
                            async for _ in r:
                                break
                        else:
                            await r
                    except assay.AssayError:
                        pass
                st = await a.stats()
                await a.close()
                return st

            self.check("python", self.sent_once(after, calls_arrived(asyncio.run(run_async()))))
            c.close()
        finally:
            eng.cleanup()

    def sent_once(self, before, after):
        return {m for m in self.methods
                if after.get(m, 0) - before.get(m, 0) == (2 if m == "stats" else 1)}


if __name__ == "__main__":
    unittest.main()
