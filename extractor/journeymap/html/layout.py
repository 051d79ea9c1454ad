"""The journey map as one self-contained HTML page: inline CSS (`stylesheet`), inline SVG charts (`charts`), no
script, no font, no image and no address outside the file, so it opens offline from a disk, a mail attachment or a
ticket.

Everything comes from the JourneyMap (already capped in quotes and journeys, already named in the report's
language); nothing here loops over records, so the page stays small for any number of them. Every text that
reaches the page goes through `esc`: quotes are customers' words and may hold markup."""

from __future__ import annotations

import math
from typing import Iterable, Sequence

from ..i18n import LabelNames, fmt_int, fmt_num, fmt_pct, fmt_records, fmt_sentiment, learned_note, ui, word
from ..model import (
    Count,
    CustomerJourney,
    JourneyMap,
    JourneyStep,
    JourneySummary,
    Opportunity,
    PainPointSummary,
    Quote,
    StageColumn,
)
from .charts import emotion_curve_svg, pareto_svg, sparkline_svg
from .markup import definitions, esc, th, with_code
from .stylesheet import INK_RGB, NEGATIVE_RGB, ink_on, rgb, sentiment_class, sentiment_rgb, stylesheet

MAP_TOUCHPOINTS = 6  # chips per stage column before "+N more"
MAP_EMOTIONS = 5
MAP_PAIN_POINTS = 5
MAP_GOALS = 3
MAP_QUOTES = 3
# A map may list thousands of journeys (`journey map --journeys`) of hundreds of steps: the page shows a bounded
# part of them so it stays a few megabytes at most; the JSON report keeps them all.
JOURNEYS_SHOWN = 200
STEPS_HEAD, STEPS_TAIL = 3, 8  # steps shown of a long journey: its start and its end, the middle elided


def shown_steps(steps: Sequence[JourneyStep]) -> tuple[list[JourneyStep], int, list[JourneyStep]]:
    """A long journey's first and last steps, and how many are elided between them."""
    if len(steps) <= STEPS_HEAD + STEPS_TAIL + 1:
        return list(steps), 0, []
    return list(steps[:STEPS_HEAD]), len(steps) - STEPS_HEAD - STEPS_TAIL, list(steps[-STEPS_TAIL:])



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
            f"<style>{stylesheet()}</style>",
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
        learned = learned_note(meta, lang)
        if learned:
            lines.append(learned)
        note = with_code(t["confidence_note"])
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
                           f'style="background:{rgb(colour, alpha)};color:{ink_on(colour, alpha)}">'
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
        head = "".join(th(t[key], numeric) for key, numeric in (
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


def _arrow(direction: str) -> str:
    return {"rising": "↗", "falling": "↘", "flat": "→"}.get(direction, "")


def render_html(m: JourneyMap) -> str:
    """The journey map as one self-contained HTML page (opens offline; nothing is loaded from anywhere)."""
    return HtmlReport(m).page()
