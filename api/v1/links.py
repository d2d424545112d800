"""Links: list (the dashboard's filters and search), create, bulk create, read, change,
deactivate/reactivate, delete. Every write goes through links.services, every input
through the dashboard's own forms: the same rules, the same messages."""

from datetime import date
from typing import Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.forms import ModelChoiceField
from ninja import Query, Router, Schema
from pydantic import Field

from links import services
from links.forms import LinkFilterForm, LinkForm
from links.listing import filtered_links
from links.models import Link, Tag

from .. import access, answers, idempotency, pagination
from ..auth import LINKS_READ, LINKS_WRITE
from ..problems import field_errors, form_invalid, invalid, null_refused
from ..schemas.links import BulkIn, BulkOut, LinkIn, LinkList, LinkOut, LinkPatch

router = Router(tags=["Links"])

LINK_ORDER = [pagination.descending_time("created_at"), pagination.BY_ID]


class LinkFilters(Schema):
    q: str | None = Field(
        None, description="Search name, code, destination, client, campaign, tag."
    )
    client_id: UUID | None = None
    campaign_id: UUID | None = None
    tag: str | None = Field(None, description="A tag name (any case).")
    creator_id: UUID | None = None
    status: Literal["active", "inactive"] | None = None
    created_from: date | None = None
    created_to: date | None = None
    cursor: str | None = None
    limit: int = Field(pagination.DEFAULT_LIMIT, ge=1, le=pagination.MAX_LIMIT)


# What a link's representation reads, and nothing more (a page of 100 links parses ~600
# fewer values without the users' passwords and dates).
_SHOWN = (
    "id",
    "short_code",
    "name",
    "original_url",
    "client_id",
    "client__name",
    "campaign_id",
    "campaign__name",
    "tags",
    "is_active",
    "expires_at",
    "forward_query",
    "user_id",
    "user__email",
    "created_at",
    "updated_at",
)


def shown(links):
    """`links` with what LinkOut shows: client, campaign, creator, tag names."""
    return (
        links.select_related("client", "campaign", "user")
        .only(*(field for field in _SHOWN if field != "tags"))
        .prefetch_related(Prefetch("tags", Tag.objects.only("name"), to_attr="tag_list"))
    )


def _links(request):
    return access.links(request, shown(Link.objects.all()))


def _link(request, link_id, *, for_update=False):
    links = _links(request)
    if for_update:
        links = links.select_for_update(of=("self",))
    return access.get_or_404(links, link_id, "link")


def _reloaded(link):
    return (
        Link.objects.select_related("client", "campaign", "user")
        .prefetch_related("tags")
        .get(pk=link.pk)
    )


def _answer(link, status=200, **headers):
    return answers.json(LinkOut.of(_reloaded(link)), status, etag=True, headers=headers)


def _form(request, data, *, editing=False):
    """The dashboard's LinkForm on `data`, offering only the clients the key may see."""
    form = LinkForm(data, editing=editing, user=access.credential(request).user)
    form.fields["client"].queryset = access.clients(request)
    form.fields["campaign"].queryset = access.campaigns(request)
    return form


def _form_data(values):
    """API values as the link form's fields (ids as text, tags comma-separated, `utm`'s
    parameters as the form's utm_* fields)."""
    utm = values.get("utm") or {}
    if hasattr(utm, "model_dump"):
        utm = utm.model_dump()
    return {
        **{f"utm_{name}": value for name, value in utm.items()},
        "original_url": values["original_url"],
        "client": str(values["client_id"] or ""),
        "campaign": str(values["campaign_id"] or ""),
        "name": values["name"],
        "tags": ", ".join(values["tags"]),
        "alias": values.get("alias") or "",
        "forward_query": "on" if values["forward_query"] else "",
    }


def _create_one(request, key, item):
    """A link from a LinkIn, or ValidationError keyed by field."""
    form = _form(request, _form_data(item.model_dump()))
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    data = dict(form.cleaned_data)
    data["expires_at"] = item.expires_at
    # The form just read the client and campaign; the user is the key's owner.
    return services.create_link(
        user=key.user, is_active=item.is_active, relations_known=True, **data
    )


@router.get(
    "/links", response={200: LinkList}, auth=LINKS_READ, summary="List links (newest first)"
)
def list_links(request, filters: Query[LinkFilters]):
    form = LinkFilterForm(
        {
            "q": filters.q or "",
            "client": str(filters.client_id or ""),
            "campaign": str(filters.campaign_id or ""),
            "tag": filters.tag or "",
            "creator": str(filters.creator_id or ""),
            "status": filters.status or "",
            "created_from": filters.created_from or "",
            "created_to": filters.created_to or "",
        },
        user=access.credential(request).user,
    )
    form.fields["client"].queryset = access.clients(request)
    form.fields["campaign"].queryset = access.within(
        form.fields["campaign"].queryset, request, "client_id"
    )
    if not form.is_valid():
        raise form_invalid(form)
    links, _period = filtered_links(form, access.credential(request).user, with_clicks=False)
    links = access.links(request, shown(links))
    rows, cursor = pagination.page(links, LINK_ORDER, filters.cursor, filters.limit)
    return answers.json(LinkList(items=[LinkOut.of(link) for link in rows], next_cursor=cursor))


@router.post("/links", response={201: LinkOut}, auth=LINKS_WRITE, summary="Create a link")
def create_link(request, payload: LinkIn):
    key = access.credential(request)

    def create():
        try:
            link = _create_one(request, key, payload)
        except ValidationError as error:
            raise invalid(error) from None
        # The new link as it is in memory: only its tags' stored spellings are read back.
        shown = LinkOut.of(link, tags=list(link.tags.values_list("name", flat=True)))
        return answers.json(shown, 201, etag=True, headers={"Location": f"/api/v1/links/{link.pk}"})

    return idempotency.once(request, key.id, create)


class _Rollback(Exception):
    pass


def _bulk_values(request, items):
    """({index: create_links values}, {index: ValidationError}) of the items: the link
    form's checks on each (its text fields), clients and campaigns read once for all."""
    clients = access.clients(request).in_bulk({item.client_id for item in items})
    campaigns = access.campaigns(request).in_bulk(
        {item.campaign_id for item in items if item.campaign_id}
    )
    values, errors = {}, {}
    for index, item in enumerate(items):
        form = LinkForm(_form_data(item.model_dump()), user=access.credential(request).user)
        del form.fields["client"], form.fields["campaign"]
        problems = {} if form.is_valid() else dict(form.errors.as_data())
        client = clients.get(item.client_id)
        campaign = campaigns.get(item.campaign_id) if item.campaign_id else None
        if client is None:
            problems["client"] = [_unknown_choice()]
        if item.campaign_id and campaign is None:
            problems["campaign"] = [_unknown_choice()]
        if problems:
            errors[index] = ValidationError(problems)
            continue
        data = dict(form.cleaned_data)
        data.update(
            client=client,
            campaign=campaign,
            expires_at=item.expires_at,
            is_active=item.is_active,
        )
        values[index] = data
    return values, errors


def _unknown_choice():
    # The link form's own words for a client or campaign it does not offer.
    message = ModelChoiceField.default_error_messages["invalid_choice"]
    return ValidationError(message, code="invalid_choice")


def _indexed(errors):
    result = []
    for index in sorted(errors):
        for problem in field_errors(errors[index]):
            field = problem["field"]
            problem["field"] = f"links.{index}" + (f".{field}" if field else "")
            result.append({**problem, "index": index})
    return result


@router.post(
    "/links/bulk",
    response={201: BulkOut},
    auth=LINKS_WRITE,
    summary="Create up to 1,000 links at once, all or none",
)
def bulk_create_links(request, payload: BulkIn):
    key = access.credential(request)

    def create():
        values, errors = _bulk_values(request, payload.links)
        indices = list(values)
        try:
            with transaction.atomic():
                try:
                    created = services.create_links(
                        user=key.user, links=[values[index] for index in indices]
                    )
                except services.LinksRefused as refused:
                    errors.update(
                        {indices[position]: error for position, error in refused.errors.items()}
                    )
                if errors:
                    raise _Rollback
        except _Rollback:
            raise invalid(_indexed(errors)) from None
        by_id = shown(Link.objects.all()).in_bulk([link.pk for link in created])
        return answers.json(BulkOut(items=[LinkOut.of(by_id[link.pk]) for link in created]), 201)

    return idempotency.once(request, key.id, create)


@router.get(
    "/links/{uuid:link_id}", response={200: LinkOut}, auth=LINKS_READ, summary="Read a link"
)
def get_link(request, link_id: UUID):
    return answers.json(LinkOut.of(_link(request, link_id)), etag=True)


@router.patch(
    "/links/{uuid:link_id}",
    response={200: LinkOut},
    auth=LINKS_WRITE,
    summary="Change a link (only the fields sent; the short code never changes)",
)
def update_link(request, link_id: UUID, payload: LinkPatch):
    null_refused(
        payload,
        ["original_url", "client_id", "name", "tags", "is_active", "forward_query"],
    )
    sent = payload.model_fields_set
    with transaction.atomic():
        link = _link(request, link_id, for_update=True)
        answers.check_if_match(request, LinkOut.of(link))
        values = {
            "original_url": link.original_url,
            "client_id": link.client_id,
            "campaign_id": link.campaign_id,
            "name": link.name,
            "tags": [tag.name for tag in link.tag_list],
            "forward_query": link.forward_query,
            "utm": None,
        }
        values.update({field: getattr(payload, field) for field in sent if field in values})
        form = _form(request, _form_data(values), editing=True)
        if not form.is_valid():
            raise form_invalid(form)
        data = dict(form.cleaned_data)
        tags = data.pop("tags")
        data["expires_at"] = payload.expires_at if "expires_at" in sent else link.expires_at
        data["is_active"] = payload.is_active if "is_active" in sent else link.is_active
        try:
            services.update_link(link, tags=tags, **data)
        except ValidationError as error:
            raise invalid(error) from None
    return _answer(link)


def _set_active(request, link_id, active):
    with transaction.atomic():
        link = _link(request, link_id, for_update=True)
        answers.check_if_match(request, LinkOut.of(link))
        services.set_active(link, active)
    return _answer(link)


@router.post(
    "/links/{uuid:link_id}/deactivate",
    response={200: LinkOut},
    auth=LINKS_WRITE,
    summary="Deactivate a link (the soft delete: it stops redirecting, its clicks stay)",
)
def deactivate_link(request, link_id: UUID):
    return _set_active(request, link_id, False)


@router.post(
    "/links/{uuid:link_id}/reactivate",
    response={200: LinkOut},
    auth=LINKS_WRITE,
    summary="Reactivate a link",
)
def reactivate_link(request, link_id: UUID):
    return _set_active(request, link_id, True)


@router.delete(
    "/links/{uuid:link_id}",
    response={204: None},
    auth=LINKS_WRITE,
    summary="Delete a link and its clicks for good",
)
def delete_link(request, link_id: UUID):
    with transaction.atomic():
        link = _link(request, link_id, for_update=True)
        answers.check_if_match(request, LinkOut.of(link))
        services.delete_link(link)
    return answers.no_content()
