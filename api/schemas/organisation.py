"""Clients, campaigns and tags."""

from datetime import datetime
from uuid import UUID

from links.models import Campaign, Client, Tag

from .common import Out, Strict


class ClientRef(Out):
    id: UUID
    name: str


class ClientOut(Out):
    id: UUID
    name: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, client: Client):
        return cls(
            id=client.pk,
            name=client.name,
            created_at=client.created_at,
            updated_at=client.updated_at,
        )


class ClientIn(Strict):
    name: str


class CampaignOut(Out):
    id: UUID
    name: str
    client: ClientRef
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, campaign: Campaign):
        return cls(
            id=campaign.pk,
            name=campaign.name,
            client=ClientRef(id=campaign.client_id, name=campaign.client.name),
            created_at=campaign.created_at,
            updated_at=campaign.updated_at,
        )


class CampaignIn(Strict):
    client_id: UUID
    name: str


class CampaignRename(Strict):
    name: str


class TagOut(Out):
    id: UUID
    name: str

    @classmethod
    def of(cls, tag: Tag):
        return cls(id=tag.pk, name=tag.name)


class ClientList(Out):
    items: list[ClientOut]
    next_cursor: str | None


class CampaignList(Out):
    items: list[CampaignOut]
    next_cursor: str | None


class TagList(Out):
    items: list[TagOut]
    next_cursor: str | None
