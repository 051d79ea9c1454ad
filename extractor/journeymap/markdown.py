"""The journey map as Markdown for a wiki page or a ticket: the same sections as the HTML page, each as a table
(GitHub-flavoured), charts as text sparklines and bars.

Customer quotes and label names are escaped so that no `|` breaks a table and no markup in a quote renders;
`<br>` is the only HTML this writes, to stack several values in one table cell."""

from __future__ import annotations

from typing import Iterable, Sequence

from .html.layout import JOURNEYS_SHOWN, shown_steps
from .i18n import LabelNames, fmt_int, fmt_num, fmt_pct, fmt_records, fmt_sentiment, learned_note, ui, word
from .model import (
    Count,
    CustomerJourney,
    JourneyMap,
    JourneyStep,
    JourneySummary,
    PeriodCount,
    Quote,
    StageColumn,
)

SPARKS = "▁▂▃▄▅▆▇█"
BAR_WIDTH = 20  # characters of the longest Pareto bar
MAP_TOUCHPOINTS = 6
MAP_EMOTIONS = 4
MAP_PAIN_POINTS = 5
MAP_GOALS = 3
MAP_QUOTES = 2

_ESCAPES = {"\\": "\\\\", "|": "\\|", "*": "\\*", "_": "\\_", "`": "\\`", "[": "\\[", "]": "\\]",
            "<": "&lt;", ">": "&gt;", "&": "&amp;", "#": "\\#", "\n": " ", "\r": " "}


def md(text: object) -> str:
    """Text safe inside a Markdown table cell: no `|` ends the cell, no markup or HTML renders."""
    return "".join(_ESCAPES.get(ch, ch) for ch in str(text))


def table(header: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[bool] | None = None) -> str:
    """A GitHub-flavoured table; cells must already be escaped. Numeric columns align right."""
    align = ["---:" if numeric and numeric[i] else "---" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(cell or " " for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def spark(values: Sequence[float | None], low: float, high: float) -> str:
    """A text sparkline; a missing value is a middle dot."""
    span = (high - low) or 1.0
    return "".join("·" if v is None else SPARKS[round((min(max(v, low), high) - low) / span * (len(SPARKS) - 1))]
                   for v in values)


class MarkdownReport:
    """The sections of one map as Markdown; each method returns one section."""

    def __init__(self, m: JourneyMap):
        self.m = m
        self.lang = m.meta.lang
        self.t = ui(self.lang)
        self.names = LabelNames.of(m)

    def document(self) -> str:
        sections = [self.meta(), self.map(), self.emotion_curve(), self.pareto(), self.heatmap(),
                    self.pain_points(), self.opportunities(), self.moments_of_truth()]
        if self.m.journeys is not None:
            sections.append(self.journeys(self.m.journeys))
        return "\n\n".join(sections) + "\n"

    def _h2(self, key: str) -> str:
        return f"## {self.t[key]}"

    def _empty(self, key: str) -> str:
        return f"_{self.t[key]}_"

    def _quotes(self, quotes: Iterable[Quote]) -> str:
        return "<br>".join(f"“{md(q.text)}” ({md(' · '.join(v for v in (q.source, q.lang, q.item_id) if v))}, "
                           f"{fmt_sentiment(q.sentiment, self.lang)})" for q in quotes)

    # -- header --------------------------------------------------------------------------------------------------

    def meta(self) -> str:
        meta, t, lang = self.m.meta, self.t, self.lang

        def counts(values: dict[str, int]) -> str:
            return md(", ".join(f"{k} ({fmt_int(v, lang)})" for k, v in values.items()) or t["none"])

        f = meta.filters
        filters = [f"{t[key]}: {', '.join(values)}" for key, values in
                   (("filter_sources", f.sources), ("filter_langs", f.langs), ("filter_segments", f.segments))
                   if values]
        filters += [f"{t[key]}: {value}" for key, value in (("filter_since", f.since), ("filter_until", f.until))
                    if value]
        dates = t["no_data"]
        if meta.first_date:
            dates = (f"{meta.first_date} – {meta.last_date} · "
                     f"{t['meta_dated'].format(n=fmt_int(meta.dated, lang))}")
        rows = [
            (t["meta_records"], f"{fmt_int(meta.records, lang)} · " + t["meta_records_detail"].format(
                read=fmt_int(meta.records_read, lang), out=fmt_int(meta.filtered_out, lang))),
            (t["meta_inputs"], md(", ".join(meta.inputs) or t["none"])),
            (t["meta_extractors"], counts(meta.extractors)),
            (t["meta_models"], counts(meta.models)),
            (t["meta_prompts"], counts(meta.prompt_ids)),
            (t["meta_taxonomies"], counts(meta.taxonomy_ids)),
            (t["meta_languages"], counts(meta.languages)),
            (t["meta_sources"], counts(meta.sources)),
            (t["meta_segments"], counts(meta.segments)),
            (t["meta_dates"], md(dates)),
            (t["meta_filters"], md("; ".join(filters) or t["none"])),
        ]
        confidence = []
        if meta.mean_confidence is not None:
            confidence.append(t["confidence_mean"].format(mean=fmt_num(meta.mean_confidence, lang)))
        if meta.records:
            confidence.append(t["confidence_low"].format(n=fmt_int(meta.low_confidence, lang),
                                                         share=fmt_pct(meta.low_confidence / meta.records, lang)))
        if meta.llm_outcomes:
            confidence.append(t["confidence_llm"].format(outcomes=", ".join(
                f"{word(lang, 'outcome_' + k, k)} {fmt_int(v, lang)}" for k, v in meta.llm_outcomes.items())))
        learned = learned_note(meta, lang)
        if learned:
            confidence.append(learned)
        return "\n\n".join([
            f"# {md(meta.title)}",
            f"{t['generated']}: {md(meta.generated_at)} · {fmt_records(meta.records, lang)}",
            f"## {t['sec_meta']}",
            table(["", t["col_value"]], [(f"**{k}**", v) for k, v in rows]),
            f"### {t['confidence_title']}",
            md(" ".join(confidence)) + "\n\n" + t["confidence_note"],
        ])

    # -- the map -------------------------------------------------------------------------------------------------

    def map(self) -> str:
        stages = self.m.stages
        if not stages:
            return f"{self._h2('sec_map')}\n\n{self._empty('no_data')}"
        t = self.t
        lanes = [
            (t["col_count"], self._stage_stats),
            (t["lane_goals"], self._goals),
            (t["lane_touchpoints"], lambda s: self._counts(s.touchpoints, MAP_TOUCHPOINTS)),
            (t["lane_emotions"], self._emotions),
            (t["lane_pain_points"], lambda s: self._counts(s.pain_points, MAP_PAIN_POINTS)),
            (t["lane_moments"], lambda s: fmt_int(s.moments_of_truth, self.lang) if s.moments_of_truth else ""),
            (t["lane_opportunities"], self._opportunities_of),
            (t["lane_quotes"], lambda s: self._quotes(s.quotes[:MAP_QUOTES])),
        ]
        header = [t["lane_stages"]] + [f"**{md(s.name)}**" for s in stages]
        rows = [[f"**{lane}**"] + [(cell(s) if s.count else "–") for s in stages] for lane, cell in lanes]
        body = table(header, rows)
        if not self.m.meta.records:
            body = self._empty("no_records") + "\n\n" + body
        return f"{self._h2('sec_map')}\n\n{t['note_map']}\n\n{body}"

    def _stage_stats(self, s: StageColumn) -> str:
        return (f"{fmt_int(s.count, self.lang)} · {fmt_pct(s.share, self.lang)}<br>"
                f"{fmt_sentiment(s.mean_sentiment, self.lang)}")

    def _goals(self, s: StageColumn) -> str:
        parts = [f"_{md(s.goal)}_"] if s.goal else []
        parts += [f"{md(g.name)} ({fmt_int(g.count, self.lang)})" for g in s.customer_goals[:MAP_GOALS]]
        return "<br>".join(parts)

    def _counts(self, counts: Sequence[Count], limit: int) -> str:
        parts = [f"{md(c.name)} ({fmt_int(c.count, self.lang)}, {fmt_sentiment(c.mean_sentiment, self.lang)})"
                 for c in counts[:limit]]
        if len(counts) > limit:
            parts.append(md(self.t["more"].format(n=len(counts) - limit)))
        return "<br>".join(parts)

    def _emotions(self, s: StageColumn) -> str:
        if not s.emotions:
            return ""
        rest = [f"{md(e.name)} {fmt_pct(e.share, self.lang)}" for e in s.emotions[1:MAP_EMOTIONS]]
        return "<br>".join([f"**{md(s.emotions[0].name)}** {fmt_pct(s.emotions[0].share, self.lang)}"] + rest)

    def _opportunities_of(self, s: StageColumn) -> str:
        return "<br>".join(f"{o.rank}. {md(o.name)} ({fmt_num(o.score, self.lang, 1)})"
                           for o in self.m.opportunities if o.stage == s.id)

    # -- charts as tables ----------------------------------------------------------------------------------------

    def emotion_curve(self) -> str:
        t, lang = self.t, self.lang
        points = self.m.emotion_curve
        line = spark([p.mean_sentiment for p in points], -1.0, 1.0)
        rows = [(md(p.name), fmt_sentiment(p.mean_sentiment, lang), md(p.dominant_emotion_name or "–"),
                 fmt_int(p.count, lang)) for p in points]
        body = table([t["col_stage"], t["col_sentiment"], t["dominant_emotion"], t["col_count"]], rows,
                     [False, True, False, True])
        return (f"{self._h2('sec_emotion_curve')}\n\n{t['note_emotion_curve']}\n\n"
                f"`{line}` ({' → '.join(md(p.name) for p in points)})\n\n{body}")

    def pareto(self) -> str:
        t, lang = self.t, self.lang
        pains = self.m.pain_points
        if not pains:
            return f"{self._h2('sec_pareto')}\n\n{self._empty('no_pain_points')}"
        peak = max(p.count for p in pains) or 1
        rows = [(str(n), md(p.name), fmt_int(p.count, lang),
                 "`" + "█" * max(1, round(BAR_WIDTH * p.count / peak)) + "`", fmt_pct(p.cumulative_share, lang))
                for n, p in enumerate(pains, 1)]
        body = table([t["col_rank"], t["col_pain_point"], t["col_count"], "", t["col_cumulative"]], rows,
                     [True, False, True, False, True])
        return f"{self._h2('sec_pareto')}\n\n{t['note_pareto']}\n\n{body}"

    def heatmap(self) -> str:
        t, lang, m = self.t, self.lang, self.m
        if not m.matrix:
            return f"{self._h2('sec_heatmap')}\n\n{self._empty('no_matrix')}"
        cells = {(c.stage, c.touchpoint): c for c in m.matrix}
        touchpoints = list(m.touchpoint_order) + sorted({c.touchpoint for c in m.matrix} - set(m.touchpoint_order))
        stages = [s.id for s in m.stages] + sorted({c.stage for c in m.matrix} - {s.id for s in m.stages})
        rows = []
        for stage in stages:
            row = [f"**{md(self.names.stage(stage))}**"]
            for tp in touchpoints:
                c = cells.get((stage, tp))
                row.append(f"{fmt_int(c.count, lang)} ({fmt_sentiment(c.mean_sentiment, lang)})"
                           if c and c.count else "")
            rows.append(row)
        header = [t["col_stage"]] + [md(self.names.touchpoint(tp)) for tp in touchpoints]
        return (f"{self._h2('sec_heatmap')}\n\n{t['note_heatmap']}\n\n"
                f"{table(header, rows, [False] + [True] * len(touchpoints))}")

    # -- pain points, opportunities, moments of truth ----------------------------------------------------------

    def pain_points(self) -> str:
        t, lang = self.t, self.lang
        if not self.m.pain_points:
            return f"{self._h2('sec_pain_points')}\n\n{self._empty('no_pain_points')}"
        rows = []
        for n, p in enumerate(self.m.pain_points, 1):
            where = ", ".join(self.names.stage(s) for s in list(p.stages)[:2])
            via = ", ".join(self.names.touchpoint(tp) for tp in list(p.touchpoints)[:3])
            rows.append((str(n), f"**{md(p.name)}**", fmt_int(p.count, lang), fmt_pct(p.share, lang, 1),
                         fmt_num(p.negativity, lang), fmt_sentiment(p.mean_sentiment, lang), self._trend(p.trend,
                         p.trend_direction), f"{md(where)}<br>{md(via)}", self._quotes(p.quotes)))
        body = table([t["col_rank"], t["col_pain_point"], t["col_count"], t["col_share"], t["col_negativity"],
                      t["col_sentiment"], t["col_trend"], t["col_where"], t["col_quotes"]], rows,
                     [True, False, True, True, True, True, False, False, False])
        return f"{self._h2('sec_pain_points')}\n\n{t['note_pain_points']}\n\n{body}"

    def _trend(self, trend: list[PeriodCount], direction: str) -> str:
        name = md(word(self.lang, f"trend_{direction}", direction))
        if len(trend) < 2:
            return name
        peak = max(p.share for p in trend) or 1.0
        return f"`{spark([p.share for p in trend], 0.0, peak)}` {name}"

    def opportunities(self) -> str:
        t, lang = self.t, self.lang
        if not self.m.opportunities:
            return f"{self._h2('sec_opportunities')}\n\n{self._empty('no_opportunities')}"
        rows = [(str(o.rank), f"**{md(o.name)}**", fmt_num(o.score, lang, 1), fmt_int(o.count, lang),
                 fmt_num(o.negativity, lang), md(self.names.stage(o.stage)),
                 md(self.names.touchpoint(o.touchpoint)) if o.touchpoint else "–", self._quotes(o.quotes))
                for o in self.m.opportunities]
        body = table([t["col_rank"], t["col_pain_point"], t["col_score"], t["col_count"], t["col_negativity"],
                      t["col_stage"], t["col_touchpoint"], t["col_quotes"]], rows,
                     [True, False, True, True, True, False, False, False])
        return f"{self._h2('sec_opportunities')}\n\n{t['note_opportunities']}\n\n{body}"

    def moments_of_truth(self) -> str:
        t, lang = self.t, self.lang
        mot = self.m.moments_of_truth
        if not mot.count:
            return f"{self._h2('sec_moments_of_truth')}\n\n{self._empty('no_moments')}"
        totals = table(["", t["col_count"]], [(t["all"], fmt_int(mot.count, lang)),
                                              (t["positive"], fmt_int(mot.positive, lang)),
                                              (t["negative"], fmt_int(mot.negative, lang))], [False, True])
        by_stage = table([t["col_stage"], t["col_count"]],
                         [(md(self.names.stage(s)), fmt_int(n, lang)) for s, n in mot.by_stage.items()],
                         [False, True])
        quotes = "\n".join(f"> {line}" for line in self._quotes(mot.quotes).split("<br>")) if mot.quotes else ""
        return "\n\n".join(part for part in (self._h2("sec_moments_of_truth"), t["note_moments"], totals,
                                             f"### {t['by_stage']}", by_stage, f"### {t['col_quotes']}", quotes)
                           if part)

    # -- journeys ------------------------------------------------------------------------------------------------

    def journeys(self, j: JourneySummary) -> str:
        t, lang = self.t, self.lang
        totals = table(["", t["col_count"]], [(t["customers"], fmt_int(j.customers, lang)),
                                              (t["multi_step"], fmt_int(j.multi_step, lang)),
                                              (t["steps"], fmt_int(j.steps, lang))], [False, True])
        endings = table([t["col_ending"], t["customers"]],
                        [(md(word(lang, "ending_" + k, k)), fmt_int(v, lang)) for k, v in j.endings.items()],
                        [False, True])
        parts = [self._h2("sec_journeys"), t["note_journeys"], totals, f"### {t['transitions']}",
                 t["note_transitions"], self._transitions(j), f"### {t['endings']}", endings,
                 f"### {t['flagged']}",
                 self._journey_table(j.flagged[:JOURNEYS_SHOWN]) if j.flagged else self._empty("no_flagged")]
        if j.journeys:
            shown = j.journeys[:JOURNEYS_SHOWN]
            parts += [f"### {t['all_journeys']} ({fmt_int(j.multi_step, lang)})", self._journey_table(shown)]
            if j.truncated or len(shown) < len(j.journeys):
                parts.append(f"_{t['truncated'].format(n=fmt_int(len(shown), lang))}_")
        return "\n\n".join(parts)

    def _transitions(self, j: JourneySummary) -> str:
        if not j.transitions:
            return self._empty("no_transitions")
        known = [s.id for s in self.m.stages]
        mentioned = {x for tr in j.transitions for x in (tr.source, tr.target)}
        stages = [s for s in known if s in mentioned] + sorted(mentioned - set(known))
        counts = {(tr.source, tr.target): tr.count for tr in j.transitions}
        rows = [[f"**{md(self.names.stage(a))}**"] + [fmt_int(counts[(a, b)], self.lang) if (a, b) in counts else ""
                                                      for b in stages] for a in stages]
        return table([md(self.t["col_from_to"])] + [md(self.names.stage(s)) for s in stages], rows,
                     [False] + [True] * len(stages))

    def _journey_table(self, journeys: list[CustomerJourney]) -> str:
        t, lang, names = self.t, self.lang, self.names
        rows = []
        for cj in journeys:
            head, elided, tail = shown_steps(cj.steps)
            chips = [self._step(s) for s in head]
            if elided:
                chips.append(md(t["more"].format(n=fmt_int(elided, lang))))
            steps = " → ".join(chips + [self._step(s) for s in tail])
            pains = ", ".join(names.pain_point(p) for p in cj.open_pain_points) or "–"
            rows.append((md(cj.customer_id), md(word(lang, "ending_" + cj.ending, cj.ending)), steps, md(pains)))
        return table([t["col_customer"], t["col_ending"], t["col_steps"], t["col_open_pains"]], rows)

    def _step(self, s: JourneyStep) -> str:
        names, lang = self.names, self.lang
        date = f", {md(s.created_at[:10])}" if s.created_at else ""
        return (f"{md(names.stage(s.stage))}{' ★' if s.moment_of_truth else ''} ({md(names.emotion(s.emotion))}, "
                f"{fmt_sentiment(s.sentiment, lang)}{date})")


def render_markdown(m: JourneyMap) -> str:
    """The journey map as Markdown (GitHub-flavoured tables) for a wiki page or a ticket."""
    return MarkdownReport(m).document()
