"""The benchmarks a CI job or a dashboard reads: `--json` prints one JSON object with every figure on stdout."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import ROOT


def test_bench_extract_json_is_one_object_on_stdout(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    lines = (ROOT / "corpora" / "tickets.jsonl").read_text(encoding="utf-8").splitlines()
    (data / "tickets.jsonl").write_text("\n".join(lines[:40]) + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_extract.py"), "--data", str(data),
                           "--workers", "1", "--json"], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout)  # nothing else on stdout
    assert [(r["extractor"], r["items"]) for r in figures["extract"]] == [("rules", 40), ("rules", 80)]
    assert all(r["records"] + r["errors"] == r["items"] and r["items_per_s"] > 0 for r in figures["extract"])
    assert {b["n_process"] for b in figures["spacy_baseline"]} == {1}
    assert "pure Python" in figures["build"]
    assert "x spaCy 1p" in done.stderr  # the table, beside the JSON
