"""Log formatting and redaction (wired in settings.LOGGING).

Every event is one line: "line" for people, "json" for collectors. A traceback stays in the
same event (escaped newlines in "line", a field in "json"). The redaction filter runs on
every record before it is formatted: credentials never reach the log, and visitor IPs are
truncated like stored ones when ANONYMIZE_IP is on. Request objects attached by Django
(`extra={"request": ...}`) are never printed, so cookies and headers stay out.
"""

import ipaddress
import json
import logging
import re
import time

from django.conf import settings

from macondo.client_ip import anonymize

_IPV4 = re.compile(r"(?<![\d.])(\d{1,3}\.\d{1,3}\.\d{1,3})\.\d{1,3}(?![\d.])")
_IPV6_CANDIDATE = re.compile(r"(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/\s@]*:)[^@\s]+@", re.IGNORECASE)
_SECRET_PARAM = re.compile(
    r"\b(password|passwd|secret|token|api_key|sessionid|csrftoken)=[^&\s;,]+", re.IGNORECASE
)


def anonymize_ip(address):
    """Keep the network part only, by the same rule as stored clicks."""
    return str(anonymize(ipaddress.ip_address(address)))


def _mask_ipv6(match):
    try:
        return anonymize_ip(match.group(0))
    except ValueError:
        return match.group(0)


def redact(text, mask_ips):
    text = _URL_PASSWORD.sub(r"\1***@", text)
    text = _SECRET_PARAM.sub(r"\1=***", text)
    if mask_ips:
        text = _IPV4.sub(r"\1.0", text)
        text = _IPV6_CANDIDATE.sub(_mask_ipv6, text)
    return text


class RedactFilter(logging.Filter):
    def filter(self, record):
        mask_ips = getattr(settings, "ANONYMIZE_IP", False)
        record.msg = redact(record.getMessage(), mask_ips)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, mask_ips)
        return True


class LineFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record):
        # One event, one line: a traceback's newlines are escaped, not emitted.
        return super().format(record).replace("\n", "\\n")


class JsonFormatter(logging.Formatter):
    converter = time.gmtime

    # Only these extras are printed; anything else a caller attaches (a request, a
    # response, a user) stays out of the log.
    EXTRA_FIELDS = ("status_code",)

    def format(self, record):
        event = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in self.EXTRA_FIELDS:
            if hasattr(record, name):
                event[name] = getattr(record, name)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            event["traceback"] = record.exc_text
        return json.dumps(event, ensure_ascii=False, default=str)
