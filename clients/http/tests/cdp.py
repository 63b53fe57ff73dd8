"""A headless Chromium driven over the DevTools protocol (Debian's chromium and
python3-websocket): open a page, evaluate JavaScript, collect console errors, take screenshots."""
import base64
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request

import websocket

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


class Browser:
    def __init__(self):
        if not CHROMIUM:
            raise RuntimeError("chromium is not installed (tools/test installs it)")
        # everything chromium writes (its profile, and the singleton socket it puts in TMPDIR)
        # goes under one directory of ours, removed by close()
        self.home = tempfile.mkdtemp(prefix="assay-chromium-")
        self.profile = os.path.join(self.home, "profile")
        tmp = os.path.join(self.home, "tmp")
        os.mkdir(tmp)
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--no-default-browser-check", "--disable-dev-shm-usage", "--remote-debugging-port=0",
             "--remote-allow-origins=*", "--user-data-dir=" + self.profile,
             "--window-size=1280,1000", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            env=dict(os.environ, TMPDIR=tmp), start_new_session=True)
        port = None
        end = time.monotonic() + 30
        while time.monotonic() < end and port is None:
            line = self.proc.stderr.readline()
            m = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            if m:
                port = int(m.group(1))
            elif not line and self.proc.poll() is not None:
                break
        if port is None:
            self.close()
            raise RuntimeError("chromium did not start its DevTools server")
        # chromium keeps writing to stderr: drain it so it never blocks
        self.proc.stderr.close()
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30)
        self.next_id = 0
        self.errors = []  # console errors and uncaught exceptions, as text
        for domain in ("Page", "Runtime", "Log"):
            self.call(domain + ".enable")

    def call(self, method, **params):
        self.next_id += 1
        want = self.next_id
        self.ws.send(json.dumps({"id": want, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == want:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self._event(msg)

    def _event(self, msg):
        m, p = msg.get("method"), msg.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") == "error":
            self.errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in p["args"]))
        elif m == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            self.errors.append(d.get("exception", {}).get("description") or d.get("text", ""))
        elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
            self.errors.append(p["entry"]["text"] + " " + p["entry"].get("url", ""))

    def pump(self, seconds):
        """Reads events for a while (console errors arrive as events)."""
        end = time.monotonic() + seconds
        self.ws.settimeout(0.05)
        try:
            while time.monotonic() < end:
                try:
                    self._event(json.loads(self.ws.recv()))
                except websocket.WebSocketTimeoutException:
                    pass
        finally:
            self.ws.settimeout(30)

    def goto(self, url):
        self.call("Page.navigate", url=url)

    def eval(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expr}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def wait_for(self, expr, timeout=10):
        """Polls expr until it is truthy; returns its value (true for a DOM node, which does not
        come back by value) and the seconds it took."""
        t0 = time.monotonic()
        last = None
        while True:
            try:  # a page still loading may not have what expr reads yet
                v = self.eval(f"(() => {{ const v = ({expr}); "
                              f"return v instanceof Node ? true : v; }})()")
            except RuntimeError as e:
                v, last = None, e
            if v:
                return v, time.monotonic() - t0
            if time.monotonic() - t0 > timeout:
                raise AssertionError(f"not true within {timeout} s: {expr}" +
                                     (f" (last error: {last})" if last else ""))
            time.sleep(0.02)

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass
        if self.proc.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # its helpers (the network service, the zygotes) can outlive it and write to the
        # profile: end the whole process group, then remove the files
        self._signal_group(signal.SIGKILL)
        end = time.monotonic() + 5
        while time.monotonic() < end and self._signal_group(0):
            time.sleep(0.02)
        shutil.rmtree(self.home, ignore_errors=True)

    def _signal_group(self, sig):
        """Sends sig to chromium's process group; false when none of it is left."""
        try:
            os.killpg(self.proc.pid, sig)
            return True
        except (ProcessLookupError, PermissionError):
            return False
