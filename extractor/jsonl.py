"""Reading our own JSON Lines outputs (records, error lines) with errors that name file and line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from .errors import UsageError


def read_json_lines(path: Path, error: type[UsageError] = UsageError) -> Iterator[tuple[int, object]]:
    """(line number, parsed value) of each non-blank line; a line that is not JSON raises `error`."""
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield n, json.loads(line)
            except json.JSONDecodeError as exc:
                raise error(f"{path}:{n}: not a JSON line ({exc.msg})") from None
