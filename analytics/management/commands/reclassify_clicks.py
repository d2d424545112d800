from collections import Counter
from datetime import datetime, time
from uuid import UUID

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from analytics.clicks.geo import Location
from analytics.clicks.visit import Visit
from analytics.models import Click, RollupWatermark
from analytics.verdicts.bots import rejudge_stored
from macondo.progress import Progress

FIELDS = ("id", "timestamp", "user_agent", "ip_address", "asn_number", "asn_org")
VERDICT_FIELDS = ("is_bot", "bot_reason", "bot_score")


def parse_since(value):
    moment = parse_datetime(value)
    if moment is None and (day := parse_date(value)) is not None:
        moment = datetime.combine(day, time.min)
    if moment is None:
        raise ValueError
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def parse_cursor(value):
    stamp, _, click_id = value.rpartition(",")
    moment = parse_datetime(stamp)
    if moment is None or timezone.is_naive(moment):
        raise ValueError
    return moment, UUID(click_id)


def format_cursor(moment, click_id):
    return f"{moment.isoformat()},{click_id}"


def _after(clicks, cursor):
    moment, click_id = cursor
    return clicks.filter(Q(timestamp__gt=moment) | Q(timestamp=moment, id__gt=click_id))


class Command(BaseCommand):
    help = (
        "Re-judge stored clicks with the current bot rules, in batches ordered by "
        "(timestamp, id). Safe while clicks arrive; resumable with --after."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", help="only clicks at or after this date/time (ISO)")
        parser.add_argument(
            "--after", help="resume after this cursor, as printed by an earlier run"
        )
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--dry-run", action="store_true", help="count, write nothing")

    def handle(self, *args, since=None, after=None, batch_size=1000, dry_run=False, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        clicks = Click.objects.order_by("timestamp", "id")
        if since:
            try:
                clicks = clicks.filter(timestamp__gte=parse_since(since))
            except ValueError:
                raise CommandError(f"--since: not an ISO date or date-time: {since!r}") from None
        cursor = None
        if after:
            try:
                cursor = parse_cursor(after)
            except ValueError:
                raise CommandError(
                    f"--after: expected '<ISO date-time with offset>,<click id>', got {after!r}"
                ) from None

        seen = updated = 0
        first_changed = None
        # Clicks per direction, and per reason: the new verdict's codes for human -> bot,
        # the stored codes that no longer hold for bot -> human.
        flips = Counter()
        to_bot, to_human = Counter(), Counter()
        total = _after(clicks, cursor).count() if cursor else clicks.count()
        progress = Progress(self.stderr, "reclassify_clicks", total=total, unit="clicks")
        while True:
            batch = _after(clicks, cursor) if cursor else clicks
            rows = list(batch.values(*FIELDS, *VERDICT_FIELDS)[:batch_size])
            if not rows:
                break
            changes = []
            for row in rows:
                verdict = rejudge_stored(
                    Visit(user_agent=row["user_agent"] or "", ip=row["ip_address"]),
                    row["bot_reason"],
                    Location(asn_number=row["asn_number"], asn_org=row["asn_org"]),
                )
                new = (verdict.is_bot, verdict.bot_reason, verdict.score or None)
                old = tuple(row[f] for f in VERDICT_FIELDS)
                if new[:2] == old[:2] and (new[2] or 0) == (old[2] or 0):
                    continue
                changes.append((row, new))
                if verdict.is_bot and not row["is_bot"]:
                    flips["human -> bot"] += 1
                    to_bot.update(verdict.reasons)
                elif row["is_bot"] and not verdict.is_bot:
                    flips["bot -> human"] += 1
                    to_human.update((row["bot_reason"] or "none").split(","))
                else:
                    flips["reasons only"] += 1
            if changes and not dry_run:
                updated += self.write(changes)
                earliest = min(row["timestamp"] for row, _new in changes)
                first_changed = min(first_changed or earliest, earliest)
            seen += len(rows)
            cursor = (rows[-1]["timestamp"], rows[-1]["id"])
            progress.update_to(seen)
            progress.write(
                f"{seen} clicks re-judged; resume with --after {format_cursor(*cursor)}",
                stream=self.stdout,
            )
        progress.close()

        self.report("human -> bot", flips["human -> bot"], to_bot)
        self.report("bot -> human", flips["bot -> human"], to_human)
        self.stdout.write(
            f"{'Dry run, nothing written: ' if dry_run else ''}{seen} clicks re-judged: "
            f"{flips['human -> bot']} human->bot, {flips['bot -> human']} bot->human, "
            f"{flips['reasons only']} with new reasons only; {updated} rows updated."
        )
        if updated:
            self.refresh_rollups(first_changed)

    def refresh_rollups(self, first_changed):
        """Daily rollups count is_bot: days already rolled up are recomputed from the first
        changed one, so reports follow the new verdicts at once."""
        watermark = RollupWatermark.objects.filter(pk=1).first()
        day = timezone.localdate(first_changed)
        if watermark is not None and day < watermark.rolled_until:
            call_command(
                "rollup_clicks", since=day.isoformat(), stdout=self.stdout, stderr=self.stderr
            )

    def write(self, changes):
        written = 0
        # One short transaction per batch; each row only if its verdict is still the one we
        # read, so a concurrent writer is never overwritten with a stale decision.
        with transaction.atomic():
            for row, (is_bot, reason, score) in changes:
                written += Click.objects.filter(
                    id=row["id"], is_bot=row["is_bot"], bot_reason=row["bot_reason"]
                ).update(is_bot=is_bot, bot_reason=reason, bot_score=score)
        return written

    def report(self, label, clicks, reasons):
        detail = ", ".join(f"{code} {n}" for code, n in sorted(reasons.items()))
        self.stdout.write(f"{label}: {clicks}" + (f" ({detail})" if detail else ""))
