"""`journey eval` of the llm extractor: outcome counts and tokens in the report, the model's own answers scored apart
from the rules labels of fallback items, and gates on both; by hand, from a records file, and against the stand-in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractor.evaluation.gates import baseline_figures, check, parse_maximums, parse_minimums
from extractor.labelling.gold import GoldItem
from extractor.evaluation.report import evaluate

from .conftest import ROOT, run_journey
from .standin.fixture import control, reset, stats

RULES_KEYS = {"n", "extractor", "stage", "emotion", "sentiment", "touchpoints", "pain_points", "moment_of_truth",
              "evidence_grounded", "majority", "by_lang", "by_source", "confusion_matrices", "worst_misses"}

TEXTS = ["The parcel came two weeks late.", "Great headphones, will buy again!", "It arrived, it works.",
         "Too expensive on the website.", "Checkout was fine and quick."]


def gold_items() -> list[GoldItem]:
    rows = [("experience", ["delivery"], "frustration", -1, ["delay"], False),
            ("loyalty", ["product"], "delight", 1, [], True),
            ("experience", [], "neutral", 0, [], False),
            ("consideration", ["website"], "frustration", -1, ["price"], False),
            ("decision", ["website"], "satisfaction", 1, [], False)]
    return [GoldItem(id=f"g-{n}", text=TEXTS[n], lang="en", source="review", stage=s, touchpoints=tuple(t),
                     emotion=e, sentiment=se, pain_points=tuple(p), moment_of_truth=m, file="gold.jsonl", line=n + 1)
            for n, (s, t, e, se, p, m) in enumerate(rows)]


def record(item: GoldItem, outcome: str | None, quote: str | None = None, **wrong) -> dict:
    """A record with the gold labels (except `wrong`) and one event quoting the text's first word (or `quote`)."""
    word = item.text.split()[0]
    rec = dict(item.labels(), item_id=item.id, sentiment=float(item.sentiment),
               extractor="rules" if outcome in (None, "fallback") else "llm",
               events=[{"evidence": {"quote": quote or word, "start": 0, "end": len(word)}}])
    rec.update(wrong)
    if outcome is not None:
        rec["llm"] = {"outcome": outcome, "problems": [] if outcome == "answered" else ["a problem"],
                      "model": "m-1", "prompt_id": "p@1"}
    return rec


def mixed_records(gold: list[GoldItem]) -> list[dict]:
    """model items 0, 1, 4 (item 1 with the wrong stage); fallback items 2 (wrong stage and sentiment, a quote not
    in the text) and 3 (right)."""
    return [record(gold[0], "answered"),
            record(gold[1], "repaired", stage="experience"),
            record(gold[2], "fallback", quote="not in the text", stage="awareness", sentiment=0.9),
            record(gold[3], "fallback"),
            record(gold[4], "answered")]


def records_file(path: Path, gold: list[GoldItem]) -> Path:
    """The mixed records, a fallback first (whose record names the rules extractor), in another order than gold."""
    rows = mixed_records(gold)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows[2:] + rows[:2]), encoding="utf-8")
    return path


RUN = {"from_answer_cache": 1, "too_long": 0, "requests": 2, "retries": 1, "prompt_tokens": 400,
       "completion_tokens": 100, "cached_prompt_tokens": 128, "faults": {"500": 1}, "cost_usd": None}


def test_mixed_outcomes_are_scored_together_and_apart_by_hand():
    gold = gold_items()
    report = evaluate(gold, mixed_records(gold), "llm", llm_run=RUN)
    # all items: stage right for 0, 3, 4; sentiment wrong for item 2 only; 4 of 5 quotes grounded
    assert report["n"] == 5 and report["stage"]["accuracy"] == pytest.approx(3 / 5)
    assert report["sentiment"]["accuracy"] == pytest.approx(4 / 5)
    assert report["evidence_grounded"] == pytest.approx(4 / 5)
    model, fallback = report["by_outcome"]["model"], report["by_outcome"]["fallback"]
    assert model["n"] == 3 and fallback["n"] == 2
    assert model["stage"]["accuracy"] == pytest.approx(2 / 3)
    # model stage gold (experience, loyalty, decision) vs (experience, experience, decision): F1 2/3, 0, 1
    assert model["stage"]["macro_f1"] == pytest.approx((2 / 3 + 0 + 1) / 3)
    assert model["sentiment"]["accuracy"] == 1.0 and model["evidence_grounded"] == 1.0
    assert fallback["stage"]["accuracy"] == 0.5 and fallback["sentiment"]["accuracy"] == 0.5
    assert fallback["evidence_grounded"] == 0.5
    assert set(model) == set(report["by_lang"]["en"])  # the same keys as every scope, majority row included
    assert model["majority"]["n"] == 3

    llm = report["llm"]
    assert llm["outcomes"] == {"answered": 2, "repaired": 1, "fallback": 2} and llm["items"] == 5
    assert llm["fallback_share"] == pytest.approx(0.4) and llm["model"] == "m-1" and llm["prompt_id"] == "p@1"
    assert llm["from_answer_cache"] == 1 and llm["items_sent"] == 4  # a cache hit costs no token
    assert llm["requests"] == 2 and llm["retries"] == 1 and llm["faults_retried"] == {"500": 1}
    assert llm["prompt_tokens_per_item"] == 100.0 and llm["completion_tokens_per_item"] == 25.0
    assert llm["cached_prompt_tokens"] == 128 and llm["cost_usd"] is None
    assert RULES_KEYS < set(report)


def test_records_without_a_run_have_outcomes_but_no_tokens():
    gold = gold_items()
    llm = evaluate(gold, mixed_records(gold), "llm")["llm"]
    assert llm["outcomes"] == {"answered": 2, "repaired": 1, "fallback": 2}
    assert all(llm[k] is None for k in ("requests", "retries", "prompt_tokens", "completion_tokens",
                                        "prompt_tokens_per_item", "completion_tokens_per_item", "from_answer_cache"))


def test_an_outcome_group_without_items_has_only_n():
    gold = gold_items()
    records = [record(g, "answered") for g in gold]
    report = evaluate(gold, records, "llm")
    assert report["by_outcome"]["fallback"] == {"n": 0} and report["by_outcome"]["model"]["n"] == 5
    assert report["llm"]["fallback_share"] == 0.0
    failures, _ = check(report, parse_minimums(["by_outcome.fallback.stage.accuracy=0.1"]))
    assert "no item had that outcome" in failures[0].reason


def test_rules_records_change_nothing_in_the_report():
    gold = gold_items()
    report = evaluate(gold, [record(g, None) for g in gold], "rules")
    assert set(report) == RULES_KEYS


def test_gates_on_outcome_groups_and_the_fallback_share():
    gold = gold_items()
    report = evaluate(gold, mixed_records(gold), "llm", llm_run=RUN)
    minimums = parse_minimums(["by_outcome.model.stage.accuracy=0.7", "by_outcome.fallback.sentiment.accuracy=0.5",
                               "stage.accuracy=0.6"])
    failures, _ = check(report, minimums, maximums=parse_maximums(["llm.fallback_share=0.3",
                                                                   "llm.completion_tokens_per_item=50"]))
    assert [(f.figure, f.reason) for f in failures] == [
        ("by_outcome.model.stage.accuracy", "below the minimum 0.700"),
        ("llm.fallback_share", "above the maximum 0.300")]
    assert failures[0].value == pytest.approx(2 / 3)

    rules = evaluate(gold, [record(g, None) for g in gold], "rules")
    failures, _ = check(rules, parse_minimums(["by_outcome.model.stage.accuracy=0.1"]),
                        maximums=parse_maximums(["llm.fallback_share=0.5"]))
    assert [f.figure for f in failures] == ["by_outcome.model.stage.accuracy", "llm.fallback_share"]
    assert all("not an llm run" in f.reason for f in failures)

    for bad in (["pl:by_outcome.model.stage.accuracy=0.5"], ["by_outcome.rules.stage.accuracy=0.5"],
                ["by_outcome.model.stage=0.5"]):
        with pytest.raises(Exception, match="FIGURE=VALUE"):
            parse_minimums(bad)
    with pytest.raises(Exception, match="llm.fallback_share"):
        parse_maximums(["stage.accuracy=0.5"])


def test_an_llm_baseline_compares_the_model_group_too():
    gold = gold_items()
    report = evaluate(gold, mixed_records(gold), "llm", llm_run=RUN)
    names = baseline_figures(report)
    assert "by_outcome.model.stage.accuracy" in names and not any("fallback" in n for n in names)
    better = json.loads(json.dumps(report))
    better["by_outcome"]["model"]["stage"]["accuracy"] = 0.9
    failures, compared = check(report, {}, better, max_drop=0.02)
    assert [f.figure for f in failures] == ["by_outcome.model.stage.accuracy"]
    assert ("by_outcome.model.stage.accuracy", 0.9, pytest.approx(2 / 3)) in compared
    rules = evaluate(gold, [record(g, None) for g in gold], "rules")
    assert not any(n.startswith("by_outcome") for n in baseline_figures(rules))


# -- the command ----------------------------------------------------------------------------------------------------


def write_gold(path: Path, gold: list[GoldItem]) -> Path:
    path.write_text("".join(json.dumps(g.to_row(), ensure_ascii=False) + "\n" for g in gold), encoding="utf-8")
    return path


def test_eval_of_an_llm_records_file_prints_and_writes_the_outcomes(tmp_path):
    gold = gold_items()
    gold_file = write_gold(tmp_path / "gold.jsonl", gold)
    records = records_file(tmp_path / "records.jsonl", gold)
    out = tmp_path / "report.json"
    done = run_journey("eval", str(gold_file), "--records", str(records), "--json", str(out), "--misses", "0",
                       "--min", "by_outcome.model.stage.accuracy=0.6", "--max", "llm.fallback_share=0.4")
    assert done.returncode == 0, done.stderr
    assert "llm m-1 (p@1): 5 items: 2 answered, 1 repaired, 2 labelled by rules after a failed answer" in done.stdout
    assert "(fallback share 40.0%)" in done.stdout and "not known from a records file" in done.stdout
    assert "By outcome" in done.stdout and "quality gates passed (2 checks)" in done.stdout
    row = next(line for line in done.stdout.splitlines() if line.startswith("│ stage.accuracy") and "0.667" in line)
    assert row.split("│")[2:5] == [" 0.600 ", " 0.667 ", "    0.500 "]  # all, model, fallback side by side
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["extractor"] == "llm" and "journey eval: llm on" in done.stdout
    assert report["llm"]["outcomes"] == {"answered": 2, "repaired": 1, "fallback": 2}
    assert report["llm"]["requests"] is None and report["llm"]["prompt_tokens_per_item"] is None
    assert report["by_outcome"]["model"]["n"] == 3 and report["by_outcome"]["fallback"]["n"] == 2
    assert report["stage"]["accuracy"] == pytest.approx(0.6)  # the top level stays all items

    no_tokens = run_journey("eval", str(gold_file), "--records", str(records), "--quiet",
                            "--max", "llm.prompt_tokens_per_item=500")
    assert no_tokens.returncode == 1 and "records read from a file" in no_tokens.stderr
    bad = run_journey("eval", str(gold_file), "--max", "stage.accuracy=0.5")
    assert bad.returncode == 2 and "--max 'stage.accuracy=0.5'" in bad.stderr and "Traceback" not in bad.stderr

    rules = run_journey("eval", str(gold_file), "--json", str(out), "--misses", "0")
    assert rules.returncode == 0, rules.stderr
    assert "By outcome" not in rules.stdout and "llm " not in rules.stdout
    assert set(json.loads(out.read_text(encoding="utf-8"))) == RULES_KEYS | {"gold", "taxonomy_id"}


# -- the llm path, against the stand-in server ----------------------------------------------------------------------

OWN_EN = ROOT / "evals" / "gold" / "en.jsonl"


@pytest.fixture
def llm_env(base, tmp_path, monkeypatch):
    reset(base)
    for key, value in {"OPENAI_BASE_URL": base, "OPENAI_API_KEY": "test", "JOURNEY_LLM_CACHE": str(tmp_path / "cache"),
                       "JOURNEY_STORE": str(tmp_path / "no-store")}.items():
        monkeypatch.setenv(key, value)
    return base


def test_eval_with_the_llm_counts_what_the_server_counted(llm_env, tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(OWN_EN.read_text(encoding="utf-8").splitlines(keepends=True)[:12]), encoding="utf-8")
    # one request at a time, 4 items each: the first request's first item fails three times (its answer, the repair
    # and the fresh ask), the second request's first item is repaired after a 429; the third request is answered
    control(llm_env, faults=["bad_quote"] * 4 + ["429"], retry_after=0.05)
    out = tmp_path / "report.json"
    args = ["eval", str(gold), "--extractor", "llm", "--concurrency", "1", "--items-per-request", "4",
            "--json", str(out), "--misses", "0"]
    done = run_journey(*args, "--min", "by_outcome.model.evidence_grounded=1.0", "--max", "llm.fallback_share=0.1")
    assert done.returncode == 0, done.stderr
    served = stats(llm_env)
    llm = json.loads(out.read_text(encoding="utf-8"))["llm"]
    assert llm["outcomes"] == {"answered": 10, "repaired": 1, "fallback": 1} and llm["from_answer_cache"] == 0
    assert llm["requests"] == 6 and llm["retries"] == 1 and llm["faults_retried"] == {"429": 1}
    assert llm["requests"] + llm["retries"] == served["chat"]  # 3 requests, 2 repairs, 1 fresh ask, 1 retry
    assert llm["prompt_tokens"] == served["prompt_tokens"] and llm["completion_tokens"] == served["completion_tokens"]
    assert llm["cached_prompt_tokens"] == served["cached_tokens"]
    assert llm["items_sent"] == 12 and llm["prompt_tokens_per_item"] == pytest.approx(served["prompt_tokens"] / 12)
    assert llm["completion_tokens_per_item"] == pytest.approx(served["completion_tokens"] / 12)
    assert llm["model"] == "gpt-4o-mini" and llm["fallback_share"] == pytest.approx(1 / 12)
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["by_outcome"]["model"]["n"] == 11 and report["by_outcome"]["fallback"]["n"] == 1
    assert "10 answered, 1 repaired, 1 labelled by rules after a failed answer" in done.stdout
    assert f"{served['prompt_tokens']:,} prompt tokens" in done.stdout
    assert f"{served['completion_tokens']:,} completion tokens" in done.stdout
    assert "faults retried: 429 x1" in done.stdout

    # again: the 11 answers come from the answer cache; the fallback item (never cached) is sent, and answered
    again = run_journey(*args, "--max", "llm.fallback_share=0")
    assert again.returncode == 0, again.stderr
    llm = json.loads(out.read_text(encoding="utf-8"))["llm"]
    assert llm["outcomes"] == {"answered": 11, "repaired": 1, "fallback": 0}
    assert llm["from_answer_cache"] == 11 and llm["items_sent"] == 1 and llm["requests"] == 1
    assert stats(llm_env)["chat"] == served["chat"] + 1
    assert llm["prompt_tokens"] == stats(llm_env)["prompt_tokens"] - served["prompt_tokens"]
    assert "11 from the answer cache" in again.stdout
