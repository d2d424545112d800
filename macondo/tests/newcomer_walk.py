"""A newcomer's first hour with the quick start: `python -m macondo.tests.newcomer_walk`.

Run in a process of its own with the quick start's environment (DATABASE_URL, DEBUG=true,
…; macondo/tests/test_newcomer_walk.py runs it on a fresh SQLite file and on a fresh
PostgreSQL database). It migrates, loads `seed_demo`, signs a staff user in, then:

- walks every named URL of the `analytics` and `links` URLconfs (filled with demo objects)
  and every same-site page reachable from them: links, stylesheets and scripts, and every
  GET form (each report's date-range picker) submitted once per option, with dates filled
  in and with dates in the wrong order;
- the admin: index, every model's changelist (with search and its filter links), add and
  change page;
- creates a client, a campaign and a tagged link through the dashboard forms, edits,
  deactivates and deletes through them (CSRF enforced, tokens read from the forms), imports a
  CSV, uses the WhatsApp tool, follows the new short link and checks its click is stored;
- compares every report figure (unique visitors too) with a count of the raw clicks in
  Python (two time zones);
- runs the operator's commands (`rollup_clicks`, …), then walks the pages that read clicks
  again, so the reports' rollup path is walked too.

A 5xx answer, a broken link (4xx from an <a href> or a form of a page), an unexpected
answer of a form step and any log record of level ERROR or above is a failure. The last line
printed is `WALK <json summary>`; the exit status is 0 whenever the summary was printed.
"""

import io
import json
import logging
import re
import sys
import time
import traceback
from collections import Counter, deque
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

import django

# The address scripts/run.sh serves on, which ALLOWED_HOSTS accepts with DEBUG=true.
HOST = "127.0.0.1:8000"
MAX_PAGES = 3000
MAX_FILTER_LINKS = 20
BROWSER = {
    "HTTP_USER_AGENT": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/18.1 Safari/605.1.15"
    ),
    "HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8",
    "HTTP_ACCEPT_LANGUAGE": "es-CO,es;q=0.9,en;q=0.8",
}


# --- Reading pages ----------------------------------------------------------------------


class Form:
    def __init__(self, action, method):
        self.action = action
        self.method = method
        self.fields = []  # dicts: name, type, value, checked, options

    def pairs(self, overrides=None):
        """(name, value) pairs a browser would send, with `overrides` replacing fields."""
        overrides = overrides or {}
        pairs = []
        for field in self.fields:
            name, kind = field["name"], field["type"]
            if name in overrides:
                continue
            if kind in ("checkbox", "radio"):
                if field["checked"]:
                    pairs.append((name, field["value"]))
            elif kind == "select":
                chosen = [v for v, selected in field["options"] if selected]
                pairs.append((name, (chosen or [v for v, _ in field["options"]] or [""])[0]))
            elif kind not in ("submit", "button", "reset", "image", "file"):
                pairs.append((name, field["value"]))
        pairs.extend((name, value) for name, value in overrides.items() if value is not None)
        return pairs

    def choices(self):
        """{field name: [option values]} of its selects and radio groups."""
        found = {}
        for field in self.fields:
            if field["type"] == "select":
                found.setdefault(field["name"], []).extend(v for v, _ in field["options"])
            elif field["type"] == "radio":
                found.setdefault(field["name"], []).append(field["value"])
        return found

    def names_of(self, kind):
        return [f["name"] for f in self.fields if f["type"] == kind]


class Page(HTMLParser):
    """The links, assets and forms of one HTML page."""

    def __init__(self, url, html):
        super().__init__(convert_charrefs=True)
        self.url = url
        self.links, self.assets, self.forms = [], [], []
        self._form = self._select = self._text = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "link" and "stylesheet" in a.get("rel", "") and a.get("href"):
            self.assets.append(a["href"])
        elif tag in ("script", "img") and a.get("src"):
            self.assets.append(a["src"])
        elif tag == "form":
            self._form = Form(
                urljoin(self.url, a.get("action", "")), (a.get("method") or "get").lower()
            )
            self.forms.append(self._form)
        elif tag == "option" and self._select is not None:
            self._select["options"].append((a.get("value", ""), "selected" in a))
        elif self._form is None or not a.get("name") or "disabled" in a:
            return
        elif tag == "input":
            self._form.fields.append(
                {
                    "name": a["name"],
                    "type": (a.get("type") or "text").lower(),
                    "value": a.get("value", "on" if a.get("type") == "checkbox" else ""),
                    "checked": "checked" in a,
                }
            )
        elif tag in ("select", "textarea"):
            field = {"name": a["name"], "type": tag, "value": "", "options": []}
            self._form.fields.append(field)
            self._select = field if tag == "select" else None
            self._text = field if tag == "textarea" else None

    def handle_data(self, data):
        if self._text is not None:
            self._text["value"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._text = None


def form_url(form, pairs):
    parts = urlsplit(form.action)
    return urlunsplit(("", "", parts.path, urlencode(pairs), ""))


# --- The walk -----------------------------------------------------------------------------


class ErrorRecords(logging.Handler):
    def __init__(self, walk):
        super().__init__(level=logging.ERROR)
        self.walk = walk

    def emit(self, record):
        message = record.getMessage().splitlines()[0][:300]
        self.walk.errors_logged.append(
            {"during": self.walk.current, "logger": record.name, "message": message}
        )


class Walk:
    def __init__(self):
        from django.test import Client

        self.client = Client(
            enforce_csrf_checks=True, raise_request_exception=False, HTTP_HOST=HOST
        )
        self.current = "setup"
        self.requests = 0
        self.pages = set()
        self.failures = []
        self.errors_logged = []
        self.walked_names = set()
        self.admin_models = set()
        self.counts = Counter()
        self.slowest = []  # (seconds, request)

    # Requests -----------------------------------------------------------------------------

    def fail(self, url, status, problem):
        self.failures.append({"url": url, "status": status, "problem": problem})

    def request(self, method, url, data=None, *, expect=None, why="", **extra):
        """(status, body, response); a 5xx, an answer outside `expect` or an exception
        (also while a streamed body is read) is a failure."""
        self.current = f"{method.upper()} {url}"
        self.requests += 1
        self.pages.add(url if method == "get" else f"POST {url}")
        started = time.perf_counter()
        try:
            response = getattr(self.client, method)(url, data, **extra)
            # A streamed body (the CSV exports) runs its queries only while it is read.
            body = b"".join(response.streaming_content) if response.streaming else response.content
        except Exception as error:
            self.fail(url, None, f"{why}raised {error!r}: {traceback.format_exc()[-800:]}")
            return None, b"", None
        self.slowest = sorted([*self.slowest, (time.perf_counter() - started, self.current)])[-5:]
        status = response.status_code
        if status >= 500:
            error = response.exc_info[1] if getattr(response, "exc_info", None) else None
            self.fail(url, status, f"{why}server error {error!r}"[:600])
        elif expect is not None and status not in expect:
            self.fail(url, status, f"{why}expected {sorted(expect)}")
        return status, body, response

    def same_site(self, base, href):
        """The local URL (path?query) of an href, or None for other sites and skipped ones."""
        from django.urls import Resolver404, resolve

        parts = urlsplit(urljoin(f"http://{HOST}{urlsplit(base).path}", href))
        if parts.scheme not in ("http", "https") or parts.netloc != HOST:
            return None
        try:
            name = resolve(parts.path).url_name
        except Resolver404:
            name = None
        # Signing out ends the walk; a short link would add clicks (followed on purpose below).
        if name in ("account_logout", "follow_link"):
            return None
        return urlunsplit(("", "", parts.path, parts.query, ""))

    # Crawling -------------------------------------------------------------------------------

    def crawl(self, seeds, label, keep=None):
        """Breadth-first over `seeds` (url, referrer or None) and what their pages link to
        (only the pages whose URL name `keep` accepts, when given)."""
        queue = deque(seeds)
        seen = set()
        forms = set()  # a form's variants once, not again from each variant's page
        while queue and len(seen) < MAX_PAGES:
            url, referrer = queue.popleft()
            if url in seen or (keep and referrer and not keep(view_name(url))):
                continue
            seen.add(url)
            why = f"[{label}] linked from {referrer}: " if referrer else f"[{label}] "
            status, body, response = self.request("get", url, why=why)
            if status is None:
                continue
            if referrer and status >= 400:
                self.fail(url, status, f"{why}broken link")
            if status in (301, 302, 303, 307, 308):
                target = self.same_site(url, response["Location"])
                if target:
                    queue.append((target, url))
                continue
            html = "text/html" in response.get("Content-Type", "")
            if status != 200 or not html or not urlsplit(url).path.startswith("/dashboard/"):
                continue
            page = Page(url, body.decode())
            for href in page.links + page.assets:
                target = self.same_site(url, href)
                if target:
                    queue.append((target, url))
            for form in page.forms:
                key = (urlsplit(form.action).path, tuple(f["name"] for f in form.fields))
                if form.method == "get" and key not in forms:
                    forms.add(key)
                    queue.extend((target, url) for target in self.variants(form))
        self.counts[f"crawled {label}"] = len(seen)
        if queue:
            self.fail("", None, f"[{label}] the walk stopped at {MAX_PAGES} pages")

    def variants(self, form):
        """A GET form submitted as it is, once per option of each choice (with its date
        fields filled in), once with a search term and once with dates in the wrong order."""
        from django.utils import timezone

        today = timezone.localdate()
        dates = form.names_of("date")
        filled = dict(zip(dates, [str(today - timedelta(days=13)), str(today)], strict=False))
        wrong = dict(zip(dates, [str(today), str(today - timedelta(days=13))], strict=False))
        urls = [form_url(form, form.pairs())]
        for name, options in form.choices().items():
            for option in options:
                urls.append(form_url(form, form.pairs({**filled, name: option})))
        if wrong:
            first = {n: o[-1] for n, o in form.choices().items() if o}
            urls.append(form_url(form, form.pairs({**first, **wrong})))
        for name in form.names_of("search") + [n for n in form.names_of("text") if n == "q"]:
            urls.append(form_url(form, form.pairs({name: "aroma"})))
        return urls

    # Seeds ------------------------------------------------------------------------------------

    def named_urls(self):
        """(name, url) of every named URL of the analytics and links URLconfs."""
        from django.urls import reverse

        from analytics import urls as analytics_urls
        from links import urls as links_urls
        from links.models import Campaign, Client, Link

        demo = {
            "links": Link.objects.get(short_code="aroma-summer"),
            "clients": Client.objects.get(name="Café Aroma"),
            "campaigns": Campaign.objects.get(name="Summer 2026"),
        }
        for module in (analytics_urls, links_urls):
            for pattern in module.urlpatterns:
                name = f"{module.app_name}:{pattern.name}"
                params = set(pattern.pattern.converters)
                route = str(pattern.pattern)
                kinds = list(demo) if "kind" in params else [route.split("/", 1)[0]]
                for kind in kinds:
                    kwargs = {}
                    if "kind" in params:
                        kwargs["kind"] = kind
                    if "pk" in params:
                        if kind not in demo:
                            self.fail(route, None, f"{name}: no demo object for <pk>")
                            continue
                        kwargs["pk"] = demo[kind].pk
                    unknown = params - {"kind", "pk"}
                    if unknown:
                        self.fail(route, None, f"{name}: the walk cannot fill {sorted(unknown)}")
                        continue
                    self.walked_names.add(name)
                    yield name, reverse(name, kwargs=kwargs)

    def admin_pages(self):
        from django.contrib import admin
        from django.urls import reverse

        yield reverse("admin:index")
        for model, model_admin in admin.site._registry.items():
            opts = model._meta
            prefix = f"admin:{opts.app_label}_{opts.model_name}"
            self.admin_models.add(opts.label)
            changelist = reverse(f"{prefix}_changelist")
            yield changelist
            if model_admin.search_fields:
                yield f"{changelist}?q=a"
            yield reverse(f"{prefix}_add")
            first = model._default_manager.order_by("pk").first()
            if first is not None:
                yield reverse(f"{prefix}_change", args=[first.pk])

    def walk_admin(self):
        for url in self.admin_pages():
            status, body, _response = self.request("get", url, why="[admin] ")
            if status != 200 or "?" in url or not url.endswith("/"):
                continue
            if url.count("/") == 4:  # a changelist: one link of each of its filters
                by_filter = {}
                for href in Page(url, body.decode()).links:
                    target = self.same_site(url, href) if href.startswith("?") else None
                    if target and "q=" not in target:
                        keys = tuple(sorted(parse_qs(urlsplit(target).query)))
                        by_filter.setdefault(keys, target)
                for target in list(by_filter.values())[:MAX_FILTER_LINKS]:
                    self.request("get", target, expect={200}, why=f"[admin filter of {url}] ")

    # Forms -------------------------------------------------------------------------------------

    def form_on(self, url, choose=None):
        """The first POST form of a page (not the sign-out one) matching `choose`."""
        from django.urls import resolve

        status, body, _response = self.request("get", url, expect={200})
        if status != 200:
            raise StepFailed(f"{url} answered {status}")
        for form in Page(url, body.decode()).forms:
            if form.method != "post":
                continue
            if resolve(urlsplit(form.action).path).url_name == "account_logout":
                continue
            if choose is None or choose(form):
                return form
        raise StepFailed(f"no such form on {url}")

    def submit(self, url, overrides=None, *, choose=None, files=None):
        """Post a page's form as a browser would; the page it redirects to must answer 200.
        Returns that page's path."""
        form = self.form_on(url, choose)
        data = {}
        for name, value in form.pairs(overrides):
            data.setdefault(name, []).append(value)
        data.update(files or {})
        action = urlsplit(form.action)
        target = urlunsplit(("", "", action.path, action.query, ""))
        status, body, response = self.request("post", target, data, expect={302})
        if status != 302:
            raise StepFailed(f"posting {target} answered {status}: {body[:300]!r}")
        location = self.same_site(target, response["Location"])
        if location is None:
            raise StepFailed(f"posting {target} sent the browser to {response['Location']}")
        self.request("get", location, expect={200}, why=f"after posting {target}: ")
        return urlsplit(location).path

    def step(self, name, function):
        self.current = f"step {name}"
        try:
            function()
        except StepFailed as failure:
            self.fail(name, None, str(failure))
        except Exception as error:
            self.fail(name, None, f"raised {error!r}: {traceback.format_exc()[-800:]}")
        self.counts["steps"] += 1

    def manage_through_forms(self):
        from django.urls import resolve

        from analytics.clicks.spool import loading
        from analytics.models import Click
        from links.models import Link

        state = {}

        def create_client():
            page = self.submit("/dashboard/clients/new/", {"name": "Walk Café"})
            state["client"] = str(resolve(page).kwargs["pk"])

        def create_campaign():
            page = self.submit(
                f"/dashboard/campaigns/new/?client={state['client']}", {"name": "Walk launch"}
            )
            state["campaign"] = str(resolve(page).kwargs["pk"])

        def create_link():
            page = self.submit(
                "/dashboard/links/new/",
                {
                    "original_url": "https://example.com/walk?utm_source=walk",
                    "name": "Walk first link",
                    "client": state["client"],
                    "campaign": state["campaign"],
                    "tags": "walk, newcomer",
                    "alias": "walk-first",
                },
            )
            state["link"] = str(resolve(page).kwargs["pk"])
            tags = set(Link.objects.get(pk=state["link"]).tags.values_list("name", flat=True))
            if tags != {"walk", "newcomer"}:
                raise StepFailed(f"the new link has tags {sorted(tags)}")

        def edit():
            link = state["link"]
            self.submit(f"/dashboard/links/{link}/edit/", {"name": "Walk first link, edited"})
            self.submit(f"/dashboard/clients/{state['client']}/rename/", {"name": "Walk Café 2"})
            self.submit(
                f"/dashboard/campaigns/{state['campaign']}/rename/", {"name": "Walk relaunch"}
            )
            toggle = f"/dashboard/links/{link}/active/"
            for _ in range(2):  # deactivate, then reactivate
                self.submit(
                    f"/dashboard/links/{link}/", choose=lambda form: form.action.endswith(toggle)
                )
            if not Link.objects.get(pk=link).is_active:
                raise StepFailed("the link stayed inactive after reactivating it")

        def import_csv():
            csv_text = (
                "destination,client,campaign,tags,alias,name\r\n"
                'https://example.com/walk-import,Walk Café 2,Walk relaunch,"walk, csv",'
                "walk-import,Imported from CSV\r\n"
            )
            upload = io.BytesIO(csv_text.encode())
            upload.name = "links.csv"
            self.submit("/dashboard/links/import/", files={"file": upload})
            bad = io.BytesIO(b"destination,client\r\nhttps://example.com/x,No such client\r\n")
            bad.name = "bad.csv"
            form = self.form_on("/dashboard/links/import/")
            self.request(
                "post",
                urlsplit(form.action).path,
                {**dict(form.pairs()), "file": bad},
                expect={200},
                why="a CSV naming an unknown client: ",
            )

        def delete():
            imported = Link.objects.get(short_code="walk-import")
            self.submit(f"/dashboard/links/{imported.pk}/delete/")
            self.submit(f"/dashboard/campaigns/{state['campaign']}/delete/")
            if Link.objects.filter(pk=imported.pk).exists():
                raise StepFailed("the deleted link is still there")
            if Link.objects.get(pk=state["link"]).campaign_id is not None:
                raise StepFailed("the deleted campaign still holds its link")

        def follow_the_short_link():
            before = Click.objects.filter(link_id=state["link"]).count()
            status, _body, response = self.request(
                "get", "/walk-first?ref=walk", expect={302}, **BROWSER
            )
            expected = "https://example.com/walk?utm_source=walk&ref=walk"
            if status == 302 and response["Location"] != expected:
                raise StepFailed(f"/walk-first went to {response['Location']}")
            loading.flush()
            stored = Click.objects.filter(link_id=state["link"]).count() - before
            self.counts["clicks stored"] = stored
            if stored != 1:
                raise StepFailed(f"{stored} clicks stored for one visit")
            self.request("get", f"/dashboard/links/{state['link']}/?range=24h", expect={200})

        def delete_client():
            self.submit(f"/dashboard/clients/{state['client']}/delete/")
            if Link.objects.filter(pk=state["link"]).exists():
                raise StepFailed("the deleted client's link is still there")

        def whatsapp():
            url = "/dashboard/tools/whatsapp/"
            status, body, _response = self.request("get", url, expect={200})
            form = next(f for f in Page(url, body.decode()).forms if f.method == "get")
            values = {"country_code": "57", "area_code": "300", "number": "1234567"}
            values["message"] = "¡Hola! Quiero reservar"
            status, body, _response = self.request(
                "get", form_url(form, form.pairs(values)), expect={200}
            )
            if b"https://wa.me/573001234567" not in body:
                raise StepFailed("the WhatsApp tool showed no link")
            token = self.client.cookies["csrftoken"].value
            self.request("post", url, {**values, "csrfmiddlewaretoken": token}, expect={200})

        for name, function in [
            ("create a client", create_client),
            ("create a campaign", create_campaign),
            ("create a tagged link", create_link),
            ("edit, rename, deactivate and reactivate", edit),
            ("import a CSV", import_csv),
            ("delete a link and a campaign", delete),
            ("follow the new short link", follow_the_short_link),
            ("delete the client", delete_client),
            ("use the WhatsApp tool", whatsapp),
        ]:
            self.step(name, function)

    # Figures ---------------------------------------------------------------------------------

    def check_figures(self, label, zones):
        """Every report figure over every click equals a count of the raw rows in Python."""
        from django.utils import timezone

        from analytics.models import Click
        from analytics.reports.periods import last_days

        rows = list(
            Click.objects.values_list(
                "timestamp", "is_bot", "bot_reason", "country", "city", "browser", "os",
                "device_type", "referrer",
            )
        )  # fmt: skip
        people = list(
            Click.objects.values_list(
                "timestamp", "is_bot", "link__client_id", "ip_address", "user_agent"
            )
        )
        for zone in zones:
            with timezone.override(zone):
                for period in (last_days(90), last_days(1)):
                    self._compare(label, zone, period, rows)
                    self._compare_visitors(label, zone, period, people)

    def _compare_visitors(self, label, zone, period, people):
        """The overview's visitors: each client's distinct (address, user agent) pairs
        among human clicks per local day, added up, counted here in Python."""
        from django.utils import timezone

        from analytics.reports.periods import EVERYTHING
        from analytics.reports.visitors import visitors_by_day

        seen = {
            (timezone.localdate(stamp), client, ip or "", agent or "")
            for stamp, is_bot, client, ip, agent in people
            if period.start <= stamp < period.end and not is_bot
        }
        expected = Counter(day for day, *_visitor in seen)
        got = Counter(dict(visitors_by_day(EVERYTHING, period)))
        if +got != expected:
            where = f"[{label}] visitors in {zone}, {period.start:%Y-%m-%d %H:%M} on"
            self.fail(where, None, f"{sorted((+got).items())} != {sorted(expected.items())}")

    def _compare(self, label, zone, period, rows):
        from django.utils import timezone

        from analytics.reports.dimensions import DIMENSIONS, URL_HOST
        from analytics.reports.figures import breakdowns, clicks_over_time
        from analytics.reports.periods import EVERYTHING

        where = f"[{label}] figures in {zone}, {period.start:%Y-%m-%d %H:%M} on"
        expected = {key: Counter() for key in [*DIMENSIONS, "bot_reasons"]}
        series = Counter()
        for stamp, is_bot, reason, country, city, browser, os_, device, referrer in rows:
            if not period.start <= stamp < period.end:
                continue
            local = timezone.localtime(stamp)
            bucket = (
                local.replace(minute=0, second=0, microsecond=0) if period.hourly else local.date()
            )
            series[bucket, is_bot] += 1
            if is_bot:
                expected["bot_reasons"][(reason or "unknown").split(",")[0]] += 1
                continue
            host = re.match(URL_HOST, referrer or "")
            for key, value in (
                ("countries", country),
                ("cities", python_city(city, country)),
                ("browsers", browser),
                ("os", os_),
                ("devices", device),
                ("referrers", host.group(1).lower() if host else None),
            ):
                expected[key][value] += 1
        got = breakdowns(EVERYTHING, period, limit=10**6)
        for key, counter in expected.items():
            if dict(got[key]) != dict(counter):
                self.fail(
                    where,
                    None,
                    f"{key}: {sorted(got[key], key=str)} != {sorted(counter.items(), key=str)}",
                )
        drawn = Counter()
        for bucket, humans, bots in clicks_over_time(EVERYTHING, period):
            drawn[bucket, False] += humans
            drawn[bucket, True] += bots
        if +drawn != series:
            extra, missing = sorted((+drawn - series).items()), sorted((series - drawn).items())
            self.fail(where, None, f"clicks over time: {extra[:5]} too many, {missing[:5]} missing")
        self.counts["figure checks"] += 1

    # Commands ----------------------------------------------------------------------------------

    def run_commands(self):
        """The commands the README tells an operator to run, on this database."""
        from django.core.management import CommandError, call_command
        from django.db import connection

        def command(*args, expect=None, stdin=None):
            out = io.StringIO()
            try:
                call_command(*args, stdout=out, stderr=out, **({"stdin": stdin} if stdin else {}))
            except CommandError as error:
                # A refusal in words is an answer; only an unexpected one is a failure.
                out.write(f"CommandError: {error}")
            if expect and expect not in out.getvalue():
                raise StepFailed(f"{' '.join(args)} said {out.getvalue()[-400:]!r}")

        self.step("rollup_clicks", lambda: command("rollup_clicks", expect="Rolled up"))
        self.step(
            "reclassify_clicks --dry-run",
            lambda: command(
                "reclassify_clicks",
                "--dry-run",
                expect="0 human->bot, 0 bot->human, 0 with new reasons only",
            ),
        )
        self.step("drain_clicks --dry-run", lambda: command("drain_clicks", "--dry-run"))
        self.step(
            "classify_ua",
            lambda: command("classify_ua", stdin=io.StringIO("curl/8.5.0\n"), expect="bot"),
        )
        # It writes into PostgreSQL only, and says so on SQLite before anything else; on
        # PostgreSQL it says the old database (unreachable here, port 1) cannot be read.
        source = "postgres://macondo@127.0.0.1:1/macondo"
        said = "Cannot read the source" if connection.vendor == "postgresql" else "PostgreSQL"
        self.step(
            "import_macondo",
            lambda: command("import_macondo", "--source", source, "--dry-run", expect=said),
        )

    # The whole walk ------------------------------------------------------------------------

    def run(self):
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        from accounts.models import User

        self.current = "migrate"
        call_command("migrate", verbosity=0)
        self.current = "seed_demo"
        started, cpu = time.perf_counter(), time.process_time()
        call_command("seed_demo", verbosity=0)
        self.counts["seed seconds"] = round(time.perf_counter() - started, 2)
        # CPU time: what the command costs, whatever else the machine is busy with.
        self.counts["seed cpu seconds"] = round(time.process_time() - cpu, 2)
        staff = User.objects.create(email="newcomer@macondo.example", role="admin")
        self.client.force_login(staff)

        started = time.perf_counter()
        zones = [settings.TIME_ZONE, "America/Bogota"]
        self.step("figures of raw clicks", lambda: self.check_figures("raw", zones))
        seeds = [(url, None) for _name, url in self.named_urls()]
        self.crawl([("/", None), *seeds], "raw clicks")
        self.walk_admin()
        self.manage_through_forms()
        self.run_commands()
        # Rollups are days of TIME_ZONE: compared in that zone only.
        zones = [settings.TIME_ZONE]
        self.step("figures of rollups", lambda: self.check_figures("rolled up", zones))
        seeds = [(url, None) for name, url in self.named_urls() if reads_clicks(name)]
        self.crawl(seeds, "rolled up", keep=reads_clicks)
        self.counts["walk seconds"] = round(time.perf_counter() - started, 2)
        return {
            "database": connection.vendor,
            "requests": self.requests,
            "pages": len(self.pages),
            "pages_by_name": pages_by_name(self.pages),
            "walked_names": sorted(self.walked_names),
            "admin_models": sorted(self.admin_models),
            "counts": dict(self.counts),
            "slowest": [(round(seconds, 3), what) for seconds, what in reversed(self.slowest)],
            "failures": self.failures,
            "errors_logged": self.errors_logged,
        }


def view_name(url):
    """The URL name (namespace:name) a local URL resolves to, or None."""
    from django.urls import Resolver404, resolve

    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return None


def reads_clicks(name):
    """Whether a page's figures come from clicks (and so from rollups once rolled up)."""
    return bool(name) and (name.startswith("analytics:") or name in ("links:list", "links:export"))


def pages_by_name(pages):
    """{URL name: distinct GET pages walked} (e.g. a report once per range)."""
    counts = Counter(view_name(page) for page in pages if not page.startswith("POST "))
    counts.pop(None, None)
    return dict(counts)


class StepFailed(Exception):
    pass


def python_city(city, country):
    if not city:
        return None
    return f"{city} ({country})" if country else city


def main():
    django.setup()
    walk = Walk()
    recorder = ErrorRecords(walk)
    # The root logger, and every logger that does not pass records on to it ("django").
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    for logger in loggers:
        logger.addHandler(recorder)
    try:
        summary = walk.run()
    except Exception:
        summary = {"crashed": traceback.format_exc(), **vars_of(walk)}
    print("WALK " + json.dumps(summary, default=str))
    return 0


def vars_of(walk):
    return {
        "failures": walk.failures,
        "errors_logged": walk.errors_logged,
        "requests": walk.requests,
    }


if __name__ == "__main__":
    sys.exit(main())
