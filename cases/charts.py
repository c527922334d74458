"""Charts as inline SVG markup: plain Python, no Django, no script, no style attributes.

Each chart is an ``<svg role="img">`` named by its ``<title>`` and described by its ``<desc>``
(the page shows the same numbers in a table for those who cannot see the chart). Every text
that goes in is escaped here; labels and values come already formatted for the reader's
language. The markup scales to its container through its ``viewBox``.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

INK = "#1f2933"
MUTED = "#52606d"
GRID = "#d9dee5"
BAR = "#2f5d9b"
GOOD = "#1e7a46"
BAD = "#b42318"
FONT = 'font-family="system-ui, sans-serif"'

Point = tuple[str, float]


def _open(chart_id: str, title: str, desc: str, width: int, height: int) -> list[str]:
    cid = escape(chart_id, quote=True)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{cid}" class="chart" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" {FONT}>',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(desc)}</desc>',
    ]


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _empty(parts: list[str], width: int, height: int, message: str) -> str:
    parts.append(
        f'<text x="{width / 2:.0f}" y="{height / 2 + 7:.0f}" text-anchor="middle" '
        f'font-size="20" fill="{MUTED}">{escape(message)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def column_chart(
    chart_id: str,
    title: str,
    desc: str,
    points: Sequence[Point],
    *,
    empty: str = "",
    width: int = 720,
    height: int = 220,
    labels_every: int | None = None,
) -> str:
    """One vertical bar per point (e.g. per day), a scale on the left, some labels below."""
    parts = _open(chart_id, title, desc, width, height)
    if not points or not any(value for _, value in points):
        return _empty(parts, width, height, empty)
    left, right, top, bottom = 52, 8, 12, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(value for _, value in points)
    scale_top = _nice_ceiling(peak)
    for fraction in (0, 0.5, 1):
        y = top + plot_h * (1 - fraction)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="16" '
            f'fill="{MUTED}">{_number(scale_top * fraction)}</text>'
        )
    slot = plot_w / len(points)
    bar_w = max(1.0, slot * 0.8)
    every = labels_every or max(1, round(len(points) / 5))
    for n, (label, value) in enumerate(points):
        bar_h = plot_h * value / scale_top if scale_top else 0
        x = left + n * slot + (slot - bar_w) / 2
        parts.append(
            f'<rect x="{x:.1f}" y="{top + plot_h - bar_h:.1f}" width="{bar_w:.1f}" '
            f'height="{bar_h:.1f}" fill="{BAR}"><title>{escape(label)}: '
            f"{_number(value)}</title></rect>"
        )
        if n % every == 0:
            parts.append(
                f'<text x="{left + n * slot + slot / 2:.1f}" y="{height - bottom + 16}" '
                f'text-anchor="middle" font-size="16" fill="{MUTED}">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    chart_id: str,
    title: str,
    desc: str,
    points: Sequence[Point],
    *,
    empty: str = "",
    value_labels: Sequence[str] | None = None,
    width: int = 720,
    row: int = 34,
    label_width: int = 250,
    colour: str = BAR,
) -> str:
    """One horizontal bar per point, its label on the left and its value at its end.
    `value_labels` replaces the printed values (e.g. "3 of 4 (75%)")."""
    height = max(row * len(points), 2 * row) + 8
    parts = _open(chart_id, title, desc, width, height)
    if not points:
        return _empty(parts, width, height, empty)
    value_room = 170
    plot_w = width - label_width - value_room
    peak = max(value for _, value in points) or 1
    for n, (label, value) in enumerate(points):
        y = 4 + n * row
        bar_w = plot_w * value / peak
        shown = value_labels[n] if value_labels else _number(value)
        parts.append(
            f'<text x="{label_width - 8}" y="{y + row / 2 + 4:.1f}" text-anchor="end" '
            f'font-size="17" fill="{INK}">{escape(_clip(label, 26))}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{bar_w:.1f}" height="{row - 8}" '
            f'fill="{colour}"/>'
            f'<text x="{label_width + bar_w + 6:.1f}" y="{y + row / 2 + 4:.1f}" '
            f'font-size="17" fill="{INK}">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def share_chart(
    chart_id: str,
    title: str,
    desc: str,
    share: float | None,
    *,
    done_label: str,
    rest_label: str,
    empty: str = "",
    width: int = 720,
    height: int = 72,
) -> str:
    """One bar split in two: the share done (e.g. within the deadline) and the rest."""
    parts = _open(chart_id, title, desc, width, height)
    if share is None:
        return _empty(parts, width, height, empty)
    share = min(1.0, max(0.0, share))
    done_w = (width - 2) * share
    parts.append(
        f'<rect x="1" y="4" width="{done_w:.1f}" height="28" fill="{GOOD}"/>'
        f'<rect x="{1 + done_w:.1f}" y="4" width="{width - 2 - done_w:.1f}" height="28" '
        f'fill="{BAD}"/>'
        f'<text x="1" y="58" font-size="18" fill="{INK}">{escape(done_label)}</text>'
        f'<text x="{width - 1}" y="58" text-anchor="end" font-size="18" '
        f'fill="{INK}">{escape(rest_label)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 5 × 10^k at or above `value`: round numbers on the scale."""
    if value <= 0:
        return 1
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    while magnitude > value:
        magnitude /= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            result = step * magnitude
            return int(result) if result >= 1 and result == int(result) else result
    return value
