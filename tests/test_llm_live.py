"""The live tier: a real model with a real key. Runs only with `pytest --live` and OPENAI_API_KEY set (it costs a
few cents); never in CI. Checks what only a real model can show: labels from the taxonomy, quotes in the text."""

from __future__ import annotations

import json
import os

import pytest

from .conftest import ROOT, run_journey

pytestmark = pytest.mark.live


@pytest.fixture
def key():
    if not os.environ.get("OPENAI_API_KEY"):
        pytest.skip("live tier: OPENAI_API_KEY is not set")


def test_a_real_model_labels_bundled_tickets_with_grounded_evidence(key, tmp_path):
    sample = tmp_path / "sample.jsonl"
    rows = (ROOT / "corpora" / "tickets.jsonl").read_text(encoding="utf-8").splitlines()[:8]
    sample.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "records.jsonl"
    done = run_journey("extract", str(sample), "--extractor", "llm", "--no-cache", "--out", str(out))
    assert done.returncode == 0, done.stderr
    texts = [json.loads(r)["text"] for r in rows]
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 8
    assert sum(r["llm"]["outcome"] != "fallback" for r in records) >= 6
    for record, text in zip(records, texts):
        assert all(text[e["evidence"]["start"]:e["evidence"]["end"]] == e["evidence"]["quote"] for e in record["events"])
