"""What the long-running worker commands (deliver_webhooks, run_scheduler) share."""

import signal
import threading


def stop_event(logger, name):
    """An Event set by SIGTERM or SIGINT (the platform's stop, Ctrl-C): the worker finishes
    what it is doing and starts nothing new. Each signal is logged as "<name> stopping"."""
    stop = threading.Event()

    def finish(signum, _frame):
        logger.info("%s stopping (%s)", name, signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, finish)
    signal.signal(signal.SIGINT, finish)
    return stop
