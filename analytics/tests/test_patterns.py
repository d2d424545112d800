import re
from pathlib import Path

import crawleruseragents
import pytest
from crawlerdetect.providers.crawlers import data as crawlerdetect_patterns

from analytics.verdicts import ua_vocabulary
from analytics.verdicts.patterns import PatternSet, PrintableFastRegex, _search, lower_pattern, re2
from analytics.verdicts.ua_tokens import _split_nested, split

DATA = Path(__file__).parent / "data"


def sample():
    lines = []
    for name in ("bots-crawler-user-agents.txt", "bots-crawlerdetect.txt", "browsers.txt"):
        lines += (DATA / name).read_text(encoding="utf-8").splitlines()[::10]
    return lines + ["x" * 600, "Mozilla/5.0 " + "bot" * 100]


@pytest.mark.parametrize(
    ("patterns", "ignore_case"),
    [
        (crawlerdetect_patterns, True),
        ([e["pattern"] for e in crawleruseragents.CRAWLER_USER_AGENTS_DATA], False),
    ],
    ids=["crawlerdetect", "crawler-user-agents"],
)
@pytest.mark.parametrize("use_re2", [True, False], ids=["re2", "re"])
def test_the_compiled_set_answers_as_the_plain_alternation_does(patterns, ignore_case, use_re2):
    plain = re.compile("|".join(patterns), re.IGNORECASE if ignore_case else 0)
    fast = PatternSet(patterns, ignore_case=ignore_case, use_re2=use_re2)
    if use_re2:
        assert fast.in_re2 >= fast.size - 1  # all but crawlerdetect's yandex(?!search)
    else:
        assert fast.in_re2 == 0
    for ua in sample():
        text = ua.lower() if ignore_case else ua
        assert bool(fast.search(text)) == bool(plain.search(ua)), ua


def test_a_pattern_re2_cannot_read_is_still_matched_by_re():
    patterns = PatternSet(["yandex(?!search)", r"(ab)\1", "googlebot"])
    assert (patterns.size, patterns.in_re2) == (3, 1)
    assert patterns.search("yandexbot/3.0")
    assert not patterns.search("yandexsearch/1.0")
    assert patterns.search("xabab")
    assert patterns.search("googlebot/2.1")
    assert not patterns.search("mozilla/5.0 firefox")


@pytest.mark.parametrize(
    ("pattern", "lowered"),
    [
        (r"Googlebot\/", r"googlebot\/"),
        (r"Spider[\s\S]*spider\.com", r"spider[\s\S]*spider\.com"),
        (r"Zend\\Http\\Client", r"zend\\http\\client"),
        (r"\bMSIE\D", r"\bmsie\D"),
    ],
)
def test_lowering_a_pattern_keeps_its_escapes(pattern, lowered):
    assert lower_pattern(pattern) == lowered


def test_a_pattern_that_does_not_compile_is_skipped_not_fatal():
    patterns = PatternSet(["(unclosed", "Googlebot"])
    assert patterns.size == 1
    assert patterns.search("googlebot/2.1")


@pytest.mark.parametrize("pattern", [r"[a-z]*(bot|crawl)", r".*spider", r"[a-z]*|never"])
def test_a_leading_star_is_dropped_without_changing_the_answer(pattern):
    fast = PatternSet([pattern], use_re2=False)
    for text in ["mybot", "x" * 50, "a spider", "nothing here", ""]:
        assert bool(fast.search(text)) == bool(re.search(pattern, text)), text


def test_text_with_lone_surrogates_is_searched_too():
    patterns = PatternSet(["googlebot"])
    assert patterns.in_re2 == 1
    assert patterns.search("googlebot/2.1 \udcff\udcfe")
    assert not patterns.search("mozilla \udcff")


def all_corpus_lines():
    return [
        line for path in sorted(DATA.glob("*.txt")) for line in path.read_text("utf-8").splitlines()
    ]


@pytest.mark.skipif(re2 is None, reason="google-re2 not installed")
def test_re2_asked_directly_finds_the_text_its_wrapper_finds():
    expression = re2.compile(r"(?:^|[^0-9a-z])(?:bot|crawl|spider)[a-z]*|\+https?://\S+")
    for ua in all_corpus_lines():
        text = ua.lower()
        direct, wrapped = _search(expression, text), expression.search(text)
        assert (direct and direct.group()) == (wrapped and wrapped.group()), ua


@pytest.mark.parametrize(
    "user_agent",
    [
        "Mozilla/5.0 (Linux; Android 14) [FBAN/FB4A;FBAV/4.0;]",
        "Mozilla/5.0 (compatible; (nested) Bot/1.0)",
        "Mozilla/5.0 (unclosed; Bot/1.0",
        "Mozilla/5.0 ) stray ] closers",
        "Mozilla/5.0 () [] empty",
        "Mozilla/5.0+(compatible;+UptimeRobot/2.0;+http://www.uptimerobot.com/)",
    ],
)
def test_the_one_pass_reader_splits_as_the_bracket_by_bracket_reader(user_agent):
    spaced = user_agent.replace("+", " ") if " " not in user_agent else user_agent
    assert split(user_agent) == _split_nested(spaced)


def test_every_corpus_line_splits_as_the_bracket_by_bracket_reader_splits_it():
    for ua in all_corpus_lines():
        spaced = ua.replace("+", " ") if " " not in ua and "+" in ua else ua
        assert split(ua) == _split_nested(spaced), ua


@pytest.mark.parametrize(
    "rule",
    [
        name
        for name in dir(ua_vocabulary)
        if isinstance(getattr(ua_vocabulary, name), PrintableFastRegex)
    ],
)
def test_a_rule_searched_by_re2_finds_the_text_re_finds(rule):
    fast = getattr(ua_vocabulary, rule)
    assert fast.linear is not None or re2 is None
    for ua in all_corpus_lines() + ["Mozilla/5.0 (X11;\tLinux) curl/8.0", "Scanner\x00"]:
        for text in (ua, ua.lower()):
            found, expected = fast.search(text), fast.expression.search(text)
            assert (found and found.group()) == (expected and expected.group()), text


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("yandexbot/3.0", True),
        ("yandexsearch/1.0", False),
        ("foo-bot", True),
        ("foo", False),
        ("xab", True),
        ("yab", False),
        ("mozilla/5.0 firefox", False),
    ],
)
def test_patterns_with_lookarounds_answer_as_re_does_behind_the_re2_gate(text, matches):
    patterns = ["yandex(?!search)", "^(?=.*bot)foo", "a(?<=xa)b"]
    assert bool(PatternSet(patterns).search(text)) == matches
    assert bool(PatternSet(patterns, use_re2=False).search(text)) == matches
