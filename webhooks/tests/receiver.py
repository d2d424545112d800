"""A real HTTP receiver for the tests: http.server in a thread on a free local port."""

import contextlib
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    method: str
    path: str
    headers: dict
    body: bytes


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"ok"
    headers: tuple = ()
    delay: float = 0.0
    # Bytes sent one at a time, this many seconds apart (a target that trickles).
    trickle: float = 0.0
    # Called in the server's thread before answering (something happening meanwhile).
    meanwhile: object = None


class Receiver:
    """Records every request; answers with the planned answers in order, then `default`."""

    def __init__(self, default=None):
        self.default = default or Answer()
        self.planned = deque()
        self.requests = []
        self.lock = threading.Lock()
        self.barrier = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver.lock:
                    receiver.requests.append(
                        Received("POST", self.path, dict(self.headers.items()), body)
                    )
                    answer = receiver.planned.popleft() if receiver.planned else receiver.default
                    barrier = receiver.barrier
                if barrier is not None:
                    # The first requests wait for each other: proof they were in flight at once.
                    with contextlib.suppress(threading.BrokenBarrierError):
                        barrier.wait(timeout=30)
                    receiver.barrier = None
                time.sleep(answer.delay)
                if answer.meanwhile is not None:
                    answer.meanwhile()
                self.send_response(answer.status)
                for name, value in answer.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                if answer.trickle:
                    for index in range(len(answer.body)):
                        self.wfile.write(answer.body[index : index + 1])
                        self.wfile.flush()
                        time.sleep(answer.trickle)
                else:
                    self.wfile.write(answer.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path="/hook"):
        return f"http://127.0.0.1:{self.port}{path}"

    def plan(self, *answers):
        with self.lock:
            self.planned.extend(a if isinstance(a, Answer) else Answer(status=a) for a in answers)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
