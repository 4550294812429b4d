"""Server-side SVG charts for the dashboard: no script, no network, every label escaped.

Every chart writes its figures as text beside the marks (a zero is a visible mark labelled
"0 %", a missing value reads "n/a"), names its axes with words and ticks (never a lone
"100 %" that could pass for a figure), and repeats the figures in its `<desc>` for screen
readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 640
BAR_HEIGHT = 22
PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2")
NA = "n/a"


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float | None
    note: str = ""  # shown after the value, e.g. "3 of 5"


def _open(title: str, height: int, desc: str) -> list[str]:
    """The chart's root: its accessible name is the title, its description the figures."""
    return [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(desc)}</desc>",
    ]


def _empty(title: str, height: int = 60) -> str:
    return (
        f'<svg class="chart" role="img" aria-label="{escape(title)}: no data" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">'
        f'<text x="8" y="{height // 2}" class="chart-empty">No data in this range</text></svg>'
    )


def percent(value: float) -> str:
    """`46 %`: the share as a whole percentage."""
    return f"{100 * value:.0f} %"


def _format(value: float | None, unit: str) -> str:
    if value is None:
        return NA
    if unit == "%":
        return percent(value)
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


def _with_note(text: str, note: str) -> str:
    return f"{text} ({note})" if note else text


def bar_chart(
    title: str,
    bars: Sequence[Bar],
    *,
    unit: str = "",
    maximum: float | None = None,
    colour: str = PALETTE[0],
) -> str:
    """Horizontal bars, one per label, each followed by its figure; a zero is a thin dark
    mark, a missing value reads "n/a"."""
    if not bars or all(b.value is None for b in bars):
        return _empty(title)
    label_width = 200
    plot = WIDTH - label_width - 130
    top = max((b.value or 0.0) for b in bars)
    scale = maximum if maximum is not None else (top or 1.0)
    height = len(bars) * (BAR_HEIGHT + 8) + 8
    figures = [f"{b.label}: {_with_note(_format(b.value, unit), b.note)}" for b in bars]
    parts = _open(title, height, "; ".join(figures))
    for i, bar in enumerate(bars):
        y = 8 + i * (BAR_HEIGHT + 8)
        text_y = f"{y + BAR_HEIGHT * 0.7:.1f}"
        parts.append(
            f'<text x="{label_width - 8}" y="{text_y}" text-anchor="end" '
            f'class="chart-label">{escape(bar.label)}</text>'
        )
        text = _format(bar.value, unit)
        width = 0.0
        if bar.value == 0:
            width = 3.0  # a zero is drawn, not left as empty space
            parts.append(
                f'<rect x="{label_width}" y="{y}" width="{width}" height="{BAR_HEIGHT}" '
                f'class="chart-zero"><title>{escape(bar.label)}: {escape(text)}</title></rect>'
            )
        elif bar.value is not None:
            width = max(3.0, plot * min(bar.value / scale, 1.0))
            parts.append(
                f'<rect x="{label_width}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" '
                f'fill="{colour}" rx="3"><title>{escape(bar.label)}: {escape(text)}</title></rect>'
            )
        css = "chart-value" if bar.value is not None else "chart-na"
        parts.append(
            f'<text x="{label_width + width + 6:.1f}" y="{text_y}" '
            f'class="{css}">{escape(_with_note(text, bar.note))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _ticks(top: float) -> list[float]:
    return [0.0, top / 2, top]


def grouped_bar_chart(
    title: str,
    groups: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    unit: str = "",
    maximum: float | None = None,
    axis: str = "",
    notes: Sequence[Sequence[str]] = (),
) -> str:
    """Vertical bars: one group per label, one coloured bar per series, with a legend.

    Every bar carries its figure above it; a zero is a thin mark on the axis labelled with
    its figure, a missing value reads "n/a". `notes[s][g]` (e.g. "3 of 5") goes into the
    bar's tooltip and the chart's description. `axis` names the value axis.
    """
    if not groups or not series:
        return _empty(title)
    values = [v for _, vals in series for v in vals if v is not None]
    height, bottom, left, top_margin = 260, 196, 78, 28
    top_value = maximum if maximum is not None else (max(values, default=0.0) or 1.0)
    if unit == "duration":  # at least a minute, so that a few seconds is not a full bar
        top_value = max(top_value, 60.0)
    plot_width = WIDTH - left - 10
    plot_height = bottom - top_margin
    group_width = plot_width / len(groups)
    bar_width = max(4.0, (group_width - 10) / len(series))
    narrow = bar_width < 30  # figures turn upright above narrow bars

    def note(s: int, g: int) -> str:
        return notes[s][g] if s < len(notes) and g < len(notes[s]) else ""

    def value_of(vals: Sequence[float | None], g: int) -> float | None:
        return vals[g] if g < len(vals) else None

    figures = [
        f"{group}, {name}: {_with_note(_format(value_of(vals, g), unit), note(s, g))}"
        for g, group in enumerate(groups)
        for s, (name, vals) in enumerate(series)
    ]
    parts = _open(title, height, "; ".join(figures))
    if values:  # ticks and grid lines; without any value there is no scale to show
        for tick in _ticks(top_value):
            y = bottom - plot_height * tick / top_value
            parts.append(
                f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - 10}" y2="{y:.1f}" '
                f'class="chart-grid"/><text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
                f'class="chart-tick">{escape(_format(tick, unit))}</text>'
            )
    if axis:
        parts.append(
            f'<text transform="translate(14 {top_margin + plot_height / 2:.0f}) rotate(-90)" '
            f'text-anchor="middle" class="chart-axis-title">{escape(axis)}</text>'
        )
    parts.append(
        f'<line x1="{left}" y1="{bottom}" x2="{WIDTH - 10}" y2="{bottom}" class="chart-axis"/>'
    )
    for g, group in enumerate(groups):
        x0 = left + g * group_width + 5
        for s, (name, vals) in enumerate(series):
            value = value_of(vals, g)
            x = x0 + s * bar_width
            centre = x + (bar_width - 2) / 2
            text = _format(value, unit)
            tip = f"{group}, {name}: {_with_note(text, note(s, g))}"
            if value is None:
                label_y = bottom - 4.0
            elif value == 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{bottom - 3}" width="{bar_width - 2:.1f}" height="3" '
                    f'class="chart-zero"><title>{escape(tip)}</title></rect>'
                )
                label_y = bottom - 7.0
            else:
                bar_height = max(2.0, plot_height * min(value / top_value, 1.0))
                parts.append(
                    f'<rect x="{x:.1f}" y="{bottom - bar_height:.1f}" '
                    f'width="{bar_width - 2:.1f}" height="{bar_height:.1f}" '
                    f'fill="{PALETTE[s % len(PALETTE)]}"><title>{escape(tip)}</title></rect>'
                )
                label_y = bottom - bar_height - 4
            css = "chart-na" if value is None else "chart-value"
            if narrow and bottom - label_y > 48:  # upright, inside the top of a tall bar
                parts.append(
                    f'<text transform="translate({centre + 4:.1f} {label_y + 8:.1f}) '
                    f'rotate(-90)" text-anchor="end" class="chart-value-inside">'
                    f"{escape(text)}</text>"
                )
            elif narrow:
                parts.append(
                    f'<text transform="translate({centre + 4:.1f} {label_y:.1f}) rotate(-90)" '
                    f'class="{css}">{escape(text)}</text>'
                )
            else:
                parts.append(
                    f'<text x="{centre:.1f}" y="{label_y:.1f}" text-anchor="middle" '
                    f'class="{css}">{escape(text)}</text>'
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


def _share_text(share: float | None, red: int, items: int) -> str:
    return f"{NA} (no items)" if share is None else f"{percent(share)} ({red} of {items})"


def trend_chart(
    title: str,
    labels: Sequence[str],
    counts: Sequence[int],
    reds: Sequence[int],
    shares: Sequence[float | None],
) -> str:
    """Items per bucket (grey) and red items (red) against the left axis, the red share as a
    line with a marker per bucket against the right axis; figures written on the chart."""
    if not labels or not any(counts):
        return _empty(title)
    height, bottom, left, right, top_margin = 290, 200, 62, 62, 34
    plot_width = WIDTH - left - right
    plot_height = bottom - top_margin
    step = plot_width / len(labels)
    bar_width = min(max(step - 2, 1.0), 56.0)  # one day is a bar, not a wall
    top = max(counts) or 1
    total, total_red = sum(counts), sum(reds)
    overall = _share_text(total_red / total if total else None, total_red, total)
    summary = f"Whole range: {total} items, {total_red} red; red share {overall}"
    figures = [
        f"{label}: {counts[i]} items, {reds[i]} red, red share "
        f"{_share_text(shares[i], reds[i], counts[i])}"
        for i, label in enumerate(labels)
    ]
    parts = _open(title, height, f"{summary}. " + "; ".join(figures))
    # Left axis: items; right axis: red share. Each has a title and ticks.
    for tick in sorted({0, top // 2, top}):
        y = bottom - plot_height * tick / top
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" '
            f'class="chart-grid"/><text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'class="chart-tick">{tick}</text>'
        )
    for share_tick in (0.0, 0.5, 1.0):
        y = bottom - plot_height * share_tick
        parts.append(
            f'<text x="{WIDTH - right + 6}" y="{y + 4:.1f}" class="chart-tick">'
            f"{percent(share_tick)}</text>"
        )
    middle = top_margin + plot_height / 2
    parts.append(
        f'<text transform="translate(14 {middle:.0f}) rotate(-90)" text-anchor="middle" '
        'class="chart-axis-title">items</text>'
        f'<text transform="translate({WIDTH - 10} {middle:.0f}) rotate(90)" '
        'text-anchor="middle" class="chart-axis-title">red share</text>'
        f'<line x1="{left}" y1="{bottom}" x2="{WIDTH - right}" y2="{bottom}" class="chart-axis"/>'
    )
    points: list[tuple[float, float, int]] = []
    every = max(1, -(-len(labels) // 7))  # at most about seven axis labels
    # Day labels lose their year on the axis (it is in the range above the chart).
    short = [label[5:] if len(label) == 10 and label[4] == "-" else label for label in labels]
    for i, label in enumerate(labels):
        centre = left + i * step + step / 2
        x = centre - bar_width / 2
        total_h = plot_height * counts[i] / top
        red_h = plot_height * reds[i] / top
        parts.append(
            f'<rect x="{x:.1f}" y="{bottom - total_h:.1f}" width="{bar_width:.1f}" '
            f'height="{total_h:.1f}" fill="#cbd5e1"><title>{escape(label)}: {counts[i]} items'
            "</title></rect>"
            f'<rect x="{x:.1f}" y="{bottom - red_h:.1f}" width="{bar_width:.1f}" '
            f'height="{red_h:.1f}" fill="#dc2626"><title>{escape(label)}: {reds[i]} red'
            "</title></rect>"
        )
        share = shares[i]
        if share is not None:
            points.append((centre, bottom - plot_height * share, i))
        if i % every == 0:
            parts.append(
                f'<text x="{centre:.1f}" y="{bottom + 16}" text-anchor="middle" '
                f'class="chart-label">{escape(short[i])}</text>'
            )
        if step >= 44:  # the bucket's counts under its label while there is room
            counted = f"{reds[i]} of {counts[i]} red" if step >= 110 else f"{reds[i]}/{counts[i]}"
            parts.append(
                f'<text x="{centre:.1f}" y="{bottom + 32}" text-anchor="middle" '
                f'class="chart-tick">{counted}</text>'
            )
    if len(points) > 1:
        line = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
        parts.append(f'<polyline points="{line}" class="chart-share-line"/>')
    # Every point is a visible marker (one day of data is one marker, not no line); its
    # figure is written beside it while there is room, else on the last and highest points.
    roomy = step >= 44
    highest = max(points, key=lambda p: shares[p[2]] or 0.0)[2] if points else -1
    for x, y, i in points:
        text = _share_text(shares[i], reds[i], counts[i])
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" class="chart-share-point">'
            f"<title>{escape(labels[i])}: red share {escape(text)}</title></circle>"
        )
        if roomy or i in (points[-1][2], highest):
            shown = text if (step >= 120 or len(points) == 1) else percent(shares[i] or 0.0)
            anchor = "end" if x > WIDTH - right - 60 else "middle"
            parts.append(
                f'<text x="{x:.1f}" y="{y - 9:.1f}" text-anchor="{anchor}" '
                f'class="chart-value chart-share-value">{escape(shown)}</text>'
            )
    parts.append(
        f'<text x="{left}" y="18" class="chart-summary">{escape(summary)}</text>'
        f'<rect x="{left}" y="{height - 22}" width="12" height="12" fill="#cbd5e1"/>'
        f'<text x="{left + 16}" y="{height - 12}" class="chart-label">items</text>'
        f'<rect x="{left + 90}" y="{height - 22}" width="12" height="12" fill="#dc2626"/>'
        f'<text x="{left + 106}" y="{height - 12}" class="chart-label">red items</text>'
        f'<line x1="{left + 190}" y1="{height - 16}" x2="{left + 210}" y2="{height - 16}" '
        'class="chart-share-line"/>'
        f'<circle cx="{left + 200}" cy="{height - 16}" r="4" class="chart-share-point"/>'
        f'<text x="{left + 216}" y="{height - 12}" class="chart-label">red share '
        "(right axis)</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def sparkline(title: str, labels: Sequence[str], counts: Sequence[int]) -> str:
    """A small line of counts per period for a table cell; the figures are in its `<desc>`
    and the last period's count is written beside it."""
    width, height, pad = 120, 28, 3
    if not counts or not any(counts):
        desc = f"{title}: no items in these periods"
        return (
            f'<svg class="sparkline" role="img" aria-label="{escape(desc)}" '
            f'viewBox="0 0 {width + 34} {height}" width="{width + 34}" height="{height}" '
            f'xmlns="http://www.w3.org/2000/svg"><line x1="0" y1="{height - pad}" x2="{width}" '
            f'y2="{height - pad}" class="chart-axis"/><text x="{width + 4}" y="{height - 4}" '
            'class="chart-tick">0</text></svg>'
        )
    top = max(counts)
    step = width / max(len(counts) - 1, 1)
    points = " ".join(
        f"{i * step:.1f},{height - pad - (height - 2 * pad) * c / top:.1f}"
        for i, c in enumerate(counts)
    )
    desc = "; ".join(f"{label}: {count}" for label, count in zip(labels, counts, strict=True))
    return (
        f'<svg class="sparkline" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width + 34} {height}" width="{width + 34}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f"<desc>{escape(desc)}</desc>"
        f'<polyline points="{points}" class="spark"/>'
        f'<text x="{width + 4}" y="{height - 4}" class="chart-tick">{counts[-1]}</text></svg>'
    )


def count_chart(title: str, labels: Sequence[str], counts: Sequence[int]) -> str:
    """Items per period as columns against a named axis with ticks; every column's figure is
    in its tooltip and in the chart's `<desc>`, and written above it while there is room."""
    if not labels or not any(counts):
        return _empty(title)
    height, bottom, left, right, top_margin = 230, 190, 62, 20, 20
    plot_width, plot_height = WIDTH - left - right, bottom - top_margin
    step = plot_width / len(labels)
    bar_width = min(max(step - 2, 1.0), 56.0)
    top = max(counts)
    figures = "; ".join(f"{label}: {n} items" for label, n in zip(labels, counts, strict=True))
    parts = _open(title, height, f"Total {sum(counts)} items. {figures}")
    for tick in sorted({0, top // 2, top}):
        y = bottom - plot_height * tick / top
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" '
            f'class="chart-grid"/><text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'class="chart-tick">{tick}</text>'
        )
    middle = top_margin + plot_height / 2
    parts.append(
        f'<text transform="translate(14 {middle:.0f}) rotate(-90)" text-anchor="middle" '
        'class="chart-axis-title">items</text>'
        f'<line x1="{left}" y1="{bottom}" x2="{WIDTH - right}" y2="{bottom}" class="chart-axis"/>'
    )
    every = max(1, -(-len(labels) // 7))
    for i, (label, n) in enumerate(zip(labels, counts, strict=True)):
        centre = left + i * step + step / 2
        bar_height = plot_height * n / top if n else 2.0  # a zero is a visible mark
        css = 'fill="#2563eb"' if n else 'class="chart-zero"'
        parts.append(
            f'<rect x="{centre - bar_width / 2:.1f}" y="{bottom - bar_height:.1f}" '
            f'width="{bar_width:.1f}" height="{bar_height:.1f}" {css}>'
            f"<title>{escape(label)}: {n} items</title></rect>"
        )
        if step >= 18 and n:
            parts.append(
                f'<text x="{centre:.1f}" y="{bottom - bar_height - 4:.1f}" text-anchor="middle" '
                f'class="chart-value">{n}</text>'
            )
        if i % every == 0:
            short = label[5:] if len(label) == 10 and label[4] == "-" else label
            parts.append(
                f'<text x="{centre:.1f}" y="{bottom + 16}" text-anchor="middle" '
                f'class="chart-label">{escape(short)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
