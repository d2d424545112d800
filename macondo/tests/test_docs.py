"""The README stays a front door, and every relative link in it, in docs/ and in bench/ leads
somewhere a fresh clone has."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README_MAX_LINES = 250

# [text](target) and [text](target "title"); images too.
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # https:, mailto:, …
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def pages():
    return [
        ROOT / "README.md",
        *sorted((ROOT / "docs").glob("*.md")),
        *sorted((ROOT / "bench").glob("*.md")),
    ]


def prose(path):
    """The page without its fenced code blocks (a shell line is not a link)."""
    return FENCE.sub("", path.read_text(encoding="utf-8"))


def anchors(path):
    """The fragment ids GitHub gives the page's headings."""
    seen, ids = {}, set()
    for heading in HEADING.findall(prose(path)):
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
        slug = re.sub(r"[^\w\- ]", "", text.lower().replace("`", "")).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        ids.add(slug if count == 0 else f"{slug}-{count}")
    return ids


def relative_links(path):
    for target in LINK.findall(prose(path)):
        if not EXTERNAL.match(target):
            yield target


def test_the_readme_is_a_front_door_of_at_most_250_lines():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES


def test_the_readmes_first_screen_says_how_to_run_and_test():
    first_screen = "\n".join((ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:40])
    assert "scripts/run.sh" in first_screen
    assert "scripts/test.sh" in first_screen


@pytest.mark.parametrize("page", pages(), ids=lambda path: path.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves_to_a_file_of_the_repository(page):
    broken = []
    for target in relative_links(page):
        file_part, _, fragment = target.partition("#")
        resolved = (page.parent / file_part).resolve() if file_part else page
        missing = not resolved.is_relative_to(ROOT) or not resolved.exists()
        if missing or (fragment and resolved.suffix == ".md" and fragment not in anchors(resolved)):
            broken.append(target)
    assert broken == []


def test_the_link_checker_sees_links_and_refuses_broken_ones(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n[ok](#title) [gone](missing.md) [web](https://example.com)\n"
        "```\n[not a link](in-code.md)\n```\n"
    )
    assert list(relative_links(page)) == ["#title", "missing.md"]
    assert anchors(page) == {"title"}


# `path/to/test_x.py::test_name` or `path/to/test_x.py`, and `::test_other` after it.
TEST_REFERENCE = re.compile(r"`([\w/]+/test_\w+\.py)(?:::(\w+))?`|`::(\w+)`")


def test_every_guard_named_in_upgrading_exists():
    """docs/upgrading.md names the test that fails when an upgrade breaks a private API: a
    renamed or removed test must not leave the page pointing at nothing."""
    missing, current = [], None
    for path, name, following in TEST_REFERENCE.findall(prose(ROOT / "docs" / "upgrading.md")):
        if path:
            current = ROOT / path
            if not current.exists():
                missing.append(path)
                continue
        name = name or following
        if name and (current is None or f"def {name}(" not in current.read_text()):
            missing.append(f"{current}::{name}")
    assert missing == []
