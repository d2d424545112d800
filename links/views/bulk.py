"""CSV in and out of the link list."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts import policy
from macondo import downloads

from ..forms import LinkFilterForm, LinkImportForm
from ..imports import DELIMITERS, ImportFailed, import_links, template_csv
from ..listing import filtered_links

EXPORT_COLUMNS = [
    "short_url",
    "short_code",
    "name",
    "destination",
    "client",
    "campaign",
    "tags",
    "active",
    "expires_at",
    "created_at",
    "created_by",
    "human_clicks_in_period",
]


@login_required
def link_import(request):
    policy.require(request.user, "import")
    form = LinkImportForm(request.POST or None, request.FILES or None)
    failure = None
    if request.method == "POST" and form.is_valid():
        try:
            imported = import_links(form.cleaned_data["file"], user=request.user)
        except ImportFailed as error:
            failure = error
        else:
            read_as = DELIMITERS[imported.delimiter]
            messages.success(
                request, f"Imported {len(imported.links)} link(s) from a {read_as} file."
            )
            return redirect("links:list")
    context = {
        "form": form,
        "errors": failure.errors if failure else [],
        "read_as": DELIMITERS.get(failure.delimiter) if failure else None,
        "sample": template_csv(),
    }
    return render(request, "links/link_import.html", context)


@login_required
def link_import_template(request):
    policy.require(request.user, "import")
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = downloads.attachment("links-import-template", "csv")
    return response


@login_required
def link_export(request):
    policy.require(request.user, "export_report")
    form = LinkFilterForm(request.GET or None, user=request.user)
    links, _period = filtered_links(form, request.user)
    # Who created a link is the agency's business, not its clients'.
    creators = policy.can(request.user, "view_staff_pages")

    def rows():
        yield EXPORT_COLUMNS
        # Chunks of links with their tags: two queries per chunk, bounded memory.
        for link in links.prefetch_related("tags").iterator(chunk_size=1000):
            yield [
                link.short_url,
                link.short_code,
                link.name,
                link.original_url,
                link.client.name,
                link.campaign.name if link.campaign else "",
                ", ".join(t.name for t in link.tags.all()),
                "yes" if link.is_live() else "no",
                link.expires_at.isoformat() if link.expires_at else "",
                link.created_at.isoformat(),
                link.user.email if creators else "",
                link.period_clicks,
            ]

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return downloads.csv_response(downloads.csv_blocks(rows()), f"links-{stamp}")
