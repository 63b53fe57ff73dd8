"""A real assayd on a temporary data directory, for the tests (ASSAYD: its path, set by meson)."""
import os
import shutil
import signal
import subprocess
import tempfile
import time

import assay


def store_args(data_dir):
    """Under ASSAY_TEST_STORE (tools/test: `tools/pg db CLUSTER`, which prints the connection
    string of a database named as it is told), the engine on data_dir keeps its records in a
    PostgreSQL database of its own, named after the directory; else [] (LMDB)."""
    cmd = os.environ.get("ASSAY_TEST_STORE")
    if not cmd:
        return []
    name = "t_" + "".join(c if c.isalnum() else "_" for c in os.path.basename(data_dir))[:60]
    out = subprocess.run(cmd.split() + [name], check=True, capture_output=True, text=True)
    return ["--store", out.stdout.strip()]


class Engine:
    def __init__(self, *args):
        self.args = list(args)
        self.dir = tempfile.mkdtemp(prefix="assay-py-")
        self.proc = None
        self.start()

    def start(self):
        exe = os.environ.get("ASSAYD")
        if not exe:
            raise RuntimeError("ASSAYD is not set (run the tests with meson test)")
        self.log = open(self.dir + ".log", "a")
        self.proc = subprocess.Popen([exe, "-d", self.dir, "--log-level", "warn"] +
                                     store_args(self.dir) + self.args, stderr=self.log)
        c = assay.Client(data_dir=self.dir, timeout=0.2)
        for _ in range(100):
            try:
                c.ping()
                c.close()
                return
            except assay.Timeout:
                time.sleep(0.05)
        raise RuntimeError("assayd did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(10)
        self.proc = None

    def cleanup(self):
        """Stops the engine and removes its directory; raises if its log holds a sanitizer
        report (the ASan+UBSan build)."""
        self.stop()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        with open(self.log.name) as f:
            log = f.read()
        os.unlink(self.log.name)
        if "Sanitizer" in log or "runtime error:" in log:
            raise AssertionError("assayd reported a sanitizer error:\n" + log)


EXAMPLES = os.environ.get("ASSAY_EXAMPLES",
                          os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples"))
