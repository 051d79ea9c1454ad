"""The benchmarks a CI job or a dashboard reads: `--json` prints one JSON object with every figure on stdout."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import ROOT


def corpus_folder(tmp_path, *names: str):
    """A data folder holding these files of the bundled corpus."""
    data = tmp_path / "data"
    data.mkdir()
    for name in names:
        (data / name).write_text((ROOT / "corpora" / name).read_text(encoding="utf-8"), encoding="utf-8")
    return data


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


def test_bench_store_json_times_language_filters_with_queries_in_their_language(tmp_path):
    data = corpus_folder(tmp_path, "social.jsonl", "tickets.jsonl")
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_store.py"), "--data", str(data),
                           "--sizes", "400", "--modes", "embedded", "--queries", "8", "--recall-queries", "4",
                           "--json"], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout)
    (result,) = figures["results"]
    assert (result["size"], result["count"], result["added"]) == (400, 400, 400)
    rows = [result["search"], *result["filtered"]]
    by_language = {row["filter"]["lang"]: row for row in rows if row["budget"] and row["filter"]
                   and "lang" in row["filter"]}
    assert {lang: row["queries"] for lang, row in by_language.items()} == {"en": "en", "pl": "pl"}
    unbudgeted = [row for row in rows if not row["budget"]]
    assert [(row["filter"], row["queries"]) for row in unbudgeted] == [({"lang": "pl"}, "all")]
    assert all(0.0 <= row["recall_at_10"] <= 1.0 and row["n"] == 8 for row in rows)
    assert result["worst_filtered"]["p95_ms"] == max(row["p95_ms"] for row in rows[1:] if row["budget"])
    assert "lang=pl (pl queries)" in done.stderr


def test_bench_store_on_a_server_answers_exactly_from_the_clients_copy(tmp_path):
    """Server mode starts its own `chroma run`; searches go through the client's local copy (mirror.py), which
    compares every item, so recall@10 against brute force over the server's vectors is 1 on every row."""
    data = corpus_folder(tmp_path, "social.jsonl", "tickets.jsonl")
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_store.py"), "--data", str(data),
                           "--sizes", "600", "--modes", "server", "--queries", "8", "--recall-queries", "8",
                           "--json"], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    (result,) = json.loads(done.stdout)["results"]
    assert (result["mode"], result["count"]) == ("server", 600)
    rows = [result["search"], *result["filtered"]]
    assert [row["recall_at_10"] for row in rows] == [1.0] * len(rows)
    assert result["first_search_s"] > 0


def test_bench_store_memory_json_compares_the_store_with_chroma_alone(tmp_path):
    data = corpus_folder(tmp_path, "tickets.jsonl")
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_store_memory.py"), "--data", str(data),
                           "--size", "10000", "--every", "5000", "--json"], capture_output=True, text=True,
                          timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout)
    assert [row["items"] for row in figures["rows"]] == [5000, 10000]
    last = figures["rows"][-1]
    assert last["chroma_peak_pss_mb"] > 0 and last["store_peak_pss_mb"] > 0
    assert last["store_extra_mb"] == round(last["store_peak_pss_mb"] - last["chroma_peak_pss_mb"], 1)
    assert "extra MB" in done.stderr
