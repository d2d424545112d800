import logging

from django.core.management.base import BaseCommand

from macondo import workers
from webhooks import delivery

logger = logging.getLogger("webhooks.delivery")


class Command(BaseCommand):
    help = (
        "Send due webhook deliveries, retrying failed ones with backoff (the Procfile's "
        "`webhooks` process). Several may run at once: none sends a delivery another holds."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once",
            action="store_true",
            help="send what is due now (each delivery at most once), then exit",
        )

    def handle(self, *args, once=False, **options):
        if once:
            done = delivery.deliver_once()
            self.stdout.write(
                f"{done.attempted} deliveries attempted: {done.delivered} delivered, "
                f"{done.failed} failed."
            )
            return
        # On a stop, the delivery being sent is finished and recorded; nothing new is claimed.
        stop = workers.stop_event(logger, "webhook worker")
        logger.info("webhook worker started")
        delivery.run(stop)
        logger.info("webhook worker stopped")
