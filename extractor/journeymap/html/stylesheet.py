"""The journey map page's looks: the stylesheet, its font stack, and the sentiment colours (a red-grey-green ramp,
and the nine sentiment classes the chips and steps use instead of an inline style each)."""

from __future__ import annotations

# Sentiment colours: red for negative, a neutral grey, green for positive (colour-blind users still get the
# number printed beside every colour).
NEGATIVE_RGB = (196, 62, 48)
NEUTRAL_RGB = (148, 152, 160)
POSITIVE_RGB = (38, 140, 88)
INK_RGB = (52, 64, 84)

SENTIMENT_BUCKETS = 9  # chip colours as classes (-1, -0.75 .. +1): an inline style per chip would double the page

FONT = ('system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", '
        '"Liberation Sans", "DejaVu Sans", sans-serif, "Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji"')

CSS = """
:root { --ink:#1f2937; --muted:#5b6472; --line:#e3e6ea; --paper:#ffffff; --ground:#f4f5f7; --accent:#334155; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; background: var(--ground); color: var(--ink); font: 14px/1.45 __FONT__; }
main { max-width: 1480px; margin: 0 auto; padding: 20px 24px 40px; }
h1 { font-size: 26px; margin: 0 0 4px; letter-spacing: -0.01em; }
h2 { font-size: 19px; margin: 0 0 6px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
p { margin: 4px 0; }
.section { background: var(--paper); border: 1px solid var(--line); border-radius: 10px; padding: 18px 20px;
  margin: 16px 0; }
.note { color: var(--muted); font-size: 13px; max-width: 110ch; margin-bottom: 10px; }
.muted { color: var(--muted); }
.num { font-variant-numeric: tabular-nums; text-align: right; white-space: nowrap; }
nav.contents { display: flex; flex-wrap: wrap; gap: 6px 14px; margin: 10px 0 0; font-size: 13px; }
nav.contents a { color: var(--accent); text-decoration: none; border-bottom: 1px solid #cbd2db; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; }
table.data { width: 100%; font-size: 13px; }
table.data th, table.data td { border-bottom: 1px solid var(--line); padding: 6px 8px; vertical-align: top;
  text-align: left; }
table.data thead th { font-size: 12px; color: var(--muted); font-weight: 600; border-bottom: 2px solid var(--line); }
table.data .num { text-align: right; }
/* numbers take what they need; the customer's words get the rest of the row */
table.pain-points .num { width: 1%; }
table.pain-points thead th { white-space: normal; }
table.pain-points td.where { min-width: 170px; }
table.pain-points td.quotes { min-width: 360px; }
.meta-grid { display: grid; grid-template-columns: max-content 1fr; gap: 3px 16px; margin: 12px 0 0;
  font-size: 13px; }
.meta-grid dt { color: var(--muted); }
.meta-grid dd { margin: 0; overflow-wrap: anywhere; }
.confidence { margin-top: 14px; padding: 10px 14px; border-left: 4px solid #c7a34a; background: #fbf7ea;
  border-radius: 4px; font-size: 13px; }
.confidence h3 { margin: 0 0 4px; font-size: 14px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px;
  background: #eef0f3; padding: 1px 4px; border-radius: 3px; }
/* the map */
table.journey-map { table-layout: fixed; font-size: 13px; }
table.journey-map th.lane { position: sticky; left: 0; z-index: 1; width: 150px; background: #f8f9fb;
  text-align: left; vertical-align: top; padding: 10px; font-size: 12px; text-transform: uppercase;
  letter-spacing: 0.04em; color: var(--muted); border-bottom: 1px solid var(--line); }
table.journey-map td { vertical-align: top; padding: 10px; border-bottom: 1px solid var(--line);
  border-left: 1px solid var(--line); overflow-wrap: anywhere; }
table.journey-map thead th.stage { padding: 0 2px 8px; vertical-align: bottom; }
.stage-head { background: var(--accent); color: #fff; padding: 10px 22px 10px 16px; min-height: 64px;
  clip-path: polygon(0 0, calc(100% - 14px) 0, 100% 50%, calc(100% - 14px) 100%, 0 100%, 10px 50%); }
th.lane + th.stage .stage-head { clip-path: polygon(0 0, calc(100% - 14px) 0, 100% 50%,
  calc(100% - 14px) 100%, 0 100%); }
.stage-name { font-size: 15px; font-weight: 650; }
.stage-stats { font-size: 12px; font-weight: 400; opacity: 0.92; }
.nowrap { white-space: nowrap; }
.dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-left: 5px;
  box-shadow: 0 0 0 1.5px #fff; }
.k { display: block; font-size: 11px; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; }
.goal { font-style: italic; margin-bottom: 6px; }
ul.plain { list-style: none; margin: 0; padding: 0; }
ul.plain li { margin: 2px 0; }
.n { color: var(--muted); font-size: 12px; font-variant-numeric: tabular-nums; }
.chips { display: flex; flex-wrap: wrap; gap: 4px; }
.chip { display: inline-block; border-radius: 4px; border-left: 4px solid; padding: 1px 6px; font-size: 12px;
  line-height: 1.5; }
.bars { display: grid; grid-template-columns: minmax(0, 1fr) 64px 32px; gap: 2px 6px; align-items: center;
  font-size: 12px; margin-top: 4px; }
.bar { height: 8px; background: #eef0f3; border-radius: 4px; overflow: hidden; }
.bar > span { display: block; height: 100%; border-radius: 4px; }
.big { font-size: 22px; font-weight: 650; line-height: 1.1; }
ol.opps { margin: 0; padding-left: 22px; }
ol.opps li { margin: 2px 0; }
ol.opps li > span:first-child { margin-right: 6px; }
.pill { display: inline-block; background: #f1e3e1; color: #7a2a20; border-radius: 8px; padding: 0 6px;
  font-size: 11px; font-variant-numeric: tabular-nums; white-space: nowrap; }
blockquote { margin: 6px 0; padding: 4px 8px; border-left: 3px solid; background: #fafbfc; font-size: 12.5px; }
blockquote .src { display: block; color: var(--muted); font-size: 11px; margin-top: 2px; }
.empty { color: #9aa1ab; }
/* charts */
svg { display: block; font-family: __FONT__; }
svg text { fill: #374151; font-size: 12px; }
svg .axis { stroke: #c9ced6; stroke-width: 1; }
svg .grid { stroke: #eceff2; stroke-width: 1; }
svg .zero { stroke: #7b8491; stroke-width: 1.5; }
.chart { width: 100%; height: auto; }
/* heatmap */
table.heatmap { font-size: 12px; }
table.heatmap th { font-weight: 600; padding: 6px; vertical-align: bottom; }
table.heatmap thead th { width: 58px; min-width: 58px; color: var(--muted); padding: 6px 0; }
table.heatmap thead th span { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap;
  display: inline-block; max-height: 190px; overflow: hidden; text-overflow: ellipsis; text-align: left; }
table.heatmap th.row { position: sticky; left: 0; background: var(--paper); text-align: left;
  white-space: nowrap; min-width: 150px; }
table.heatmap td { width: 58px; height: 38px; text-align: center; border: 2px solid var(--paper);
  border-radius: 6px; font-variant-numeric: tabular-nums; font-weight: 600; }
.legend { display: flex; align-items: center; gap: 8px; font-size: 12px; color: var(--muted); margin-top: 8px; }
.legend .ramp { width: 180px; height: 10px; border-radius: 5px;
  background: linear-gradient(90deg, rgb(__NEG__), rgb(__MID__), rgb(__POS__)); }
/* opportunities, moments of truth */
ol.opportunity-list { list-style: none; margin: 0; padding: 0; display: grid; gap: 12px;
  grid-template-columns: repeat(auto-fill, minmax(400px, 1fr)); }
li.opportunity { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; break-inside: avoid; }
.opp-head { display: flex; align-items: baseline; gap: 8px; margin-bottom: 6px; }
.opp-head strong { flex: 1; font-size: 15px; }
.rank { display: inline-flex; align-items: center; justify-content: center; min-width: 24px; height: 24px;
  border-radius: 12px; background: var(--accent); color: #fff; font-size: 12px; font-weight: 700; }
.score { color: var(--muted); font-size: 12px; white-space: nowrap; }
.score b { color: var(--ink); font-size: 15px; }
dl.facts { display: grid; grid-template-columns: repeat(4, auto); gap: 0 12px; margin: 8px 0 4px;
  font-size: 12px; }
dl.facts dt { color: var(--muted); font-size: 11px; grid-row: 1; }
dl.facts dd { margin: 0; grid-row: 2; }
.split { display: grid; grid-template-columns: minmax(280px, 1fr) 2fr; gap: 24px; }
/* journeys */
.tiles { display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0; }
.tile { border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px; min-width: 130px; }
.tile .k { margin-bottom: 2px; }
.steps { display: flex; flex-wrap: wrap; gap: 4px; align-items: center; }
.step { display: inline-block; border-radius: 6px; border: 1px solid; padding: 2px 8px; font-size: 12px;
  line-height: 1.3; }
.step small { display: block; font-size: 10.5px; opacity: 0.85; }
.arrow { color: #9aa1ab; }
.step.more { border-style: dashed; border-color: #9aa1ab; color: var(--muted); }
details summary { cursor: pointer; color: var(--accent); margin: 10px 0 4px; }
footer { color: var(--muted); font-size: 12px; text-align: center; margin-top: 20px; }
@page { size: A4 landscape; margin: 10mm; }
@media print {
  body { background: #fff; font-size: 11px; }
  main { max-width: none; padding: 0; }
  nav.contents { display: none; }
  .section { border: none; padding: 0; margin: 0 0 14px; break-inside: auto; }
  .scroll { overflow: visible; }
  table.journey-map th.lane, table.heatmap th.row { position: static; }
  /* the map's screen width (a column per stage at a readable width) shrinks to the paper's */
  table.journey-map { width: 100% !important; min-width: 0 !important; font-size: 10px; }
  table.journey-map col:first-child { width: 90px !important; }
  table.journey-map th.lane { width: 90px; font-size: 9px; }
  .bars { grid-template-columns: minmax(0, 1fr) 28px 24px; }
  .k { font-size: 9px; }
  h2 { break-after: avoid; }
  tr, blockquote, .chip, .step { break-inside: avoid; }
  ol.opportunity-list { grid-template-columns: 1fr 1fr; }
}
"""


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))  # type: ignore[return-value]


def sentiment_rgb(sentiment: float | None) -> tuple[int, int, int]:
    """Red (-1) .. grey (0) .. green (+1); grey when there is no sentiment."""
    if sentiment is None:
        return NEUTRAL_RGB
    s = max(-1.0, min(1.0, sentiment))
    return _mix(NEUTRAL_RGB, NEGATIVE_RGB, -s) if s < 0 else _mix(NEUTRAL_RGB, POSITIVE_RGB, s)


def rgb(colour: tuple[int, int, int], alpha: float = 1.0) -> str:
    r, g, b = colour
    return f"rgb({r},{g},{b})" if alpha >= 1 else f"rgba({r},{g},{b},{alpha:.2f})"


def sentiment_class(sentiment: float | None) -> str:
    """The chip class of a sentiment: s0 (-1) .. s4 (0) .. s8 (+1)."""
    s = 0.0 if sentiment is None else max(-1.0, min(1.0, sentiment))
    return f"s{round((s + 1) / 2 * (SENTIMENT_BUCKETS - 1))}"


def _bucket_css() -> str:
    """A pale fill and a solid edge in the colour of each sentiment bucket."""
    rules = []
    for i in range(SENTIMENT_BUCKETS):
        colour = sentiment_rgb(-1 + 2 * i / (SENTIMENT_BUCKETS - 1))
        rules.append(f".s{i} {{ background: {rgb(colour, 0.13)}; border-color: {rgb(colour)}; }}")
    return "\n".join(rules)


def ink_on(colour: tuple[int, int, int], alpha: float) -> str:
    """Dark or white text, whichever reads better on this colour laid over white paper."""
    blended = [c * alpha + 255 * (1 - alpha) for c in colour]
    luminance = (0.2126 * blended[0] + 0.7152 * blended[1] + 0.0722 * blended[2]) / 255
    return "#fff" if luminance < 0.55 else "#1f2937"


def _rgb_args(colour: tuple[int, int, int]) -> str:
    return ",".join(str(c) for c in colour)


def stylesheet() -> str:
    """The page's whole stylesheet: the rules, then a class per sentiment bucket."""
    css = (CSS.replace("__FONT__", FONT).replace("__NEG__", _rgb_args(NEGATIVE_RGB))
           .replace("__MID__", _rgb_args(NEUTRAL_RGB)).replace("__POS__", _rgb_args(POSITIVE_RGB)))
    return f"{css}\n{_bucket_css()}"
