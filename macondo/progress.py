"""How far a long management command is, on its stderr (stdout keeps the command's results).

On a terminal: a tqdm bar with the rate and an estimate of the time left. Otherwise (cron,
a log collector): a plain line at most every PROGRESS_LINE_SECONDS. Either way one summary
line at the end: what was done, in how long, at what rate.

    with Progress(self.stderr, "rollup_clicks", total=days, unit="days") as progress:
        progress.update(31)
"""

import time

from django.conf import settings
from tqdm import tqdm


class _Unterminated:
    """A command's OutputWrapper adds a newline to every write; a bar redraws in place."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        self.stream.write(text, ending="")

    def flush(self):
        self.stream.flush()


def _duration(seconds):
    return tqdm.format_interval(seconds) if seconds >= 60 else f"{seconds:.1f} s"


class Progress:
    def __init__(self, stream, label, *, total=None, unit="rows"):
        self.stream, self.label, self.total, self.unit = stream, label, total, unit
        self.done = 0
        self.started = self._last_line = time.monotonic()
        self._bar = None
        isatty = getattr(stream, "isatty", None)
        if isatty is not None and isatty():
            self._bar = tqdm(
                total=total, desc=label, unit=f" {unit}", file=_Unterminated(stream), leave=False
            )

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close(summary=exc_info[0] is None)

    def update(self, count=1):
        self.update_to(self.done + count)

    def update_to(self, done):
        """Where the work is now (a count that only grows)."""
        step, self.done = done - self.done, done
        if self._bar is not None:
            self._bar.update(step)
            return
        now = time.monotonic()
        if now - self._last_line >= settings.PROGRESS_LINE_SECONDS:
            self._last_line = now
            self.stream.write(self._line(now))

    def write(self, text, stream=None):
        """A line of the command's own output, printed without breaking the bar."""
        if self._bar is not None:
            self._bar.clear()
        (stream or self.stream).write(text)
        if self._bar is not None:
            self._bar.refresh()

    def close(self, summary=True):
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        if summary:
            elapsed = time.monotonic() - self.started
            rate = f", {self.done / elapsed:,.1f} {self.unit}/s" if elapsed > 0 else ""
            self.stream.write(
                f"{self.label}: {self.done:,} {self.unit} in {_duration(elapsed)}{rate}"
            )

    def _line(self, now):
        elapsed = now - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        line = f"{self.label}: {self.done:,}"
        if self.total:
            line += f" of {self.total:,} {self.unit} ({100 * self.done / self.total:.0f}%)"
        else:
            line += f" {self.unit}"
        line += f", {rate:,.1f} {self.unit}/s"
        if self.total and rate > 0 and self.done < self.total:
            line += f", about {_duration((self.total - self.done) / rate)} left"
        return line
