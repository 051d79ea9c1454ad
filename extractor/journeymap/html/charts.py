"""The page's SVG charts, drawn here: the emotion curve, the pain-point Pareto, sparklines and their axis ticks."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..i18n import fmt_int, fmt_num, fmt_pct, fmt_records, fmt_sentiment, ui
from ..model import JourneyMap, PainPointSummary, PeriodCount
from .markup import esc
from .stylesheet import NEGATIVE_RGB, POSITIVE_RGB, rgb, sentiment_rgb

LABEL_CHARS = 26  # x-axis labels of the Pareto chart are cut here (the full name is in the tooltip)


def _f(x: float) -> str:
    """Coordinates with one decimal: enough for a screen, small in the file."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _svg_open(width: float, height: float, label: str, css_class: str) -> str:
    return (f'<svg class="chart {css_class}" viewBox="0 0 {_f(width)} {_f(height)}" '
            f'style="max-width:{_f(width)}px;min-width:{_f(min(width, 640))}px" role="img" '
            f'aria-label="{esc(label)}">')


def emotion_curve_svg(m: JourneyMap, lang: str) -> str:
    """Mean sentiment per stage on a -1..1 axis, points sized by records and named by the dominant emotion."""
    points = m.emotion_curve
    left, right, top, bottom = 56, 24, 48, 52
    step_w = max(150.0, 1220.0 / max(1, len(points)))
    width = left + right + step_w * len(points)
    height = 340
    plot_h = height - top - bottom

    def y_of(s: float) -> float:
        return top + (1 - s) / 2 * plot_h

    parts = [_svg_open(width, height, ui(lang)["sec_emotion_curve"], "emotion-curve-chart")]
    parts.append(f'<rect x="{left}" y="{top}" width="{_f(width - left - right)}" height="{_f(plot_h / 2)}" '
                 f'fill="{rgb(POSITIVE_RGB, 0.05)}"/>')
    parts.append(f'<rect x="{left}" y="{_f(y_of(0))}" width="{_f(width - left - right)}" height="{_f(plot_h / 2)}" '
                 f'fill="{rgb(NEGATIVE_RGB, 0.05)}"/>')
    for tick in (-1.0, -0.5, 0.0, 0.5, 1.0):
        y = y_of(tick)
        parts.append(f'<line class="{"zero" if tick == 0 else "grid"}" x1="{left}" x2="{_f(width - right)}" '
                     f'y1="{_f(y)}" y2="{_f(y)}"/>')
        parts.append(f'<text x="{left - 8}" y="{_f(y + 4)}" text-anchor="end">{esc(_axis_number(tick, lang))}</text>')
    biggest = max((p.count for p in points), default=0) or 1
    xy = [(left + step_w * (i + 0.5), p) for i, p in enumerate(points)]
    segment: list[str] = []
    for x, p in xy + [(0.0, None)]:  # a stage without records breaks the line instead of bridging it
        if p is not None and p.mean_sentiment is not None:
            segment.append(f"{_f(x)},{_f(y_of(p.mean_sentiment))}")
            continue
        if len(segment) > 1:
            parts.append(f'<polyline class="curve-line" points="{" ".join(segment)}" fill="none" '
                         f'stroke="#475569" stroke-width="2.5" stroke-linejoin="round"/>')
        segment = []
    for x, p in xy:
        parts.append(f'<text x="{_f(x)}" y="{height - bottom + 22}" text-anchor="middle" font-weight="600">'
                     f"{esc(p.name)}</text>")
        if p.mean_sentiment is None:
            parts.append(f'<text x="{_f(x)}" y="{_f(y_of(0) - 10)}" text-anchor="middle" fill="#9aa1ab">'
                         f'{esc(ui(lang)["no_data"])}</text>')
            continue
        y = y_of(p.mean_sentiment)
        radius = 5 + 7 * math.sqrt(p.count / biggest)
        colour = rgb(sentiment_rgb(p.mean_sentiment))
        emotion = p.dominant_emotion_name or ""
        # Labels go above the point, or below it when the point sits near the top of the chart.
        above = p.mean_sentiment < 0.55
        y1 = y - radius - 20 if above else y + radius + 16
        title = f"{p.name}: {emotion}, {fmt_records(p.count, lang)}, {fmt_sentiment(p.mean_sentiment, lang)}"
        parts.append(f'<circle class="curve-point" data-stage="{esc(p.stage)}" cx="{_f(x)}" cy="{_f(y)}" '
                     f'r="{_f(radius)}" fill="{colour}" stroke="#fff" stroke-width="2"><title>{esc(title)}</title>'
                     f"</circle>")
        parts.append(f'<text x="{_f(x)}" y="{_f(y1)}" text-anchor="middle" font-weight="600">{esc(emotion)}</text>')
        parts.append(f'<text x="{_f(x)}" y="{_f(y1 + 14)}" text-anchor="middle" fill="#5b6472">'
                     f"{esc(fmt_sentiment(p.mean_sentiment, lang))} · n={esc(fmt_int(p.count, lang))}</text>")
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class _ParetoFrame:
    """The Pareto chart's plot area: counts on the left axis, the cumulative share on the right one."""

    left: float
    width: float
    top_value: int
    right: int = 56
    top: int = 24
    bottom: int = 120
    height: int = 400

    @property
    def plot_h(self) -> int:
        return self.height - self.top - self.bottom

    def y_count(self, n: float) -> float:
        return self.top + self.plot_h * (1 - n / self.top_value)

    def y_share(self, share: float) -> float:
        return self.top + self.plot_h * (1 - share)


def pareto_svg(pains: list[PainPointSummary], lang: str) -> str:
    """Bars of records per pain point, most frequent first, with the cumulative share line on a 0-100% axis."""
    bar_step = max(46.0, 1180.0 / max(1, len(pains)))
    # The slanted name under the first bar reaches left of it: leave room so it is not cut at the edge.
    left = max(56.0, 0.82 * 6.8 * len(_cut(pains[0].name)) - bar_step / 2 + 8)
    ticks = nice_ticks(max(p.count for p in pains))
    frame = _ParetoFrame(left=left, width=left + _ParetoFrame.right + bar_step * len(pains), top_value=ticks[-1] or 1)
    parts = [_svg_open(frame.width, frame.height, ui(lang)["sec_pareto"], "pareto-chart")]
    parts += _pareto_axes(frame, ticks, lang)
    parts += _pareto_bars(frame, pains, bar_step, lang)
    parts.append("</svg>")
    return "".join(parts)


def _pareto_axes(frame: _ParetoFrame, ticks: list[int], lang: str) -> list[str]:
    """Grid lines and counts on the left, shares on the right, the three axes and the dashed 80% line."""
    left, right, top, plot_h, width = frame.left, frame.right, frame.top, frame.plot_h, frame.width
    parts = []
    for tick in ticks:
        y = frame.y_count(tick)
        parts.append(f'<line class="grid" x1="{_f(left)}" x2="{_f(width - right)}" y1="{_f(y)}" y2="{_f(y)}"/>')
        parts.append(f'<text x="{_f(left - 8)}" y="{_f(y + 4)}" text-anchor="end">{esc(fmt_int(tick, lang))}</text>')
    for share in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f'<text x="{_f(width - right + 8)}" y="{_f(frame.y_share(share) + 4)}">'
                     f"{esc(fmt_pct(share, lang))}</text>")
    parts.append(f'<line class="axis" x1="{_f(left)}" x2="{_f(left)}" y1="{top}" y2="{_f(top + plot_h)}"/>')
    parts.append(f'<line class="axis" x1="{_f(width - right)}" x2="{_f(width - right)}" y1="{top}" '
                 f'y2="{_f(top + plot_h)}"/>')
    parts.append(f'<line class="axis" x1="{_f(left)}" x2="{_f(width - right)}" y1="{_f(top + plot_h)}" '
                 f'y2="{_f(top + plot_h)}"/>')
    y80 = frame.y_share(0.8)
    parts.append(f'<line x1="{_f(left)}" x2="{_f(width - right)}" y1="{_f(y80)}" y2="{_f(y80)}" stroke="#b45309" '
                 f'stroke-dasharray="5 4" stroke-width="1"/>')
    return parts


def _pareto_bars(frame: _ParetoFrame, pains: list[PainPointSummary], bar_step: float, lang: str) -> list[str]:
    """A bar, its count and its slanted name per pain point, then the cumulative share as a line of points."""
    top, plot_h = frame.top, frame.plot_h
    parts, line = [], []
    for i, p in enumerate(pains):
        x = frame.left + bar_step * i
        bar_w = bar_step * 0.64
        cx = x + bar_step / 2
        y = frame.y_count(p.count)
        title = (f"{p.name}: {fmt_records(p.count, lang)}, {fmt_pct(p.cumulative_share, lang)} "
                 f"({ui(lang)['col_cumulative'].lower()})")
        parts.append(f'<rect class="pareto-bar" data-pain-point="{esc(p.id)}" x="{_f(cx - bar_w / 2)}" y="{_f(y)}" '
                     f'width="{_f(bar_w)}" height="{_f(top + plot_h - y)}" rx="2" '
                     f'fill="{rgb(sentiment_rgb(p.mean_sentiment))}" fill-opacity="0.85"><title>{esc(title)}</title>'
                     f"</rect>")
        parts.append(f'<text x="{_f(cx)}" y="{_f(y - 5)}" text-anchor="middle" font-size="11">'
                     f"{esc(fmt_int(p.count, lang))}</text>")
        label_y = top + plot_h + 14
        parts.append(f'<text x="{_f(cx)}" y="{_f(label_y)}" text-anchor="end" '
                     f'transform="rotate(-35 {_f(cx)} {_f(label_y)})">{esc(_cut(p.name))}<title>{esc(p.name)}</title>'
                     f"</text>")
        line.append((cx, frame.y_share(p.cumulative_share), p))
    parts.append(f'<polyline class="pareto-line" points="{" ".join(f"{_f(x)},{_f(y)}" for x, y, _ in line)}" '
                 f'fill="none" stroke="#1e3a5f" stroke-width="2"/>')
    for x, y, p in line:
        parts.append(f'<circle class="pareto-point" cx="{_f(x)}" cy="{_f(y)}" r="3.5" fill="#1e3a5f">'
                     f"<title>{esc(fmt_pct(p.cumulative_share, lang))}</title></circle>")
    return parts


def sparkline_svg(trend: list[PeriodCount], width: int = 120, height: int = 28) -> str:
    """The monthly share of one pain point as a tiny line, the last month marked."""
    peak = max((p.share for p in trend), default=0.0) or 1.0
    step = (width - 6) / max(1, len(trend) - 1)
    xy = [(3 + i * step, height - 3 - (height - 6) * p.share / peak) for i, p in enumerate(trend)]
    points = " ".join(f"{_f(x)},{_f(y)}" for x, y in xy)
    title = f"{trend[0].period} – {trend[-1].period}: " + ", ".join(f"{p.period} {p.count}" for p in trend)
    last_x, last_y = xy[-1]
    return (f'<svg class="sparkline" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'style="display:inline-block;vertical-align:middle" role="img" aria-label="{esc(title)}" '
            f'><title>{esc(title)}</title>'
            f'<polyline points="{points}" fill="none" stroke="#475569" stroke-width="1.5"/>'
            f'<circle cx="{_f(last_x)}" cy="{_f(last_y)}" r="2.5" fill="#b45309"/></svg>')


def nice_ticks(peak: int) -> list[int]:
    """Round axis ticks from 0 to at least the peak, about five of them (steps of 1, 2 or 5 times a power of 10)."""
    if peak <= 0:
        return [0, 1]
    raw = peak / 5
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(s * magnitude for s in (1, 2, 5, 10) if s * magnitude >= raw)
    step = max(1, int(step))
    return list(range(0, peak + step, step)) if peak % step else list(range(0, peak + 1, step))


def _axis_number(x: float, lang: str) -> str:
    """-1, -0.5, 0, +0.5, +1 (in Polish -0,5)."""
    if x == 0:
        return "0"
    return ("-" if x < 0 else "+") + fmt_num(abs(x), lang, 0 if x.is_integer() else 1)


def _cut(name: str) -> str:
    return name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1].rstrip() + "…"

