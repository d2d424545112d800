import sys

from django.core.management.base import BaseCommand

from analytics.bots import judge
from analytics.visit import Visit

FLUSH_EVERY = 1000


class Command(BaseCommand):
    help = (
        "Judge user agents read from stdin, one per line: prints 'bot<TAB>reasons' or "
        "'human' per line, with the current rules and no request headers."
    )
    # call_command(..., stdin=...) in tests, like createsuperuser.
    stealth_options = ("stdin",)

    def handle(self, *args, **options):
        source = options.get("stdin") or sys.stdin
        source = getattr(source, "buffer", source)
        out = []
        for raw in source:
            if isinstance(raw, bytes):
                # A user agent that is not UTF-8 keeps its bad bytes as escapes, which the
                # verdict reads as malformed; it never stops the run.
                raw = raw.decode("utf-8", errors="surrogateescape")
            verdict = judge(Visit(user_agent=raw.rstrip("\r\n")))
            out.append(f"bot\t{verdict.bot_reason}" if verdict.is_bot else "human")
            if len(out) >= FLUSH_EVERY:
                self.stdout.write("\n".join(out))
                out.clear()
        if out:
            self.stdout.write("\n".join(out))
