"""Bulk import of links from CSV: validated as a whole, written all together or not at all.

The file is UTF-8 (a BOM, as Excel's "CSV UTF-8" writes, is fine), separated by commas or
by semicolons (what spreadsheets write where the comma is the decimal mark, as in Spanish
and Portuguese), decided from the header line. Clients and campaigns are found by the names
rule (links/names.py). Every problem, including an unreadable file, is reported as a
(line, message) pair; nothing here raises anything else for bad input.
"""

import codecs
import csv
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts import policy

from .models import Campaign, Client, UtmRules
from .names import name_keys
from .services import create_link
from .utm import PARAMETERS as UTM_PARAMETERS

REQUIRED_COLUMNS = ("destination", "client")
KNOWN_COLUMNS = ("destination", "client", "campaign", "tags", "alias", "name", *UTM_PARAMETERS)
TEMPLATE_ROW = (
    "https://example.com/summer",
    "Acme",
    "Summer sale",
    "summer, instagram",
    "acme-summer",
    "Summer poster",
    "poster",
    "print",
    "",  # utm_campaign: the campaign's name as a slug
    "",
    "",
)
MAX_ROWS = 5000
# Far above any good row (a 2,048-character destination and short names), far below what
# would make one line a problem to hold or to show.
MAX_LINE_CHARS = 20_000
DELIMITERS = {",": "comma-separated", ";": "semicolon-separated"}

# What a file that is no CSV text at all starts with, as people upload it by mistake.
_SIGNATURES = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or another ZIP archive"),
    (b"\xd0\xcf\x11\xe0", "an Excel 97–2003 workbook (.xls)"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
)
_SAVE_AS = "In the spreadsheet, save it as “CSV UTF-8” and upload that file."
_CONTROL_BYTES = frozenset(range(32)) - {9, 10, 13}


class ImportFailed(Exception):
    """The file was refused; `errors` lists (line number, message) pairs; `delimiter` is
    the one the file was read with (None when it could not be read as text)."""

    def __init__(self, errors, delimiter=None):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors
        self.delimiter = delimiter


@dataclass
class Imported:
    links: list
    delimiter: str


class _Rollback(Exception):
    pass


class _LineTooLong(Exception):
    def __init__(self, line):
        self.line = line


def template_csv():
    """The file the import page offers: the accepted columns and one example row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(KNOWN_COLUMNS)
    writer.writerow(TEMPLATE_ROW)
    return out.getvalue()


def import_links(raw, *, user):
    """Create one link per CSV row of `raw` (bytes) through links.services.create_link, in
    one transaction. Every row is tried, so the report lists every bad row; any error
    rolls the whole file back."""
    text = _decode(raw)
    delimiter = _delimiter(text)
    records, errors = _records(text, delimiter)
    if not records:
        raise ImportFailed(errors or [(1, "The file has no header line.")], delimiter)
    (header_line, header), rows = records[0], records[1:]
    columns, header_errors = _columns(header_line, header)
    if header_errors:
        raise ImportFailed(header_errors, delimiter)
    if not rows and not errors:
        raise ImportFailed([(header_line, "The file has the header line but no rows.")], delimiter)
    if len(rows) > MAX_ROWS:
        errors.append((rows[MAX_ROWS][0], f"More than {MAX_ROWS} rows; split the file."))
        rows = rows[:MAX_ROWS]
    parsed = []
    for line, cells in rows:
        if any("\x00" in cell for cell in cells):
            errors.append((line, "The line has a NUL byte (\\0), which text cannot hold."))
            continue
        parsed.append((line, {column: _cell(cells, i) for column, i in columns.items()}))
    created = _create_all(parsed, user, errors)
    if errors:
        raise ImportFailed(sorted(errors, key=lambda error: error[0]), delimiter)
    return Imported(created, delimiter)


def _decode(raw):
    if not raw.strip():
        raise ImportFailed([(1, "The file is empty.")])
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFailed([(1, f"The file is UTF-16 text (“Unicode Text”). {_SAVE_AS}")])
    for signature, what in _SIGNATURES:
        if raw.startswith(signature):
            raise ImportFailed([(1, f"This is {what}, not a CSV file. {_SAVE_AS}")])
    sample = raw[:4096]
    if sum(byte in _CONTROL_BYTES for byte in sample) > len(sample) // 10:
        raise ImportFailed([(1, f"This is a binary file, not CSV text. {_SAVE_AS}")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # Not guessed: Windows-1252, Latin-1 and Mac Roman accept the same bytes and give
        # different letters, so a guess could store wrong names without a word.
        line = raw.count(b"\n", 0, error.start) + 1
        raise ImportFailed(
            [
                (
                    line,
                    f"The file is not UTF-8 text: line {line} has the byte "
                    f"0x{raw[error.start]:02X}, which UTF-8 does not allow (the file was "
                    f"probably saved as “CSV” in a Windows or Mac encoding). {_SAVE_AS}",
                )
            ]
        ) from None


def _delimiter(text):
    """Comma or semicolon, whichever the header line has more of: column names contain
    neither, so the header decides without guessing from the data."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    return ";" if header.count(";") > header.count(",") else ","


def _physical_lines(text):
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if len(line) > MAX_LINE_CHARS:
            raise _LineTooLong(number)
        yield line


def _records(text, delimiter):
    """(first line, cells) of each non-blank record, and the errors that stopped reading."""
    reader = csv.reader(_physical_lines(text), delimiter=delimiter)
    records, errors, last = [], [], 0
    try:
        for cells in reader:
            start, last = last + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                records.append((start, cells))
    except _LineTooLong as error:
        errors.append(
            (
                error.line,
                f"The line is longer than {MAX_LINE_CHARS:,} characters; "
                "nothing after it was read.",
            )
        )
    except csv.Error as error:
        if "field limit" in str(error):
            message = (
                f"A field is longer than {csv.field_size_limit():,} characters (is a quote "
                "left open?); nothing after it was read."
            )
        else:
            message = f"The line cannot be read as CSV ({error}); nothing after it was read."
        errors.append((last + 1, message))
    return records, errors


def _columns(line, header):
    """{column: index} of the known columns, or the errors of a bad header."""
    names = [cell.strip().lower() for cell in header]
    columns, errors = {}, []
    for index, name in enumerate(names):
        if name not in KNOWN_COLUMNS:
            continue
        if name in columns:
            errors.append((line, f"The column “{name}” appears twice."))
        columns.setdefault(name, index)
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        errors.append((line, f"Missing column(s): {', '.join(missing)}."))
    return columns, errors


def _cell(cells, index):
    return cells[index].strip() if index < len(cells) else ""


def _create_all(parsed, user, errors):
    clients, campaign_of = _resolve(parsed, user)
    # The file's clients' UTM rules in one query, not one per row.
    rules = UtmRules.objects.select_related("client").in_bulk(
        [client.pk for client in clients.values() if client]
    )
    created, alias_lines = [], {}
    try:
        with transaction.atomic():
            for line, row in parsed:
                problems = []
                alias = row.get("alias", "").lower()
                if alias in alias_lines:
                    problems.append(
                        f"alias: The alias “{row['alias']}” is also on line {alias_lines[alias]}."
                    )
                    # The rest of the row is still checked, without the alias.
                    row = {**row, "alias": ""}
                elif alias:
                    alias_lines[alias] = line
                try:
                    link = _create_row(row, user, clients, campaign_of, rules)
                except ValidationError as error:
                    problems.append(_describe(error))
                if problems:
                    errors.append((line, "; ".join(problems)))
                else:
                    created.append(link)
            if errors:
                raise _Rollback
    except _Rollback:
        return []
    return created


def _resolve(parsed, user):
    """The file's clients and campaigns by the names rule, in three queries: {client cell:
    client}, and a function (client, campaign cell) -> that client's campaign or None.
    Only clients `user` may see: another one is "no client named" like a missing one."""
    client_cells = {row["client"] for _, row in parsed if row.get("client")}
    campaign_cells = {row["campaign"] for _, row in parsed if row.get("campaign")}
    keys = name_keys(client_cells | campaign_cells)
    by_key = {
        client.name_key: client
        for client in policy.scope(Client.objects.keyed(), user).filter(
            name_key__in={keys[cell] for cell in client_cells}
        )
    }
    clients = {cell: by_key.get(keys[cell]) for cell in client_cells}
    found = {client.pk: client for client in clients.values() if client}
    by_client_key = {
        (campaign.client_id, campaign.name_key): campaign
        for campaign in Campaign.objects.keyed().filter(
            client__in=list(found), name_key__in={keys[cell] for cell in campaign_cells}
        )
    }

    def campaign(client, cell):
        return by_client_key.get((client.pk, keys[cell]))

    return clients, campaign


def _create_row(row, user, clients, campaign_of, rules):
    client = clients.get(row.get("client", ""))
    if client is None:
        name = row.get("client") or "(empty)"
        raise ValidationError({"client": f"No client named “{name}”."})
    campaign = None
    if row.get("campaign"):
        campaign = campaign_of(client, row["campaign"])
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
            utm_values={name: row.get(name, "") for name in UTM_PARAMETERS},
            rules_of=rules.get,
        )


def _describe(error):
    if hasattr(error, "message_dict"):
        return "; ".join(
            f"{field.replace('original_url', 'destination')}: {' '.join(messages)}"
            for field, messages in error.message_dict.items()
        )
    return " ".join(error.messages)
