"""Records files into a records table and an events table, in one streaming pass: CSV or Parquet as two files
(`records.csv` and `records.events.csv`), Excel as one workbook with the sheets `records` and `events`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

from ..errors import UsageError
from ..records import SkippedLine, read_records
from .columns import EVENT_COLUMNS, RECORD_COLUMNS, event_rows, record_row, separator_problem

FORMATS: dict[str, str] = {".csv": "csv", ".parquet": "parquet", ".xlsx": "xlsx"}
BATCH = 2_000  # records converted and handed to the writers at a time


@dataclass
class ExportResult:
    """What an export wrote: the records and events counts, the files, and the records it refused (a list label
    holding the separator), by item id."""

    records: int = 0
    events: int = 0
    files: list[Path] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def format_of(out: Path, to: Optional[str] = None) -> str:
    """csv, parquet or xlsx: `to` when given, else from the file's suffix; anything else is a UsageError."""
    if to is not None:
        if to not in FORMATS.values():
            raise UsageError(f"--to {to}: unknown format; use csv, parquet or xlsx")
        return to
    found = FORMATS.get(out.suffix.lower())
    if found is None:
        raise UsageError(f"--out {out}: cannot tell the format from '{out.suffix}'; name a .csv, .parquet or .xlsx "
                         "file, or pass --to")
    return found


def events_path(out: Path) -> Path:
    """The events table beside a CSV or Parquet records table: records.csv -> records.events.csv."""
    return out.with_name(f"{out.stem}.events{out.suffix}")


@dataclass
class _Tables:
    """The two tables being written, how to finish the file(s), and how to give up on them after an error."""

    records: Any
    events: Any
    files: list[Path]
    finish: Callable[[], None] = lambda: None
    abort: Callable[[], None] = lambda: None

    def close(self) -> None:
        self.records.close()
        self.events.close()


def _open_tables(fmt: str, out: Path) -> _Tables:
    if fmt == "xlsx":
        from .xlsx_out import XlsxBook

        book = XlsxBook(out)
        return _Tables(book.sheet("records", RECORD_COLUMNS), book.sheet("events", EVENT_COLUMNS), [out],
                       book.save, book.discard)
    if fmt == "csv":
        from .csv_out import CsvTable as Table
    else:
        from .parquet_out import ParquetTable as Table  # type: ignore[assignment]
    records = Table(out, RECORD_COLUMNS)
    try:
        events = Table(events_path(out), EVENT_COLUMNS)
    except BaseException:
        records.close()
        raise
    return _Tables(records, events, [out, events_path(out)])


def export_records(paths: Iterable[Path], out: Path, fmt: str, skipped: list[SkippedLine],
                   tick: Callable[[int], None] | None = None) -> ExportResult:
    """Every record of the records files (read by `read_records`; lines that are not records go to `skipped`)
    written to `out` in `fmt`; `tick(records so far)` after each batch."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tables = _open_tables(fmt, out)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    result = ExportResult(files=tables.files)
    try:
        batch: list[dict[str, Any]] = []
        for record in read_records(paths, skipped):
            batch.append(record)
            if len(batch) == BATCH:
                _write_batch(batch, tables, result, tick)
                batch = []
        _write_batch(batch, tables, result, tick)
        tables.close()
        tables.finish()
    except BaseException:
        tables.close()
        tables.abort()
        raise
    return result


def _write_batch(batch: list[dict[str, Any]], tables: _Tables, result: ExportResult,
                 tick: Callable[[int], None] | None) -> None:
    rows, events = [], []
    for record in batch:
        row = record_row(record)
        problem = separator_problem(row)
        if problem is not None:
            result.refused.append(f"record {record.get('item_id')!r} ({record.get('origin')}): {problem}")
            continue
        rows.append(row)
        events.extend(event_rows(record))
    tables.records.write(rows)
    tables.events.write(events)
    result.records += len(rows)
    result.events += len(events)
    if tick is not None:
        tick(result.records)
