"""Bulk import of links from CSV: validated as a whole, written all together or not at all."""

import csv
import io

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Campaign, Client
from .services import create_link

REQUIRED_COLUMNS = ("destination", "client")
KNOWN_COLUMNS = ("destination", "client", "campaign", "tags", "alias", "name")
MAX_ROWS = 5000


class ImportFailed(Exception):
    """The file was refused; `errors` lists (line number, message) pairs."""

    def __init__(self, errors):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


class _Rollback(Exception):
    pass


def import_links(text, *, user):
    """Create one link per CSV row through links.services.create_link, in one transaction.

    Every row is tried (so the report lists every bad row, including aliases that clash
    with another row of the same file); any error rolls the whole file back.
    """
    reader = csv.DictReader(io.StringIO(text))
    headers = [(h or "").strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in headers]
    if missing:
        raise ImportFailed([(1, f"Missing column(s): {', '.join(missing)}.")])
    reader.fieldnames = headers
    clients = {c.name.lower(): c for c in Client.objects.all()}
    campaigns = {
        (c.client_id, c.name.lower()): c for c in Campaign.objects.select_related("client")
    }
    errors, created = [], []
    try:
        with transaction.atomic():
            for line, row in enumerate(reader, start=2):
                if line - 1 > MAX_ROWS:
                    errors.append((line, f"More than {MAX_ROWS} rows; split the file."))
                    break
                row = {k: (v or "").strip() for k, v in row.items() if k in KNOWN_COLUMNS}
                if not any(row.values()):
                    continue
                try:
                    created.append(_create_row(row, user, clients, campaigns))
                except ValidationError as error:
                    errors.append((line, _describe(error)))
            if not created and not errors:
                errors.append((1, "The file has no rows."))
            if errors:
                raise _Rollback
    except _Rollback:
        raise ImportFailed(errors) from None
    return created


def _create_row(row, user, clients, campaigns):
    client = clients.get(row.get("client", "").lower())
    if client is None:
        name = row.get("client") or "(empty)"
        raise ValidationError({"client": f"No client named “{name}”."})
    campaign = None
    if row.get("campaign"):
        campaign = campaigns.get((client.pk, row["campaign"].lower()))
        if campaign is None:
            raise ValidationError(
                {"campaign": f"Client “{client.name}” has no campaign “{row['campaign']}”."}
            )
    # A savepoint per row: a failed row must not poison the transaction for the next ones.
    with transaction.atomic():
        return create_link(
            user=user,
            client=client,
            campaign=campaign,
            original_url=row.get("destination", ""),
            name=row.get("name", ""),
            tags=row.get("tags", ""),
            alias=row.get("alias") or None,
        )


def _describe(error):
    if hasattr(error, "message_dict"):
        return "; ".join(
            f"{field.replace('original_url', 'destination')}: {' '.join(messages)}"
            for field, messages in error.message_dict.items()
        )
    return " ".join(error.messages)
