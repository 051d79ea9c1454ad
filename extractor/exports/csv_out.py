"""A table as CSV: UTF-8 with a byte-order mark (Excel reads UTF-8, Polish letters included, only with it; pandas
and Python's csv with encoding 'utf-8-sig' skip it), a header row, empty cells for null, true/false for booleans,
texts guarded against formula injection (cells.py)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Sequence

from .cells import cell_converters, converted, guarded
from .columns import Column

ENCODING = "utf-8-sig"


def _spelled(value: Any) -> Any:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return value


class CsvTable:
    """Rows of `columns` streamed to a CSV file."""

    def __init__(self, path: Path, columns: Sequence[Column]):
        self.file = path.open("w", encoding=ENCODING, newline="")
        self.writer = csv.writer(self.file)
        self.writer.writerow([c.name for c in columns])
        self.converters = cell_converters(columns, guarded)
        self.flags = [i for i, c in enumerate(columns) if c.kind == "bool"]

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        converters, flags = self.converters, self.flags
        out = []
        for row in rows:
            cells = converted(row, converters)
            for i in flags:
                cells[i] = _spelled(cells[i])
            out.append(cells)
        self.writer.writerows(out)

    def close(self) -> None:
        self.file.close()
