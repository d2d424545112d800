"""What the API reads and writes, as pydantic models: the OpenAPI document is made of these.

Inputs are typed loosely on purpose (strings, UUIDs, lists): the rules on their content
(destination URLs, aliases, names, tags) are the dashboard's own, applied by its forms and
links.services, so the messages are the same as on the dashboard.
"""

from datetime import UTC, datetime
from typing import Annotated, Literal
from uuid import UUID

from ninja import Schema
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from links.models import Campaign, Client, Link, Tag
from webhooks.models import Delivery, Subscription
from webhooks.services import EVENT_NAMES


def _no_nul(value):
    # PostgreSQL text cannot hold NUL; the dashboard's forms refuse it the same way.
    if "\x00" in value:
        raise ValueError("Null characters are not allowed.")
    return value


SearchText = Annotated[str, Field(max_length=200), AfterValidator(_no_nul)]


class Strict(Schema):
    """An input: unknown fields are refused, so a typo is an error instead of a no-op."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    """An output, built from keyword arguments: plain pydantic, without django-ninja's
    Schema machinery for reading Django objects (a third of a page of links' time)."""


# --- Problems ---------------------------------------------------------------------------
class FieldError(Out):
    field: str | None = Field(description="The field (dotted path for nested ones), or null.")
    code: str
    message: str
    index: int | None = Field(None, description="Bulk create: the item's position.")


class Problem(Out):
    type: str = Field(description="urn:macondo:problem:<code>")
    title: str
    status: int
    code: str
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


# --- Clients, campaigns, tags -----------------------------------------------------------------
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


# --- Links -----------------------------------------------------------------------------------
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


class ClientList(Out):
    items: list[ClientOut]
    next_cursor: str | None


class CampaignList(Out):
    items: list[CampaignOut]
    next_cursor: str | None


class TagList(Out):
    items: list[TagOut]
    next_cursor: str | None


# --- Figures ---------------------------------------------------------------------------------
class Totals(Out):
    human_clicks: int
    bot_clicks: int


class Bucket(Out):
    start: datetime
    human_clicks: int
    bot_clicks: int


class Ranked(Out):
    value: str | None = Field(description="null: unknown")
    human_clicks: int


class BotReason(Out):
    reason: str | None
    bot_clicks: int


class TopLink(Out):
    id: UUID
    short_code: str
    name: str
    human_clicks: int


class Breakdowns(Out):
    countries: list[Ranked]
    cities: list[Ranked]
    browsers: list[Ranked]
    os: list[Ranked]
    devices: list[Ranked]
    referrers: list[Ranked]


class Stats(Out):
    start: datetime = Field(description="The period's first instant (the request's `from`).")
    end: datetime = Field(description="The instant after the period (`to`, at most now).")
    granularity: Literal["hour", "day"]
    totals: Totals
    series: list[Bucket]
    breakdowns: Breakdowns
    bot_reasons: list[BotReason]
    top_links: list[TopLink] | None = Field(description="Clients and campaigns; null for a link.")


class ClickOut(Out):
    id: UUID
    timestamp: datetime
    short_code: str
    is_bot: bool
    bot_reason: str | None
    country: str | None
    city: str | None
    browser: str | None
    os: str | None
    device_type: str | None
    referrer: str | None
    ip_address: str | None
    user_agent: str | None


class ClickList(Out):
    items: list[ClickOut]
    next_cursor: str | None


# --- Webhook subscriptions ------------------------------------------------------------------
_EVENTS_HELP = f"Event names: {', '.join(EVENT_NAMES)}; at least one."


class LastDelivery(Out):
    status: str = Field(description="pending, delivered or failed (given up).")
    status_code: int | None = Field(description="The receiver's last HTTP status, if any.")
    attempts: int
    error: str
    created_at: datetime


class SubscriptionOut(Out):
    id: UUID
    url: str
    description: str
    events: list[str]
    status: Literal["active", "paused"]
    paused_at: datetime | None
    pause_reason: str = Field(description="Why it was paused (by its owner, or after failing).")
    secret_hint: str = Field(description="The start of the signing secret, to tell two apart.")
    last_delivery: LastDelivery | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, subscription: Subscription):
        """`subscription` as annotated by webhooks.services.with_last_delivery."""
        last = None
        if subscription.last_delivery_status is not None:
            last = LastDelivery(
                status=subscription.last_delivery_status,
                status_code=subscription.last_delivery_code,
                attempts=subscription.last_delivery_attempts,
                error=subscription.last_delivery_error,
                created_at=subscription.last_delivery_at,
            )
        return cls(
            id=subscription.pk,
            url=subscription.url,
            description=subscription.description,
            events=subscription.events,
            status=subscription.status,
            paused_at=subscription.paused_at,
            pause_reason=subscription.pause_reason,
            secret_hint=subscription.secret_hint,
            last_delivery=last,
            created_at=subscription.created_at,
            updated_at=subscription.updated_at,
        )


class SubscriptionWithSecret(SubscriptionOut):
    secret: str = Field(
        description="The signing secret, answered only by create and rotate-secret: keep it."
    )


class SubscriptionIn(Strict):
    url: str = Field(description="Where to POST events: https, a public address.")
    events: list[str] = Field(description=_EVENTS_HELP)
    description: str = ""


class SubscriptionPatch(Strict):
    """Only the fields sent change."""

    url: str | None = None
    events: list[str] | None = Field(None, description=_EVENTS_HELP)
    description: str | None = None


class SubscriptionList(Out):
    items: list[SubscriptionOut]
    next_cursor: str | None


class DeliveryOut(Out):
    id: UUID = Field(description="The Macondo-Delivery header, the same on every attempt.")
    event_id: UUID
    event_type: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    last_status_code: int | None
    last_error: str
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, delivery: Delivery):
        return cls(
            id=delivery.pk,
            event_id=delivery.event_id,
            event_type=delivery.event.type,
            status=delivery.status,
            attempts=delivery.attempts,
            last_status_code=delivery.last_status_code,
            last_error=delivery.last_error,
            last_attempt_at=delivery.last_attempt_at,
            next_attempt_at=delivery.next_attempt_at,
            delivered_at=delivery.delivered_at,
            created_at=delivery.created_at,
        )


class DeliveryList(Out):
    items: list[DeliveryOut] = Field(description="Newest first.")
