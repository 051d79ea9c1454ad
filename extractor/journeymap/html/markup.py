"""Small pieces of HTML every part of the page uses: escaping, definition lists, table headings."""

from __future__ import annotations

from html import escape
from typing import Iterable


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def definitions(pairs: Iterable[tuple[object, object]]) -> str:
    """The <dt>/<dd> pairs of a definition list, escaped."""
    return "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in pairs)


def th(label: str, numeric: bool) -> str:
    return f'<th class="num">{esc(label)}</th>' if numeric else f"<th>{esc(label)}</th>"


def with_code(text: str) -> str:
    """Escape a UI sentence and set its `backticked` commands in code."""
    pieces = esc(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(pieces))

