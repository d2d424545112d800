"""docs/configuration.md and .env.example name the same environment variables, and every
variable the settings or gunicorn's configuration read is among them."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# `NAME=` at the start of a line of .env.example.
EXAMPLE_VARIABLE = re.compile(r"^([A-Z][A-Z0-9_]*)=", re.MULTILINE)
# The first cell of a table row in docs/configuration.md: | `NAME` | … |
DOC_VARIABLE = re.compile(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|", re.MULTILINE)
# A name passed to an environment reader: env.int("NAME", …), env("NAME"),
# os.environ.get("NAME"), os.environ["NAME"], _env_int("NAME", …) and the like.
ENV_READ = re.compile(
    r"(?:\benv(?:\.\w+)?|\benviron(?:\.get)?|\bgetenv|\b_env_\w+|\b_\w*env\w*)"
    r"\s*[\[(]\s*[\"']([A-Z][A-Z0-9_]*)[\"']"
)


def example_variables():
    return set(EXAMPLE_VARIABLE.findall((ROOT / ".env.example").read_text()))


def documented_variables():
    return set(DOC_VARIABLE.findall((ROOT / "docs" / "configuration.md").read_text()))


def configuration_sources():
    sources = [ROOT / "gunicorn.conf.py", *sorted((ROOT / "macondo").glob("settings*.py"))]
    package = ROOT / "macondo" / "settings"
    if package.is_dir():
        sources += sorted(package.rglob("*.py"))
    return sources


def read_variables():
    found = {}
    for path in configuration_sources():
        for name in ENV_READ.findall(path.read_text()):
            found.setdefault(name, path.relative_to(ROOT).as_posix())
    return found


def test_the_page_and_env_example_list_the_same_variables():
    in_example, in_doc = example_variables(), documented_variables()
    assert len(in_example) > 50, "the .env.example parser found almost nothing"
    assert sorted(in_example - in_doc) == [], "in .env.example, missing from the page"
    assert sorted(in_doc - in_example) == [], "on the page, missing from .env.example"


def test_every_variable_read_by_the_configuration_is_listed():
    read = read_variables()
    assert {"DATABASE_URL", "WEB_CONCURRENCY", "ALLOWED_HOSTS"} <= set(read), (
        "the reader pattern no longer sees the settings' env calls"
    )
    unlisted = {name: path for name, path in read.items() if name not in example_variables()}
    assert unlisted == {}, "read from the environment but not in .env.example"


def test_each_variable_is_documented_once():
    names = DOC_VARIABLE.findall((ROOT / "docs" / "configuration.md").read_text())
    assert sorted({n for n in names if names.count(n) > 1}) == []
