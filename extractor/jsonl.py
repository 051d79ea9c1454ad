"""Reading our own JSON Lines outputs (records, error lines) with errors that name file and line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Iterator

from .errors import UsageError


def json_lines(lines: Iterable[str]) -> Iterator[tuple[int, Any, str | None]]:
    """(line number, parsed value, problem) of each non-blank line; for a line that is not JSON the value is None
    and the problem says why, so a caller can stop on it or skip it and name it."""
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield n, json.loads(line), None
        except json.JSONDecodeError as exc:
            yield n, None, f"not a JSON line ({exc.msg})"


def read_json_lines(path: Path, error: type[UsageError] = UsageError) -> Iterator[tuple[int, object]]:
    """(line number, parsed value) of each non-blank line; a line that is not JSON raises `error`."""
    with path.open(encoding="utf-8") as f:
        for n, value, problem in json_lines(f):
            if problem is not None:
                raise error(f"{path}:{n}: {problem}")
            yield n, value
