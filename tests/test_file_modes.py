"""Sockets and secret files are created with the mode they must have, never wider for a moment.

A local user who connects to admin.sock while it is wider than 0600 keeps an admin connection
after any chmod, and a secret key readable for a moment can be copied. Each process here runs
under gdb with the umask at 000 (the worst a deployment may set), stopped at every return from
the system call that creates the file (bind for the sockets, openat for the key files), and the
file's mode is read there: before anything else of the program runs."""
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

ASSAYD = os.environ.get("ASSAYD")
CLI = os.environ.get("ASSAY_CLI")


def traced(argv, syscall, paths, log, until, timeout=60):
    """Runs argv under gdb with umask 000; at each stop on `syscall` appends 'PATH MODE' of each
    existing path to log. Returns once until(lines) holds (or the program ended), then stops it."""
    script = log + ".gdb"
    with open(script, "w") as f:
        f.write("set pagination off\nset confirm off\n"
                f"catch syscall {syscall}\ncommands\nsilent\n"
                f"shell stat -c '%n %a' {' '.join(paths)} 2>/dev/null >> {log}\n"
                "continue\nend\nrun\n")
    open(log, "w").close()
    proc = subprocess.Popen(["sh", "-c", 'umask 000; exec gdb -batch -nx -x "$0" --args "$@"',
                             script] + argv, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            with open(log) as f:
                if until(f.read().splitlines()):
                    break
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    with open(log) as f:
        return f.read().splitlines()


class FileModesTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="assay-modes-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_engine_sockets_are_created_with_their_modes_under_umask_000(self):
        data = os.path.join(self.dir, "data")
        want = {"engine.sock": "660", "admin.sock": "600", "events.sock": "660"}
        paths = [os.path.join(data, n) for n in want]
        lines = traced([ASSAYD, "-d", data, "--log-level", "error", "--workers", "1"], "bind",
                       paths, os.path.join(self.dir, "log"),
                       lambda ls: any(line.startswith(paths[2] + " ") for line in ls))
        seen = {}
        for line in lines:
            path, mode = line.rsplit(" ", 1)
            seen.setdefault(os.path.basename(path), set()).add(mode)
        # every stop after each bind saw the socket at its mode, and only at it
        self.assertEqual(seen, {n: {m} for n, m in want.items()})

    def test_keygen_creates_the_secret_file_0600_under_umask_000(self):
        name = os.path.join(self.dir, "server")
        lines = traced([CLI, "keygen", name], "openat", [name + "_secret", name],
                       os.path.join(self.dir, "log"), lambda ls: False)
        secret = {line.rsplit(" ", 1)[1] for line in lines if line.startswith(name + "_secret ")}
        self.assertEqual(secret, {"600"})
        self.assertEqual(os.stat(name + "_secret").st_mode & 0o777, 0o600)
        self.assertTrue(os.path.exists(name))  # the public certificate, written after it


if __name__ == "__main__":
    unittest.main()
