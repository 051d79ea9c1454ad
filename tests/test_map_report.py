"""The journey map's HTML and Markdown reports, rendered from hand-made JourneyMaps with known content: every
section is there with its numbers, customers' words are escaped, and the page loads nothing from anywhere."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from extractor.journeymap.html import render_html
from extractor.journeymap.html.charts import nice_ticks
from extractor.journeymap.html.stylesheet import sentiment_rgb
from extractor.journeymap.i18n import fmt_records, ui
from extractor.journeymap.markdown import md, render_markdown
from extractor.journeymap.model import (
    Count,
    CustomerJourney,
    EmotionPoint,
    Filters,
    JourneyMap,
    JourneyStep,
    JourneySummary,
    LearnedMeta,
    MapMeta,
    MatrixCell,
    MomentsOfTruth,
    Opportunity,
    PainPointSummary,
    PeriodCount,
    Quote,
    StageColumn,
    Transition,
)
from extractor.texts.en import TEXTS as EN
from extractor.texts.pl import TEXTS as PL

SECTIONS = ["meta", "map", "emotion-curve", "pareto", "heatmap", "pain-points", "opportunities",
            "moments-of-truth", "journeys"]
EVIL = 'Paid <script>alert("x")</script> & got | nothing'
STAGES = [("s_find", "Finding"), ("s_buy", "Buying"), ("s_use", "Using")]


def quote(text: str, stage: str = "s_use", sentiment: float = -0.8, item_id: str = "Q-1") -> Quote:
    return Quote(text=text, item_id=item_id, stage=stage, sentiment=sentiment, source="ticket", lang="en")


def count(label_id: str, name: str, n: int, share: float, mean: float) -> Count:
    return Count(id=label_id, name=name, count=n, share=share, mean_sentiment=mean)


def step(item_id: str, stage: str, sentiment: float, day: int, pains: list[str] | None = None,
         moment: bool = False) -> JourneyStep:
    return JourneyStep(item_id=item_id, created_at=f"2025-05-{day:02d}T10:00:00+00:00", stage=stage,
                       touchpoints=["tp_parcel"], emotion="em_angry" if sentiment < 0 else "em_glad",
                       sentiment=sentiment, pain_points=pains or [], moment_of_truth=moment)


def make_map(lang: str = "en", stages: list[tuple[str, str]] | None = None, journeys: bool = True,
             title: str = "Shop <b>journey</b> & more") -> JourneyMap:
    """A small map with known numbers: 100 records, the last stage the worst, one evil quote."""
    stages = stages or STAGES
    n = len(stages)
    columns = []
    for i, (sid, name) in enumerate(stages):
        last = i == n - 1
        columns.append(StageColumn(
            id=sid, name=name, goal=f"goal of {name}", count=60 if last else 40 // max(1, n - 1),
            share=0.6 if last else 0.4 / max(1, n - 1), mean_sentiment=-0.5 if last else 0.4,
            dominant_emotion="em_angry" if last else "em_glad",
            emotions=[count("em_angry", "Angry", 40, 0.67, -0.7), count("em_glad", "Glad", 20, 0.33, 0.6)]
            if last else [count("em_glad", "Glad", 15, 0.75, 0.6)],
            touchpoints=[count("tp_parcel", "Parcel locker", 35, 0.58, -0.6), count("tp_app", "App", 12, 0.2, 0.1)],
            pain_points=[count("pp_late", "Late parcel", 30, 0.5, -0.7)] if last else [],
            moments_of_truth=5 if last else 0,
            customer_goals=[count("get it on time", "get it on time", 9, 0.15, -0.4)],
            quotes=[quote(EVIL, sid)] if last else [quote(f"Nice start at {name}", sid, 0.7)]))
    curve = [EmotionPoint(stage=c.id, name=c.name, count=c.count, mean_sentiment=c.mean_sentiment,
                          dominant_emotion=c.dominant_emotion,
                          dominant_emotion_name="Angry" if c.dominant_emotion == "em_angry" else "Glad")
             for c in columns]
    last_id = stages[-1][0]
    trend = [PeriodCount(period="2025-04", count=10, share=0.2), PeriodCount(period="2025-05", count=20, share=0.4)]
    pains = [
        PainPointSummary(id="pp_late", name="Late parcel", count=30, share=0.3, mean_sentiment=-0.7, negativity=0.75,
                         cumulative_share=0.75, stages={last_id: 30}, touchpoints={"tp_parcel": 28}, trend=trend,
                         trend_direction="rising", quotes=[quote(EVIL), quote("Still waiting", item_id="Q-2")]),
        PainPointSummary(id="pp_price", name="Price | fees", count=10, share=0.1, mean_sentiment=-0.2,
                         negativity=0.3, cumulative_share=1.0, stages={last_id: 10}, touchpoints={},
                         trend=trend[:1], trend_direction="unknown", quotes=[]),
    ]
    summary = JourneySummary(
        customers=3, multi_step=2, steps=5,
        transitions=[Transition(source=stages[0][0], target=last_id, count=2),
                     Transition(source=last_id, target=last_id, count=1)],
        endings={"churn": 1, "unresolved": 0, "resolved": 1, "ok": 0},
        flagged=[CustomerJourney(customer_id="C-<7>", steps=[step("a", stages[0][0], 0.5, 1),
                                                             step("b", last_id, -0.9, 3, ["pp_late"], True)],
                                 stage_path=[stages[0][0], last_id], first_at=None, last_at=None, ending="churn",
                                 open_pain_points=["pp_late"])],
        journeys=[], truncated=False) if journeys else None
    return JourneyMap(
        meta=MapMeta(title=title, lang=lang, generated_at="2025-06-01T12:00:00+00:00", inputs=["records.jsonl"],
                     records=100, records_read=120, filtered_out=20, filters=Filters(sources=["ticket"]),
                     extractors={"rules": 90, "llm": 10}, models={"gpt-4o-mini": 10},
                     prompt_ids={"journey.v1@abc123": 10}, taxonomy_ids={"shop@1": 100},
                     languages={"en": 60, "pl": 40}, sources={"ticket": 100}, segments={}, first_date="2025-04-02",
                     last_date="2025-05-30", dated=100, mean_confidence=0.71, low_confidence=25,
                     llm_outcomes={"answered": 8, "fallback": 2}),
        stages=columns, emotion_curve=curve,
        matrix=[MatrixCell(stage=last_id, touchpoint="tp_parcel", count=35, mean_sentiment=-0.6),
                MatrixCell(stage=stages[0][0], touchpoint="tp_app", count=7, mean_sentiment=0.5)],
        touchpoint_order=["tp_parcel", "tp_app"], touchpoint_names={"tp_parcel": "Parcel locker", "tp_app": "App"},
        pain_points=pains,
        moments_of_truth=MomentsOfTruth(count=5, positive=1, negative=4, by_stage={last_id: 5},
                                        quotes=[quote("Never again, I'm done", item_id="Q-9")]),
        opportunities=[Opportunity(rank=1, pain_point="pp_late", name="Late parcel", score=22.5, count=30,
                                   negativity=0.75, stage=last_id, touchpoint="tp_parcel", quotes=[quote(EVIL)]),
                       Opportunity(rank=2, pain_point="pp_price", name="Price | fees", score=3.0, count=10,
                                   negativity=0.3, stage=last_id, touchpoint=None, quotes=[])],
        journeys=summary)


class Page(HTMLParser):
    """The parts of a rendered page the tests look at: ids, tags with their classes, and the text inside ids."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text_by_id: dict[str, list[str]] = {}
        self._open: list[tuple[str, str | None]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = {k: v or "" for k, v in attrs}
        self.tags.append((tag, attributes))
        if "id" in attributes:
            self.ids.append(attributes["id"])
        if tag not in ("meta", "br", "col", "input", "link", "img"):
            self._open.append((tag, attributes.get("id")))

    def handle_endtag(self, tag):
        while self._open:
            name, _ = self._open.pop()
            if name == tag:
                break

    def handle_data(self, data):
        for _, element_id in self._open:
            if element_id:
                self.text_by_id.setdefault(element_id, []).append(data)

    def text(self, element_id: str) -> str:
        return " ".join(" ".join(self.text_by_id.get(element_id, [])).split())

    def with_class(self, tag: str, css_class: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and css_class in a.get("class", "").split()]


@pytest.fixture(scope="module")
def html() -> str:
    return render_html(make_map())


@pytest.fixture(scope="module")
def page(html: str) -> Page:
    return Page(html)


# -- HTML ------------------------------------------------------------------------------------------------------

def test_every_section_is_there_once(page: Page, html: str):
    for section in SECTIONS:
        assert page.ids.count(section) == 1, section
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en">' in html
    assert [a["href"] for t, a in page.tags if t == "a"] == ["#" + s for s in SECTIONS[1:]]  # contents


def test_the_map_has_one_column_per_stage_and_every_swimlane(page: Page):
    heads = page.with_class("th", "stage")
    assert [h["data-stage"] for h in heads] == [sid for sid, _ in STAGES]
    lanes = [a["class"] for t, a in page.tags if t == "tr" and a.get("class", "").startswith("lane-")]
    assert lanes == ["lane-goals", "lane-touchpoints", "lane-emotions", "lane-pain-points", "lane-moments",
                     "lane-opportunities", "lane-quotes"]
    text = page.text("map")
    for expected in ("Finding", "Buying", "Using", "goal of Using", "get it on time", "Parcel locker", "Angry",
                     "Late parcel", "Customer goals", "Touchpoints", "Emotions", "Pain points and barriers",
                     "Moments of truth", "Opportunities", "Quotes", "60 records · 60% · -0.50"):
        assert expected in text, expected


def test_seven_stages_give_seven_columns():
    stages = [(f"st_{i}", f"Stage {i}") for i in range(7)]
    p = Page(render_html(make_map(stages=stages)))
    assert len(p.with_class("th", "stage")) == 7
    assert len(p.with_class("circle", "curve-point")) == 7
    assert "width:1760px" in render_html(make_map(stages=stages))  # wider than the screen: the wrapper scrolls


def test_numbers_of_every_section(page: Page):
    assert "100 · 120 read, 20 filtered out" in page.text("meta")
    assert "Mean label confidence: 0.71" in page.text("meta")
    assert "Confidence below 0.5: 25 records (25% of all)" in page.text("meta")
    assert "answered 8, fell back to rules 2" in page.text("meta")
    for expected in ("gpt-4o-mini (10)", "journey.v1@abc123 (10)", "shop@1 (100)", "2025-04-02 – 2025-05-30",
                     "sources: ticket", "journey eval GOLD.jsonl", "rules (90), llm (10)"):
        assert expected in page.text("meta"), expected
    pain_text = page.text("pain-points")
    for expected in ("Late parcel", "30", "30.0%", "75%", "0.75", "-0.70", "rising", "not enough dates",
                     "Using", "Parcel locker", "Still waiting"):
        assert expected in pain_text, expected
    assert "22.5" in page.text("opportunities") and "Score" in page.text("opportunities")
    assert re.search(r"All\s*5\s*positive\s*1\s*negative\s*4", page.text("moments-of-truth"))
    cells = page.with_class("td", "cell")
    assert sorted(int(c["data-count"]) for c in cells if "data-count" in c) == [7, 35]
    assert len(cells) == 3 * 2  # stages x touchpoints, empty ones included


def test_charts_have_a_point_per_stage_and_a_bar_per_pain_point(page: Page, html: str):
    points = page.with_class("circle", "curve-point")
    assert [p["data-stage"] for p in points] == [sid for sid, _ in STAGES]
    y = {p["data-stage"]: float(p["cy"]) for p in points}
    assert y["s_use"] > y["s_find"]  # negative sentiment sits lower on the chart
    assert "Angry" in page.text("emotion-curve") and "n=60" in page.text("emotion-curve")
    bars = page.with_class("rect", "pareto-bar")
    assert [b["data-pain-point"] for b in bars] == ["pp_late", "pp_price"]
    assert float(bars[0]["height"]) > float(bars[1]["height"]) > 0
    assert len(page.with_class("circle", "pareto-point")) == 2 and "100%" in page.text("pareto")
    assert len(page.with_class("svg", "sparkline")) == 1  # only the pain point with two months has a trend line


def test_journeys_show_transitions_endings_and_flagged_steps(page: Page):
    text = page.text("journeys")
    for expected in ("Transitions between stages", "churn", "resolved", "C-<7>", "Late parcel", "Finding", "Using"):
        assert expected in text, expected
    assert [a["data-customer"] for a in page.with_class("tr", "journey")] == ["C-<7>"]
    assert len(page.with_class("span", "step")) == 2


def test_no_journeys_section_without_customer_ids():
    p = Page(render_html(make_map(journeys=False)))
    assert "journeys" not in p.ids and "map" in p.ids


def test_customer_words_are_escaped(html: str, page: Page):
    assert "<script" not in html and "<b>journey" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; got | nothing" in html
    assert EVIL in page.text("map") and EVIL in page.text("pain-points")  # shown as text, whole
    assert "Shop <b>journey</b> & more" in page.text("meta")
    assert 'data-customer="C-&lt;7&gt;"' in html


def test_the_page_loads_nothing_from_anywhere():
    m = make_map()
    m.stages[-1].quotes.append(quote('see https://evil.example/x.png" src="https://evil.example/a.js'))
    html = render_html(m)
    resource = re.compile(r"""(?:\b(?:src|href|action|poster|srcset|xlink:href)\s*=\s*["']?\s*(?:[a-z]+:)?//)"""
                          r"""|@import|url\(\s*["']?\s*(?:[a-z]+:)?//|<(?:script|link|iframe|img|object|embed)\b""",
                          re.I)
    assert not resource.search(html), resource.search(html)
    outside_quotes = html.replace("https://evil.example", "")
    assert "http://" not in outside_quotes and "https://" not in outside_quotes
    assert "default-src 'none'" in html  # the browser itself refuses any load


def test_polish_report_speaks_polish():
    html = render_html(make_map(lang="pl"))
    p = Page(html)
    assert '<html lang="pl">' in html
    for expected in ("Etapy", "Punkty styku", "Emocje", "Punkty bólu i bariery", "Momenty prawdy",
                     "Szanse / możliwości działania", "Cele klienta", "Cytaty"):
        assert expected in p.text("map"), expected
    assert "60 rekordów · 60% · -0,50" in p.text("map")
    assert "Średnia pewność etykiet: 0,71" in p.text("meta")
    assert "odejście" in p.text("journeys") and "rośnie" in p.text("pain-points")


def with_learned(m: JourneyMap) -> JourneyMap:
    learned = LearnedMeta(records=40, models={"m-shop": 40}, fields={"stage": 0.82, "emotion": 0.614,
                                                                       "pain_points": 0.5})
    return m.model_copy(update={"meta": m.meta.model_copy(update={"learned": learned})})


@pytest.mark.parametrize("lang, expected", [
    ("en", "The learned model m-shop labelled 40 records. Its confidences are calibrated, so about this share of "
           "its labels is expected to be right: stage 82%, emotion 61%, pain points 50%."),
    ("pl", "Nauczony model m-shop oznaczył 40 rekordów. Jego pewność jest skalibrowana, więc oczekiwany odsetek "
           "trafnych etykiet wynosi około: etap 82%, emocja 61%, punkty bólu 50%."),
])
def test_the_trust_note_says_how_many_learned_labels_are_expected_right(lang, expected):
    plain, learned = make_map(lang=lang), with_learned(make_map(lang=lang))
    words = ui(lang)
    page = Page(render_html(learned))
    assert expected in page.text("meta")
    assert words["confidence_mean"].format(mean="0.71" if lang == "en" else "0,71") in page.text("meta")
    assert expected in render_markdown(learned)
    # without learned records the note is as it was: no sentence about a learned model
    head = words["confidence_learned"].split("{model}")[0]
    assert head not in Page(render_html(plain)).text("meta") and head not in render_markdown(plain)


def test_an_empty_map_renders_with_no_data_notes():
    m = make_map(journeys=False)
    empty = m.model_copy(update={
        "stages": [s.model_copy(update={"count": 0, "share": 0.0, "mean_sentiment": None, "emotions": [],
                                        "touchpoints": [], "pain_points": [], "customer_goals": [], "quotes": [],
                                        "moments_of_truth": 0, "dominant_emotion": None}) for s in m.stages],
        "emotion_curve": [c.model_copy(update={"count": 0, "mean_sentiment": None, "dominant_emotion": None,
                                               "dominant_emotion_name": None}) for c in m.emotion_curve],
        "matrix": [], "touchpoint_order": [], "pain_points": [], "opportunities": [],
        "moments_of_truth": MomentsOfTruth(count=0, positive=0, negative=0, by_stage={}, quotes=[]),
        "meta": m.meta.model_copy(update={"records": 0, "mean_confidence": None, "low_confidence": 0,
                                          "first_date": None, "last_date": None})})
    p = Page(render_html(empty))
    assert all(s in p.ids for s in SECTIONS[:-1])
    assert EN["no_records"] in p.text("map") and EN["no_pain_points"] in p.text("pareto")
    assert EN["no_matrix"] in p.text("heatmap") and EN["no_moments"] in p.text("moments-of-truth")
    assert EN["no_opportunities"] in p.text("opportunities")
    md_text = render_markdown(empty)
    assert EN["no_pain_points"] in md_text


def test_a_map_at_its_caps_stays_small():
    """The model's caps (quotes, journeys) bound the page whatever the number of records behind it."""
    m = make_map()
    long_quote = quote("x" * 400)
    stages = [(f"st_{i}", f"Stage {i}") for i in range(8)]
    m = make_map(stages=stages)
    touchpoints = [f"tp_{i}" for i in range(40)]
    months = [PeriodCount(period=f"20{20 + i // 12}-{i % 12 + 1:02d}", count=i, share=0.01 * i) for i in range(60)]
    pains = [m.pain_points[0].model_copy(update={"id": f"pp_{i}", "name": f"Pain {i}", "trend": months,
                                                 "quotes": [long_quote] * 10}) for i in range(40)]
    journey = m.journeys.flagged[0].model_copy(update={"steps": m.journeys.flagged[0].steps * 25})
    big = m.model_copy(update={
        "stages": [s.model_copy(update={"quotes": [long_quote] * 10}) for s in m.stages],
        "matrix": [MatrixCell(stage=s, touchpoint=tp, count=125_000, mean_sentiment=0.1)
                   for s, _ in stages for tp in touchpoints],
        "touchpoint_order": touchpoints, "touchpoint_names": {tp: f"Touchpoint {tp}" for tp in touchpoints},
        "pain_points": pains,
        "opportunities": [m.opportunities[0].model_copy(update={"rank": i, "quotes": [long_quote] * 10})
                          for i in range(1, 11)],
        "journeys": m.journeys.model_copy(update={"flagged": [journey] * 50, "journeys": [journey] * 200,
                                                  "truncated": True})})
    html = render_html(big)
    assert len(html.encode()) < 2_000_000, len(html.encode())
    assert len(render_markdown(big).encode()) < 2_000_000


# -- Markdown ----------------------------------------------------------------------------------------------------

def _cells(line: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def _sections(markdown: str) -> dict[str, list[list[list[str]]]]:
    """Each `## ` section's tables, as rows of cells."""
    sections: dict[str, list[list[list[str]]]] = {}
    current = None
    rows: list[list[str]] | None = None
    for line in markdown.splitlines():
        if line.startswith("## "):
            current = line[3:]
            sections[current] = []
            rows = None
        elif line.startswith("|") and current is not None:
            if rows is None:
                rows = []
                sections[current].append(rows)
            rows.append(_cells(line))
        else:
            rows = None
    return sections


def test_markdown_has_a_table_per_section_with_the_right_columns():
    m = make_map()
    sections = _sections(render_markdown(m))
    t = ui("en")
    expected_columns = {t["sec_meta"]: 2, t["sec_map"]: 1 + len(m.stages), t["sec_emotion_curve"]: 4,
                        t["sec_pareto"]: 5, t["sec_heatmap"]: 1 + len(m.touchpoint_order), t["sec_pain_points"]: 9,
                        t["sec_opportunities"]: 8, t["sec_moments_of_truth"]: 2, t["sec_journeys"]: 2}
    assert set(sections) == set(expected_columns)
    for title, columns in expected_columns.items():
        tables = sections[title]
        assert tables, title
        first = tables[0]
        assert len(first[0]) == columns, (title, first[0])
        for table in tables:
            assert all(len(row) == len(table[0]) for row in table), (title, table)
            assert all(set(cell) <= set("-: ") for cell in table[1]), table[1]  # the alignment row
    journeys = sections[t["sec_journeys"]]
    assert [len(tb[0]) for tb in journeys] == [2, 3, 2, 4]  # totals, transitions (2 stages), endings, flagged


def test_markdown_content_and_escaping():
    text = render_markdown(make_map())
    assert text.startswith("# Shop &lt;b&gt;journey&lt;/b&gt; &amp; more\n")
    assert "<script" not in text
    assert "Paid &lt;script&gt;alert(\"x\")&lt;/script&gt; &amp; got \\| nothing" in text
    assert "Price \\| fees" in text
    map_rows = {row[0]: row for row in _sections(text)["Journey map"][0]}
    assert map_rows["**Touchpoints**"][3] == "Parcel locker (35, -0.60)<br>App (12, +0.10)"
    assert map_rows["**Opportunities**"][3] == "1. Late parcel (22.5)<br>2. Price \\| fees (3.0)"
    assert "`▆▆▃`" in text  # the emotion curve as a text sparkline
    assert "| **Using** | 35 (-0.60) |   |" in text  # heatmap: count with mean sentiment
    assert "`▅█` rising" in text
    assert "C-&lt;7&gt;" in text and "Finding (Glad, +0.50, 2025-05-01) → Using ★ (Angry, -0.90" in text
    assert "`journey eval GOLD.jsonl`" in text


def test_markdown_in_polish():
    text = render_markdown(make_map(lang="pl"))
    for expected in ("## Punkty bólu i bariery", "## Momenty prawdy", "## Szanse / możliwości działania",
                     "| Etapy |", "**Cele klienta**", "**Cytaty**", "22,5", "odejście"):
        assert expected in text, expected


def test_md_escapes_table_and_markup_characters():
    assert md("a|b") == "a\\|b"
    assert md("*x* _y_ `z` [l](u) <i> & \\") == "\\*x\\* \\_y\\_ \\`z\\` \\[l\\](u) &lt;i&gt; &amp; \\\\"
    assert md("two\nlines") == "two lines"


# -- words and helpers -----------------------------------------------------------------------------------------

def test_the_report_speaks_the_maps_language_and_counts_in_polish():
    assert ui("de") is EN and ui("pl") is PL
    assert [fmt_records(n, "pl") for n in (1, 3, 5, 12, 22)] == ["1 rekord", "3 rekordy", "5 rekordów",
                                                                  "12 rekordów", "22 rekordy"]


def test_sentiment_colours_and_axis_ticks():
    red, grey, green = sentiment_rgb(-1), sentiment_rgb(0), sentiment_rgb(1)
    assert red[0] > red[1] and green[1] > green[0] and grey == sentiment_rgb(None)
    assert nice_ticks(58) == [0, 20, 40, 60]
    assert nice_ticks(3) == [0, 1, 2, 3]
    assert nice_ticks(125_000)[-1] >= 125_000
