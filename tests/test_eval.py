"""Gold files, `journey eval` (report, gates, baselines) and `journey agree`, through the real command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractor.evaluation.gates import check, figure, parse_minimums
from extractor.labelling.gold import GoldError, read_gold, sample_gold
from extractor.evaluation.metrics import cohen_kappa, confusion
from extractor.evaluation.report import evaluate, majority_predictions
from extractor.taxonomy import default_taxonomy

from .conftest import ROOT, SHARED, run_journey

OWN_GOLD = sorted((ROOT / "evals" / "gold").glob("*.jsonl"))


def row(i: int, text: str, **labels) -> dict:
    base = {"id": f"t-{i}", "text": text, "lang": "en", "source": "review", "stage": "experience",
            "touchpoints": [], "emotion": "neutral", "sentiment": 0, "pain_points": [], "moment_of_truth": False}
    base.update(labels)
    return base


def write(path: Path, rows: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows),
                    encoding="utf-8")
    return path


@pytest.fixture
def small_gold(tmp_path) -> Path:
    return write(tmp_path / "gold.jsonl", [
        row(1, "The parcel came two weeks late and nobody answered the hotline.", touchpoints=["delivery", "phone"],
            emotion="frustration", sentiment=-1, pain_points=["delay", "customer_service"]),
        row(2, "Great headphones, the sound is amazing. Will buy again!", stage="loyalty", touchpoints=["product"],
            emotion="delight", sentiment=1, moment_of_truth=True),
        row(3, "Kurier zgubił paczkę, reklamacja trwa miesiąc.", lang="pl", touchpoints=["delivery"],
            emotion="frustration", sentiment=-1, pain_points=["fulfilment_error", "returns_refund"]),
    ])


def test_gold_validation_lists_every_problem_with_file_line_and_a_suggestion(tmp_path):
    bad = write(tmp_path / "bad.jsonl", [
        row(1, "ok", stage="experiance"),
        "{not json",
        row(2, "fine", touchpoints=["delivery", "fax"], sentiment=2),
        row(1, "duplicate id"),
        {"id": "t-9", "text": ""},
    ])
    with pytest.raises(GoldError) as info:
        read_gold([bad], default_taxonomy())
    message = str(info.value)
    assert f"{bad}:1: unknown stage 'experiance' (did you mean 'experience'?)" in message
    assert f"{bad}:2: not a JSON line" in message
    assert f"{bad}:3: unknown touchpoint 'fax'" in message
    assert f"{bad}:3: 'sentiment' must be -1, 0 or 1, got 2" in message
    assert f"{bad}:4: duplicate id 't-1' (first at {bad}:1)" in message
    assert f"{bad}:5: 'text' must be a non-empty string" in message and "'stage' must be a non-empty string (missing)" in message


def test_cli_rejects_a_bad_gold_file_without_a_traceback(tmp_path):
    bad = write(tmp_path / "bad.jsonl", [row(1, "ok", emotion="rage")])
    result = run_journey("eval", str(bad))
    assert result.returncode == 2
    assert "unknown emotion 'rage'" in result.stderr and "Traceback" not in result.stderr
    missing = run_journey("eval", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_metrics_kappa_and_confusion():
    assert cohen_kappa(list("aabb"), list("aabb")) == 1.0
    assert cohen_kappa(list("aabb"), list("abab")) == pytest.approx(0.0)
    assert cohen_kappa(list("aaab"), list("aaba")) == pytest.approx((0.5 - 0.625) / (1 - 0.625))
    assert confusion(["a", "a", "b"], ["a", "b", "b"]) == {"a": {"a": 1, "b": 1}, "b": {"b": 1}}


def test_report_scores_perfect_and_wrong_records_and_keeps_the_design_keys(small_gold):
    gold = read_gold([small_gold], default_taxonomy())
    perfect = [dict(g.labels(), item_id=g.id, events=[{"evidence": {"quote": g.text[:5], "start": 0, "end": 5}}])
               for g in gold]
    report = evaluate(gold, perfect, "test")
    for key in ("n", "extractor", "stage", "emotion", "sentiment", "touchpoints", "pain_points", "moment_of_truth",
                "evidence_grounded", "by_lang"):
        assert key in report
    assert report["stage"] == {"accuracy": 1.0, "macro_f1": 1.0}
    assert report["touchpoints"]["micro_f1"] == 1.0 and report["moment_of_truth"]["f1"] == 1.0
    assert report["by_lang"]["pl"]["n"] == 1 and report["by_source"]["review"]["n"] == 3
    assert report["evidence_grounded"] == 1.0 and report["worst_misses"] == []

    wrong = [dict(p, stage="awareness", sentiment=0.9) for p in perfect]
    wrong[0]["events"] = [{"evidence": {"quote": "not in the text", "start": 0, "end": 3}}]
    report = evaluate(gold, wrong, "test")
    assert report["stage"]["accuracy"] == 0.0
    assert report["evidence_grounded"] == pytest.approx(2 / 3)
    assert report["confusion_matrices"]["stage"] == {"experience": {"awareness": 2}, "loyalty": {"awareness": 1}}
    assert {m["id"] for m in report["worst_misses"]} == {"t-1", "t-2", "t-3"}
    assert report["worst_misses"][0]["gold"]["stage"] != report["worst_misses"][0]["predicted"]["stage"]


def test_majority_row_predicts_the_most_common_labels(small_gold):
    labels = [g.labels() for g in read_gold([small_gold], default_taxonomy())]
    pred = majority_predictions(labels)[0]
    assert pred["stage"] == "experience" and pred["emotion"] == "frustration" and pred["sentiment"] == -1
    assert pred["touchpoints"] == ["delivery"] and pred["pain_points"] == []


def test_gates_minimums_and_baseline_drop():
    report = {"n": 10, "stage": {"accuracy": 0.80, "macro_f1": 0.5}, "evidence_grounded": 1.0,
              "by_lang": {"pl": {"n": 4, "stage": {"accuracy": 0.9, "macro_f1": 0.7}}}}
    assert figure(report, "pl:stage.accuracy") == 0.9 and figure(report, "en:stage.accuracy") is None
    failures, _ = check(report, parse_minimums(["stage.accuracy=0.85", "pl:stage.accuracy=0.9"]))
    assert [f.figure for f in failures] == ["stage.accuracy"]
    baseline = {"n": 10, "stage": {"accuracy": 0.81, "macro_f1": 0.55}, "evidence_grounded": 1.0,
                "by_lang": {"pl": {"n": 4, "stage": {"accuracy": 0.95, "macro_f1": 0.7}}}}
    failures, compared = check(report, {}, baseline, max_drop=0.02)
    assert sorted(f.figure for f in failures) == ["pl:stage.accuracy", "stage.macro_f1"]
    assert ("stage.accuracy", 0.81, 0.80) in compared
    with pytest.raises(Exception, match="FIGURE=VALUE"):
        parse_minimums(["stage.acc=0.5"])


def test_eval_command_writes_json_and_a_gate_failure_names_the_figure(small_gold, tmp_path):
    out = tmp_path / "report.json"
    ok = run_journey("eval", str(small_gold), "--json", str(out), "--min", "evidence_grounded=1.0")
    assert ok.returncode == 0, ok.stderr
    assert "quality gates passed" in ok.stdout and "Scores" in ok.stdout and "Confusion: stage" in ok.stdout
    report = json.loads(out.read_text())
    assert report["n"] == 3 and report["extractor"] == "rules" and set(report["by_lang"]) == {"en", "pl"}
    assert all("text" not in m and m["origin"] for m in report["worst_misses"])  # baselines carry no gold texts

    raised = json.loads(out.read_text())
    raised["sentiment"]["macro_f1"] = report["sentiment"]["macro_f1"] + 0.1  # as if it had been 0.1 better
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(raised))
    failed = run_journey("eval", str(small_gold), "--baseline", str(baseline), "--quiet")
    assert failed.returncode == 1
    assert "quality gate failed" in failed.stderr and "sentiment.macro_f1" in failed.stderr
    assert "dropped 0.100" in failed.stderr or "dropped 0.1" in failed.stderr

    too_high = run_journey("eval", str(small_gold), "--min", "stage.accuracy=1.01", "--quiet")
    assert too_high.returncode == 1 and "stage.accuracy" in too_high.stderr and "below the minimum 1.010" in too_high.stderr


def test_eval_of_a_records_file_matches_running_the_extractor(small_gold, tmp_path):
    records = tmp_path / "records.jsonl"
    extracted = run_journey("extract", str(small_gold), "--id-field", "id", "--out", str(records), "--quiet")
    assert extracted.returncode == 0, extracted.stderr
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert run_journey("eval", str(small_gold), "--json", str(a), "--quiet").returncode == 0
    assert run_journey("eval", str(small_gold), "--records", str(records), "--json", str(b), "--quiet").returncode == 0
    ra, rb = json.loads(a.read_text()), json.loads(b.read_text())
    for key in ("stage", "emotion", "sentiment", "touchpoints", "pain_points", "moment_of_truth", "by_lang"):
        assert ra[key] == rb[key]
    partial = tmp_path / "partial.jsonl"
    partial.write_text(records.read_text().splitlines()[0] + "\n")
    missing = run_journey("eval", str(small_gold), "--records", str(partial))
    assert missing.returncode == 2 and "2 gold item(s) have no record" in missing.stderr


def test_every_command_that_reads_records_names_a_bad_line_the_same_way(small_gold, tmp_path):
    records = tmp_path / "records.jsonl"
    assert run_journey("extract", str(small_gold), "--id-field", "id", "--out", str(records), "--quiet").returncode == 0
    lines = records.read_text(encoding="utf-8").splitlines()
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join([lines[0], '{"id": 1, "text": "an item, not a record"}', *lines[1:]]) + "\n",
                      encoding="utf-8")
    for command in (["eval", str(small_gold), "--records", str(broken)], ["summary", str(broken)],
                    ["themes", str(broken)]):
        done = run_journey(*command)
        assert done.returncode == 2, (command, done.stderr)
        assert f"{broken}:2: not a journey record" in done.stderr and "Traceback" not in done.stderr, command
    mapped = run_journey("map", str(broken), "--out", str(tmp_path / "map.md"))  # the map skips it and says so
    assert mapped.returncode == 0 and f"{broken}:2: not a journey record" in mapped.stderr


def test_agree_reports_kappa_and_set_f1(tmp_path, small_gold):
    second = [json.loads(line) for line in small_gold.read_text().splitlines()]
    second[0]["emotion"] = "anger"
    second[2]["pain_points"] = ["fulfilment_error"]
    other = write(tmp_path / "second.jsonl", second + [row(99, "only here")])
    out = tmp_path / "agree.json"
    result = run_journey("agree", str(small_gold), str(other), "--json", str(out))
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text())
    assert data["n"] == 3 and data["only_second"] == 1
    assert data["fields"]["stage"]["kappa"] == 1.0
    assert data["fields"]["emotion"]["agreement"] == pytest.approx(2 / 3)
    assert data["fields"]["pain_points"]["micro_f1"] == pytest.approx(2 * 3 / (2 * 3 + 1))
    assert "kappa" in result.stdout


@pytest.mark.skipif(not OWN_GOLD, reason="evals/gold is not written yet")
def test_our_gold_sets_are_valid_and_cover_every_label():
    tax = default_taxonomy()
    items = read_gold(OWN_GOLD, tax)
    by_lang = {lang: [g for g in items if g.lang == lang] for lang in ("en", "pl")}
    assert len(by_lang["en"]) >= 200 and len(by_lang["pl"]) >= 150
    counts: dict[str, int] = {}
    for g in items:
        for label in (g.stage, g.emotion, *g.touchpoints, *g.pain_points):
            counts[label] = counts.get(label, 0) + 1
    for ids in (tax.stage_ids(), tax.emotion_ids(), tax.touchpoint_ids(), tax.pain_point_ids()):
        assert all(counts.get(i, 0) >= 5 for i in ids), {i: counts.get(i, 0) for i in ids}
    assert {g.source for g in items} >= {"review", "ticket", "survey", "social"}


def test_gold_texts_are_not_copied_from_the_shared_data():
    data = SHARED / "data"
    if not OWN_GOLD or not data.is_dir():
        pytest.skip("needs evals/gold and ../shared/data")
    ours = {g.text.strip().lower() for g in read_gold(OWN_GOLD, default_taxonomy()) if len(g.text) > 40}
    for path in data.glob("*.jsonl"):
        with path.open(encoding="utf-8") as f:
            for line in f:
                text = (json.loads(line).get("text") or "").strip().lower()
                assert text not in ours, f"a gold text is copied from {path.name}"


def test_a_sample_is_seeded_spread_over_languages_and_kept_in_file_order():
    items = read_gold(OWN_GOLD, default_taxonomy())
    picked = sample_gold(items, 100, seed=3)
    assert len(picked) == 100
    assert {lang: sum(g.lang == lang for g in picked) for lang in ("en", "pl")} == {"en": 50, "pl": 50}
    assert [g.id for g in picked] == [g.id for g in sample_gold(items, 100, seed=3)]
    assert [g.id for g in picked] != [g.id for g in sample_gold(items, 100, seed=4)]
    order = {g.id: at for at, g in enumerate(items)}
    assert [order[g.id] for g in picked] == sorted(order[g.id] for g in picked)
    few_pl = [g for g in items if g.lang == "en"][:70] + [g for g in items if g.lang == "pl"][:10]
    short = sample_gold(few_pl, 40)  # pl has only 10: en takes the rest of the share
    assert sum(g.lang == "pl" for g in short) == 10 and len(short) == 40
    assert sample_gold(items, len(items) + 5) == items


def test_eval_sample_flag_scores_only_the_sample_and_says_so(tmp_path):
    out = tmp_path / "report.json"
    result = run_journey("eval", *map(str, OWN_GOLD), "--sample", "30", "--seed", "1", "--json", str(out))
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    assert report["n"] == 30 and report["sample"] == {"n": 30, "seed": 1}
    assert {k: v["n"] for k, v in report["by_lang"].items()} == {"en": 15, "pl": 15}
    assert "a sample (seed 1) of" in result.stdout + result.stderr
