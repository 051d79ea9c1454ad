"""`journey export`, `journey extract --out records.csv|.parquet|.xlsx` and `journey map --out map.xlsx`: pandas
reads every format back with the records' values and types, the events table holds the records' events, texts that
a spreadsheet would run as formulas are guarded, and bad input is named, not fatal."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from extractor.exports import EVENT_COLUMNS, RECORD_COLUMNS, events_path, export_records
from extractor.records import SkippedLine
from extractor.schema import LABEL_FIELDS

from .conftest import ROOT, run_journey

CORPUS = [str(ROOT / "corpora" / name) for name in ("reviews.csv", "tickets.jsonl", "survey.csv", "social.jsonl")]
FORMULAS = ["=HYPERLINK(\"http://x\",\"click\")", "+48 600 100 200", "-1 star", "@SUM(A1)", "\tindented"]
FORMATS = ["csv", "parquet", "xlsx"]


@pytest.fixture(scope="module")
def corpus_records(tmp_path_factory) -> Path:
    """The bundled corpus's records (the rules extractor)."""
    out = tmp_path_factory.mktemp("corpus") / "records.jsonl"
    result = run_journey("extract", *CORPUS, "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def records_file(corpus_records, tmp_path_factory) -> Path:
    """The corpus's records plus records as the llm and learned extractors write them, Polish letters, texts that
    start like formulas, and a record without events."""
    records = [json.loads(line) for line in corpus_records.read_text(encoding="utf-8").splitlines()]
    llm, learned, formulas = records[0], records[1], records[2]
    llm["llm"] = {"outcome": "repaired", "problems": ["stage: 'x|y' is not a stage", "a, b; \"c\""],
                  "model": "gpt-4o-mini", "prompt_id": "journey-v16"}
    llm.update(extractor="llm", model="gpt-4o-mini", prompt_id="journey-v16",
               customer_goal="zażółć gęślą jaźń")
    learned["learned"] = {"model": "m-1", "fields": {"stage": 0.81, "moment_of_truth": 0.9}}
    formulas["customer_goal"] = FORMULAS[0]
    formulas["customer_id"] = FORMULAS[1]
    formulas["events"] = [{"stage": formulas["stage"], "touchpoint": None, "emotion": None, "pain_point": None,
                           "evidence": {"quote": quote, "start": 0, "end": len(quote)}} for quote in FORMULAS]
    records[3]["events"] = []
    records[3]["moment_of_truth"] = True
    path = tmp_path_factory.mktemp("records") / "records.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def expected_record(record: dict) -> dict:
    """The row a record should read back as, from the record itself: its fields, `llm` and `learned` flattened."""
    llm, learned = record.get("llm") or {}, record.get("learned") or {}
    row = {name: record.get(name) for name in (c.name for c in RECORD_COLUMNS)
           if not name.startswith(("llm_", "learned_"))}
    row.update({f"llm_{key}": llm.get(key) for key in ("outcome", "problems", "model", "prompt_id")})
    row["learned_model"] = learned.get("model")
    row.update({f"learned_confidence_{f}": (learned.get("fields") or {}).get(f) for f in LABEL_FIELDS})
    return row


def expected_events(records: list[dict]) -> list[dict]:
    return [{"item_id": r["item_id"], "event": n, "stage": e["stage"], "touchpoint": e["touchpoint"],
             "emotion": e["emotion"], "pain_point": e["pain_point"], **e["evidence"]}
            for r in records for n, e in enumerate(r["events"])]


def read_back(path: Path, fmt: str, columns) -> list[dict]:
    """A table as pandas reads it, values made plain again the way the README tells a reader to: CSV's guard
    quote removed, joined lists split on '|', JSON lists parsed; empty cells None."""
    kinds = {c.name: c.kind for c in columns}
    if fmt == "parquet":
        frame = pd.read_parquet(path)
    elif fmt == "csv":
        frame = pd.read_csv(path, dtype={n: "string" for n, k in kinds.items() if k in ("str", "list", "texts")})
    else:
        frame = pd.read_excel(path, sheet_name="records" if columns == RECORD_COLUMNS else "events",
                              dtype={n: "string" for n, k in kinds.items() if k in ("str", "list", "texts")})
    assert list(frame.columns) == list(kinds)
    check_types(frame, kinds)
    return [{name: plain(value, kinds[name], fmt) for name, value in row.items()}
            for row in frame.to_dict(orient="records")]


def check_types(frame: pd.DataFrame, kinds: dict[str, str]) -> None:
    for name, kind in kinds.items():
        column = frame[name]
        if kind == "float":
            assert column.dtype == "float64", name
        elif kind == "bool":
            assert column.dtype == "bool", name
        elif kind == "int":
            assert column.dtype == "int64", name


def plain(value, kind: str, fmt: str):
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return [] if kind == "list" else None
    if fmt == "parquet":
        return list(value) if kind in ("list", "texts") else value
    if kind == "list":
        return value.split("|")
    if kind == "texts":
        return json.loads(value)
    if kind == "str" and fmt == "csv" and value[:1] == "'" and value[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        return value[1:]
    return value


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_reads_back_as_the_records(records_file, tmp_path, fmt):
    out = tmp_path / f"records.{fmt}"
    skipped: list[SkippedLine] = []
    result = export_records([records_file], out, fmt, skipped)
    records = load(records_file)
    assert (result.records, skipped, result.refused) == (len(records), [], [])
    rows = read_back(out, fmt, RECORD_COLUMNS)
    assert rows == [expected_record(r) for r in records]
    assert isinstance(rows[0]["sentiment"], float) and isinstance(rows[0]["moment_of_truth"], bool)
    events_file = out if fmt == "xlsx" else events_path(out)
    events = read_back(events_file, fmt, EVENT_COLUMNS)
    assert events == expected_events(records) and result.events == len(events) > len(records)


def test_parquet_columns_are_typed_and_lists_are_lists(records_file, tmp_path):
    import pyarrow.parquet as pq

    out = tmp_path / "records.parquet"
    export_records([records_file], out, "parquet", [])
    schema = pq.read_schema(out)
    assert str(schema.field("touchpoints").type) == "list<element: string>"
    assert str(schema.field("sentiment").type) == "double" and str(schema.field("moment_of_truth").type) == "bool"
    assert str(pq.read_schema(events_path(out)).field("start").type) == "int64"


def test_csv_guards_formulas_and_starts_with_a_byte_order_mark(records_file, tmp_path):
    out = tmp_path / "records.csv"
    export_records([records_file], out, "csv", [])
    assert out.read_bytes().startswith(b"\xef\xbb\xbfitem_id,")
    with events_path(out).open(encoding="utf-8-sig", newline="") as f:
        quotes = {row["quote"] for row in csv.DictReader(f)}
    assert {f"'{quote}" for quote in FORMULAS} <= quotes and not set(FORMULAS) & quotes
    assert not any(q.startswith(("=", "+", "-", "@", "\t")) for q in quotes)
    with out.open(encoding="utf-8-sig", newline="") as f:
        assert f"'{FORMULAS[0]}" in {row["customer_goal"] for row in csv.DictReader(f)}


def test_xlsx_writes_formula_like_texts_as_text_cells(records_file, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "records.xlsx"
    export_records([records_file], out, "xlsx", [])
    book = load_workbook(out, read_only=True)
    cells = [c for row in book["events"].iter_rows(min_row=2) for c in row if c.value in FORMULAS]
    assert {c.value for c in cells} == set(FORMULAS)
    assert {c.data_type for c in cells} == {"s"}  # text, never "f" (a formula)


def test_a_sheet_past_excels_row_limit_is_a_usage_error_and_leaves_nothing(records_file, tmp_path, monkeypatch):
    import tempfile

    from extractor.errors import UsageError
    from extractor.exports import xlsx_out

    monkeypatch.setattr(xlsx_out, "MAX_ROWS", 50)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(UsageError, match="sheet 'records': more than 49 rows, Excel's limit"):
        export_records([records_file], tmp_path / "out.xlsx", "xlsx", [])
    assert list(tmp_path.iterdir()) == []


def test_a_label_holding_the_separator_is_refused_and_named(corpus_records, tmp_path):
    records = load(corpus_records)[:3]
    records[1]["touchpoints"] = ["delivery|phone"]
    path = tmp_path / "bad.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = export_records([path], tmp_path / "out.csv", "csv", [])
    assert result.records == 2 and len(result.refused) == 1 and records[1]["item_id"] in result.refused[0]


def test_the_command_names_a_bad_line_and_exports_the_rest(corpus_records, tmp_path):
    lines = corpus_records.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join([lines[0], "{not json", *lines[1:5]]) + "\n", encoding="utf-8")
    out = tmp_path / "out.xlsx"
    result = run_journey("export", str(path), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert f"skipped {path}:2: not a JSON line" in result.stderr
    assert "exported 5 records" in result.stderr
    assert len(pd.read_excel(out, sheet_name="records")) == 5


@pytest.mark.parametrize("args, message", [
    (["--to", "ods"], "--to ods: unknown format; use csv, parquet or xlsx"),
    ([], "cannot tell the format from '.txt'"),
])
def test_an_unknown_format_is_a_usage_error(corpus_records, tmp_path, args, message):
    result = run_journey("export", str(corpus_records), "--out", str(tmp_path / "out.txt"), *args)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_an_unwritable_path_is_a_usage_error(corpus_records, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = run_journey("export", str(corpus_records), "--out", str(blocker / "out.parquet"))
    assert result.returncode == 2 and f"cannot write {blocker / 'out.parquet'}" in result.stderr
    assert "Traceback" not in result.stderr


def test_extract_to_parquet_equals_extract_then_export(corpus_records, tmp_path):
    out = tmp_path / "direct.parquet"
    result = run_journey("extract", *CORPUS, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert f"to {out} and {events_path(out)}" in result.stderr
    exported = tmp_path / "exported.parquet"
    export_records([corpus_records], exported, "parquet", [])
    assert pd.read_parquet(out).equals(pd.read_parquet(exported))
    assert pd.read_parquet(events_path(out)).equals(pd.read_parquet(events_path(exported)))
    assert (tmp_path / "direct.jsonl").read_text(encoding="utf-8") == corpus_records.read_text(encoding="utf-8")


def test_extract_to_csv_resumes_from_the_json_lines_beside_it(tmp_path):
    out = tmp_path / "records.csv"
    first = run_journey("extract", CORPUS[1], "--out", str(out), "--quiet")
    assert first.returncode == 0, first.stderr
    again = run_journey("extract", CORPUS[1], CORPUS[3], "--out", str(out), "--resume", "--quiet")
    assert again.returncode == 0, again.stderr
    records = load(tmp_path / "records.jsonl")
    assert len(records) == len({r["origin"] for r in records}) == len(pd.read_csv(out))


@pytest.mark.parametrize("lang, stage_sheet, records_heading", [("en", "Stages", "Records"),
                                                               ("pl", "Etapy", "Rekordy")])
def test_map_writes_its_tables_as_a_workbook(corpus_records, tmp_path, lang, stage_sheet, records_heading):
    out = tmp_path / "map.xlsx"
    result = run_journey("map", str(corpus_records), "--out", str(out), "--lang", lang)
    assert result.returncode == 0, result.stderr
    sheets = pd.read_excel(out, sheet_name=None)
    data = json.loads(run_journey("map", str(corpus_records), "--out", str(tmp_path / "map.json"),
                                  "--lang", lang).returncode == 0 and (tmp_path / "map.json").read_text())
    stages = sheets[stage_sheet]
    assert list(stages["id"]) == [s["id"] for s in data["stages"]]
    assert list(stages[records_heading]) == [s["count"] for s in data["stages"]]
    assert stages[records_heading].sum() == len(load(corpus_records))
    assert len(sheets) >= 12 and all(len(name) <= 31 for name in sheets)
