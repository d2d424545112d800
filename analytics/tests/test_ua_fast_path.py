"""The cheap path for the common browser layout answers as the general path does."""

from pathlib import Path

import pytest

from analytics.verdicts.crawlers import Classifier
from analytics.verdicts.ua_identity import COMMON_SHAPE, identity

DATA = Path(__file__).parent / "data"
LINES = sorted(
    {
        line[:512]
        for path in DATA.glob("*.txt")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line
    }
)
COMMON = [line for line in LINES if COMMON_SHAPE.fullmatch(line)]


def test_the_corpora_exercise_the_fast_path():
    assert len(COMMON) > 5000


def test_the_fast_path_builds_the_general_identity():
    differ = [
        line
        for line in COMMON
        if identity(line)._replace(parts=None)
        != identity(line, fast_path=False)._replace(parts=None)
    ]
    assert differ == []


@pytest.fixture(scope="module")
def classifiers():
    return Classifier(), Classifier(fast_path=False)


def test_every_corpus_line_gets_the_same_decision_on_both_paths(classifiers):
    fast, general = classifiers
    differ = [line for line in LINES if fast.decide(line) != general.decide(line)]
    assert differ == []
