from django.core.management.base import BaseCommand, CommandError

from api import keys
from api.models import ApiKey


class Command(BaseCommand):
    help = "Revoke the API key with this prefix (the mk_… start shown in lists)."

    def add_arguments(self, parser):
        parser.add_argument("prefix", help="e.g. mk_Ab3dEf9h (a trailing … or the whole key works)")

    def handle(self, *args, prefix, **options):
        prefix = prefix.strip().rstrip("….")[: len(keys.KEY_START) + 8]
        key = ApiKey.objects.select_related("user").filter(prefix=prefix).first()
        if key is None:
            raise CommandError(f"No API key starts with {prefix}.")
        if key.revoked_at:
            self.stdout.write(
                f"{key.prefix}… “{key.name}” was already revoked at {key.revoked_at}."
            )
            return
        keys.revoke(key)
        self.stdout.write(f"Revoked {key.prefix}… “{key.name}” of {key.user.email}.")
