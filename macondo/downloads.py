"""Files the dashboard hands out: CSV exports safe to open in a spreadsheet, and download
names that keep their accents.

Every CSV the product writes goes through here (link list, raw clicks, aggregated report).
User agents, referrers and names are typed by strangers; Excel and LibreOffice run a cell
that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a formula (OWASP "CSV
Injection"). Such a text cell gets a leading `'`, which spreadsheets read as "this is
text", and every text cell is quoted, so a `;` or `,` inside cannot split it into a new
cell under another locale's separator. Numbers (counts) are never touched: what is
neutralised is decided by a value's type, not its content, so `-5` typed as a name is
neutralised while a count of -5 would stay a number.
"""

import csv
import io
import re
import unicodedata
from urllib.parse import quote

from django.db import connection
from django.db.models import CharField, F, Q, TextField, Value
from django.db.models.expressions import Case, When
from django.db.models.functions import Concat, Ord
from django.db.models.lookups import LessThan, Regex
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

# A cell a spreadsheet reads as a formula: OWASP's trigger characters first, or after
# spaces or quotes that a spreadsheet may skip before deciding. Literal characters in two
# bracket expressions, so Python's `re` and PostgreSQL's `~` read the pattern alike.
_SKIPPED = " \t\n\v\f\r\"'"
_TRIGGERS = "-=+@\t\r"
FORMULA_START = f"^[{_SKIPPED}]*[{_TRIGGERS}]"
_formula_start = re.compile(FORMULA_START)
# Every character that pattern can begin with is below this code point, so the database
# compares a cell's first character with it before running the regex: nearly every cell
# (a user agent, a URL, a city) is settled by that one comparison.
_FIRST_CHAR_BELOW = max(map(ord, _SKIPPED + _TRIGGERS)) + 1
BLOCK_SIZE = 64 * 1024


def safe_cell(value):
    """A value as it is written to a CSV cell: text that would start a formula gets a
    leading `'`; anything that is not text (numbers, dates, None) is left as it is."""
    if isinstance(value, str) and _formula_start.match(value):
        return "'" + value
    return value


def csv_blocks(rows, block_size=BLOCK_SIZE):
    """Rows (sequences of values) as UTF-8 CSV, in blocks of about `block_size` bytes."""
    out = io.StringIO()
    # QUOTE_NONNUMERIC quotes every cell but numbers: text, dates and empty cells.
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
        if out.tell() >= block_size:
            yield out.getvalue().encode()
            out.seek(0)
            out.truncate()
    if out.tell():
        yield out.getvalue().encode()


def queryset_csv(queryset, columns, block_size=BLOCK_SIZE):
    """The `columns` (field names or lookups such as `link__short_code`) of a queryset's
    rows as CSV blocks, without a header, in the queryset's order.

    On PostgreSQL the database writes the CSV (COPY … TO STDOUT), streamed as it comes:
    hundreds of thousands of rows a second with flat memory; text columns are neutralised
    and quoted in the same SQL. Elsewhere (the quick start's SQLite) rows come from a
    chunked iterator through `csv_blocks`."""
    if connection.vendor != "postgresql":
        yield from csv_blocks(queryset.values_list(*columns).iterator(chunk_size=5000), block_size)
        return
    selected, quoted = {}, []
    for index, column in enumerate(columns):
        alias = f"c{index}"
        if _is_text(queryset.model, column):
            selected[alias] = _formula_safe_sql(column)
            quoted.append(alias)
        else:
            selected[alias] = F(column)
    sql, params = queryset.values(**selected).query.sql_with_params()
    options = "FORMAT csv" + (f", FORCE_QUOTE ({', '.join(quoted)})" if quoted else "")
    buffer = bytearray()
    # Django's psycopg cursors bind parameters client-side, which COPY needs.
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH ({options})", params) as copy,
    ):
        for data in copy:
            buffer += data
            if len(buffer) >= block_size:
                yield bytes(buffer)
                buffer.clear()
    if buffer:
        yield bytes(buffer)


def _is_text(model, lookup):
    *hops, name = lookup.split("__")
    for hop in hops:
        model = model._meta.get_field(hop).related_model
    return isinstance(model._meta.get_field(name), (CharField, TextField))


def _formula_safe_sql(column):
    """`safe_cell` in SQL: the column with a leading `'` when it matches FORMULA_START."""
    return Case(
        When(
            Q(LessThan(Ord(column), _FIRST_CHAR_BELOW), Regex(F(column), FORMULA_START)),
            then=Concat(Value("'"), F(column), output_field=TextField()),
        ),
        default=F(column),
        output_field=TextField(),
    )


def period_name(what, subject, period):
    """The name of a download covering one period: `<what>-<subject>-<first>-<last>`, the
    subject (a short code or a name) cut to 40 characters, the dates local."""
    start, end = timezone.localtime(period.start), timezone.localtime(period.end)
    return f"{what}-{subject[:40]}-{start:%Y%m%d}-{end:%Y%m%d}"


def csv_response(blocks, name):
    """A streamed CSV download named `name`.csv (see `attachment`)."""
    response = StreamingHttpResponse(blocks, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = attachment(name, "csv")
    return response


def attachment(name, extension):
    """Content-Disposition for a download saved as `name`.`extension` (RFC 6266).

    The name keeps its letters, digits and case in every script ("clicks-Café-Aroma") and
    `-_.~`; anything else (quotes, slashes, backslashes, spaces, control characters)
    becomes a `-`. A name that is not plain ASCII is sent twice: `filename*=UTF-8''…`
    (RFC 8187) for browsers, which prefer it, and an ASCII `filename="…"` with the accents
    dropped for clients that only read that. Django's content_disposition_header writes
    the first form alone for such names, so the fallback is added here."""
    full = f"{_file_safe(unicodedata.normalize('NFC', name)) or 'download'}.{extension}"
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    fallback = f"{_file_safe(folded) or 'download'}.{extension}"
    if full == fallback:
        return content_disposition_header(True, full)
    return f"{content_disposition_header(True, fallback)}; filename*=UTF-8''{quote(full, safe='')}"


def _file_safe(name):
    # Letters, marks and digits of any script, and the characters short codes may hold.
    kept = "".join(c if c in "-_.~" or unicodedata.category(c)[0] in "LMN" else "-" for c in name)
    # No leading dot (a hidden file) and no trailing one (Windows drops it).
    return re.sub("-{2,}", "-", kept).strip("-.")
