"""The journey map's aggregation and customer journeys, on hand-made records with known answers, and the
`journey map` command on the bundled corpus."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from extractor.journeymap import MapOptions, build_map
from extractor.journeymap.aggregate import direction_of
from extractor.journeymap.dates import parse_bound, parse_time
from extractor.journeymap.model import PeriodCount
from extractor.records import SkippedLine, read_records
from extractor.taxonomy import load_taxonomy

ROOT = Path(__file__).resolve().parent.parent
TAX = load_taxonomy()
STAGES = TAX.stage_ids()
FIRST, SECOND, THIRD, FOURTH, LAST = STAGES  # the default taxonomy has five stages, in journey order
TP = TAX.touchpoint_ids()
PAIN = TAX.pain_point_ids()
EMO = TAX.emotion_ids()


def rec(item_id: str, stage: str, sentiment: float = 0.0, *, touchpoints=(), pains=(), emotion=None,
        mot=False, customer=None, at=None, source="review", lang="en", segment=None, quote=None,
        confidence=0.7, **extra) -> dict:
    quote = quote or f"quote of {item_id} long enough to be shown"
    events = [{"stage": stage, "touchpoint": (list(touchpoints) or [None])[0],
               "emotion": emotion or EMO[0], "pain_point": p, "evidence": {"quote": quote, "start": 0,
                                                                         "end": len(quote)}}
              for p in (list(pains) or [None])]
    return {"item_id": item_id, "source": source, "lang": lang, "customer_id": customer, "created_at": at,
            "stage": stage, "touchpoints": list(touchpoints), "emotion": emotion or EMO[0], "sentiment": sentiment,
            "pain_points": list(pains), "moment_of_truth": mot, "events": events, "customer_goal": None,
            "confidence": confidence, "extractor": "rules", "model": None, "prompt_id": None,
            "taxonomy_id": TAX.ref, "origin": f"x.jsonl:{item_id}", "llm": None, "segment": segment, **extra}


def by_id(items, key="id"):
    return {getattr(x, key): x for x in items}


# -- aggregation -------------------------------------------------------------------------------------------------


def test_stages_touchpoints_emotions_and_the_matrix_add_up():
    records = [
        rec("a", FOURTH, -0.8, touchpoints=[TP[0], TP[1]], emotion=EMO[1]),
        rec("b", FOURTH, -0.4, touchpoints=[TP[0]], emotion=EMO[1]),
        rec("c", FOURTH, 0.6, touchpoints=[TP[2]], emotion=EMO[2]),
        rec("d", FIRST, 0.5, touchpoints=[TP[1]], emotion=EMO[2]),
    ]
    m = build_map(records, TAX)
    assert [s.id for s in m.stages] == STAGES  # every stage is a column, in journey order, even empty ones
    col = by_id(m.stages)[FOURTH]
    assert (col.count, col.share, col.mean_sentiment) == (3, 0.75, round((-0.8 - 0.4 + 0.6) / 3, 3))
    assert col.dominant_emotion == EMO[1]
    assert [(t.id, t.count, t.mean_sentiment) for t in col.touchpoints] == [(TP[0], 2, -0.6)] + sorted(
        [(TP[1], 1, -0.8), (TP[2], 1, 0.6)])  # most used first, ties by id
    assert col.touchpoints[0].name == TAX.name_of("touchpoints", TP[0])
    assert by_id(m.stages)[SECOND].count == 0 and by_id(m.stages)[SECOND].mean_sentiment is None
    cells = {(c.stage, c.touchpoint): (c.count, c.mean_sentiment) for c in m.matrix}
    assert cells == {(FOURTH, TP[0]): (2, -0.6), (FOURTH, TP[1]): (1, -0.8), (FOURTH, TP[2]): (1, 0.6),
                     (FIRST, TP[1]): (1, 0.5)}
    assert m.touchpoint_order[:2] == sorted([TP[0], TP[1]])  # two uses each; ties by id
    curve = by_id(m.emotion_curve, "stage")
    assert curve[FIRST].mean_sentiment == 0.5 and curve[FIRST].dominant_emotion == EMO[2]
    assert curve[THIRD].count == 0 and curve[THIRD].mean_sentiment is None
    assert m.meta.records == 4 and m.meta.extractors == {"rules": 4} and m.meta.taxonomy_ids == {TAX.ref: 4}


def test_pain_points_pareto_negativity_and_opportunities():
    records = ([rec(f"x{n}", FOURTH, -0.5, touchpoints=[TP[0]], pains=[PAIN[0]]) for n in range(6)]  # score 6*.5=3
               + [rec(f"y{n}", THIRD, -1.0, touchpoints=[TP[1]], pains=[PAIN[1]]) for n in range(4)]  # 4*1=4
               + [rec("z", FOURTH, 0.5, pains=[PAIN[2]])])  # praise with a pain: negativity 0, no opportunity
    m = build_map(records, TAX)
    pains = by_id(m.pain_points)
    assert [p.id for p in m.pain_points] == [PAIN[0], PAIN[1], PAIN[2]]  # by volume
    assert (pains[PAIN[0]].count, pains[PAIN[0]].share, pains[PAIN[0]].negativity) == (6, round(6 / 11, 4), 0.5)
    assert [p.cumulative_share for p in m.pain_points] == [round(6 / 11, 4), round(10 / 11, 4), 1.0]
    assert pains[PAIN[1]].stages == {THIRD: 4} and pains[PAIN[1]].touchpoints == {TP[1]: 4}
    assert [(o.rank, o.pain_point, o.score, o.stage, o.touchpoint) for o in m.opportunities] == [
        (1, PAIN[1], 4.0, THIRD, TP[1]), (2, PAIN[0], 3.0, FOURTH, TP[0])]
    assert len(m.opportunities[0].quotes) == 3


def test_quotes_are_three_from_different_items_and_prefer_confident_negative_ones_for_pain():
    records = [rec("dup1", FOURTH, -0.9, pains=[PAIN[0]], quote="the very same complaint, word for word"),
               rec("dup2", FOURTH, -0.9, pains=[PAIN[0]], quote="The very same   complaint, word for word"),
               rec("mild", FOURTH, -0.3, pains=[PAIN[0]], quote="a mild complaint about this thing", confidence=0.3),
               rec("strong", FOURTH, -1.0, pains=[PAIN[0]], quote="a strong complaint about this thing"),
               rec("tiny", FOURTH, -1.0, pains=[PAIN[0]], quote="bad")]
    quotes = build_map(records, TAX).pain_points[0].quotes
    texts = [q.text for q in quotes]
    assert len(quotes) == 3 and len({q.item_id for q in quotes}) == 3
    assert texts[0] == "a strong complaint about this thing"
    assert sum("same" in t for t in texts) == 1  # the same words twice are shown once
    assert "bad" not in texts  # too short to say anything while longer ones exist
    assert quotes[0].origin == "x.jsonl:strong" and quotes[0].stage == FOURTH


def test_trend_by_month_is_a_share_of_the_month_and_has_a_direction():
    records = []
    for month, (with_pain, total) in {"2025-01": (1, 10), "2025-02": (1, 10), "2025-03": (4, 10),
                                      "2025-04": (6, 10)}.items():
        for n in range(total):
            pains = [PAIN[0]] if n < with_pain else []
            records.append(rec(f"{month}-{n}", FOURTH, -0.5, pains=pains, at=f"{month}-15T12:00:00+01:00"))
    m = build_map(records, TAX)
    p = m.pain_points[0]
    assert [(t.period, t.count, t.share) for t in p.trend] == [("2025-01", 1, 0.1), ("2025-02", 1, 0.1),
                                                               ("2025-03", 4, 0.4), ("2025-04", 6, 0.6)]
    assert p.trend_direction == "rising"
    assert (m.meta.first_date, m.meta.last_date, m.meta.dated) == ("2025-01-15", "2025-04-15", 40)
    totals = {"a": 10, "b": 10}
    assert direction_of([PeriodCount(period="a", count=5, share=.5), PeriodCount(period="b", count=1, share=.1)],
                        totals) == "falling"
    assert direction_of([PeriodCount(period="a", count=5, share=.5), PeriodCount(period="b", count=5, share=.5)],
                        totals) == "flat"
    assert direction_of([PeriodCount(period="a", count=5, share=.5)], totals) == "unknown"


def test_moments_of_truth_are_counted_by_sign_and_stage():
    records = [rec("a", LAST, -0.9, mot=True), rec("b", LAST, 0.9, mot=True), rec("c", FOURTH, -0.6, mot=True),
               rec("d", FOURTH, -0.6)]
    m = build_map(records, TAX)
    assert (m.moments_of_truth.count, m.moments_of_truth.positive, m.moments_of_truth.negative) == (3, 1, 2)
    assert m.moments_of_truth.by_stage == {FOURTH: 1, LAST: 2}
    assert by_id(m.stages)[LAST].moments_of_truth == 2 and len(m.moments_of_truth.quotes) == 3


def test_filters_by_source_language_segment_and_dates():
    records = [rec("en-review", FOURTH, source="review", lang="en", segment="vip", at="2025-03-01T23:30:00-05:00"),
               rec("pl-ticket", FOURTH, source="ticket", lang="pl", segment="b2b", at="2025-03-02T10:00:00+01:00"),
               rec("undated", FOURTH, source="ticket", lang="pl", segment="b2b")]

    def ids(**filters) -> int:
        m = build_map(records, TAX, MapOptions(**filters))
        return m.meta.records

    assert ids(sources=["ticket"]) == 2 and ids(langs=["en"]) == 1 and ids(segments=["vip", "b2b"]) == 3
    # 2025-03-01 23:30 in New York is 2025-03-02 04:30 UTC: after 2025-03-02 00:00 UTC, before the Polish 10:00
    assert ids(since=parse_bound("2025-03-02", end=False)) == 2
    assert ids(until=parse_bound("2025-03-01", end=True)) == 0  # undated records never pass a date filter
    m = build_map(records, TAX, MapOptions(sources=["review"]))
    assert (m.meta.records_read, m.meta.filtered_out, m.meta.filters.sources) == (3, 2, ["review"])


def test_stages_the_taxonomy_does_not_know_come_after_its_own():
    m = build_map([rec("a", "post_sale_audit", -0.2), rec("b", FIRST)], TAX)
    assert [s.id for s in m.stages] == STAGES + ["post_sale_audit"]
    assert m.stages[-1].name == "post_sale_audit"


def test_polish_report_names_come_from_the_taxonomy():
    m = build_map([rec("a", FIRST, touchpoints=[TP[0]], pains=[PAIN[0]], sentiment=-0.5)], TAX,
                  MapOptions(lang="pl"))
    assert m.stages[0].name == TAX.name_of("stages", FIRST, "pl") != TAX.name_of("stages", FIRST, "en")
    assert m.pain_points[0].name == TAX.name_of("pain_points", PAIN[0], "pl")
    assert m.touchpoint_names[TP[0]] == TAX.name_of("touchpoints", TP[0], "pl")
    assert m.stages[0].goal == TAX.stages[0].goal["pl"]


def test_records_of_a_learned_model_give_its_mean_calibrated_confidence_per_field():
    def learned(item_id: str, model: str, **fields: float) -> dict:
        return rec(item_id, FIRST, extractor="learned", model=model, confidence=sum(fields.values()) / len(fields),
                   learned={"model": model, "fields": fields})

    records = [learned("a", "m1", stage=0.9, emotion=0.5), learned("b", "m1", stage=0.7, emotion=0.6),
               learned("c", "m2", sentiment=0.8, stage=0.5), rec("d", FIRST)]
    meta = build_map(records, TAX).meta
    assert meta.learned is not None and meta.learned.records == 3 and meta.learned.models == {"m1": 2, "m2": 1}
    # each field over the records that learned it, in the labels' order
    assert meta.learned.fields == {"stage": 0.7, "emotion": 0.55, "sentiment": 0.8}
    assert build_map([rec("d", FIRST), rec("e", FIRST, llm={"outcome": "answered"})], TAX).meta.learned is None
    filtered = build_map(records, TAX, MapOptions(sources=["ticket"]))  # only records in scope count
    assert filtered.meta.records == 0 and filtered.meta.learned is None


def test_a_json_map_written_before_learned_records_still_reads():
    from extractor.journeymap.model import MAP_FORMAT, JourneyMap

    written = json.loads(build_map([rec("a", FIRST)], TAX).model_dump_json())
    assert written["format"] == MAP_FORMAT and written["meta"]["learned"] is None
    del written["meta"]["learned"]  # as journey-map@1 was before the learned extractor
    assert JourneyMap.model_validate(written).meta.learned is None


@pytest.mark.parametrize("value, expected", [
    ("2025-03-03T09:00:00+01:00", datetime(2025, 3, 3, 8, 0, tzinfo=timezone.utc)),
    ("2025-03-03T09:00:00Z", datetime(2025, 3, 3, 9, 0, tzinfo=timezone.utc)),
    ("2015-02-24 11:35:52 -0800", datetime(2015, 2, 24, 19, 35, 52, tzinfo=timezone.utc)),
    ("Tue Oct 31 22:10:47 +0000 2017", datetime(2017, 10, 31, 22, 10, 47, tzinfo=timezone.utc)),
    ("2019/9/24", datetime(2019, 9, 24, tzinfo=timezone.utc)),
    ("31-Jul-18", datetime(2018, 7, 31, tzinfo=timezone.utc)),
    ("24.09.2019", datetime(2019, 9, 24, tzinfo=timezone.utc)),
    (1700000000, datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)),
    ("1700000000000", datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)),
    ("yesterday", None), ("", None), (None, None), (True, None),
])
def test_dates_in_the_shapes_exports_write(value, expected):
    assert parse_time(value) == expected


def test_unusable_record_lines_are_skipped_and_named(tmp_path):
    path = tmp_path / "records.jsonl"
    good = rec("ok", FIRST)
    path.write_text("\n".join([json.dumps(good), "{broken", json.dumps({"item_id": "x"}), "",
                               json.dumps(dict(good, item_id="s", sentiment="bad")), json.dumps([1]),
                               json.dumps(dict(good, item_id="ok2"))]) + "\n", encoding="utf-8")
    skipped: list[SkippedLine] = []
    rows = list(read_records([path], skipped))
    assert [r["item_id"] for r in rows] == ["ok", "ok2"]
    assert [(s.line, s.reason.split(" (")[0]) for s in skipped] == [
        (2, "not a JSON line"), (3, "not a journey record"), (5, "'sentiment' is not a number in [-1, 1]"),
        (6, "not a JSON object")]
    assert str(skipped[0]).startswith(f"{path}:2: ")


# -- customer journeys -------------------------------------------------------------------------------------------


def journey_records() -> list[dict]:
    """Three customers with known journeys, written out of order and in several time zones."""
    return [
        # c1: asks, buys, a late parcel, then leaves in anger -> churn (a negative moment of truth)
        rec("c1-3", FOURTH, -0.7, pains=[PAIN[0]], customer="c1", at="2025-05-03T08:00:00+00:00"),
        rec("c1-1", SECOND, 0.0, customer="c1", at="2025-05-01T10:00:00+02:00"),
        rec("c1-4", FOURTH, -0.9, pains=[PAIN[0], PAIN[1]], mot=True, customer="c1", at="2025-05-04T09:00:00Z"),
        rec("c1-2", THIRD, 0.2, customer="c1", at="2025-05-01T09:30:00+00:00"),  # after c1-1 (08:00 UTC)
        # c2: a problem, then thanks -> resolved
        rec("c2-2", FOURTH, 0.8, customer="c2", at="2025-06-02"),
        rec("c2-1", FOURTH, -0.6, pains=[PAIN[2]], customer="c2", at="2025-06-01"),
        # c3: still waiting -> unresolved, open pain PAIN[0]
        rec("c3-1", THIRD, 0.1, customer="c3", at="2025-07-01"),
        rec("c3-2", FOURTH, -0.5, pains=[PAIN[0]], customer="c3", at="2025-07-05"),
        # c4: one message only -> counted as a customer, no transitions
        rec("c4-1", FOURTH, 0.5, customer="c4", at="2025-07-05"),
        # no customer id -> not in any journey
        rec("anon", FIRST, 0.5),
    ]


def test_journeys_are_ordered_in_time_with_transitions_and_endings():
    records = journey_records()
    random.Random(3).shuffle(records)
    j = build_map(records, TAX).journeys
    assert (j.customers, j.multi_step, j.steps) == (4, 3, 9)
    journeys = by_id(j.journeys, "customer_id")
    assert [s.item_id for s in journeys["c1"].steps] == ["c1-1", "c1-2", "c1-3", "c1-4"]
    assert journeys["c1"].stage_path == [SECOND, THIRD, FOURTH]
    assert (journeys["c1"].first_at, journeys["c1"].last_at) == ("2025-05-01T10:00:00+02:00", "2025-05-04T09:00:00Z")
    assert {c: jn.ending for c, jn in journeys.items()} == {"c1": "churn", "c2": "resolved", "c3": "unresolved"}
    assert journeys["c3"].open_pain_points == [PAIN[0]] and journeys["c2"].open_pain_points == []
    assert {(t.source, t.target): t.count for t in j.transitions} == {
        (SECOND, THIRD): 1, (THIRD, FOURTH): 2, (FOURTH, FOURTH): 2}
    assert j.endings == {"churn": 1, "unresolved": 1, "resolved": 1, "ok": 0}
    assert [f.customer_id for f in j.flagged] == ["c1", "c3"]  # churn first, then unresolved


def test_a_journey_with_undated_steps_keeps_the_input_order_and_an_ok_ending():
    records = [rec("u2", FOURTH, 0.4, customer="u", at="2025-01-02"), rec("u1", THIRD, 0.3, customer="u"),
               rec("u3", LAST, 0.9, customer="u", at="2025-01-01")]
    journey = build_map(records, TAX).journeys.journeys[0]
    assert [s.item_id for s in journey.steps] == ["u2", "u1", "u3"] and journey.ending == "ok"


def test_a_negative_last_step_in_the_last_stage_is_churn_without_a_moment_of_truth():
    records = [rec("v1", FOURTH, -0.2, customer="v", at="2025-01-01"),
               rec("v2", LAST, -0.6, customer="v", at="2025-01-02")]
    assert build_map(records, TAX).journeys.journeys[0].ending == "churn"
    assert build_map([rec("anon", FIRST)], TAX).journeys is None


# -- the corpus and the command ----------------------------------------------------------------------------------


def thread_table() -> dict[str, tuple[int, str]]:
    """customer -> (messages, ending) from the table in corpora/README.md (written with the corpus)."""
    rows = re.findall(r"^\| (C-\d{4}) \| (?:en|pl) \| (\d) \| (\w+)", (ROOT / "corpora/README.md").read_text("utf-8"),
                      re.M)
    return {c: (int(n), ending) for c, n, ending in rows}


def run_journey(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "extractor", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def ticket_map(tmp_path_factory) -> tuple[dict, list[dict]]:
    """The map of corpora/tickets.jsonl, its lines shuffled first so that order must come from the times."""
    tmp = tmp_path_factory.mktemp("tickets")
    lines = (ROOT / "corpora/tickets.jsonl").read_text("utf-8").splitlines()
    random.Random(11).shuffle(lines)
    shuffled = tmp / "tickets-shuffled.jsonl"
    shuffled.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records = tmp / "records.jsonl"
    done = run_journey("extract", str(shuffled), "--out", str(records), "-q")
    assert done.returncode == 0, done.stderr
    out = tmp / "map.json"
    done = run_journey("map", str(records), "--out", str(out), "--journeys", "100")
    assert done.returncode == 0, done.stderr
    items = [json.loads(line) for line in lines]
    return json.loads(out.read_text("utf-8")), items


def test_ticket_threads_become_the_known_journeys(ticket_map):
    journey_map, items = ticket_map
    table = thread_table()
    assert len(table) == 28
    j = journey_map["journeys"]
    journeys = {x["customer_id"]: x for x in j["journeys"]}
    assert set(journeys) == set(table)  # the 28 threads; the 18 one-message customers are no journey
    assert j["customers"] == 28 + 18 and j["multi_step"] == 28 and j["steps"] == len(items)
    times = {i["id"]: datetime.fromisoformat(i["created_at"]) for i in items}
    expected_order = {}
    for item in sorted(items, key=lambda i: times[i["id"]]):
        expected_order.setdefault(item["customer_id"], []).append(item["id"])
    for customer, (messages, _) in table.items():
        steps = journeys[customer]["steps"]
        assert len(steps) == messages
        assert [s["item_id"] for s in steps] == expected_order[customer]
    # transitions: every consecutive pair of a thread, counted by the stages its records carry
    pairs: dict[tuple[str, str], int] = {}
    for journey in journeys.values():
        for a, b in zip(journey["steps"], journey["steps"][1:]):
            pairs[(a["stage"], b["stage"])] = pairs.get((a["stage"], b["stage"]), 0) + 1
    assert {(t["source"], t["target"]): t["count"] for t in j["transitions"]} == pairs
    assert sum(pairs.values()) == sum(n - 1 for n, _ in table.values()) == 79


def test_threads_that_end_badly_are_flagged(ticket_map):
    """The endings come from the rules extractor's labels of the last message, so they can miss: at least 9 of the
    12 threads that end in churn or unresolved are flagged, and at most 3 of the 16 resolved ones."""
    journey_map, _ = ticket_map
    table = thread_table()
    flagged = {x["customer_id"] for x in journey_map["journeys"]["flagged"]}
    bad = {c for c, (_, ending) in table.items() if ending in ("churn", "unresolved")}
    assert len(bad) == 12
    assert len(flagged & bad) >= 9, sorted(bad - flagged)
    assert len(flagged - bad) <= 3, sorted(flagged - bad)


def test_map_command_errors_say_what_to_do(tmp_path):
    records = tmp_path / "r.jsonl"
    records.write_text(json.dumps(rec("a", FIRST)) + "\n", encoding="utf-8")
    cases = [
        (["map", str(records), "--out", str(tmp_path / "m.pdf")], "use .html, .md, .json or .xlsx"),
        (["map", str(records), "--out", str(tmp_path / "m.json"), "--lang", "de"], "en or pl"),
        (["map", str(records), "--out", str(tmp_path / "m.json"), "--since", "soon"], "YYYY-MM-DD"),
        (["map", str(tmp_path / "none.jsonl"), "--out", str(tmp_path / "m.json")], "journey extract"),
        (["map", str(records), "--out", str(tmp_path / "m.json"), "--taxonomy",
          str(ROOT / "corpora/taxonomies/airline.json")], "pass the same --taxonomy"),
    ]
    for args, message in cases:
        done = run_journey(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert message in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_map_command_skips_broken_lines_and_reports_them(tmp_path):
    records = tmp_path / "r.jsonl"
    records.write_text(json.dumps(rec("a", FIRST)) + "\n{\"item_id\": \"trunc", encoding="utf-8")
    done = run_journey("map", str(records), "--out", str(tmp_path / "m.json"))
    assert done.returncode == 0, done.stderr
    assert f"skipped {records}:2: not a JSON line" in done.stderr and "1 lines skipped" in done.stderr
    assert json.loads((tmp_path / "m.json").read_text("utf-8"))["meta"]["records"] == 1


def test_segments_are_read_from_exports_and_filter_the_map(tmp_path):
    export = tmp_path / "export.csv"
    export.write_text("opinion,tier,klient\n"
                      "The courier lost my parcel and nobody answers the phone.,gold,c1\n"
                      "Great jacket and quick delivery.,basic,c2\n"
                      "Paczka nie dotarła na czas.,gold,c3\n", encoding="utf-8")
    records = tmp_path / "records.jsonl"
    done = run_journey("extract", str(export), "--segment-field", "tier", "--out", str(records), "-q")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in records.read_text("utf-8").splitlines()]
    assert [(r["segment"], r["customer_id"]) for r in rows] == [("gold", "c1"), ("basic", "c2"), ("gold", "c3")]
    out = tmp_path / "gold.json"
    done = run_journey("map", str(records), "--segment", "gold", "--out", str(out))
    assert done.returncode == 0, done.stderr
    meta = json.loads(out.read_text("utf-8"))["meta"]
    assert (meta["records"], meta["segments"], meta["filters"]["segments"]) == (2, {"gold": 2}, ["gold"])
    # a column named "segment" is found without the option
    auto = tmp_path / "auto.jsonl"
    auto.write_text(json.dumps({"text": "Love it", "segment": "b2b"}) + "\n", encoding="utf-8")
    done = run_journey("extract", str(auto), "-q")
    assert done.returncode == 0 and json.loads(done.stdout)["segment"] == "b2b", done.stderr
