"""QR codes of links: their options, the contrast rule, and the image (segno).

A code encodes `Link.qr_url`, the short URL with the scan marker, so its visits are
counted as scans (links.querystrings).
"""

import io
import math
import re

import segno
from django import forms
from django.core.exceptions import ValidationError

MIN_SIZE_PX = 100
MAX_SIZE_PX = 4000  # 4,000 px is 34 cm at 300 dpi: larger than any poster code needs
DEFAULTS = {
    "size": 600,
    "foreground": "#000000",
    "background": "#ffffff",
    "error": "m",
    "quiet_zone": 4,
}
# WCAG 2's minimum for graphics (1.4.11, non-text contrast); scanners want more, not less.
MIN_CONTRAST = 3.0
ERROR_LEVELS = [
    ("l", "L: 7 % of the code may be damaged (smallest)"),
    ("m", "M: 15 %"),
    ("q", "Q: 25 %"),
    ("h", "H: 30 % (for a logo on top, or rough print)"),
]
_HEX = re.compile(r"#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")


def hex_colour(value):
    """'#rrggbb' of '#rrggbb', 'rrggbb' or '#rgb'; ValidationError otherwise."""
    match = _HEX.fullmatch((value or "").strip())
    if not match:
        raise ValidationError("Enter a colour as #rrggbb, e.g. #1a2b3c.", code="colour")
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(char * 2 for char in digits)
    return "#" + digits.lower()


def relative_luminance(colour):
    """WCAG 2's relative luminance of a '#rrggbb' colour (0 black, 1 white)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first, second):
    """WCAG 2's contrast ratio of two colours, from 1 (same) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


class ColourInput(forms.TextInput):
    input_type = "color"  # the browser's own picker; typed text still works without it


class QrOptionsForm(forms.Form):
    """A QR code's options, from a query string; every field has a default."""

    size = forms.IntegerField(
        label="Size in pixels",
        min_value=MIN_SIZE_PX,
        max_value=MAX_SIZE_PX,
        help_text=f"The PNG's width, {MIN_SIZE_PX:,}–{MAX_SIZE_PX:,} px: 2,000 px prints "
        "17 cm wide at 300 dpi. Rounded up to whole pixels per module.",
    )
    foreground = forms.CharField(label="Foreground", max_length=7, widget=ColourInput)
    background = forms.CharField(label="Background", max_length=7, widget=ColourInput)
    error = forms.ChoiceField(label="Error correction", choices=ERROR_LEVELS)
    quiet_zone = forms.IntegerField(
        label="Quiet zone (modules)",
        min_value=0,
        max_value=16,
        help_text="The blank margin, in modules: 4 is the standard; less may not scan next to "
        "other print.",
    )

    def __init__(self, query):
        data = {**DEFAULTS, **{key: query[key] for key in DEFAULTS if query.get(key)}}
        super().__init__(data)

    def clean_foreground(self):
        return hex_colour(self.cleaned_data["foreground"])

    def clean_background(self):
        return hex_colour(self.cleaned_data["background"])

    def clean(self):
        data = super().clean()
        dark, light = data.get("foreground"), data.get("background")
        if dark and light:
            ratio = contrast_ratio(dark, light)
            if ratio < MIN_CONTRAST:
                self.add_error(
                    "background",
                    f"The colours’ contrast is {ratio:.1f}:1; a scanner needs at least "
                    f"{MIN_CONTRAST:.0f}:1. Darken the foreground or lighten the background.",
                )
            elif relative_luminance(dark) > relative_luminance(light):
                self.add_error(
                    "foreground",
                    "The foreground is lighter than the background: many scanners cannot read "
                    "a light code on a dark ground. Swap the colours.",
                )
        return data


def image(url, fmt, options):
    """(bytes, content type) of the QR code of `url` as "svg" or "png", by the cleaned
    options of a QrOptionsForm. The image is at least `size` pixels wide."""
    code = segno.make_qr(url, error=options["error"], boost_error=False)
    border = options["quiet_zone"]
    modules = code.symbol_size(scale=1, border=border)[0]
    scale = max(1, math.ceil(options["size"] / modules))
    colours = {"dark": options["foreground"], "light": options["background"]}
    buffer = io.BytesIO()
    if fmt == "svg":
        code.save(buffer, kind="svg", scale=scale, border=border, xmldecl=False, **colours)
        return buffer.getvalue(), "image/svg+xml"
    code.save(buffer, kind="png", scale=scale, border=border, **colours)
    return buffer.getvalue(), "image/png"
