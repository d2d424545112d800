"""Links: one, a page, a patch and a bulk create."""

from datetime import UTC, datetime
from uuid import UUID

from pydantic import AwareDatetime, Field

from links.models import Link

from .common import Out, Strict
from .organisation import ClientRef


class CampaignRef(Out):
    id: UUID
    name: str


class UserRef(Out):
    id: UUID
    email: str


class LinkOut(Out):
    id: UUID
    short_code: str
    short_url: str
    name: str
    original_url: str = Field(description="The destination, normalised to ASCII.")
    client: ClientRef
    campaign: CampaignRef | None
    tags: list[str]
    is_active: bool = Field(description="False: deactivated (the soft delete).")
    is_live: bool = Field(description="Redirects now: active and not expired.")
    expires_at: datetime | None
    forward_query: bool
    created_by: UserRef
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, link: Link, tags=None):
        if tags is None:
            listed = getattr(link, "tag_list", None)
            tags = [tag.name for tag in (listed if listed is not None else link.tags.all())]
        tags = sorted(tags, key=str.lower)
        return cls(
            id=link.pk,
            short_code=link.short_code,
            short_url=link.short_url,
            name=link.name,
            original_url=link.original_url,
            client=ClientRef(id=link.client_id, name=link.client.name),
            campaign=(
                CampaignRef(id=link.campaign_id, name=link.campaign.name)
                if link.campaign_id
                else None
            ),
            tags=tags,
            is_active=link.is_active,
            is_live=link.is_live(),
            # In UTC as every stored time is answered, also when the link is fresh from input.
            expires_at=link.expires_at.astimezone(UTC) if link.expires_at else None,
            forward_query=link.forward_query,
            created_by=UserRef(id=link.user_id, email=link.user.email),
            created_at=link.created_at,
            updated_at=link.updated_at,
        )


class UtmIn(Strict):
    """UTM parameters written into the destination's query (links.utm): a blank or absent
    one leaves the destination's own as it is; with any given, a blank `campaign` becomes
    the link's campaign's name as a slug. Errors name them `utm.<parameter>`."""

    source: str = Field("", description="utm_source, at most 200 characters.")
    medium: str = ""
    campaign: str = ""
    term: str = ""
    content: str = ""


class LinkIn(Strict):
    original_url: str = Field(description="Destination: http or https, at most 2,048 characters.")
    client_id: UUID
    campaign_id: UUID | None = Field(None, description="A campaign of the same client.")
    name: str = ""
    tags: list[str] = Field(
        default_factory=list,
        description="Tag names, created on first use; a comma inside a name separates two "
        "names, as on the dashboard.",
    )
    alias: str | None = Field(
        None, description="Custom short code: 3-50 letters, digits, - or _. Empty: generated."
    )
    expires_at: AwareDatetime | None = Field(None, description="After it, no redirect.")
    is_active: bool = True
    forward_query: bool = True
    utm: UtmIn | None = None


class LinkPatch(Strict):
    """Only the fields sent change; null clears campaign_id and expires_at."""

    original_url: str | None = None
    client_id: UUID | None = None
    campaign_id: UUID | None = None
    name: str | None = None
    tags: list[str] | None = None
    expires_at: AwareDatetime | None = None
    is_active: bool | None = None
    forward_query: bool | None = None
    utm: UtmIn | None = None


class BulkIn(Strict):
    links: list[LinkIn] = Field(min_length=1, max_length=1000)


class LinkList(Out):
    items: list[LinkOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null: last.")


class BulkOut(Out):
    items: list[LinkOut]
