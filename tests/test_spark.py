"""`journey extract --engine spark` and `engines.spark.label_dataframe` in Spark's local mode: the records and errors
are the single-machine run's, item for item; an interrupted run resumes. One Spark session (one JVM) per module: the
Spark side runs in this process (the CLI through typer's runner), the single-machine side as the real command."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli import app
from extractor.errors import Interrupted

from .conftest import ROOT, run_journey

pytest.importorskip("pyspark", reason="pyspark is not installed: pip install 'journey-extractor[spark]'")
if shutil.which("java") is None:
    pytest.skip("no Java runtime for Spark (apt-get install default-jre-headless)", allow_module_level=True)

from extractor.engines import spark as engine  # noqa: E402

CORPORA = sorted(str(p) for p in (ROOT / "corpora").glob("*") if p.suffix in (".jsonl", ".csv"))


@pytest.fixture(scope="module")
def session():
    spark = engine.spark_session("local[2]", app_name="journey-tests")
    yield spark
    spark.stop()


def local_run(tmp: Path, inputs: list[str], *options: str) -> tuple[list[str], list[str]]:
    """The single-machine run (the real command): its record lines and error lines."""
    out = tmp / "local.jsonl"
    done = run_journey("extract", *inputs, "--out", str(out), "--quiet", *options)
    assert done.returncode == 0, done.stderr
    return lines(out), lines(tmp / "local.errors.jsonl")


def spark_run(out: Path, inputs: list[str], *options: str):
    """`journey extract --engine spark` in this process (the module's Spark session); the runner's result."""
    args = ["extract", *inputs, "--out", str(out), "--quiet", "--engine", "spark", "--spark-master", "local[2]"]
    return CliRunner().invoke(app, [*args, *options])


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def bad_rows(path: Path) -> str:
    """An input with rows that are not items: empty text, too long (with --max-chars 300), not JSON."""
    rows = [{"id": "ok-1", "text": "The parcel never arrived and the hotline does not answer."},
            {"id": "e", "text": ""}, {"id": "long", "text": "Paczka nie dotarła. " * 20},
            {"id": "ok-2", "text": "Kurier był miły, zwrot szybki."}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows[:2]) + "\n{not json\n"
                    + "\n".join(json.dumps(r, ensure_ascii=False) for r in rows[2:]) + "\n", encoding="utf-8")
    return str(path)


def test_bundled_corpus_equals_the_single_machine_run(session, tmp_path):
    inputs = [*CORPORA, bad_rows(tmp_path / "bad.jsonl")]
    records, errors = local_run(tmp_path, inputs, "--max-chars", "300")
    assert len(records) > 300 and len(errors) >= 3
    result = spark_run(tmp_path / "spark.jsonl", inputs, "--max-chars", "300")
    assert result.exit_code == 0, result.output
    assert lines(tmp_path / "spark.jsonl") == records
    assert lines(tmp_path / "spark.errors.jsonl") == errors


@pytest.mark.slow
@pytest.mark.parametrize("extractor", ["rules", "learned"])
def test_20000_items_of_the_shared_data_equal_the_single_machine_run(session, tmp_path, shared_data, extractor):
    inputs = []
    for source in sorted(shared_data.glob("*.jsonl")):  # the first 2,000 rows of each of the ten sets
        with source.open(encoding="utf-8") as f:
            head = [line for _, line in zip(range(2000), f)]
        (tmp_path / source.name).write_text("".join(head), encoding="utf-8")
        inputs.append(str(tmp_path / source.name))
    records, errors = local_run(tmp_path, inputs, "-x", extractor)
    assert len(records) + len(errors) >= 18_000
    result = spark_run(tmp_path / "spark.jsonl", inputs, "-x", extractor)
    assert result.exit_code == 0, result.output
    assert lines(tmp_path / "spark.jsonl") == records
    assert lines(tmp_path / "spark.errors.jsonl") == errors


def test_an_interrupted_spark_run_resumes_to_the_same_records(session, tmp_path, monkeypatch):
    src = tmp_path / "feedback.jsonl"
    phrases = ["Paczka nie dotarła na czas.", "The app crashes when I pay.", "", "Great quality, fast shipping!"]
    src.write_text("".join(json.dumps({"id": f"i-{n}", "text": f"{phrases[n % 4]} #{n}" if phrases[n % 4] else ""})
                           + "\n" for n in range(3000)), encoding="utf-8")
    records, errors = local_run(tmp_path, [str(src)])

    whole = engine.SparkLabeller.__call__

    def stopped_after_three_batches(self, rows):
        for n, labelled in enumerate(whole(self, rows)):
            if n == 3:
                raise KeyboardInterrupt
            yield labelled

    out = tmp_path / "spark.jsonl"
    monkeypatch.setattr(engine.SparkLabeller, "__call__", stopped_after_three_batches)
    stopped = spark_run(out, [str(src)])
    assert isinstance(stopped.exception, Interrupted)
    assert 0 < len(lines(out)) < len(records)
    with out.open("a", encoding="utf-8") as f:
        f.write('{"item_id": "half a line of a killed wri')  # a kill in the middle of a write
    monkeypatch.setattr(engine.SparkLabeller, "__call__", whole)
    resumed = spark_run(out, [str(src)], "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert lines(out) == records
    assert lines(tmp_path / "spark.errors.jsonl") == errors


def test_label_dataframe_gives_a_user_frame_the_records_of_the_same_rows_in_a_file(session, tmp_path):
    rows = [json.loads(line) for line in (ROOT / "corpora" / "tickets.jsonl").read_text(encoding="utf-8").splitlines()]
    rows += [{**rows[0], "id": "blank", "text": "  "}, {**rows[1], "id": "none", "text": None}]
    columns = list(rows[0])
    frame = session.createDataFrame([tuple(r[c] for c in columns) for r in rows],
                                    ", ".join(f"{c} string" for c in columns)).repartition(3, "id").sort("id")
    ordered = sorted(rows, key=lambda r: r["id"])  # the frame's order, which its origins count
    frame_src = tmp_path / "ordered.jsonl"
    frame_src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ordered), encoding="utf-8")
    records, errors = local_run(tmp_path, [str(frame_src)])

    got = engine.label_dataframe(frame, id_col="id", name=str(frame_src)).collect()
    assert [r.record for r in got if r.record is not None] == records
    assert [r.error for r in got if r.error is not None] == errors
    assert [r.origin for r in got] == [f"{frame_src}:{n}" for n in range(1, len(rows) + 1)]
    assert [r.item_id for r in got] == [r["id"] for r in ordered]

    columns = engine.record_columns(session.createDataFrame(got)).collect()
    assert [row.asDict(recursive=True) for row in columns] == [json.loads(line) for line in records]


def test_label_dataframe_names_a_missing_column(session):
    frame = session.createDataFrame([("a", "hello")], "id string, body string")
    with pytest.raises(engine.UsageError, match="text field 'message'"):
        engine.label_dataframe(frame, text_col="message")


def test_missing_pyspark_or_java_is_said_with_what_to_install(monkeypatch):
    monkeypatch.setattr(engine.shutil, "which", lambda name: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(engine.SparkMissing, match="default-jre-headless"):
        engine.require_spark()
    monkeypatch.setitem(__import__("sys").modules, "pyspark", None)
    with pytest.raises(engine.SparkMissing, match=r"journey-extractor\[spark\]"):
        engine.require_spark()


def test_the_llm_extractor_is_refused_on_spark_with_the_way_to_do_it(tmp_path):
    done = run_journey("extract", CORPORA[0], "--out", str(tmp_path / "r.jsonl"), "--engine", "spark",
                       "-x", "llm", "--base-url", "http://127.0.0.1:9/v1")
    assert done.returncode == 2
    assert "--batch-api" in done.stderr and "Traceback" not in done.stderr


def test_a_bad_master_url_is_refused_before_spark_starts(tmp_path):
    out = tmp_path / "r.jsonl"
    done = run_journey("extract", CORPORA[0], "--out", str(out), "--engine", "spark", "--spark-master", "lcoal[2]")
    assert done.returncode == 2 and "not a Spark master URL" in done.stderr
    assert "Exception" not in done.stderr and not out.exists()
