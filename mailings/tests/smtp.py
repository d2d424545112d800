"""A real SMTP server for tests (aiosmtpd on a free port) that keeps what it receives."""

import email
import email.policy
import logging
import socket
import threading
import time
from dataclasses import dataclass

from aiosmtpd.controller import Controller

# aiosmtpd's server thread logs each connection at INFO, sometimes after pytest has closed the
# stream it captured: keep only its warnings.
logging.getLogger("mail.log").setLevel(logging.WARNING)


@dataclass
class Received:
    sender: str
    recipients: list
    message: email.message.EmailMessage

    def part(self, content_type):
        return next(p for p in self.message.walk() if p.get_content_type() == content_type)

    def attachments(self):
        return list(self.message.iter_attachments())


class Inbox:
    def __init__(self):
        self.received = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def wait_for(self, count, seconds=30):
        """The messages once `count` have arrived (or what arrived in `seconds`)."""
        deadline = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.received)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPServer:
    def __init__(self):
        self.inbox = Inbox()
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    @property
    def received(self):
        return self.inbox.received


class SilentServer:
    """Accepts connections and never answers: an SMTP send to it hangs until its timeout
    (a worker that is killed meanwhile stops between its claim and its send)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()
