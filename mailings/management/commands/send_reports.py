from django.core.management.base import BaseCommand

from mailings import delivery
from mailings.emails import period_label


class Command(BaseCommand):
    help = (
        "Email the scheduled reports that are due (each subscription's week or month, once). "
        "The scheduler runs the same every minute; several may run at once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            action="store_true",
            help="every subscription's latest complete period, even one that ended before "
            "it was made (still once per period)",
        )
        parser.add_argument("--dry-run", action="store_true", help="say what is due, send nothing")

    def handle(self, *args, now=False, dry_run=False, **options):
        outcome = delivery.send_due(latest=now, dry_run=dry_run)
        if dry_run:
            for subscription, period in outcome.due:
                recipients = ", ".join(subscription.recipients)
                self.stdout.write(f"Due: {subscription}, {period_label(period)}, to {recipients}")
            self.stdout.write(f"{len(outcome.due)} report(s) due; nothing sent (--dry-run).")
            return
        for subscription, period in outcome.failed:
            self.stderr.write(f"Not sent (will retry): {subscription}, {period_label(period)}")
        self.stdout.write(
            f"{len(outcome.sent)} report(s) sent, {len(outcome.failed)} failed, "
            f"{len(outcome.due) - len(outcome.sent) - len(outcome.failed)} held by another worker."
        )
