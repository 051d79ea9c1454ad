"""Journey labels in the store: `journey extract --to-store` writes them back, `journey ingest --gold` stores gold
labels, and few-shot retrieval returns the most similar labelled items."""

from __future__ import annotations

import json

from extractor.store.store import FeedbackStore

from .conftest import ROOT, run_journey


def test_extract_with_store_writes_labels_back_for_filtered_search(tmp_path):
    store, out = tmp_path / "store", tmp_path / "records.jsonl"
    tickets = str(ROOT / "corpora" / "tickets.jsonl")
    result = run_journey("extract", tickets, "--out", str(out), "--store", str(store))
    assert result.returncode == 0, result.stderr
    assert "labels of 125 records written" in result.stderr
    records = {r["item_id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    found = run_journey("search", "parcel late", "--store", str(store), "--pain-point", "delay", "--json", "-k", "50")
    assert found.returncode == 0, found.stderr
    hits = [json.loads(line) for line in found.stdout.splitlines()]
    expected = {i for i, r in records.items() if "delay" in r["pain_points"]}
    assert hits and {h["metadata"]["item_id"] for h in hits} == expected
    assert all(h["metadata"]["stage"] == records[h["metadata"]["item_id"]]["stage"] for h in hits)

    needs_out = run_journey("extract", tickets, "--store", str(store))
    assert needs_out.returncode == 2 and "needs --out" in needs_out.stderr


def test_gold_ingest_and_few_shot_examples(tmp_path):
    store = tmp_path / "store"
    gold = ROOT / "evals" / "gold" / "pl.jsonl"
    result = run_journey("ingest", str(gold), "--gold", "--store", str(store), "--collection", "gold")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines()]
    st = FeedbackStore.open(path=store, collection="gold", create=False)
    assert st.count() == len(rows)
    probe = rows[5]
    examples = st.similar_examples(probe["text"], k=3)
    assert len(examples) == 3 and all(h.text != probe["text"] for h in examples)
    assert all(h.labels["stage"] and h.metadata.get("extractor") == "gold" for h in examples)
    paraphrase = "Kurier nie przyjechał, a paczka od tygodnia leży w sortowni"
    top = st.similar_examples(paraphrase, k=1)[0]
    assert "delivery" in top.labels["touchpoints"], top


def test_extract_reuses_labels_of_near_duplicates_with_exact_evidence(tmp_path):
    rows = [json.loads(line) for line in (ROOT / "corpora" / "tickets.jsonl").read_text(encoding="utf-8").splitlines()]
    originals = rows[:20]
    copies = [dict(r, id=f"{r['id']}-copy", text="Dzień dobry. " + r["text"]) for r in rows[:10]]
    src = tmp_path / "dups.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in originals + copies), encoding="utf-8")
    out = tmp_path / "records.jsonl"
    result = run_journey("extract", str(src), "--out", str(out), "--store", str(tmp_path / "store"),
                         "--reuse-near-duplicates", "0.85")
    assert result.returncode == 0, result.stderr
    assert "10 records reused from the store, 20 labelled by rules" in result.stderr
    texts = {r["id"]: r["text"] for r in originals + copies}
    records = {r["item_id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert len(records) == 30
    for item_id, record in records.items():
        for event in record["events"]:
            ev = event["evidence"]
            assert texts[item_id][ev["start"]:ev["end"]] == ev["quote"]
    for copy in copies:
        a, b = records[copy["id"]], records[copy["id"].removesuffix("-copy")]
        assert (a["stage"], a["touchpoints"], a["pain_points"], a["emotion"]) == \
            (b["stage"], b["touchpoints"], b["pain_points"], b["emotion"])
