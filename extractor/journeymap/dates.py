"""Reading the `created_at` of records as instants: exports write dates in many shapes, and a journey map needs
them for trends, date filters and the order of a customer's items."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from functools import lru_cache

# Shapes seen in real exports besides ISO 8601 (which datetime.fromisoformat reads, 'Z' included).
_FORMATS = (
    "%Y-%m-%d %H:%M:%S %z",  # 2015-02-24 11:35:52 -0800 (Twitter exports)
    "%a %b %d %H:%M:%S %z %Y",  # Tue Oct 31 22:10:47 +0000 2017 (Twitter API)
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",  # 2019/9/24
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",  # 24.09.2019 (Polish exports)
    "%d-%b-%y",  # 31-Jul-18
    "%d %b %Y",
    "%b %d, %Y",
    "%m/%d/%Y",
    "%m/%d/%y",
)
_EPOCH = re.compile(r"\d{9,13}(\.\d+)?")


def parse_time(value: object) -> datetime | None:
    """An aware datetime (naive times are taken as UTC), or None when the value is no date we can read."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_epoch(float(value))
    if not isinstance(value, str):
        return None
    return _parse(value.strip())


@lru_cache(maxsize=65_536)
def _parse(text: str) -> datetime | None:
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = None
        if _EPOCH.fullmatch(text):
            return _from_epoch(float(text))
        for fmt in _FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def _from_epoch(seconds: float) -> datetime | None:
    if seconds > 1e11:  # milliseconds
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def period_of(moment: datetime) -> str:
    """The month of a moment in its own time zone, as the customer lived it: 'YYYY-MM'."""
    return f"{moment.year:04d}-{moment.month:02d}"


def parse_bound(value: str, *, end: bool) -> datetime:
    """A --since/--until bound: a date (the whole day counts) or a date-time; raises ValueError."""
    parsed = _parse(value.strip())
    if parsed is None:
        raise ValueError(f"not a date: {value!r} (use YYYY-MM-DD)")
    if end and len(value.strip()) <= 10:  # a bare date includes its whole day
        parsed = parsed.replace(hour=23, minute=59, second=59, microsecond=999_999)
    return parsed
