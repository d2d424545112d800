"""A dependency that can be down (PostgreSQL, Redis): serve degraded, retry later, log once.

After a failure the callers leave the dependency alone for `retry_seconds`, each serving
its fallback meanwhile, instead of adding a timeout to every request of an outage. The log
gets one line when the dependency goes down and one when it answers again, not a line per
failed attempt: an outage of an hour is two lines, not thousands.
"""

import logging
import threading
import time


class Dependency:
    """The state of one dependency as one process sees it.

    `down` and `back` are the two log lines (`down` formatted with the error); `back_level`
    is the level of the second one.
    """

    def __init__(self, logger, *, down, back, retry_seconds=0.0, back_level=logging.WARNING):
        self.logger = logger
        self.down_message, self.back_message, self.back_level = down, back, back_level
        self.retry_seconds = retry_seconds
        self.down = False
        self._retry_at = 0.0
        self._lock = threading.Lock()

    def may_try(self, now=None):
        """Whether to ask the dependency now: no failure lately, or its pause is over."""
        return (time.monotonic() if now is None else now) >= self._retry_at

    def failed(self, error, now=None):
        """Note a failure: pause for `retry_seconds` from `now`; log if it was up."""
        now = time.monotonic() if now is None else now
        with self._lock:
            first = not self.down
            self.down = True
            self._retry_at = now + self.retry_seconds
        if first:
            self.logger.warning(self.down_message, error)

    def answered(self):
        """Note a success: no pause; log if it was down."""
        if not self.down:  # the common case, without the lock
            return
        with self._lock:
            was_down, self.down, self._retry_at = self.down, False, 0.0
        if was_down:
            self.logger.log(self.back_level, self.back_message)

    def reset(self):
        """Forget any outage, without a log line (tests, a new configuration)."""
        with self._lock:
            self.down, self._retry_at = False, 0.0
