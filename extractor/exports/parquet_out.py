"""A table as Parquet through pyarrow: typed columns (string, double, int64, bool; lists as list<string>), written a
row group at a time, so memory stays flat however many records there are."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from ..errors import UsageError
from ..records import RECORDS_HINT
from .columns import Column

ROW_GROUP = 50_000


def arrow_schema(columns: Sequence[Column]):
    import pyarrow as pa

    types = {"str": pa.string(), "float": pa.float64(), "int": pa.int64(), "bool": pa.bool_(),
             "list": pa.list_(pa.string()), "texts": pa.list_(pa.string())}
    return pa.schema([pa.field(c.name, types[c.kind]) for c in columns])


def typed_array(values: Sequence[Any], field):
    """A column's values as an Arrow array of its type; a value that does not fit (a hand-edited record) is a
    UsageError naming the column."""
    import pyarrow as pa

    try:
        return pa.array(values, type=field.type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError) as exc:
        raise UsageError(f"column '{field.name}': a value is not {field.type} ({exc}); {RECORDS_HINT}") from None


class ParquetTable:
    """Rows of `columns` streamed to a Parquet file in row groups of ROW_GROUP rows."""

    def __init__(self, path: Path, columns: Sequence[Column]):
        import pyarrow.parquet as pq

        self.schema = arrow_schema(columns)
        self.writer = pq.ParquetWriter(str(path), self.schema, compression="zstd")
        self.pending: list[Sequence[Any]] = []

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        self.pending.extend(rows)
        if len(self.pending) >= ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        rows, self.pending = self.pending, []
        if not rows:
            return
        values = list(zip(*rows))
        arrays = [typed_array(column, field) for column, field in zip(values, self.schema)]
        self.writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))

    def close(self) -> None:
        try:
            self._flush()
        finally:
            self.writer.close()
