"""The bot verdict: the one place that decides whether a click is a bot, and why.

Decided when a click is written and stored (`is_bot`, `bot_reason`); reports read the
stored verdict and never re-judge.
"""

from dataclasses import dataclass
from functools import lru_cache

import user_agents

from .visitor import Visitor


@dataclass(frozen=True)
class Verdict:
    is_bot: bool
    # Stable reason codes of every signal that fired, the decisive one first.
    reasons: tuple[str, ...] = ()
    score: int = 0

    @property
    def bot_reason(self):
        """The stored form: reason codes joined by commas, None for a clean human."""
        return ",".join(self.reasons) or None


HUMAN = Verdict(is_bot=False)


@lru_cache(maxsize=4096)
def _user_agent_is_bot(user_agent):
    return user_agents.parse(user_agent).is_bot


def judge(visitor: Visitor) -> Verdict:
    if not visitor.user_agent.strip():
        return Verdict(True, ("ua:empty",), 100)
    if visitor.method == "HEAD":
        return Verdict(True, ("method:head",), 100)
    if _user_agent_is_bot(visitor.user_agent):
        return Verdict(True, ("ua:crawler",), 100)
    return HUMAN
