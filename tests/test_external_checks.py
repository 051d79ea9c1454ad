"""benchmarks/external_checks.py: conversions, the negativereason mapping, and a small run over ../shared/data.

Only the shape and range of the numbers are checked here; quality gates live elsewhere.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from extractor.taxonomy import default_taxonomy

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
SCRIPT = ROOT / "benchmarks" / "external_checks.py"
HAS_VADER = importlib.util.find_spec("vaderSentiment") is not None
LIMIT = 40


def _load_script():
    spec = importlib.util.spec_from_file_location("external_checks", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("external_checks", module)
    spec.loader.exec_module(module)
    return module


ec = _load_script()

needs_data = pytest.mark.skipif(not (DATA / ec.AIRLINE_FILE).exists() or not (DATA / ec.ALLEGRO_FILE).exists(),
                                reason=f"the shared datasets are not at {DATA} (../shared/data beside the project)")
needs_vader = pytest.mark.skipif(not HAS_VADER, reason="vaderSentiment is not installed (pip install '.[bench]')")


# -- conversions (no data needed) ------------------------------------------------------------------

def test_airline_gold_labels_map_to_polarity():
    assert ec.airline_gold("negative") == -1
    assert ec.airline_gold("neutral") == 0
    assert ec.airline_gold("positive") == 1
    assert ec.airline_gold(None) is None and ec.airline_gold("mixed") is None


def test_allegro_rating_to_polarity_excludes_three_stars():
    assert [ec.allegro_gold(r) for r in (1.0, 2.0, 3.0, 4.0, 5.0)] == [-1, -1, None, 1, 1]
    assert ec.allegro_gold(None) is None


def test_vader_thresholds_are_the_standard_plus_minus_0_05():
    assert ec.vader_polarity(0.05) == 1 and ec.vader_polarity(0.9) == 1
    assert ec.vader_polarity(-0.05) == -1 and ec.vader_polarity(-0.9) == -1
    assert ec.vader_polarity(0.0) == 0 and ec.vader_polarity(0.049) == 0 and ec.vader_polarity(-0.049) == 0


def test_rules_sentiment_is_rounded_like_the_eval():
    from extractor.schema import polarity

    assert [polarity(x) for x in (-1.0, -0.26, -0.25, 0.0, 0.25, 0.26, 1.0)] == [-1, -1, 0, 0, 0, 1, 1]

    class Rec:
        def __init__(self, s):
            self.sentiment = s

    assert [ec.rules_polarity(Rec(x)) for x in (-0.3, 0.1, 0.3)] == [-1, 0, 1]


def test_confusion_and_macro_f1_over_gold_classes():
    gold, pred = [-1, -1, 1, 1], [-1, 0, 1, -1]
    assert ec.confusion(gold, pred) == [[1, 1, 0], [0, 0, 0], [1, 0, 1]]
    # -1: tp 1, fp 1, fn 1 -> 0.5; 1: tp 1, fp 0, fn 1 -> 2/3; the 0 prediction is only a miss
    assert ec.macro_f1_over(gold, pred, (-1, 1)) == pytest.approx((0.5 + 2 / 3) / 2)


def test_mapping_targets_are_default_pain_points():
    pains = set(default_taxonomy().pain_point_ids())
    assert {p for p in ec.REASON_TO_PAIN.values() if p is not None} <= pains
    assert ec.REASON_TO_PAIN["Can't Tell"] is None
    assert ec.REASON_TO_PAIN["Late Flight"] == "delay"


# -- over the real data ----------------------------------------------------------------------------

@needs_data
def test_mapping_covers_every_dev_negativereason():
    reasons = {r["labels"]["negativereason"] for r in ec.dev_rows(DATA / ec.AIRLINE_FILE)
               if r["labels"].get("negativereason")}
    assert reasons, "no negativereason in the dev half"
    assert reasons <= set(ec.REASON_TO_PAIN), sorted(reasons - set(ec.REASON_TO_PAIN))


@pytest.fixture(scope="module")
def report():
    if not (DATA / ec.AIRLINE_FILE).exists() or not (DATA / ec.ALLEGRO_FILE).exists():
        pytest.skip(f"the shared datasets are not at {DATA}")
    return ec.run(DATA, limit=LIMIT)


def _in_unit(x) -> bool:
    return isinstance(x, float) and 0.0 <= x <= 1.0


@needs_data
def test_airline_sentiment_numbers_are_well_formed(report):
    s = report["airline_sentiment"]
    assert s["rows"]["rules"]["n"] == LIMIT and s["majority_class"] in (-1, 0, 1)
    for name in ("rules", "majority"):
        assert _in_unit(s["rows"][name]["accuracy"]) and _in_unit(s["rows"][name]["macro_f1"])
    for cls in s["rows"]["rules"]["per_class"].values():
        assert all(_in_unit(v) for v in cls.values())
    matrix = s["confusion_rules"]["rows_gold_cols_pred"]
    assert len(matrix) == 3 and all(len(r) == 3 for r in matrix) and sum(map(sum, matrix)) == LIMIT
    assert [sum(r) for r in matrix] == [s["gold_counts"][str(k)] for k in (-1, 0, 1)]


@needs_data
def test_allegro_numbers_are_well_formed(report):
    a = report["allegro_polarity"]
    rules = a["rows"]["rules"]
    assert rules["n"] == LIMIT == a["gold_counts"]["-1"] + a["gold_counts"]["1"]
    for name in ("rules", "majority"):
        row = a["rows"][name]
        assert all(_in_unit(row[k]) for k in ("accuracy", "macro_f1", "macro_f1_zero_as_class", "zero_share"))
    assert 0 <= rules["zero_predictions"] <= LIMIT
    assert a["rows"]["majority"]["zero_predictions"] == 0
    assert sum(map(sum, a["confusion_rules"]["rows_gold_cols_pred"])) == LIMIT


@needs_data
def test_pain_point_numbers_are_well_formed(report):
    p = report["airline_pain_points"]
    assert p["conf_filter"] in ("negativereason_conf == 1.0", f"negativereason_conf >= {ec.LENIENT_CONF}")
    assert 0 < p["n"] <= LIMIT and p["n_scored"] <= p["n"] and not p["unmapped_reasons"]
    assert sum(row["n"] for row in p["per_reason"].values()) == p["n"]
    for row in p["per_reason"].values():
        assert row["recall"] is None if row["pain_point"] is None else _in_unit(row["recall"])
        assert _in_unit(row["none_share"])
    assert all(_in_unit(v) for v in p["overall"].values())


@needs_data
@needs_vader
def test_vader_rows_are_well_formed(report):
    assert report["vader_available"]
    for check in ("airline_sentiment", "allegro_polarity"):
        row = report[check]["rows"]["vader"]
        assert row["n"] == LIMIT and _in_unit(row["accuracy"]) and _in_unit(row["macro_f1"])


@needs_data
def test_without_vader_its_rows_are_none():
    r = ec.run(DATA, limit=5, use_vader=False)
    assert r["airline_sentiment"]["rows"]["vader"] is None and r["allegro_polarity"]["rows"]["vader"] is None
    assert "skipped" in ec.render(r)


@needs_data
def test_main_prints_tables_and_writes_json(tmp_path, capsys):
    out = tmp_path / "ext.json"
    ec.main(["--data", str(DATA), "--limit", "10", "--json", str(out)])
    text = capsys.readouterr().out
    for section in ("1. airline sentiment", "2. allegro polarity", "3. airline pain points"):
        assert section in text
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["limit"] == 10 and data["airline_sentiment"]["rows"]["rules"]["n"] == 10


@needs_data
def test_min_gate_fails_naming_the_figure(capsys):
    with pytest.raises(SystemExit) as info:
        ec.main(["--limit", str(LIMIT), "--min", "allegro_polarity.rules.accuracy=1.01"])
    assert "allegro_polarity.rules.accuracy" in str(info.value) and "below the minimum 1.010" in str(info.value)
    ec.main(["--limit", str(LIMIT), "--min", "airline_sentiment.majority.accuracy=0.0"])
    assert "quality gates passed (1 checks)" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="expected check.row.metric"):
        ec.main(["--min", "accuracy=0.5"])
