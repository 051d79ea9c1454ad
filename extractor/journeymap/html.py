"""The journey map as one self-contained HTML page: inline CSS, inline SVG charts drawn here, no script, no font,
no image and no address outside the file, so it opens offline from a disk, a mail attachment or a ticket.

Everything comes from the JourneyMap (already capped in quotes and journeys, already named in the report's
language); nothing here loops over records, so the page stays small for any number of them. Every text that
reaches the page goes through `esc`: quotes are customers' words and may hold markup."""

from __future__ import annotations

import math
from html import escape
from typing import Iterable, Sequence

from .i18n import (
    LabelNames,
    fmt_int,
    fmt_num,
    fmt_pct,
    fmt_records,
    fmt_sentiment,
    ui,
    word,
)
from .model import (
    Count,
    CustomerJourney,
    JourneyMap,
    JourneyStep,
    JourneySummary,
    Opportunity,
    PainPointSummary,
    PeriodCount,
    Quote,
    StageColumn,
)

# Sentiment colours: red for negative, a neutral grey, green for positive (colour-blind users still get the
# number printed beside every colour).
NEGATIVE_RGB = (196, 62, 48)
NEUTRAL_RGB = (148, 152, 160)
POSITIVE_RGB = (38, 140, 88)
INK_RGB = (52, 64, 84)

MAP_TOUCHPOINTS = 6  # chips per stage column before "+N more"
MAP_EMOTIONS = 5
MAP_PAIN_POINTS = 5
MAP_GOALS = 3
MAP_QUOTES = 3
LABEL_CHARS = 26  # x-axis labels of the Pareto chart are cut here (the full name is in the tooltip)
# A map may list thousands of journeys (`journey map --journeys`) of hundreds of steps: the page shows a bounded
# part of them so it stays a few megabytes at most; the JSON report keeps them all.
JOURNEYS_SHOWN = 200
STEPS_HEAD, STEPS_TAIL = 3, 8  # steps shown of a long journey: its start and its end, the middle elided
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


def esc(text: object) -> str:
    return escape(str(text), quote=True)


# -- colours ---------------------------------------------------------------------------------------------------

def definitions(pairs: Iterable[tuple[object, object]]) -> str:
    """The <dt>/<dd> pairs of a definition list, escaped."""
    return "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in pairs)


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


def shown_steps(steps: Sequence[JourneyStep]) -> tuple[list[JourneyStep], int, list[JourneyStep]]:
    """A long journey's first and last steps, and how many are elided between them."""
    if len(steps) <= STEPS_HEAD + STEPS_TAIL + 1:
        return list(steps), 0, []
    return list(steps[:STEPS_HEAD]), len(steps) - STEPS_HEAD - STEPS_TAIL, list(steps[-STEPS_TAIL:])


def _ink_on(colour: tuple[int, int, int], alpha: float) -> str:
    """Dark or white text, whichever reads better on this colour laid over white paper."""
    blended = [c * alpha + 255 * (1 - alpha) for c in colour]
    luminance = (0.2126 * blended[0] + 0.7152 * blended[1] + 0.0722 * blended[2]) / 255
    return "#fff" if luminance < 0.55 else "#1f2937"


# -- the page --------------------------------------------------------------------------------------------------

class HtmlReport:
    """The sections of one map's page; each method returns one section's HTML."""

    def __init__(self, m: JourneyMap):
        self.m = m
        self.lang = m.meta.lang
        self.t = ui(self.lang)
        self.names = LabelNames.of(m)

    def page(self) -> str:
        sections = [self.map(), self.emotion_curve(), self.pareto(), self.heatmap(), self.pain_points(),
                    self.opportunities(), self.moments_of_truth()]
        if self.m.journeys is not None:
            sections.append(self.journeys(self.m.journeys))
        css = (CSS.replace("__FONT__", FONT).replace("__NEG__", _rgb_args(NEGATIVE_RGB))
               .replace("__MID__", _rgb_args(NEUTRAL_RGB)).replace("__POS__", _rgb_args(POSITIVE_RGB)))
        return "\n".join([
            "<!DOCTYPE html>",
            f'<html lang="{esc(self.lang)}">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            # The page may load nothing from anywhere: a browser then refuses even what a quote might smuggle in.
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; img-src data:\">",
            f"<title>{esc(self.m.meta.title)}</title>",
            f"<style>{css}\n{_bucket_css()}</style>",
            "</head>",
            "<body>",
            "<main>",
            self.meta(),
            *sections,
            f'<footer>journey-extractor · {esc(self.m.format)}</footer>',
            "</main>",
            "</body>",
            "</html>",
        ])

    def _section(self, section_id: str, title_key: str, note_key: str | None, body: str) -> str:
        note = f'<p class="note">{esc(self.t[note_key])}</p>' if note_key else ""
        return (f'<section id="{section_id}" class="section">\n<h2>{esc(self.t[title_key])}</h2>\n{note}\n'
                f"{body}\n</section>")

    # -- header: title, metadata, confidence -------------------------------------------------------------------

    def meta(self) -> str:
        meta, t, lang = self.m.meta, self.t, self.lang
        contents = "".join(f'<a href="#{sid}">{esc(t[key])}</a>' for sid, key in self._contents())
        rows = [
            (t["meta_records"], f"{fmt_int(meta.records, lang)} · "
             + t["meta_records_detail"].format(read=fmt_int(meta.records_read, lang),
                                              out=fmt_int(meta.filtered_out, lang))),
            (t["meta_inputs"], ", ".join(meta.inputs) or t["none"]),
            (t["meta_extractors"], self._counts_text(meta.extractors)),
            (t["meta_models"], self._counts_text(meta.models)),
            (t["meta_prompts"], self._counts_text(meta.prompt_ids)),
            (t["meta_taxonomies"], self._counts_text(meta.taxonomy_ids)),
            (t["meta_languages"], self._counts_text(meta.languages)),
            (t["meta_sources"], self._counts_text(meta.sources)),
            (t["meta_dates"], self._date_range()),
            (t["meta_filters"], self._filters_text()),
        ]
        if meta.segments:
            rows.insert(8, (t["meta_segments"], self._counts_text(meta.segments)))
        grid = definitions(rows)
        return (f'<header id="meta" class="section">\n<h1>{esc(meta.title)}</h1>\n'
                f'<p class="muted">{esc(t["generated"])}: {esc(meta.generated_at)} · '
                f"{esc(fmt_records(meta.records, lang))}</p>\n"
                f'<nav class="contents" aria-label="{esc(t["contents"])}">{contents}</nav>\n'
                f'<dl class="meta-grid">{grid}</dl>\n{self._confidence()}\n</header>')

    def _contents(self) -> list[tuple[str, str]]:
        items = [("map", "sec_map"), ("emotion-curve", "sec_emotion_curve"), ("pareto", "sec_pareto"),
                 ("heatmap", "sec_heatmap"), ("pain-points", "sec_pain_points"),
                 ("opportunities", "sec_opportunities"), ("moments-of-truth", "sec_moments_of_truth")]
        if self.m.journeys is not None:
            items.append(("journeys", "sec_journeys"))
        return items

    def _counts_text(self, counts: dict[str, int]) -> str:
        return ", ".join(f"{k} ({fmt_int(v, self.lang)})" for k, v in counts.items()) or self.t["none"]

    def _date_range(self) -> str:
        meta = self.m.meta
        if not meta.first_date:
            return self.t["no_data"]
        span = meta.first_date if meta.first_date == meta.last_date else f"{meta.first_date} – {meta.last_date}"
        return f"{span} · {self.t['meta_dated'].format(n=fmt_int(meta.dated, self.lang))}"

    def _filters_text(self) -> str:
        f, t = self.m.meta.filters, self.t
        parts = [f"{t[key]}: {', '.join(values)}" for key, values in
                 (("filter_sources", f.sources), ("filter_langs", f.langs), ("filter_segments", f.segments))
                 if values]
        parts += [f"{t[key]}: {value}" for key, value in (("filter_since", f.since), ("filter_until", f.until))
                  if value]
        return "; ".join(parts) or t["none"]

    def _confidence(self) -> str:
        meta, t, lang = self.m.meta, self.t, self.lang
        lines = []
        if meta.mean_confidence is not None:
            lines.append(t["confidence_mean"].format(mean=fmt_num(meta.mean_confidence, lang)))
        if meta.records:
            lines.append(t["confidence_low"].format(n=fmt_int(meta.low_confidence, lang),
                                                    share=fmt_pct(meta.low_confidence / meta.records, lang)))
        if meta.llm_outcomes:
            outcomes = ", ".join(f"{word(lang, 'outcome_' + k, k)} {fmt_int(v, lang)}"
                                 for k, v in meta.llm_outcomes.items())
            lines.append(t["confidence_llm"].format(outcomes=outcomes))
        note = _with_code(t["confidence_note"])
        return (f'<div class="confidence" id="confidence"><h3>{esc(t["confidence_title"])}</h3>'
                f"<p>{esc(' '.join(lines))}</p><p>{note}</p></div>")

    # -- the map: stages as columns, swimlanes as rows ---------------------------------------------------------

    def map(self) -> str:
        stages = self.m.stages
        if not stages:
            return self._section("map", "sec_map", None, f'<p class="empty">{esc(self.t["no_data"])}</p>')
        lanes = [
            ("goals", "lane_goals", self._goals_cell),
            ("touchpoints", "lane_touchpoints", self._touchpoints_cell),
            ("emotions", "lane_emotions", self._emotions_cell),
            ("pain-points", "lane_pain_points", self._pain_points_cell),
            ("moments", "lane_moments", self._moments_cell),
            ("opportunities", "lane_opportunities", self._opportunities_cell),
            ("quotes", "lane_quotes", self._quotes_cell),
        ]
        head = "".join(self._stage_head(s) for s in stages)
        rows = []
        for lane_id, title_key, cell in lanes:
            cells = "".join(f"<td>{cell(s) if s.count else self._empty()}</td>" for s in stages)
            rows.append(f'<tr class="lane-{lane_id}"><th class="lane" scope="row">{esc(self.t[title_key])}</th>'
                        f"{cells}</tr>")
        width = 150 + 230 * len(stages)  # columns keep a readable width; the wrapper scrolls beyond the screen
        empty = "" if self.m.meta.records else f'<p class="empty">{esc(self.t["no_records"])}</p>'
        table = (f'<div class="scroll"><table class="journey-map" style="width:{width}px;min-width:100%">'
                 f'<colgroup><col style="width:150px">{"<col>" * len(stages)}</colgroup>'
                 f'<thead><tr><th class="lane" scope="col">{esc(self.t["lane_stages"])}</th>{head}</tr></thead>'
                 f"<tbody>{''.join(rows)}</tbody></table></div>")
        return self._section("map", "sec_map", "note_map", empty + table)

    def _empty(self) -> str:
        return '<span class="empty">–</span>'

    def _stage_head(self, s: StageColumn) -> str:
        lang = self.lang
        if s.count:
            dot = f'<span class="dot" style="background:{rgb(sentiment_rgb(s.mean_sentiment))}"></span>'
            stats = (f"{esc(fmt_records(s.count, lang))} · {esc(fmt_pct(s.share, lang))} · "
                     f'<span class="nowrap">{esc(fmt_sentiment(s.mean_sentiment, lang))}{dot}</span>')
        else:
            stats = esc(self.t["no_stage_records"])
        return (f'<th class="stage" scope="col" data-stage="{esc(s.id)}"><div class="stage-head">'
                f'<div class="stage-name">{esc(s.name)}</div><div class="stage-stats">{stats}</div></div></th>')

    def _goals_cell(self, s: StageColumn) -> str:
        parts = []
        if s.goal:
            parts.append(f'<p class="goal"><span class="k">{esc(self.t["stage_goal"])}</span>{esc(s.goal)}</p>')
        if s.customer_goals:
            items = "".join(f'<li>{esc(g.name)} <span class="n">{fmt_int(g.count, self.lang)}</span></li>'
                            for g in s.customer_goals[:MAP_GOALS])
            parts.append(f'<span class="k">{esc(self.t["stated_goals"])}</span><ul class="plain">{items}</ul>')
        return "".join(parts) or self._empty()

    def _touchpoints_cell(self, s: StageColumn) -> str:
        chips = "".join(self._chip(c) for c in s.touchpoints[:MAP_TOUCHPOINTS])
        rest = len(s.touchpoints) - MAP_TOUCHPOINTS
        more = f'<span class="n">{esc(self.t["more"].format(n=rest))}</span>' if rest > 0 else ""
        return f'<div class="chips">{chips}{more}</div>' if chips else self._empty()

    def _chip(self, c: Count) -> str:
        title = f"{c.name}: {fmt_records(c.count, self.lang)}, {fmt_sentiment(c.mean_sentiment, self.lang)}"
        return (f'<span class="chip {sentiment_class(c.mean_sentiment)}" title="{esc(title)}">{esc(c.name)} '
                f'<span class="n">{fmt_int(c.count, self.lang)}</span></span>')

    def _emotions_cell(self, s: StageColumn) -> str:
        if not s.emotions:
            return self._empty()
        dominant = s.emotions[0]
        head = (f'<span class="k">{esc(self.t["dominant"])}</span>'
                f'<div class="big" style="color:{rgb(sentiment_rgb(dominant.mean_sentiment))}">'
                f"{esc(dominant.name)}</div>")
        return head + self._bars(s.emotions[:MAP_EMOTIONS])

    def _pain_points_cell(self, s: StageColumn) -> str:
        return self._bars(s.pain_points[:MAP_PAIN_POINTS]) if s.pain_points else self._empty()

    def _bars(self, counts: Sequence[Count]) -> str:
        """A mini distribution: name, a bar as long as the share, the count; coloured by mean sentiment."""
        rows = []
        for c in counts:
            width = max(2.0, min(100.0, c.share * 100))
            rows.append(f'<span title="{esc(fmt_sentiment(c.mean_sentiment, self.lang))}">{esc(c.name)}</span>'
                        f'<span class="bar"><span style="width:{width:.0f}%;'
                        f'background:{rgb(sentiment_rgb(c.mean_sentiment))}"></span></span>'
                        f'<span class="num n">{fmt_int(c.count, self.lang)}</span>')
        return f'<div class="bars">{"".join(rows)}</div>'

    def _moments_cell(self, s: StageColumn) -> str:
        if not s.moments_of_truth:
            return self._empty()
        quotes = [q for q in self.m.moments_of_truth.quotes if q.stage == s.id][:1]
        return f'<div class="big">{fmt_int(s.moments_of_truth, self.lang)}</div>{self._quotes(quotes)}'

    def _opportunities_cell(self, s: StageColumn) -> str:
        here = [o for o in self.m.opportunities if o.stage == s.id]
        if not here:
            return self._empty()
        items = "".join(f'<li value="{o.rank}"><span>{esc(o.name)}</span><span class="pill" '
                        f'title="{esc(self.t["col_score"])}">{esc(fmt_num(o.score, self.lang, 1))}</span></li>'
                        for o in here)
        return f'<ol class="opps">{items}</ol>'

    def _quotes_cell(self, s: StageColumn) -> str:
        return self._quotes(s.quotes[:MAP_QUOTES]) or self._empty()

    def _quotes(self, quotes: Iterable[Quote]) -> str:
        return "".join(self._quote(q) for q in quotes)

    def _quote(self, q: Quote) -> str:
        origin = " · ".join(v for v in (q.source, q.lang, q.item_id) if v)
        return (f'<blockquote style="border-color:{rgb(sentiment_rgb(q.sentiment))}">“{esc(q.text)}”'
                f'<span class="src">{esc(origin)} · {esc(fmt_sentiment(q.sentiment, self.lang))}</span>'
                f"</blockquote>")

    # -- charts --------------------------------------------------------------------------------------------------

    def emotion_curve(self) -> str:
        points = self.m.emotion_curve
        if not any(p.mean_sentiment is not None for p in points):
            return self._section("emotion-curve", "sec_emotion_curve", "note_emotion_curve",
                                 f'<p class="empty">{esc(self.t["no_data"])}</p>')
        return self._section("emotion-curve", "sec_emotion_curve", "note_emotion_curve",
                             f'<div class="scroll">{emotion_curve_svg(self.m, self.lang)}</div>')

    def pareto(self) -> str:
        if not self.m.pain_points:
            return self._section("pareto", "sec_pareto", "note_pareto",
                                 f'<p class="empty">{esc(self.t["no_pain_points"])}</p>')
        return self._section("pareto", "sec_pareto", "note_pareto",
                             f'<div class="scroll">{pareto_svg(self.m.pain_points, self.lang)}</div>')

    # -- the stage x touchpoint heatmap ----------------------------------------------------------------------------

    def heatmap(self) -> str:
        m = self.m
        if not m.matrix:
            return self._section("heatmap", "sec_heatmap", "note_heatmap",
                                 f'<p class="empty">{esc(self.t["no_matrix"])}</p>')
        cells = {(c.stage, c.touchpoint): c for c in m.matrix}
        touchpoints = list(m.touchpoint_order) + sorted({c.touchpoint for c in m.matrix} - set(m.touchpoint_order))
        stages = [s.id for s in m.stages] + sorted({c.stage for c in m.matrix} - {s.id for s in m.stages})
        biggest = max(c.count for c in m.matrix) or 1
        head = "".join(f'<th scope="col" title="{esc(self.names.touchpoint(tp))}">'
                       f"<span>{esc(self.names.touchpoint(tp))}</span></th>" for tp in touchpoints)
        rows = []
        for stage in stages:
            tds = []
            for tp in touchpoints:
                cell = cells.get((stage, tp))
                if cell is None or not cell.count:
                    tds.append('<td class="cell empty"></td>')
                    continue
                alpha = 0.14 + 0.8 * math.sqrt(cell.count / biggest)  # sqrt: small cells stay visible
                colour = sentiment_rgb(cell.mean_sentiment)
                title = (f"{self.names.stage(stage)} × {self.names.touchpoint(tp)}: "
                         f"{fmt_records(cell.count, self.lang)}, {fmt_sentiment(cell.mean_sentiment, self.lang)}")
                tds.append(f'<td class="cell" data-count="{cell.count}" title="{esc(title)}" '
                           f'style="background:{rgb(colour, alpha)};color:{_ink_on(colour, alpha)}">'
                           f"{fmt_int(cell.count, self.lang)}</td>")
            rows.append(f'<tr><th class="row" scope="row">{esc(self.names.stage(stage))}</th>{"".join(tds)}</tr>')
        table = (f'<div class="scroll"><table class="heatmap"><thead><tr><th class="row"></th>{head}</tr></thead>'
                 f"<tbody>{''.join(rows)}</tbody></table></div>")
        legend = (f'<div class="legend"><span>{esc(self.t["col_sentiment"])}:</span><span>-1</span>'
                  f'<span class="ramp"></span><span>+1</span></div>')
        return self._section("heatmap", "sec_heatmap", "note_heatmap", table + legend)

    # -- pain points ---------------------------------------------------------------------------------------------

    def pain_points(self) -> str:
        if not self.m.pain_points:
            return self._section("pain-points", "sec_pain_points", None,
                                 f'<p class="empty">{esc(self.t["no_pain_points"])}</p>')
        t = self.t
        head = "".join(_th(t[key], numeric) for key, numeric in (
            ("col_rank", True), ("col_pain_point", False), ("col_count", True), ("col_share", True),
            ("col_cumulative", True), ("col_negativity", True), ("col_sentiment", True), ("col_trend", False),
            ("col_where", False), ("col_quotes", False)))
        rows = "".join(self._pain_point_row(n, p) for n, p in enumerate(self.m.pain_points, 1))
        return self._section("pain-points", "sec_pain_points", "note_pain_points",
                             f'<div class="scroll"><table class="data pain-points"><thead><tr>{head}</tr></thead>'
                             f"<tbody>{rows}</tbody></table></div>")

    def _pain_point_row(self, rank: int, p: PainPointSummary) -> str:
        lang = self.lang
        where = ", ".join(self.names.stage(s) for s in list(p.stages)[:2])
        via = ", ".join(self.names.touchpoint(tp) for tp in list(p.touchpoints)[:3])
        trend = sparkline_svg(p.trend) if len(p.trend) >= 2 else ""
        direction = esc(word(lang, f"trend_{p.trend_direction}", p.trend_direction))
        return (f'<tr data-pain-point="{esc(p.id)}"><td class="num">{rank}</td><td><strong>{esc(p.name)}</strong></td>'
                f'<td class="num">{fmt_int(p.count, lang)}</td><td class="num">{fmt_pct(p.share, lang, 1)}</td>'
                f'<td class="num">{fmt_pct(p.cumulative_share, lang)}</td>'
                f'<td class="num">{fmt_num(p.negativity, lang)}</td>'
                f'<td class="num" style="color:{rgb(sentiment_rgb(p.mean_sentiment))}">'
                f"{fmt_sentiment(p.mean_sentiment, lang)}</td>"
                f'<td style="white-space:nowrap">{trend}<span class="n trend">{_arrow(p.trend_direction)} '
                f"{direction}</span></td>"
                f'<td class="where">{esc(where)}<br><span class="n">{esc(via)}</span></td>'
                f'<td class="quotes">{self._quotes(p.quotes) or self._empty()}</td></tr>')

    # -- opportunities and moments of truth ------------------------------------------------------------------

    def opportunities(self) -> str:
        if not self.m.opportunities:
            return self._section("opportunities", "sec_opportunities", None,
                                 f'<p class="empty">{esc(self.t["no_opportunities"])}</p>')
        best = max(o.score for o in self.m.opportunities) or 1.0
        cards = "".join(self._opportunity_card(o, best) for o in self.m.opportunities)
        return self._section("opportunities", "sec_opportunities", "note_opportunities",
                             f'<ol class="opportunity-list">{cards}</ol>')

    def _opportunity_card(self, o: Opportunity, best: float) -> str:
        t, lang = self.t, self.lang
        facts = [(t["col_count"], fmt_int(o.count, lang)), (t["col_negativity"], fmt_num(o.negativity, lang)),
                 (t["col_stage"], self.names.stage(o.stage)),
                 (t["col_touchpoint"], self.names.touchpoint(o.touchpoint) if o.touchpoint else "–")]
        facts_html = definitions(facts)
        return (f'<li class="opportunity" data-pain-point="{esc(o.pain_point)}" data-rank="{o.rank}">'
                f'<div class="opp-head"><span class="rank">{o.rank}</span><strong>{esc(o.name)}</strong>'
                f'<span class="score">{esc(t["col_score"])} <b>{fmt_num(o.score, lang, 1)}</b></span></div>'
                f'<div class="bar"><span style="width:{100 * o.score / best:.0f}%;background:{rgb(NEGATIVE_RGB)}">'
                f'</span></div><dl class="facts">{facts_html}</dl>{self._quotes(o.quotes)}</li>')

    def moments_of_truth(self) -> str:
        mot, t, lang = self.m.moments_of_truth, self.t, self.lang
        if not mot.count:
            return self._section("moments-of-truth", "sec_moments_of_truth", "note_moments",
                                 f'<p class="empty">{esc(t["no_moments"])}</p>')
        tiles = self._tiles([(t["all"], mot.count), (t["positive"], mot.positive),
                             (t["negative"], mot.negative)])
        by_stage = "".join(f"<tr><td>{esc(self.names.stage(s))}</td><td class=\"num\">{fmt_int(n, lang)}</td></tr>"
                           for s, n in mot.by_stage.items())
        table = (f'<table class="data" style="width:auto"><thead><tr><th>{esc(t["col_stage"])}</th>'
                 f'<th class="num">{esc(t["col_count"])}</th></tr></thead><tbody>{by_stage}</tbody></table>')
        return self._section("moments-of-truth", "sec_moments_of_truth", "note_moments",
                             f'<div class="split"><div>{tiles}<h3>{esc(t["by_stage"])}</h3>{table}</div>'
                             f'<div><h3>{esc(t["col_quotes"])}</h3>{self._quotes(mot.quotes)}</div></div>')

    def _tiles(self, tiles: list[tuple[str, int]]) -> str:
        return '<div class="tiles">' + "".join(
            f'<div class="tile"><span class="k">{esc(k)}</span><span class="big">{fmt_int(v, self.lang)}</span>'
            f"</div>" for k, v in tiles) + "</div>"

    # -- journeys of single customers --------------------------------------------------------------------------

    def journeys(self, j: JourneySummary) -> str:
        t, lang = self.t, self.lang
        tiles = self._tiles([(t["customers"], j.customers), (t["multi_step"], j.multi_step), (t["steps"], j.steps)])
        endings = "".join(f'<tr data-ending="{esc(k)}"><td>{esc(word(lang, "ending_" + k, k))}</td>'
                          f'<td class="num">{fmt_int(v, lang)}</td></tr>' for k, v in j.endings.items())
        endings_table = (f'<table class="data endings" style="width:auto"><thead><tr><th>{esc(t["col_ending"])}'
                         f'</th><th class="num">{esc(t["customers"])}</th></tr></thead><tbody>{endings}</tbody>'
                         f"</table>")
        flagged = self._journey_table(j.flagged[:JOURNEYS_SHOWN], "flagged") if j.flagged else \
            f'<p class="empty">{esc(t["no_flagged"])}</p>'
        listed = ""
        if j.journeys:
            shown = j.journeys[:JOURNEYS_SHOWN]
            note = f'<p class="note">{esc(t["truncated"].format(n=fmt_int(len(shown), lang)))}</p>' \
                if j.truncated or len(shown) < len(j.journeys) else ""
            listed = (f'<details><summary>{esc(t["all_journeys"])} ({fmt_int(j.multi_step, lang)})</summary>'
                      f"{note}{self._journey_table(shown, 'all-journeys')}</details>")
        body = (f"{tiles}<h3>{esc(t['transitions'])}</h3><p class=\"note\">{esc(t['note_transitions'])}</p>"
                f"{self._transitions(j)}<h3>{esc(t['endings'])}</h3>{endings_table}"
                f"<h3>{esc(t['flagged'])}</h3>{flagged}{listed}")
        return self._section("journeys", "sec_journeys", "note_journeys", body)

    def _transitions(self, j: JourneySummary) -> str:
        if not j.transitions:
            return f'<p class="empty">{esc(self.t["no_transitions"])}</p>'
        known = [s.id for s in self.m.stages]
        mentioned = {x for tr in j.transitions for x in (tr.source, tr.target)}
        stages = [s for s in known if s in mentioned] + sorted(mentioned - set(known))
        counts = {(tr.source, tr.target): tr.count for tr in j.transitions}
        biggest = max(counts.values())
        head = "".join(f'<th class="num">{esc(self.names.stage(s))}</th>' for s in stages)
        rows = []
        for source in stages:
            tds = []
            for target in stages:
                n = counts.get((source, target), 0)
                shade = f' style="background:{rgb(INK_RGB, 0.06 + 0.3 * n / biggest)}"' if n else ""
                tds.append(f'<td class="num"{shade}>{fmt_int(n, self.lang) if n else ""}</td>')
            rows.append(f'<tr><th scope="row">{esc(self.names.stage(source))}</th>{"".join(tds)}</tr>')
        return (f'<div class="scroll"><table class="data transitions" style="width:auto"><thead><tr>'
                f'<th>{esc(self.t["col_from_to"])}</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody>'
                f"</table></div>")

    def _journey_table(self, journeys: list[CustomerJourney], css_class: str) -> str:
        t, lang = self.t, self.lang
        rows = []
        for cj in journeys:
            head, elided, tail = shown_steps(cj.steps)
            chips = [self._step_chip(s) for s in head]
            if elided:
                chips.append(f'<span class="step more">{esc(self.t["more"].format(n=fmt_int(elided, lang)))}</span>')
            chips += [self._step_chip(s) for s in tail]
            steps = '<span class="arrow">→</span>'.join(chips)
            pains = ", ".join(self.names.pain_point(p) for p in cj.open_pain_points) or "–"
            rows.append(f'<tr class="journey" data-customer="{esc(cj.customer_id)}">'
                        f'<td style="white-space:nowrap">{esc(cj.customer_id)}</td>'
                        f'<td>{esc(word(lang, "ending_" + cj.ending, cj.ending))}</td>'
                        f'<td><div class="steps">{steps}</div></td><td style="max-width:260px">{esc(pains)}</td></tr>')
        return (f'<div class="scroll"><table class="data {css_class}"><thead><tr><th>{esc(t["col_customer"])}</th>'
                f'<th>{esc(t["col_ending"])}</th><th>{esc(t["col_steps"])}</th><th>{esc(t["col_open_pains"])}</th>'
                f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")

    def _step_chip(self, s: JourneyStep) -> str:
        names = self.names
        detail = [s.created_at or "", names.emotion(s.emotion), fmt_sentiment(s.sentiment, self.lang),
                  ", ".join(names.touchpoint(tp) for tp in s.touchpoints),
                  ", ".join(names.pain_point(p) for p in s.pain_points)]
        if s.moment_of_truth:
            detail.append(self.t["sec_moments_of_truth"])
        date = (s.created_at or "")[:10]
        mark = " ★" if s.moment_of_truth else ""
        return (f'<span class="step {sentiment_class(s.sentiment)}" title="{esc(" · ".join(d for d in detail if d))}">'
                f"{esc(names.stage(s.stage))}{mark}<small>{esc(names.emotion(s.emotion))}"
                f"{' · ' + esc(date) if date else ''}</small></span>")


# -- SVG charts ------------------------------------------------------------------------------------------------

def _rgb_args(colour: tuple[int, int, int]) -> str:
    return ",".join(str(c) for c in colour)


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


def pareto_svg(pains: list[PainPointSummary], lang: str) -> str:
    """Bars of records per pain point, most frequent first, with the cumulative share line on a 0-100% axis."""
    right, top, bottom = 56, 24, 120
    bar_step = max(46.0, 1180.0 / max(1, len(pains)))
    # The slanted name under the first bar reaches left of it: leave room so it is not cut at the edge.
    left = max(56.0, 0.82 * 6.8 * len(_cut(pains[0].name)) - bar_step / 2 + 8)
    width = left + right + bar_step * len(pains)
    height = 400
    plot_h = height - top - bottom
    ticks = nice_ticks(max(p.count for p in pains))
    top_value = ticks[-1] or 1

    def y_count(n: float) -> float:
        return top + plot_h * (1 - n / top_value)

    def y_share(share: float) -> float:
        return top + plot_h * (1 - share)

    parts = [_svg_open(width, height, ui(lang)["sec_pareto"], "pareto-chart")]
    for tick in ticks:
        y = y_count(tick)
        parts.append(f'<line class="grid" x1="{_f(left)}" x2="{_f(width - right)}" y1="{_f(y)}" y2="{_f(y)}"/>')
        parts.append(f'<text x="{_f(left - 8)}" y="{_f(y + 4)}" text-anchor="end">{esc(fmt_int(tick, lang))}</text>')
    for share in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f'<text x="{_f(width - right + 8)}" y="{_f(y_share(share) + 4)}">'
                     f"{esc(fmt_pct(share, lang))}</text>")
    parts.append(f'<line class="axis" x1="{_f(left)}" x2="{_f(left)}" y1="{top}" y2="{_f(top + plot_h)}"/>')
    parts.append(f'<line class="axis" x1="{_f(width - right)}" x2="{_f(width - right)}" y1="{top}" '
                 f'y2="{_f(top + plot_h)}"/>')
    parts.append(f'<line class="axis" x1="{_f(left)}" x2="{_f(width - right)}" y1="{_f(top + plot_h)}" '
                 f'y2="{_f(top + plot_h)}"/>')
    y80 = y_share(0.8)
    parts.append(f'<line x1="{_f(left)}" x2="{_f(width - right)}" y1="{_f(y80)}" y2="{_f(y80)}" stroke="#b45309" '
                 f'stroke-dasharray="5 4" stroke-width="1"/>')
    line = []
    for i, p in enumerate(pains):
        x = left + bar_step * i
        bar_w = bar_step * 0.64
        cx = x + bar_step / 2
        y = y_count(p.count)
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
        line.append((cx, y_share(p.cumulative_share), p))
    parts.append(f'<polyline class="pareto-line" points="{" ".join(f"{_f(x)},{_f(y)}" for x, y, _ in line)}" '
                 f'fill="none" stroke="#1e3a5f" stroke-width="2"/>')
    for x, y, p in line:
        parts.append(f'<circle class="pareto-point" cx="{_f(x)}" cy="{_f(y)}" r="3.5" fill="#1e3a5f">'
                     f"<title>{esc(fmt_pct(p.cumulative_share, lang))}</title></circle>")
    parts.append("</svg>")
    return "".join(parts)


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


def _th(label: str, numeric: bool) -> str:
    return f'<th class="num">{esc(label)}</th>' if numeric else f"<th>{esc(label)}</th>"


def _cut(name: str) -> str:
    return name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1].rstrip() + "…"


def _arrow(direction: str) -> str:
    return {"rising": "↗", "falling": "↘", "flat": "→"}.get(direction, "")


def _with_code(text: str) -> str:
    """Escape a UI sentence and set its `backticked` commands in code."""
    pieces = esc(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(pieces))


def render_html(m: JourneyMap) -> str:
    """The journey map as one self-contained HTML page (opens offline; nothing is loaded from anywhere)."""
    return HtmlReport(m).page()
