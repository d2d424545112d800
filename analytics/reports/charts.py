"""Server-drawn SVG bar chart geometry: readable without hovering, no JavaScript.

The chart scales with its card (a fixed viewBox), so on a phone its text would shrink to
about half: static/css/app.css enlarges the axis text under 600 px and hides the `dense`
day labels there, leaving every other one, so the larger labels never overlap.
"""

WIDTH, HEIGHT = 720, 220
LEFT, BOTTOM, TOP = 44, 34, 12
# The widest a digit of a tick label gets (the phone's enlarged axis text, in viewBox units),
# and half the width of a day or hour label ("02 Dec", "13:00") there.
DIGIT_W = 14
HALF_LABEL_W = 42


def _nice_step(value):
    """The smallest 1, 2 or 5 × 10^k at or above value: gridlines at round numbers."""
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if value <= step * magnitude:
                return step * magnitude
        magnitude *= 10


def bar_chart(series, hourly, earlier=None):
    """Geometry for a chart of [(bucket, humans, bots)]: bars, axis ticks and labels, and
    the human clicks of `earlier` (the previous period's series) as a line over the bars,
    bucket by bucket."""
    count = max(len(series), 1)
    earlier = [h for _, h, _ in earlier or ()][: len(series)]
    highest = max([h for _, h, _ in series] + earlier, default=0)
    step = _nice_step(-(-highest // 4))
    peak = step * 4
    # Room on the left for the longest tick label.
    left = max(LEFT, 12 + DIGIT_W * len(str(peak)))
    plot_w, plot_h = WIDTH - left - 8, HEIGHT - BOTTOM - TOP
    slot = plot_w / count
    bars = []
    # About 8 labels on a wide screen; every other one of them (`dense` = not) on a phone.
    label_every = max(1, round(count / 8))
    for index, (bucket, humans, _bots) in enumerate(series):
        height = plot_h * humans / peak if peak else 0
        x = left + index * slot
        label = bucket.strftime("%H:%M") if hourly else bucket.strftime("%d %b")
        bars.append(
            {
                "x": round(x + slot * 0.1, 1),
                "y": round(TOP + plot_h - height, 1),
                "w": round(max(slot * 0.8, 1), 1),
                "h": round(height, 1),
                "value": humans,
                "title": f"{label}: {humans}",
                "label": label if index % label_every == 0 else "",
                "dense": index % (2 * label_every) != 0,
                # Under its bar, but never cut by the chart's edge.
                "label_x": round(min(max(x + slot / 2, HALF_LABEL_W), WIDTH - HALF_LABEL_W), 1),
            }
        )
    ticks = [{"y": round(TOP + plot_h - plot_h * i / 4, 1), "value": step * i} for i in range(5)]
    overlay = " ".join(
        f"{round(left + (i + 0.5) * slot, 1)},{round(TOP + plot_h - plot_h * h / peak, 1)}"
        for i, h in enumerate(earlier if peak else ())
    )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": left,
        "right": WIDTH - 8,
        "baseline": TOP + plot_h,
        "label_y": HEIGHT - 8,
        "bars": bars,
        "ticks": ticks,
        "overlay": overlay,
    }


def stacked_chart(series, hourly):
    """Geometry for a chart of [(bucket, humans, bots)] with each bucket's bot clicks
    stacked on its human clicks: the invalid-traffic page's, same frame as bar_chart."""
    count = max(len(series), 1)
    highest = max((h + b for _, h, b in series), default=0)
    step = _nice_step(-(-highest // 4))
    peak = step * 4
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    slot = plot_w / count
    baseline = TOP + plot_h
    bars = []
    label_every = max(1, round(count / 8))
    for index, (bucket, humans, bots) in enumerate(series):
        human_h = plot_h * humans / peak if peak else 0
        bot_h = plot_h * bots / peak if peak else 0
        x = LEFT + index * slot
        label = bucket.strftime("%H:%M") if hourly else bucket.strftime("%d %b")
        bars.append(
            {
                "x": round(x + slot * 0.1, 1),
                "w": round(max(slot * 0.8, 1), 1),
                "human_y": round(baseline - human_h, 1),
                "human_h": round(human_h, 1),
                "bot_y": round(baseline - human_h - bot_h, 1),
                "bot_h": round(bot_h, 1),
                "title": f"{label}: {humans} human, {bots} bot",
                "label": label if index % label_every == 0 else "",
                "label_x": round(x + slot / 2, 1),
            }
        )
    ticks = [{"y": round(baseline - plot_h * i / 4, 1), "value": step * i} for i in range(5)]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - 8,
        "baseline": baseline,
        "label_y": HEIGHT - 8,
        "bars": bars,
        "ticks": ticks,
    }


SPARK_W, SPARK_H = 120, 28


def sparkline(values):
    """Polyline points of a small line chart of `values` (a comparison table's cell)."""
    peak = max(values, default=0)
    if len(values) < 2:
        values = list(values) * 2 or [0, 0]
    gap = SPARK_W / (len(values) - 1)
    points = " ".join(
        f"{round(i * gap, 1)},{round(SPARK_H - 2 - (SPARK_H - 4) * v / peak if peak else SPARK_H - 2, 1)}"
        for i, v in enumerate(values)
    )
    return {"width": SPARK_W, "height": SPARK_H, "points": points}
