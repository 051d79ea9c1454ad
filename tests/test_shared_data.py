"""Acceptance over all real feedback in ../shared/data: one record or one error line per item, exact evidence."""

from __future__ import annotations

import json

from extractor.taxonomy import default_taxonomy

from .conftest import run_journey


def test_every_real_item_ends_as_one_valid_record_or_one_error(shared_data, tmp_path):
    files = sorted(shared_data.glob("*.jsonl"))
    out = tmp_path / "records.jsonl"
    result = run_journey("extract", *map(str, files), "--out", str(out), timeout=900)
    assert result.returncode == 0, result.stderr
    texts: dict[str, str] = {}
    for f in files:
        with f.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if line.strip():
                    texts[f"{f}:{n}"] = json.loads(line)["text"]
    tax = default_taxonomy()
    stages, emotions = set(tax.stage_ids()), set(tax.emotion_ids())
    touchpoints, pains = set(tax.touchpoint_ids()), set(tax.pain_point_ids())
    seen: set[str] = set()
    with out.open(encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            assert r["origin"] not in seen
            seen.add(r["origin"])
            text = texts[r["origin"]]
            assert r["stage"] in stages and r["emotion"] in emotions
            assert set(r["touchpoints"]) <= touchpoints and set(r["pain_points"]) <= pains
            assert -1 <= r["sentiment"] <= 1 and r["taxonomy_id"] == "default@1"
            for e in r["events"]:
                ev = e["evidence"]
                assert text[ev["start"]:ev["end"]] == ev["quote"], r["origin"]
                assert e["stage"] in stages
    errors_path = tmp_path / "records.errors.jsonl"
    errors = [json.loads(x) for x in errors_path.read_text(encoding="utf-8").splitlines()] if errors_path.exists() else []
    for e in errors:
        key = f"{e['file']}:{e['line']}"
        assert key in texts and key not in seen
        seen.add(key)
    assert seen == set(texts)
