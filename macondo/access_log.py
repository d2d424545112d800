"""gunicorn's access log at a fraction of its cost (gunicorn.conf.py: `logger_class`).

gunicorn's own logger builds, for every request, a dictionary of every request header,
response header and environ variable, escapes each value, then sends the line through
Python's logging machinery: a sizeable share of a cached redirect's CPU (bench/RESULTS.md,
"Access logger and flash-message storage"). `AccessLogger` writes the same line: only the
atoms `access_log_format` names are computed, and the line goes straight to the handler's
stream when the handlers are gunicorn's plain ones (a file or stdout). Any other setup (a
format with header atoms, syslog, a `logconfig` of one's own) takes gunicorn's path
unchanged. `macondo/tests/test_access_log.py` compares the lines with gunicorn's.
"""

import logging
import os
import re
import traceback

from gunicorn import glogging

_ATOM = re.compile(r"%\(([^)]*)\)")


def _status(resp, req, environ, request_time, logger):
    status = resp.status
    return status.split(None, 1)[0] if isinstance(status, str) else status


def _sent(resp, req, environ, request_time, logger):
    return getattr(resp, "sent", None) is not None and str(resp.sent) or "-"


# The atoms of gunicorn.glogging.Logger.atoms(), each computed only when the format uses it.
_ATOMS = {
    "h": lambda resp, req, environ, t, log: environ.get("REMOTE_ADDR", "-"),
    "l": lambda resp, req, environ, t, log: "-",
    "u": lambda resp, req, environ, t, log: log._get_user(environ) or "-",
    "t": lambda resp, req, environ, t, log: log.now(),
    "r": lambda resp, req, environ, t, log: (
        f"{environ['REQUEST_METHOD']} {environ['RAW_URI']} {environ['SERVER_PROTOCOL']}"
    ),
    "s": _status,
    "m": lambda resp, req, environ, t, log: environ.get("REQUEST_METHOD"),
    "U": lambda resp, req, environ, t, log: environ.get("PATH_INFO"),
    "q": lambda resp, req, environ, t, log: environ.get("QUERY_STRING"),
    "H": lambda resp, req, environ, t, log: environ.get("SERVER_PROTOCOL"),
    "b": _sent,
    "B": lambda resp, req, environ, t, log: getattr(resp, "sent", None),
    "f": lambda resp, req, environ, t, log: environ.get("HTTP_REFERER", "-"),
    "a": lambda resp, req, environ, t, log: environ.get("HTTP_USER_AGENT", "-"),
    "T": lambda resp, req, environ, t, log: t.seconds,
    "D": lambda resp, req, environ, t, log: (t.seconds * 1000000) + t.microseconds,
    "M": lambda resp, req, environ, t, log: (t.seconds * 1000) + int(t.microseconds / 1000),
    "L": lambda resp, req, environ, t, log: f"{t.seconds}.{t.microseconds:06d}",
    "p": lambda resp, req, environ, t, log: f"<{os.getpid()}>",
}


class AccessLogger(glogging.Logger):
    def setup(self, cfg):
        super().setup(cfg)
        keys = set(_ATOM.findall(cfg.access_log_format or ""))
        # None: the format names a header or environ atom (or something unknown); then
        # gunicorn's own atoms() builds the full dictionary.
        self._atom_makers = (
            tuple((key, _ATOMS[key]) for key in sorted(keys)) if keys <= _ATOMS.keys() else None
        )

    def atoms(self, resp, req, environ, request_time):
        if self._atom_makers is None:
            return super().atoms(resp, req, environ, request_time)
        return {
            key: make(resp, req, environ, request_time, self) for key, make in self._atom_makers
        }

    def _plain_handlers(self):
        """The access log's handlers if each only writes `message` to a stream, else None."""
        log = self.access_log
        if log.filters or not log.isEnabledFor(logging.INFO):
            return None
        for handler in log.handlers:
            if (
                type(handler) not in (logging.StreamHandler, logging.FileHandler)
                or handler.filters
                or handler.stream is None
                or handler.level > logging.INFO
                or getattr(handler.formatter, "_fmt", None) != self.access_fmt
            ):
                return None
        return log.handlers

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        safe_atoms = self.atoms_wrapper_class(self.atoms(resp, req, environ, request_time))
        try:
            handlers = self._plain_handlers()
            if handlers is None:
                self.access_log.info(self.cfg.access_log_format, safe_atoms)
                return
            line = self.cfg.access_log_format % safe_atoms
            for handler in handlers:
                handler.acquire()
                try:
                    handler.stream.write(line + handler.terminator)
                    handler.stream.flush()
                finally:
                    handler.release()
        except Exception:
            self.error(traceback.format_exc())
