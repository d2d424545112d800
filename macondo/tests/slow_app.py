"""A WSGI app for the graceful-shutdown test: answers after SLOW_APP_SECONDS."""

import os
import time
from pathlib import Path


def app(environ, start_response):
    Path(os.environ["SLOW_APP_STARTED"]).touch()
    time.sleep(float(os.environ.get("SLOW_APP_SECONDS", "2")))
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"finished"]
