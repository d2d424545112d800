import sys

from django.core.management.base import BaseCommand

from analytics.clicks.visit import Visit
from analytics.verdicts.bots import judge, user_agent_facts

FLUSH_EVERY = 1000


class Command(BaseCommand):
    help = (
        "Judge user agents read from stdin, one per line: prints 'bot<TAB>reasons' or "
        "'human' per line, with the current rules and no request headers. With --explain, "
        "each line also names the rule and the token that decided."
    )
    # call_command(..., stdin=...) in tests, like createsuperuser.
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument(
            "--explain",
            action="store_true",
            help="append '<TAB>rule=<code><TAB>token=<text>' (docs/bot-verdicts.md)",
        )

    def handle(self, *args, **options):
        explain = options["explain"]
        source = options.get("stdin") or sys.stdin
        source = getattr(source, "buffer", source)
        out = []
        for raw in source:
            if isinstance(raw, bytes):
                # A user agent that is not UTF-8 keeps its bad bytes as escapes, which the
                # verdict reads as malformed; it never stops the run.
                raw = raw.decode("utf-8", errors="surrogateescape")
            user_agent = raw.rstrip("\r\n")
            verdict = judge(Visit(user_agent=user_agent))
            line = f"bot\t{verdict.bot_reason}" if verdict.is_bot else "human"
            if explain:
                line += "\t" + _explanation(user_agent)
            out.append(line)
            if len(out) >= FLUSH_EVERY:
                self.stdout.write("\n".join(out))
                out.clear()
        if out:
            self.stdout.write("\n".join(out))


def _explanation(user_agent):
    if not user_agent.strip():
        return "rule=empty\ttoken="
    decision = user_agent_facts(user_agent).decision
    # A token is printed as text: tabs and line breaks in it would break the columns.
    token = " ".join(decision.token.split())
    return f"rule={decision.rule}\ttoken={token}"
