"""Cells of the text formats (CSV, Excel): lists joined, free-text lists as JSON, and the guard against formula
injection: a text that starts with =, +, -, @, a tab or a carriage return would be run as a formula by a
spreadsheet that opens a CSV, so CSV writes it behind a single quote (OWASP's advice); Excel cells are written
as text, which a spreadsheet never runs."""

from __future__ import annotations

import json
from typing import Any, Callable, Sequence

from .columns import SEPARATOR, Column

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guarded(text: str) -> str:
    """A CSV cell's text that no spreadsheet runs as a formula: a leading "'" before a formula's first character."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell_converters(columns: Sequence[Column], text: Callable[[str], str]) -> list[Callable[[Any], Any]]:
    """One converter per column: lists joined with SEPARATOR, free-text lists as a JSON array, texts through
    `text`; numbers, booleans and None as they are (each writer spells those)."""
    def joined(value: Any) -> Any:
        return text(SEPARATOR.join(value)) if isinstance(value, list) else value

    def as_json(value: Any) -> Any:
        return text(json.dumps(value, ensure_ascii=False)) if isinstance(value, list) else value

    def plain(value: Any) -> Any:
        return text(value) if isinstance(value, str) else value

    return [{"list": joined, "texts": as_json}.get(c.kind, plain) for c in columns]


def converted(row: Sequence[Any], converters: Sequence[Callable[[Any], Any]]) -> list[Any]:
    return [convert(value) for convert, value in zip(converters, row)]
