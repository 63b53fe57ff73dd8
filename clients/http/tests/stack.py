"""The HTTP suites' fixture: an assayd and an assay-http on a temporary data directory, with a
token of each scope (admin, app, read), and requests made with http.client."""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from tests.engine import store_args  # clients/python/tests (PYTHONPATH): one rule for the suites

ASSAYD = os.environ.get("ASSAYD")
HTTPD = os.environ.get("ASSAY_HTTP")
EXAMPLES = os.environ.get("ASSAY_EXAMPLES")
TOKEN = "test-token-0123456789"  # admin
APP = "app-token-0123456789ab"
READ = "read-token-0123456789a"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Stack:
    """An assayd and an assay-http on a temporary data directory."""

    def __init__(self, *http_args, token=True):
        if not ASSAYD or not HTTPD:
            raise RuntimeError("ASSAYD and ASSAY_HTTP are not set (run with meson test)")
        self.dir = tempfile.mkdtemp(prefix="assay-http-")
        self.log = open(self.dir + ".log", "w")
        self.engine = None
        self.start_engine()
        self.port = free_port()
        args = [HTTPD, "-d", self.dir, "--listen", f"127.0.0.1:{self.port}"] + list(http_args)
        if token:
            fd = os.open(self.dir + ".token", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(f"# the test's tokens\nadmin {TOKEN}\napp {APP}\nread {READ}\n")
            args += ["--tokens", self.dir + ".token"]
        self.http_args = args
        self.start_http()

    def start_http(self):
        self.http = subprocess.Popen(self.http_args, stderr=self.log)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.1).close()
                break
            except OSError:
                time.sleep(0.05)

    def stop_http(self):
        self.http.send_signal(signal.SIGTERM)
        self.http.wait(10)

    def start_engine(self):
        self.engine = subprocess.Popen([ASSAYD, "-d", self.dir, "--log-level", "warn"] +
                                       store_args(self.dir), stderr=self.log)
        for _ in range(100):
            if os.path.exists(os.path.join(self.dir, "engine.sock")):
                time.sleep(0.05)
                return
            time.sleep(0.05)

    def stop_engine(self):
        self.engine.send_signal(signal.SIGTERM)
        self.engine.wait(10)

    def close(self):
        for p in (self.http, self.engine):
            if p and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                p.wait(10)
        self.log.close()
        with open(self.log.name) as f:
            log = f.read()
        for path in (self.log.name, self.dir + ".token"):
            if os.path.exists(path):
                os.unlink(path)
        shutil.rmtree(self.dir, ignore_errors=True)
        if "Sanitizer" in log or "runtime error:" in log:
            raise AssertionError("a sanitizer report:\n" + log)

    def request(self, method, path, body=None, headers=None, admin=False, raw=None, token=APP):
        """A request with the app token (admin: the admin token; token=None: none)."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        h = dict(headers or {})
        if admin:
            token = TOKEN
        if token and "Authorization" not in h:
            h["Authorization"] = "Bearer " + token
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        c.request(method, path, data, h)
        r = c.getresponse()
        text = r.read()
        c.close()
        ctype = r.getheader("Content-Type") or ""
        doc = json.loads(text) if text and ctype.startswith("application/json") else text
        r.body = text  # the bytes as sent, for tests of the JSON text itself
        return r.status, doc, r


def load(name):
    with open(os.path.join(EXAMPLES, name)) as f:
        return json.load(f)
