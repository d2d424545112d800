import io
from pathlib import Path

from django.core.management import call_command

from analytics.clicks.visit import Visit
from analytics.tests.test_bots import CHROME, HUMANS
from analytics.verdicts.bots import judge

DATA = Path(__file__).parent / "data"


def classify(stdin):
    out = io.StringIO()
    call_command("classify_ua", stdin=stdin, stdout=out)
    return out.getvalue().splitlines()


def test_each_line_gets_its_verdict_and_reasons():
    lines = [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        CHROME,
        "curl/8.4.0",
        "",
        "WhatsApp/2.23.20.0 A",
        HUMANS["WhatsApp in-app"],
    ]
    assert classify(io.StringIO("\n".join(lines) + "\n")) == [
        "bot\tua:crawler",
        "human",
        "bot\tua:http-client",
        "bot\tua:empty",
        "bot\tua:preview",
        "human",
    ]


def test_invalid_utf8_and_crlf_lines_are_judged_not_fatal():
    stdin = io.BytesIO(b"curl/8.4.0\r\nMozilla/5.0 (X11) \xff\xfe\x80\n" + CHROME.encode())
    assert classify(stdin) == ["bot\tua:http-client", "bot\tua:malformed", "human"]


def test_ten_thousand_lines_give_ten_thousand_answers_in_order():
    bots = (DATA / "bots-crawlerdetect.txt").read_text(encoding="utf-8").splitlines()
    browsers = (DATA / "browsers.txt").read_text(encoding="utf-8").splitlines()
    lines = ((bots + browsers) * 2)[:10_000]
    answers = classify(io.StringIO("\n".join(lines) + "\n"))
    assert len(answers) == 10_000
    expected = {line: judge(Visit(user_agent=line)).is_bot for line in set(lines)}
    assert [answer != "human" for answer in answers] == [expected[line] for line in lines]


def test_empty_input_prints_nothing():
    assert classify(io.StringIO("")) == []


def classify_explained(stdin):
    out = io.StringIO()
    call_command("classify_ua", "--explain", stdin=stdin, stdout=out)
    return out.getvalue().splitlines()


def test_explain_names_the_rule_and_the_token_that_decided():
    lines = [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        CHROME + " CybaaAgent",
        CHROME + " coc_coc_browser/122.0.184",
        "Mozilla/5.0 (Linux; Android 9; Bot Tab 7 Build/PPR1.180610.011) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/90.0.4430.91 Safari/537.36",
        "curl/8.4.0",
        "",
    ]
    assert classify_explained(io.StringIO("\n".join(lines) + "\n")) == [
        "bot\tua:crawler\trule=list:crawler-user-agents\ttoken=Googlebot/",
        "bot\tua:crawler\trule=tool-name\ttoken=cybaaagent",
        "human\trule=allow-list\ttoken=coc_coc_browser/122.0.184",
        "human\trule=browser\ttoken=Chrome/90.0.4430.91",
        "bot\tua:http-client\trule=http-client\ttoken=curl",
        "bot\tua:empty\trule=empty\ttoken=",
    ]
