"""What strangers and slow clients can make assay-http hold, against a real assayd (stack.py): a
second adapter on a served port fails to start, refused bodies are read but never kept, an event
stream further behind than --sse-buffer is dropped (and counted), a token holds at most
--max-streams-per-token streams, an address at most --max-connections-per-ip connections, and an
unfinished request is closed after --idle-timeout."""
import os
import select
import socket
import subprocess
import time
import unittest

from stack import APP, HTTPD, READ, Stack


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def open_stream(port, topic, token=READ, rcvbuf=None):
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(("127.0.0.1", port))
    s.sendall(f"GET /v1/events?topic={topic} HTTP/1.1\r\nHost: x\r\n"
              f"Authorization: Bearer {token}\r\n\r\n".encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += s.recv(4096)
    return s, buf


def closed_within(s, seconds):
    """Whether the peer closes s within seconds (what it sends meanwhile is read and dropped)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        r, _, _ = select.select([s], [], [], max(0.0, end - time.monotonic()))
        if not r:
            continue
        try:
            if not s.recv(65536):
                return True
        except ConnectionResetError:
            return True
    return False


def metric(s, name):
    st, text, _ = s.request("GET", "/metrics", token=READ)
    for line in text.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"no {name} in /metrics")


class LimitsTest(unittest.TestCase):
    def test_a_second_adapter_on_a_served_port_fails_to_start(self):
        s = Stack()
        try:
            out = subprocess.run([HTTPD, "-d", s.dir, "--listen", f"127.0.0.1:{s.port}"],
                                 capture_output=True, text=True, timeout=10)
            self.assertEqual(out.returncode, 1)
            self.assertIn(f"assay-http: cannot listen on 127.0.0.1:{s.port}: Address already in use",
                          out.stderr)
            self.assertEqual(s.request("GET", "/v1/health")[0], 200)  # the first serves on
        finally:
            s.close()

    def test_bodies_of_refused_requests_are_read_but_not_kept(self):
        s = Stack("--max-connections-per-ip", "400")
        try:
            before = rss_kb(s.http.pid)
            body = b"x" * ((1 << 20) - 16)
            socks = []
            for i in range(300):  # no token, a wrong token, no route: each refused by its headers
                c = socket.create_connection(("127.0.0.1", s.port))
                path, auth = [("/v1/assessments/a/score", ""),
                              ("/v1/assessments/a/score", "Authorization: Bearer nope\r\n"),
                              ("/v1/nothing-here", f"Authorization: Bearer {APP}\r\n")][i % 3]
                c.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\n{auth}Content-Length: "
                          f"{len(body)}\r\n\r\n".encode() + body)
                socks.append(c)
            for c in socks:  # every one answered, after its body
                head = c.recv(4096)
                self.assertTrue(head.startswith(b"HTTP/1.1 401") or head.startswith(b"HTTP/1.1 404"),
                                head[:40])
            grown_mb = (rss_kb(s.http.pid) - before) / 1024
            # 300 MiB of bodies went through: kept, they would be 300 MiB. What grows is the
            # connections' own state (about 10 MiB; 36 under ThreadSanitizer for 200 of them)
            self.assertLess(grown_mb, 100, f"assay-http grew by {grown_mb:.0f} MiB")
            for c in socks:
                c.close()
        finally:
            s.close()

    def test_an_event_stream_too_far_behind_is_dropped_and_counted(self):
        s = Stack("--sse-buffer", "64K", "--idle-timeout", "2")
        try:
            skills = [f"lim-s{i}" for i in range(32)]
            for sk in skills:
                st, _, _ = s.request("PUT", f"/v1/skills/{sk}", {
                    "prior": 0.3, "learn": 0.1, "forget": 0, "guess": 0.2, "slip": 0.1},
                    admin=True)
                self.assertEqual(st, 200)
            st, _, _ = s.request("PUT", "/v1/assessments/lim", {"items": [{
                "id": "q", "cardinality": "single", "base_type": "identifier",
                "rule": "match_correct", "correct": ["A"], "skills": skills}]}, admin=True)
            self.assertEqual(st, 200)
            slow, _ = open_stream(s.port, "mastery.", rcvbuf=4096)  # never read from here on
            fast, _ = open_stream(s.port, "mastery.", token=APP)
            self.assertEqual(metric(s, "assay_http_sse_dropped_total"), 0)
            # each mastery event carries 32 skills (about 4.7 KB): 300 of them pass 64 KiB and
            # what the sockets buffer (a stream's send buffer is fixed at 64 KiB) by far
            for i in range(300):
                st, doc, _ = s.request("POST", "/v1/assessments/lim/responses",
                                       {"learner": f"l{i}", "answers": {"q": "A"}})
                self.assertEqual(st, 201)
                while select.select([fast], [], [], 0)[0]:  # the fast one keeps up
                    fast.recv(1 << 20)
            self.assertEqual(metric(s, "assay_http_sse_dropped_total"), 1)
            # its stream ends; the socket it never reads from is closed once idle (2 s here)
            self.assertTrue(closed_within(slow, 10), "the slow stream was not ended")
            # the fast stream is still served: the next event reaches it
            s.request("POST", "/v1/assessments/lim/responses",
                      {"learner": "after", "answers": {"q": "A"}})
            buf, end = b"", time.monotonic() + 5
            while b"event: mastery.after\n" not in buf and time.monotonic() < end:
                if select.select([fast], [], [], 0.5)[0]:
                    buf += fast.recv(1 << 20)
            self.assertIn(b"event: mastery.after\n", buf)
            fast.close()
            slow.close()
        finally:
            s.close()

    def test_a_token_holds_at_most_max_streams_per_token(self):
        s = Stack("--max-streams-per-token", "2")
        try:
            a, head_a = open_stream(s.port, "score.")
            b, head_b = open_stream(s.port, "score.")
            self.assertTrue(head_a.startswith(b"HTTP/1.1 200") and head_b.startswith(b"HTTP/1.1 200"))
            c, head_c = open_stream(s.port, "score.")
            self.assertTrue(head_c.startswith(b"HTTP/1.1 429"), head_c[:40])
            c.settimeout(5)
            rest = head_c
            while b"}}" not in rest:
                rest += c.recv(4096)
            self.assertIn(b"this token holds 2 event streams, as many as --max-streams-per-token "
                          b"allows: close one first", rest)
            self.assertIn(b"Retry-After: 5", rest)
            d, head_d = open_stream(s.port, "score.", token=APP)  # another token's own count
            self.assertTrue(head_d.startswith(b"HTTP/1.1 200"))
            for x in (a, b, c, d):
                x.close()
        finally:
            s.close()

    def test_an_address_holds_at_most_max_connections_per_ip(self):
        s = Stack("--max-connections-per-ip", "4")
        try:
            held = []
            for _ in range(4):  # each answered once, so it is the server's before the fifth comes
                c = socket.create_connection(("127.0.0.1", s.port))
                c.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
                c.settimeout(10)
                self.assertTrue(c.recv(4096).startswith(b"HTTP/1.1 200"))
                held.append(c)
            extra = socket.create_connection(("127.0.0.1", s.port))
            extra.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertTrue(closed_within(extra, 5), "a fifth connection was served")
            extra.close()
            held.pop().close()
            time.sleep(0.2)
            self.assertEqual(s.request("GET", "/v1/health")[0], 200)
            for c in held:
                c.close()
        finally:
            s.close()

    def test_an_unfinished_request_is_closed_after_the_idle_timeout(self):
        s = Stack("--idle-timeout", "1")
        try:
            c = socket.create_connection(("127.0.0.1", s.port))
            c.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n")  # the headers never end
            self.assertTrue(closed_within(c, 10))
            c.close()
            self.assertEqual(s.request("GET", "/v1/health")[0], 200)
        finally:
            s.close()


if __name__ == "__main__":
    unittest.main()
