"""The email's chart as a PNG: mail clients (Gmail, Outlook) drop SVG and scripts, and
every one of them shows an attached image referenced by Content-ID. The geometry is the
dashboard chart's (analytics.reports.charts), drawn at SCALE times its size."""

import io

from PIL import Image, ImageDraw, ImageFont

from analytics.reports.charts import bar_chart

SCALE = 2
BAR = (37, 99, 235)
GRID = (226, 232, 240)
TEXT = (71, 85, 105)


def png_bar_chart(series, date_label=lambda day: day.strftime("%d %b")):
    """PNG bytes of human clicks per day from [(day, humans, bots)]; `date_label` writes
    the days under the bars (in the report's language)."""
    chart = bar_chart(series, hourly=False)
    image = Image.new("RGB", (chart["width"] * SCALE, chart["height"] * SCALE), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=11 * SCALE)
    for tick in chart["ticks"]:
        y = tick["y"] * SCALE
        draw.line([(chart["left"] * SCALE, y), (chart["right"] * SCALE, y)], fill=GRID, width=2)
        draw.text(
            ((chart["left"] - 6) * SCALE, y), str(tick["value"]), fill=TEXT, font=font, anchor="rm"
        )
    for bar, (day, _humans, _bots) in zip(chart["bars"], series, strict=False):
        if bar["h"]:
            x, y = bar["x"] * SCALE, bar["y"] * SCALE
            draw.rectangle([x, y, x + bar["w"] * SCALE, chart["baseline"] * SCALE], fill=BAR)
        if bar["label"]:
            draw.text(
                (bar["label_x"] * SCALE, (chart["label_y"] - 10) * SCALE),
                date_label(day),
                fill=TEXT,
                font=font,
                anchor="mt",
            )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
