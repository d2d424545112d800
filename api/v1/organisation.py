"""Clients, campaigns and tags: read with any scope, written with clients:write, through
the dashboard's own forms (the names rule, its messages)."""

from uuid import UUID

from django.db import transaction
from ninja import Query, Router, Schema
from pydantic import Field

from accounts import policy
from links.forms import CampaignForm, CampaignRenameForm, ClientForm, save_named
from links.models import Campaign

from .. import access, answers, idempotency, pagination
from ..auth import ANY_SCOPE, CLIENTS_WRITE
from ..problems import Problem, form_invalid
from ..schemas.common import SearchText
from ..schemas.organisation import (
    CampaignIn,
    CampaignList,
    CampaignOut,
    CampaignRename,
    ClientIn,
    ClientList,
    ClientOut,
    TagList,
    TagOut,
)

router = Router(tags=["Clients, campaigns and tags"])

NAME_ORDER = [pagination.Key("name"), pagination.BY_ID]


class NameQuery(Schema):
    q: SearchText | None = Field(None, description="Part of the name, any case.")
    cursor: str | None = None
    limit: int = Field(pagination.DEFAULT_LIMIT, ge=1, le=pagination.MAX_LIMIT)


class CampaignQuery(NameQuery):
    client_id: UUID | None = None


def _named(queryset, query):
    if query.q:
        queryset = queryset.filter(name__icontains=query.q)
    return pagination.page(queryset, NAME_ORDER, query.cursor, query.limit)


def _saved(form):
    """A valid client or campaign form saved, or its 422 problem (a name taken meanwhile)."""
    if form.is_valid():
        saved = save_named(form)
        if saved is not None:
            return saved
    raise form_invalid(form)


# --- Clients ------------------------------------------------------------------------------
@router.get(
    "/clients", response={200: ClientList}, auth=ANY_SCOPE, summary="List clients (by name)"
)
def list_clients(request, query: Query[NameQuery]):
    rows, cursor = _named(access.clients(request), query)
    return answers.json(ClientList(items=[ClientOut.of(c) for c in rows], next_cursor=cursor))


@router.post("/clients", response={201: ClientOut}, auth=CLIENTS_WRITE, summary="Create a client")
def create_client(request, payload: ClientIn):
    key = access.credential(request)
    if key.client_ids is not None:
        raise Problem(
            403,
            "restricted_key",
            "Forbidden",
            "A key restricted to some clients cannot create clients.",
        )

    def create():
        client = _saved(ClientForm({"name": payload.name}))
        answer = ClientOut.of(client)
        return answers.json(
            answer, 201, etag=True, headers={"Location": f"/api/v1/clients/{client.pk}"}
        )

    return idempotency.once(request, key.id, create)


def _may_delete(request, obj):
    if not policy.can_delete(access.credential(request).user, obj):
        raise Problem(
            403,
            "role_forbids",
            "Forbidden",
            "Only an admin may delete a client or campaign that has clicks.",
        )


def _client(request, client_id, *, for_update=False):
    clients = access.clients(request)
    if for_update:
        clients = clients.select_for_update()
    return access.get_or_404(clients, client_id, "client")


@router.get(
    "/clients/{uuid:client_id}", response={200: ClientOut}, auth=ANY_SCOPE, summary="Read a client"
)
def get_client(request, client_id: UUID):
    return answers.json(ClientOut.of(_client(request, client_id)), etag=True)


@router.patch(
    "/clients/{uuid:client_id}",
    response={200: ClientOut},
    auth=CLIENTS_WRITE,
    summary="Rename a client",
)
def rename_client(request, client_id: UUID, payload: ClientIn):
    with transaction.atomic():
        client = _client(request, client_id, for_update=True)
        answers.check_if_match(request, ClientOut.of(client))
        client = _saved(ClientForm({"name": payload.name}, instance=client))
    return answers.json(ClientOut.of(client), etag=True)


@router.delete(
    "/clients/{uuid:client_id}",
    response={204: None},
    auth=CLIENTS_WRITE,
    summary="Delete a client with its campaigns, links and clicks",
)
def delete_client(request, client_id: UUID):
    with transaction.atomic():
        client = _client(request, client_id, for_update=True)
        answers.check_if_match(request, ClientOut.of(client))
        _may_delete(request, client)
        client.delete()
    return answers.no_content()


# --- Campaigns ----------------------------------------------------------------------------
@router.get(
    "/campaigns", response={200: CampaignList}, auth=ANY_SCOPE, summary="List campaigns (by name)"
)
def list_campaigns(request, query: Query[CampaignQuery]):
    campaigns = access.campaigns(request)
    if query.client_id:
        campaigns = campaigns.filter(client_id=query.client_id)
    rows, cursor = _named(campaigns, query)
    return answers.json(CampaignList(items=[CampaignOut.of(c) for c in rows], next_cursor=cursor))


@router.post(
    "/campaigns", response={201: CampaignOut}, auth=CLIENTS_WRITE, summary="Create a campaign"
)
def create_campaign(request, payload: CampaignIn):
    key = access.credential(request)

    def create():
        form = CampaignForm({"client": str(payload.client_id), "name": payload.name}, user=key.user)
        form.fields["client"].queryset = access.clients(request)
        campaign = _saved(form)
        return answers.json(
            CampaignOut.of(campaign),
            201,
            etag=True,
            headers={"Location": f"/api/v1/campaigns/{campaign.pk}"},
        )

    return idempotency.once(request, key.id, create)


def _campaign(request, campaign_id, *, for_update=False):
    campaigns = access.campaigns(request)
    if for_update:
        campaigns = campaigns.select_for_update(of=("self",))
    return access.get_or_404(campaigns, campaign_id, "campaign")


@router.get(
    "/campaigns/{uuid:campaign_id}",
    response={200: CampaignOut},
    auth=ANY_SCOPE,
    summary="Read a campaign",
)
def get_campaign(request, campaign_id: UUID):
    return answers.json(CampaignOut.of(_campaign(request, campaign_id)), etag=True)


@router.patch(
    "/campaigns/{uuid:campaign_id}",
    response={200: CampaignOut},
    auth=CLIENTS_WRITE,
    summary="Rename a campaign",
)
def rename_campaign(request, campaign_id: UUID, payload: CampaignRename):
    with transaction.atomic():
        campaign = _campaign(request, campaign_id, for_update=True)
        answers.check_if_match(request, CampaignOut.of(campaign))
        campaign = _saved(CampaignRenameForm({"name": payload.name}, instance=campaign))
    return answers.json(CampaignOut.of(Campaign.objects.get(pk=campaign.pk)), etag=True)


@router.delete(
    "/campaigns/{uuid:campaign_id}",
    response={204: None},
    auth=CLIENTS_WRITE,
    summary="Delete a campaign (its links stay, without campaign)",
)
def delete_campaign(request, campaign_id: UUID):
    with transaction.atomic():
        campaign = _campaign(request, campaign_id, for_update=True)
        answers.check_if_match(request, CampaignOut.of(campaign))
        _may_delete(request, campaign)
        campaign.delete()
    return answers.no_content()


# --- Tags ---------------------------------------------------------------------------------
@router.get("/tags", response={200: TagList}, auth=ANY_SCOPE, summary="List tags (by name)")
def list_tags(request, query: Query[NameQuery]):
    rows, cursor = _named(access.tags(), query)
    return answers.json(TagList(items=[TagOut.of(t) for t in rows], next_cursor=cursor))
