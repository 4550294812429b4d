"""Server-side SVG charts for the dashboard: no script, no network, every label escaped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 640
BAR_HEIGHT = 22
PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2")


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float | None
    note: str = ""  # shown after the value, e.g. "3 of 5"


def _empty(title: str, height: int = 60) -> str:
    return (
        f'<svg class="chart" role="img" aria-label="{escape(title)}: no data" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">'
        f'<text x="8" y="{height // 2}" class="chart-empty">No data in this range</text></svg>'
    )


def _format(value: float, unit: str) -> str:
    if unit == "%":
        return f"{100 * value:.0f}%"
    if unit == "duration":
        return human_duration(value)
    return f"{value:g}" if value == int(value) else f"{value:.2f}"


def human_duration(seconds: float) -> str:
    """`1h 05m`, `3d 4h`, `45s`: short and readable."""
    seconds = abs(seconds)
    if seconds < 60:
        return f"{seconds:.0f}s"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"


def bar_chart(
    title: str,
    bars: Sequence[Bar],
    *,
    unit: str = "",
    maximum: float | None = None,
    colour: str = PALETTE[0],
) -> str:
    """Horizontal bars, one per label; a missing value is drawn as "n/a"."""
    if not bars or all(b.value is None for b in bars):
        return _empty(title)
    label_width = 200
    plot = WIDTH - label_width - 130
    top = max((b.value or 0.0) for b in bars)
    scale = maximum if maximum is not None else (top or 1.0)
    height = len(bars) * (BAR_HEIGHT + 8) + 8
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, bar in enumerate(bars):
        y = 8 + i * (BAR_HEIGHT + 8)
        parts.append(
            f'<text x="{label_width - 8}" y="{y + BAR_HEIGHT * 0.7:.1f}" text-anchor="end" '
            f'class="chart-label">{escape(bar.label)}</text>'
        )
        if bar.value is None:
            text = "n/a"
            width = 0.0
        else:
            width = max(1.0, plot * min(bar.value / scale, 1.0)) if scale else 1.0
            text = _format(bar.value, unit)
            parts.append(
                f'<rect x="{label_width}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" '
                f'fill="{colour}" rx="3"><title>{escape(bar.label)}: {escape(text)}</title></rect>'
            )
        note = f" ({bar.note})" if bar.note else ""
        parts.append(
            f'<text x="{label_width + width + 6:.1f}" y="{y + BAR_HEIGHT * 0.7:.1f}" '
            f'class="chart-value">{escape(text + note)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def grouped_bar_chart(
    title: str,
    groups: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    unit: str = "",
) -> str:
    """Vertical bars: one group per label, one coloured bar per series, with a legend."""
    values = [v for _, vals in series for v in vals if v is not None]
    if not groups or not values:
        return _empty(title)
    height, bottom, left = 240, 190, 50
    top_value = max(values) or 1.0
    plot_width = WIDTH - left - 10
    group_width = plot_width / len(groups)
    bar_width = max(4.0, (group_width - 10) / max(1, len(series)))
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{bottom}" x2="{WIDTH - 10}" y2="{bottom}" class="chart-axis"/>',
        f'<text x="{left - 6}" y="20" text-anchor="end" class="chart-value">'
        f"{escape(_format(top_value, unit))}</text>",
    ]
    for g, group in enumerate(groups):
        x0 = left + g * group_width + 5
        for s, (name, vals) in enumerate(series):
            value = vals[g] if g < len(vals) else None
            if value is None:
                continue
            bar_height = (bottom - 24) * (value / top_value)
            x = x0 + s * bar_width
            parts.append(
                f'<rect x="{x:.1f}" y="{bottom - bar_height:.1f}" width="{bar_width - 2:.1f}" '
                f'height="{bar_height:.1f}" fill="{PALETTE[s % len(PALETTE)]}">'
                f"<title>{escape(group)}, {escape(name)}: {escape(_format(value, unit))}</title>"
                "</rect>"
            )
        parts.append(
            f'<text x="{x0 + group_width / 2 - 5:.1f}" y="{bottom + 16}" text-anchor="middle" '
            f'class="chart-label">{escape(group)}</text>'
        )
    for s, (name, _) in enumerate(series):
        x = left + s * 150
        parts.append(
            f'<rect x="{x}" y="{height - 22}" width="12" height="12" '
            f'fill="{PALETTE[s % len(PALETTE)]}"/>'
            f'<text x="{x + 16}" y="{height - 12}" class="chart-label">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def trend_chart(
    title: str,
    labels: Sequence[str],
    counts: Sequence[int],
    reds: Sequence[int],
    shares: Sequence[float | None],
) -> str:
    """Items per bucket (grey), red items (red), and the red share as a line (right axis)."""
    if not labels or not any(counts):
        return _empty(title)
    height, bottom, left, right = 260, 200, 50, 50
    plot_width = WIDTH - left - right
    step = plot_width / len(labels)
    top = max(counts) or 1
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{bottom}" x2="{WIDTH - right}" y2="{bottom}" class="chart-axis"/>',
        f'<text x="{left - 6}" y="24" text-anchor="end" class="chart-value">{top}</text>',
        f'<text x="{WIDTH - right + 6}" y="24" class="chart-value">100% red</text>',
    ]
    points = []
    every = max(1, -(-len(labels) // 7))  # at most about seven axis labels
    # Day labels lose their year on the axis (it is in the range above the chart).
    short = [label[5:] if len(label) == 10 and label[4] == "-" else label for label in labels]
    for i, label in enumerate(labels):
        x = left + i * step
        total_h = (bottom - 24) * counts[i] / top
        red_h = (bottom - 24) * reds[i] / top
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{bottom - total_h:.1f}" width="{max(step - 2, 1):.1f}" '
            f'height="{total_h:.1f}" fill="#cbd5e1"><title>{escape(label)}: {counts[i]} items'
            "</title></rect>"
            f'<rect x="{x + 1:.1f}" y="{bottom - red_h:.1f}" width="{max(step - 2, 1):.1f}" '
            f'height="{red_h:.1f}" fill="#dc2626"><title>{escape(label)}: {reds[i]} red'
            "</title></rect>"
        )
        share = shares[i]
        if share is not None:
            points.append(f"{x + step / 2:.1f},{bottom - (bottom - 24) * share:.1f}")
        if i % every == 0:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{bottom + 16}" text-anchor="middle" '
                f'class="chart-label">{escape(short[i])}</text>'
            )
    if len(points) > 1:
        parts.append(
            f'<polyline points="{" ".join(points)}" fill="none" stroke="#7f1d1d" stroke-width="2"/>'
        )
    parts.append(
        f'<rect x="{left}" y="{height - 22}" width="12" height="12" fill="#cbd5e1"/>'
        f'<text x="{left + 16}" y="{height - 12}" class="chart-label">items</text>'
        f'<rect x="{left + 90}" y="{height - 22}" width="12" height="12" fill="#dc2626"/>'
        f'<text x="{left + 106}" y="{height - 12}" class="chart-label">red items</text>'
        f'<line x1="{left + 190}" y1="{height - 16}" x2="{left + 210}" y2="{height - 16}" '
        'stroke="#7f1d1d" stroke-width="2"/>'
        f'<text x="{left + 216}" y="{height - 12}" class="chart-label">red share</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
