"""Side-by-side tables (a client's campaigns, a campaign's links) and the compare page."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from accounts import policy
from analytics.reports.charts import sparkline
from analytics.reports.comparisons import side_by_side
from analytics.reports.periods import EVERYTHING
from links.lookups import fetch
from links.models import Campaign, Link
from macondo.uuids import parse_uuid

from .forms import RangeForm

# At most this many links or campaigns on the compare page: a readable table.
COMPARE_MAX = 5

# Sort keys of a side-by-side table (`?sort=`, "-" first for descending).
SORTS = ("name", "humans", "visitors", "change")
DEFAULT_SORT = "-humans"

_KINDS = {"links": (Link, "link_id"), "campaigns": (Campaign, "link__campaign_id")}


def _name(obj):
    return getattr(obj, "name", "") or getattr(obj, "short_code", "")


def _change_key(row):
    # "New" (nothing before) ranks above any percentage; no clicks either time counts as 0.
    compared = row["compared"]
    return float("inf") if compared["new"] else (compared["percent"] or 0)


_SORT_KEYS = {
    "name": lambda row: row["label"].lower(),
    "humans": lambda row: row["humans"],
    "visitors": lambda row: row["visitors"],
    "change": _change_key,
}


def sort_of(request):
    sort = request.GET.get("sort", DEFAULT_SORT)
    return sort if sort.removeprefix("-") in SORTS else DEFAULT_SORT


def sort_links(request, sort):
    """{column: query string} for the table's headers: a column sorts descending first
    (names ascending), and its link flips the direction once it is the current sort."""
    kept = [(k, v) for k, values in request.GET.lists() if k != "sort" for v in values]
    links = {}
    for column in SORTS:
        first = column if column == "name" else f"-{column}"
        flipped = column if sort == f"-{column}" else f"-{column}"
        links[column] = "?" + urlencode(
            [*kept, ("sort", flipped if sort.removeprefix("-") == column else first)]
        )
    return links


def rows(key, objects, period, scope=EVERYTHING, sort=DEFAULT_SORT):
    """The table's rows: each object with its humans, visitors, change and sparkline, sorted by
    `sort` (ties by name, so the order is stable)."""
    figures = side_by_side(key, [obj.pk for obj in objects], period, scope)
    result = []
    for obj in objects:
        row = {"object": obj, "label": _name(obj), **figures[obj.pk]}
        row["spark"] = sparkline(row["series"])
        result.append(row)
    result.sort(key=_SORT_KEYS["name"])
    result.sort(key=_SORT_KEYS[sort.removeprefix("-")], reverse=sort.startswith("-"))
    return result


def _ids(request):
    ids = [parse_uuid(value) for value in request.GET.getlist("ids")]
    if None in ids:
        raise Http404("No such object.")
    return list(dict.fromkeys(ids))


@login_required
def compare(request):
    """Up to COMPARE_MAX links or campaigns over one range, even of different clients for
    staff; each through the policy (another client's object is not found)."""
    policy.require(request.user, "view")
    kind = request.GET.get("kind", "campaigns")
    if kind not in _KINDS:
        raise Http404("No such comparison.")
    model, key = _KINDS[kind]
    ids = _ids(request)
    error = None
    if len(ids) > COMPARE_MAX:
        error = f"Choose at most {COMPARE_MAX} {kind} to compare."
        ids = []
    objects = [fetch(request.user, model, pk) for pk in ids]
    form = RangeForm(request.GET or None)
    period = form.period()
    sort = sort_of(request)
    context = {
        "form": form,
        "kind": kind,
        "range_label": form.label(),
        "period": period,
        "rows": rows(key, objects, period, sort=sort) if objects else [],
        "sort": sort,
        "error": error,
        "compare_max": COMPARE_MAX,
        "sort_links": sort_links(request, sort),
        # The range picker keeps what is compared when the range changes.
        "carry": [("kind", kind)] + [("ids", obj.pk) for obj in objects],
    }
    return render(request, "analytics/compare.html", context)
