"""A link's, campaign's or client's figures, and its raw clicks."""

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from .common import Out


class Totals(Out):
    human_clicks: int
    bot_clicks: int
    visitors: int = Field(
        description="Unique visitors (IP address and user agent) of each local day among "
        "human clicks, summed over the period's days."
    )


class Bucket(Out):
    start: datetime
    human_clicks: int
    bot_clicks: int
    visitors: int | None = Field(
        description="The day's unique visitors; null for an hour (visitors are counted by day)."
    )


class VisitorDay(Out):
    day: date = Field(description="A local day (TIME_ZONE) the period touches.")
    visitors: int = Field(description="Its unique visitors within the period.")


class Ranked(Out):
    value: str | None = Field(description="null: unknown")
    human_clicks: int


class Channel(Out):
    label: str = Field(description='"QR code", "source / medium", "source" or "(not tagged)"')
    kind: Literal["qr", "utm", "untagged"] = Field(
        description="qr: scans of the link's QR code; utm: the destination's utm_source / "
        "utm_medium as it is now; untagged: a destination with neither"
    )
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
    channels: list[Channel] = Field(description="Top 10 among human clicks, most first.")
    visitors_by_day: list[VisitorDay] = Field(
        description="Unique visitors per local day, also for an hourly period."
    )
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
