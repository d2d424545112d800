import pytest

from analytics.bots import judge
from analytics.visitor import Visitor

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)


@pytest.mark.parametrize(
    ("visitor", "reason"),
    [
        (Visitor(user_agent=""), "ua:empty"),
        (Visitor(user_agent="   "), "ua:empty"),
        (Visitor(user_agent=CHROME, method="HEAD"), "method:head"),
        (Visitor(user_agent="Mozilla/5.0 (compatible; Googlebot/2.1)"), "ua:crawler"),
    ],
)
def test_bots_get_a_verdict_with_its_reason(visitor, reason):
    verdict = judge(visitor)
    assert verdict.is_bot
    assert verdict.reasons[0] == reason
    assert verdict.bot_reason.split(",")[0] == reason


def test_a_desktop_browser_is_human():
    verdict = judge(Visitor(user_agent=CHROME))
    assert not verdict.is_bot
    assert verdict.bot_reason is None
