"""Pain-point themes over records the real rules extractor made from our corpora, and `journey themes`."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from extractor.analyses.themes import auto_k, spherical_kmeans, theme_quotes, themes
from extractor.errors import UsageError
from extractor.records import read_records

from .conftest import ROOT, run_journey

CORPORA = [ROOT / "corpora" / "tickets.jsonl", ROOT / "corpora" / "reviews.csv"]
NEW_PROBLEM = [  # a problem the taxonomy has no pain point for
    "The app shows prices in the wrong currency",
    "prices in the app are displayed in dollars instead of zloty",
    "Why does the app show the price in euros? Wrong currency again",
    "the currency in the app is wrong, everything is in USD",
    "App displays the wrong currency at checkout",
    "the prices show in a foreign currency in your app",
    "wrong currency shown in the app for every product",
    "Your app keeps switching the currency, the prices are wrong",
]


@pytest.fixture(scope="module")
def records() -> list[dict]:
    from extractor.extractors import make_extractor
    from extractor.ingest import ReadOptions, open_readers
    from extractor.pipeline import label_item
    from extractor.schema import FeedbackItem
    from extractor.taxonomy import default_taxonomy

    extractor = make_extractor("rules", default_taxonomy())
    rows = [row for reader in open_readers([str(p) for p in CORPORA], ReadOptions()) for row in reader]
    return [label_item(extractor, row).model_dump(mode="json") for row in rows if isinstance(row, FeedbackItem)]


def new_problem_records() -> list[dict]:
    out = []
    for n, text in enumerate(NEW_PROBLEM):
        out.append({"item_id": f"NEW-{n}", "source": "review", "lang": "en", "stage": "purchase",
                    "touchpoints": ["mobile_app"], "emotion": "frustration", "sentiment": -0.6, "pain_points": [],
                    "moment_of_truth": False, "events": [{"stage": "purchase", "touchpoint": "mobile_app",
                                                          "emotion": "frustration", "pain_point": None,
                                                          "evidence": {"quote": text, "start": 0, "end": len(text)}}],
                    "customer_goal": None, "confidence": 0.5, "extractor": "hand", "model": None,
                    "prompt_id": None, "taxonomy_id": "default@1"})
    return out


def as_json(found) -> list[dict]:
    return [t.to_json() for t in found]


def test_inputs_are_pain_point_quotes_and_negative_items(records):
    quotes = theme_quotes(records)
    by_item = {r["item_id"]: r for r in records}
    assert len(quotes) > 100
    for q in quotes:
        record = by_item[q.item_id]
        assert record["pain_points"] or record["sentiment"] < -0.25
        evidence = [e["evidence"]["quote"] for e in record["events"]]
        assert q.quote in evidence
        assert set(q.pain_points) <= set(record["pain_points"])
    assert quotes == sorted(quotes, key=lambda q: q.key)
    assert any(not q.pain_points for q in quotes)  # negative items without a pain point come along


def test_themes_are_coherent(records):
    found = themes(records)
    assert auto_k(len(theme_quotes(records)), 13) == len(found) >= 10
    named = [t for t in found if not t.unnamed]
    purity = sum(t.share * t.size for t in named) / sum(t.size for t in named)
    assert purity >= 0.75
    delay = max((t for t in named if t.pain_point == "delay"), key=lambda t: t.size)
    assert delay.share >= 0.6 and delay.describe() == f"mostly `delay` ({delay.share:.0%})"
    refunds = max((t for t in named if t.pain_point == "returns_refund"), key=lambda t: t.size)
    assert refunds.share >= 0.8
    assert {"refund", "zwrot"} & set(refunds.keywords)
    all_delay = sum(1 for q in theme_quotes(records) if "delay" in q.pain_points)
    in_delay_themes = sum(t.pain_points.get("delay", 0) for t in named if t.pain_point == "delay")
    assert in_delay_themes >= all_delay / 2  # most delay quotes end in themes about delay
    for t in found:
        assert 1 <= len(t.quotes) <= 3 and len({q["quote"] for q in t.quotes}) == len(t.quotes)
        assert len(t.keywords) <= 6 and all(w == w.lower() for w in t.keywords)
        assert t.items == len(t.item_ids) and t.item_ids == sorted(t.item_ids)
        for q in t.quotes:
            assert q["item_id"] in t.item_ids
    sizes = [t.size for t in found]
    assert sizes == sorted(sizes, reverse=True) and sum(sizes) <= len(theme_quotes(records))


def test_purity_holds_across_seeds(records):
    for seed in range(1, 4):
        named = [t for t in themes(records, seed=seed) if not t.unnamed]
        assert sum(t.share * t.size for t in named) / sum(t.size for t in named) >= 0.7


def test_themes_are_deterministic_and_order_independent(records):
    first = as_json(themes(records))
    assert as_json(themes(records)) == first
    shuffled = list(records)
    for seed in (1, 2):
        random.Random(seed).shuffle(shuffled)
        assert as_json(themes(shuffled)) == first
    assert as_json(themes(records + records[:40])) == first  # a record read twice adds nothing


def test_a_new_problem_forms_an_unnamed_theme(records):
    found = themes(records + new_problem_records())
    holding = [t for t in found if any(i.startswith("NEW-") for i in t.item_ids)]
    best = max(holding, key=lambda t: sum(i.startswith("NEW-") for i in t.item_ids))
    assert sum(i.startswith("NEW-") for i in best.item_ids) >= 6
    assert best.unnamed and best.describe() == "NEW: no taxonomy pain point"
    assert "currency" in best.keywords
    assert all(q["item_id"].startswith("NEW-") for q in best.quotes)
    assert not any(t.unnamed for t in themes(records) if "currency" in t.keywords)


def test_k_seed_min_size_and_texts():
    assert themes([]) == []
    recs = new_problem_records()
    assert len(themes(recs, k=3)) == 3
    assert [t.size for t in themes(recs, k=3, min_size=3)] == [t.size for t in themes(recs, k=3) if t.size >= 3]
    with pytest.raises(UsageError):
        themes(recs, k=0)
    bare = [dict(r, events=[], item_id=f"B-{n}") for n, r in enumerate(recs)]
    assert themes(bare) == []  # negative items without events and without their texts: nothing to cluster
    texts = {r["item_id"]: NEW_PROBLEM[n] for n, r in enumerate(bare)}
    found = themes(bare, texts_by_item=texts, k=1)
    assert found[0].size == 8 and found[0].unnamed and "currency" in found[0].keywords
    positive = [dict(r, sentiment=0.5) for r in recs]
    assert themes(positive) == []  # neither a pain point nor negative


def test_spherical_kmeans_is_seeded():
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.standard_normal((60, 8)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    a, _ = spherical_kmeans(x, 5, seed=3)
    b, _ = spherical_kmeans(x, 5, seed=3)
    assert (a == b).all() and set(a.tolist()) == set(range(5))
    assert auto_k(2) == 2 and auto_k(20) == 3 and auto_k(200) == 10 and auto_k(200, 13) == 14
    assert auto_k(100_000) == 30


def test_read_records_names_bad_files(tmp_path):
    good = tmp_path / "r.jsonl"
    good.write_text(json.dumps(new_problem_records()[0]) + "\n\n", encoding="utf-8")
    assert len(list(read_records([good]))) == 1
    for name, content, message in (
            ("items.jsonl", '{"id": 1, "text": "hello"}\n', "not a journey record"),
            ("list.jsonl", "[1, 2]\n", "not a JSON object"),
            ("reviews.csv", "id,text\n1,hello\n", "not a JSON line"),
    ):
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        with pytest.raises(UsageError, match=message):
            list(read_records([path]))
    binary = tmp_path / "blob.jsonl"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(UsageError, match="not UTF-8"):
        list(read_records([binary]))
    with pytest.raises(UsageError, match="no such records file"):
        list(read_records([tmp_path / "missing.jsonl"]))


def test_themes_command(tmp_path):
    out = tmp_path / "records.jsonl"
    extract = run_journey("extract", *[str(p) for p in CORPORA], "--out", str(out), cwd=tmp_path)
    assert extract.returncode == 0, extract.stderr
    new = tmp_path / "new.jsonl"
    new.write_text("".join(json.dumps(r) + "\n" for r in new_problem_records()), encoding="utf-8")
    result = run_journey("themes", str(out), str(new), "--json", str(tmp_path / "themes.json"))
    assert result.returncode == 0, result.stderr
    assert "themes from" in result.stdout and "quotes of 264 records" in result.stdout
    assert "NEW: no taxonomy pain point" in result.stdout and "mostly `returns_refund`" in result.stdout
    assert "keywords:" in result.stdout and "“The app shows prices in the wrong currency”" in result.stdout
    data = json.loads((tmp_path / "themes.json").read_text(encoding="utf-8"))
    assert data["records"] == 264 and data["seed"] == 0
    assert all(t["size"] >= 3 for t in data["themes"])
    assert any(t["unnamed"] and "currency" in t["keywords"] for t in data["themes"])
    # the same themes as the library, whatever the order of the files
    again = run_journey("themes", str(new), str(out), "--json", "-")
    assert again.returncode == 0 and json.loads(again.stdout)["themes"] == data["themes"]
    few = run_journey("themes", str(out), "--k", "4", "--min-size", "1", "--json", "-")
    assert json.loads(few.stdout)["clusters"] == 4


def test_themes_command_rejects_files_that_are_not_records(tmp_path):
    for path in (CORPORA[1], CORPORA[0], tmp_path / "missing.jsonl"):
        result = run_journey("themes", str(path))
        assert result.returncode == 2, result.stdout
        assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr
        assert str(path) in result.stderr
    tax = run_journey("themes", str(CORPORA[0]), "--taxonomy", str(tmp_path / "none.json"))
    assert tax.returncode == 2 and "Error:" in tax.stderr and "Traceback" not in tax.stderr
    records = tmp_path / "r.jsonl"
    records.write_text("".join(json.dumps(r) + "\n" for r in new_problem_records()), encoding="utf-8")
    unwritable = run_journey("themes", str(records), "--json", str(tmp_path / "no" / "such" / "dir.json"))
    assert unwritable.returncode == 2 and unwritable.stderr.startswith("Error: cannot write")


def test_themes_command_with_a_taxonomy(tmp_path, mini_taxonomy_path: Path):
    out = tmp_path / "records.jsonl"
    run_journey("extract", str(CORPORA[0]), "--out", str(out), "--taxonomy", str(mini_taxonomy_path), cwd=tmp_path)
    result = run_journey("themes", str(out), "--taxonomy", str(mini_taxonomy_path), "--json", "-")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["taxonomy_id"].startswith(json.loads(mini_taxonomy_path.read_text())["taxonomy_id"])
    assert data["themes"] and data["quotes"] >= sum(t["size"] for t in data["themes"])
    pain_ids = {p["id"] for p in json.loads(mini_taxonomy_path.read_text())["pain_points"]}
    assert {p for t in data["themes"] for p in t["pain_points"]} <= pain_ids
