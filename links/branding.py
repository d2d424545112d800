"""A client's logo and accent colour: what is accepted, and how pages use them.

The logo is stored through Django's storage API (`default_storage`: a FileField), so any
storage backend works, and it is only ever served by `logo_response`, which sends the type
read from the file's own first bytes: an upload cannot become an HTML or SVG page (scripts)
on our origin. The accent colour reaches pages only through `theme_css`, a stylesheet served
by a view (the Content-Security-Policy allows no inline styles); its text colours are chosen
for contrast, whatever colour an account manager picks.
"""

import re
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse

# The first bytes of each accepted image type: (signature, offset, content type, suffix).
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png", "png"),
    (b"\xff\xd8\xff", 0, "image/jpeg", "jpg"),
    (b"WEBP", 8, "image/webp", "webp"),
)
_HEX = re.compile(r"#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")
DARK, LIGHT = "#111111", "#ffffff"
# WCAG 2 AA for normal text.
MIN_CONTRAST = 4.5


def sniff(head):
    """(content type, suffix) of an accepted image from its first 12 bytes, else None."""
    for signature, offset, content_type, suffix in _SIGNATURES:
        if head[offset : offset + len(signature)] == signature:
            if suffix == "webp" and head[:4] != b"RIFF":
                continue
            return content_type, suffix
    return None


def _head(file):
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(12)
    file.seek(position)
    return head


def validate_logo(file):
    limit = settings.CLIENT_LOGO_MAX_BYTES
    if file.size > limit:
        raise ValidationError(
            f"The logo is {file.size // 1024} KB; at most {limit // 1024} KB is accepted.",
            code="logo_too_big",
        )
    if sniff(_head(file)) is None:
        raise ValidationError("The logo must be a PNG, JPEG or WebP image.", code="logo_type")


def logo_path(client, filename):
    """A new name for every upload, so a replaced logo is never served from a cache."""
    try:
        found = sniff(_head(client.logo.file))
    except (AttributeError, ValueError, OSError):
        found = None
    suffix = found[1] if found else "bin"
    return f"client-logos/{client.pk}/{secrets.token_hex(8)}.{suffix}"


def normalize_accent(value):
    """'#RRGGBB' in lower case from '#rgb', 'rrggbb' and the like; '' stays ''."""
    value = (value or "").strip()
    if not value:
        return ""
    match = _HEX.fullmatch(value)
    if match is None:
        raise ValidationError("Enter a hex colour such as #0b6e4f.", code="accent_invalid")
    digits = match.group(1).lower()
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return f"#{digits}"


def validate_accent(value):
    if value and normalize_accent(value) != value:
        raise ValidationError("Enter a hex colour such as #0b6e4f.", code="accent_invalid")


def _luminance(colour):
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one, other):
    high, low = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_on(background):
    """Dark or white text, whichever reads better on `background`."""
    return DARK if contrast(background, DARK) >= contrast(background, LIGHT) else LIGHT


def readable_on_white(colour):
    """`colour`, darkened just enough to be readable as text on white (links, headings)."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    for step in range(21):
        factor = 1 - step / 20
        shade = f"#{round(red * factor):02x}{round(green * factor):02x}{round(blue * factor):02x}"
        if contrast(shade, LIGHT) >= MIN_CONTRAST:
            return shade
    return DARK


def theme_css(client):
    """The stylesheet that gives the app's pages `client`'s accent colour ('' without one)."""
    accent = client.accent_color
    if not accent:
        return ""
    ink, link = text_on(accent), readable_on_white(accent)
    return (
        f":root {{ --accent: {accent}; --accent-ink: {ink}; --accent-text: {link}; }}\n"
        f"a {{ color: {link}; }}\n"
        f".dashboard-nav .nav-action .button {{ color: {link}; }}\n"
    )


def theme_response(client):
    response = HttpResponse(theme_css(client), content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


def logo_response(client):
    """The logo's bytes with the type its content shows, never run by a browser as a page."""
    if not client.logo:
        raise Http404("This client has no logo.")
    try:
        file = client.logo.open("rb")
    except OSError:
        raise Http404("The logo is missing from storage.") from None
    found = sniff(_head(file))
    if found is None:
        file.close()
        raise Http404("The stored logo is not an accepted image.")
    response = FileResponse(file, content_type=found[0])
    response["Content-Disposition"] = "inline"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
