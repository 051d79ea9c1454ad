"""Cells of the text formats (CSV, Excel): lists joined, free-text lists as JSON, and the guard against formula
injection: a text that starts with =, +, -, @, a tab or a carriage return would be run as a formula by a
spreadsheet that opens a CSV, so CSV writes it behind a single quote (OWASP's advice); Excel cells are written
as text, which a spreadsheet never runs."""

from __future__ import annotations

import json
from typing import Any, Callable, Sequence

from .columns import SEPARATOR, Column

Converter = Callable[[Any], Any]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guarded(text: str) -> str:
    """A CSV cell's text that no spreadsheet runs as a formula: a leading "'" before a formula's first character."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell_converters(columns: Sequence[Column], text: Callable[[str], str] | None) -> list[tuple[int, Converter]]:
    """(column index, converter) for each column whose values need one: lists joined with SEPARATOR, free-text
    lists as a JSON array, texts through `text` (no converter for them when `text` is None); numbers, booleans
    and None stay as they are (each writer spells those)."""
    guard = text or str

    def joined(value: Any) -> Any:
        return guard(SEPARATOR.join(value)) if isinstance(value, list) else value

    def as_json(value: Any) -> Any:
        return guard(json.dumps(value, ensure_ascii=False)) if isinstance(value, list) else value

    def plain(value: Any) -> Any:
        return guard(value) if isinstance(value, str) else value

    found: list[tuple[int, Converter]] = []
    for i, column in enumerate(columns):
        convert = {"list": joined, "texts": as_json}.get(column.kind, plain if text is not None else None)
        if convert is not None:
            found.append((i, convert))
    return found


def converted(row: Sequence[Any], converters: Sequence[tuple[int, Converter]]) -> list[Any]:
    """The row's cells, each converted by its column's converter."""
    cells = list(row)
    for i, convert in converters:
        cells[i] = convert(cells[i])
    return cells
