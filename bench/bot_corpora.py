#!/usr/bin/env python3
"""Regenerate the bot-verdict test corpora in analytics/tests/data/ from public packages.

    .venv/bin/python bench/bot_corpora.py            # versions pinned below
    .venv/bin/python bench/bot_corpora.py --crawler-user-agents 1.68.0 --crawlerdetect 0.4.3

Downloads each package with its ordinary client (pip, npm) into a temporary folder, reads
the data it ships and writes one user agent per line, sorted and de-duplicated, so a
regeneration shows up as a readable diff. Then run the bot tests (docs/bot-verdicts.md,
"Updating the lists").
"""

import argparse
import io
import json
import random
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "analytics" / "tests" / "data"
sys.path.insert(0, str(ROOT))

# Real-browser corpora; the bot corpora follow the installed pattern packages by default.
FAKE_USERAGENT = "2.2.0"
NPM_USER_AGENTS = "2.1.198"
# random-user-agent ships 326k agents with a software type each (whatismybrowser.com's
# labels, 2018): a fixed-seed sample of browsers and in-app browsers, and every bot.
RANDOM_USER_AGENT = "1.0.1"
RUA_BROWSERS = 10_000
RUA_IN_APP = 2_000
# Lines the source labels browsers that are not a browser's agent: a bare name and version
# ("Chrome/66", "Firefox 10"), Office apps' own link checks, agents that name a bot,
# crawler, headless or automation tool, a URL or an address.
RUA_TYPED = re.compile(
    r"^(?:chrome|chromium|firefox|iceweasel|crios|safari|edge|msie|internet explorer"
    r"|mozilla firefox|google chrome|mobile firefox)\b[^(]*$",
    re.IGNORECASE,
)
RUA_OFFICE = re.compile(
    r"^Microsoft Office|\b(?:Word|Excel|PowerPoint|Outlook|OneNote)/\d|FrontPage"
)
RUA_SAYS_BOT = re.compile(r"bot|crawl|spider|headless|phantomjs|https?://|@|scan|fetch", re.I)
# Lines the source labels bots that are phones or search apps' in-app browsers: HTC's
# "Butterfly" and HOTWAV's "Cosmos" phones, Yahoo Japan's and Sogou's apps.
RUA_MISLABELLED_BOTS = {"topsy-butterfly-robot", "cosmos-crawler"}
RUA_IN_APP_NOT_BOT = re.compile(r"YJApp-|SogouSearch|SogouMobileBrowser|Sogousearch")
# crawlerdetect's device fixture has 165k lines (24 MB): keep a fixed-seed sample, weighted
# towards in-app browsers (social and messaging apps), the case where pattern lists err.
DEVICE_SAMPLE_IN_APP = 1000
DEVICE_SAMPLE_OTHER = 1000
IN_APP_MARKERS = (
    "FBAN", "FBAV", "FB_IAB", "Instagram", "WhatsApp", "Line/", "Twitter", "Snapchat",
    "Pinterest", "LinkedIn", "musical_ly", "BytedanceWebview", "GSA/", "Messenger", "Viber",
    "KAKAOTALK", "MicroMessenger", "Telegram",
)  # fmt: skip


def installed_version(name):
    from importlib.metadata import version

    return version(name)


def pip_download(name, version, dest, sdist=False):
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(dest)]
    cmd += ["--no-binary", ":all:"] if sdist else ["--only-binary", ":all:"]
    subprocess.run([*cmd, f"{name}=={version}"], check=True)
    return next(dest.iterdir())


def npm_pack(name, version, dest):
    subprocess.run(["npm", "pack", "-q", f"{name}@{version}"], cwd=dest, check=True)
    return next(dest.glob("*.tgz"))


def member(archive, suffix):
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as z:
            name = next(n for n in z.namelist() if n.endswith(suffix))
            return z.read(name).decode()
    with tarfile.open(archive) as t:
        name = next(n for n in t.getnames() if n.endswith(suffix))
        return t.extractfile(name).read().decode()


def random_user_agent(archive):
    """(browsers, in-app browsers, bots) of random-user-agent's labelled data."""
    from analytics.clicks.devices import (
        _parser,  # uap-core's regexes: its "Spider" is a second opinion
    )

    with zipfile.ZipFile(archive) as wheel:
        inner = wheel.read("random_user_agent/data/user_agents.zip")
    with zipfile.ZipFile(io.BytesIO(inner)) as data:
        rows = [json.loads(line) for line in data.read("user_agents.jl").splitlines()]
    browsers, in_app, bots = set(), set(), set()
    for row in rows:
        agent, kind = row["user_agent"].strip(), row["software_type"]
        if kind.startswith("browser"):
            if RUA_TYPED.match(agent) or RUA_OFFICE.search(agent) or RUA_SAYS_BOT.search(agent):
                continue
            if _parser().parse(agent).with_defaults().device.family == "Spider":
                continue
            (in_app if kind.endswith("in-app-browser") else browsers).add(agent)
        elif (
            kind.startswith("bot")
            and row["software_name"] not in RUA_MISLABELLED_BOTS
            and not RUA_IN_APP_NOT_BOT.search(agent)
        ):
            bots.add(agent)
    rng = random.Random(15)
    return (
        rng.sample(sorted(browsers), RUA_BROWSERS),
        rng.sample(sorted(in_app), RUA_IN_APP),
        sorted(bots),
    )


def write(name, lines, source):
    lines = sorted(
        {line.strip().strip('"').strip() for line in lines if line.strip() and "\n" not in line}
    )
    (DATA / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{name}: {len(lines)} user agents from {source}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crawler-user-agents", default=installed_version("crawler-user-agents"))
    parser.add_argument("--crawlerdetect", default=installed_version("crawlerdetect"))
    parser.add_argument("--fake-useragent", default=FAKE_USERAGENT)
    parser.add_argument("--npm-user-agents", default=NPM_USER_AGENTS)
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for sub in ("cua", "cd", "fua", "npm", "rua"):
            (tmp / sub).mkdir()

        cua = pip_download("crawler-user-agents", args.crawler_user_agents, tmp / "cua")
        entries = json.loads(member(cua, "crawler-user-agents.json"))
        instances = [i for entry in entries for i in entry.get("instances", [])]
        write(
            "bots-crawler-user-agents.txt",
            instances,
            f"crawler-user-agents {args.crawler_user_agents} (instances)",
        )

        # The crawlerdetect fixtures ship only in its source distribution.
        cd = pip_download("crawlerdetect", args.crawlerdetect, tmp / "cd", sdist=True)
        crawlers = member(cd, "fixtures/user_agent/crawlers.txt").splitlines()
        write("bots-crawlerdetect.txt", crawlers, f"crawlerdetect {args.crawlerdetect} sdist")
        devices = sorted(set(member(cd, "fixtures/user_agent/devices.txt").splitlines()))
        in_app = [d for d in devices if any(m in d for m in IN_APP_MARKERS)]
        other = [d for d in devices if not any(m in d for m in IN_APP_MARKERS)]
        rng = random.Random(5)
        sample = rng.sample(in_app, min(DEVICE_SAMPLE_IN_APP, len(in_app)))
        sample += rng.sample(other, min(DEVICE_SAMPLE_OTHER, len(other)))
        write(
            "browsers-crawlerdetect-sample.txt",
            sample,
            f"crawlerdetect {args.crawlerdetect} sdist devices.txt (seeded sample)",
        )

        fua = pip_download("fake-useragent", args.fake_useragent, tmp / "fua")
        rows = member(fua, "data/browsers.jsonl").splitlines()
        browsers = [json.loads(row)["useragent"] for row in rows if row.strip()]
        npm = npm_pack("user-agents", args.npm_user_agents, tmp / "npm")
        browsers += [row["userAgent"] for row in json.loads(member(npm, "dist/user-agents.json"))]
        write(
            "browsers.txt",
            browsers,
            f"fake-useragent {args.fake_useragent} + npm user-agents {args.npm_user_agents}",
        )

        rua = pip_download("random-user-agent", RANDOM_USER_AGENT, tmp / "rua")
        rua_browsers, rua_in_app, rua_bots = random_user_agent(rua)
        source = f"random-user-agent {RANDOM_USER_AGENT}"
        write("browsers-random-user-agent.txt", rua_browsers, f"{source} (seeded sample)")
        write("browsers-random-user-agent-in-app.txt", rua_in_app, f"{source} (seeded sample)")
        write("bots-random-user-agent.txt", rua_bots, source)


if __name__ == "__main__":
    main()
