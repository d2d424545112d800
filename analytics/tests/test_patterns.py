import re
from pathlib import Path

import crawleruseragents
import pytest
from crawlerdetect.providers.crawlers import data as crawlerdetect_patterns

from analytics.patterns import PatternSet, lower_pattern

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
