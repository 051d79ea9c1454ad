"""Named tables (a header row and rows of plain values) as the sheets of one Excel workbook: the journey map's
data (`journey map --out map.xlsx`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from ..errors import UsageError
from .columns import Column


@dataclass(frozen=True)
class Table:
    """One sheet: its title (at most 31 characters, Excel's limit), column headers and rows."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]


def write_workbook(tables: Sequence[Table], out: Path) -> None:
    """The tables as the sheets of one .xlsx workbook, in order."""
    from .xlsx_out import XlsxBook

    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        book = XlsxBook(out)
        for table in tables:
            sheet = book.sheet(table.title[:31], [Column(h, "str") for h in table.headers])
            sheet.write([list(row) for row in table.rows])
        book.save()
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
