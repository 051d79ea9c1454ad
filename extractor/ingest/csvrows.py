"""CSV/TSV rows with exact start lines, delimiter sniffing, and recovery from a broken quote."""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterator
from typing import Any

from extractor.ingest.fields import MISSING
from extractor.ingest.jsonrows import Fault

Line = tuple[int, str, bool]
DELIMITERS = (",", ";", "\t", "|")
_FIELD_LIMIT = 2**31 - 1


class HeaderError(ValueError):
    """The header row is missing or cannot be parsed."""


class _RecordTooLong(Exception):
    """A record grew past the limit over several lines: most likely an unclosed quote."""


def sniff_delimiter(line: str, default: str) -> str:
    """The most frequent of , ; TAB | outside quotes in the header line (the default on a tie or none)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: (counts[d], d == default))
    return best if counts[best] else default


class _LineFeed:
    """Hands physical lines to csv.reader, keeping those of the current record so a bad one can be re-read."""

    def __init__(self, lines: Iterator[Line], max_record_chars: int):
        self._lines = lines
        self._again: deque[Line] = deque()
        self._limit = max_record_chars
        self.record: list[Line] = []
        self._size = 0

    def __iter__(self) -> _LineFeed:
        return self

    def take(self) -> Line:
        """The next physical line, re-read ones first."""
        return self._again.popleft() if self._again else next(self._lines)

    def __next__(self) -> str:
        line = self.take()
        self.record.append(line)
        self._size += len(line[1])
        if self._size > self._limit and len(self.record) > 1:
            raise _RecordTooLong
        return line[1] + "\n"

    def start(self) -> None:
        """Begin a new record."""
        self.record = []
        self._size = 0

    def again(self, lines: list[Line]) -> None:
        """Put lines back to be read before any new ones."""
        self._again.extendleft(reversed(lines))


class CsvRows:
    """Parses the header eagerly; iterating yields (start line, {column: value}) or (start line, Fault)."""

    def __init__(self, lines: Iterator[Line], default_delimiter: str, max_record_chars: int, bad_bytes: str):
        # csv refuses fields over 128 KiB; lines are already in memory and runaway quotes are capped by the
        # feed, so lift the (process-wide) limit and let max_chars judge long texts.
        if csv.field_size_limit() < _FIELD_LIMIT:
            csv.field_size_limit(_FIELD_LIMIT)
        self._feed = _LineFeed(lines, max_record_chars)
        self._bad_bytes = bad_bytes
        self.delimiter = default_delimiter
        self.columns, self.header_line = self._header(default_delimiter)
        self._reader = csv.reader(self._feed, delimiter=self.delimiter, strict=True)

    def _header(self, default: str) -> tuple[list[str], int]:
        """Read the header row (after blank lines and an Excel 'sep=' line) and name its columns uniquely."""
        feed = self._feed
        while True:
            try:
                number, text, bad = feed.take()
            except StopIteration:
                raise HeaderError("file has no header row") from None
            stripped = text.strip()
            if not stripped:
                continue
            if stripped.lower().startswith("sep=") and len(stripped) == 5:
                default = self.delimiter = stripped[4]  # Excel's "sep=;" line names the delimiter
                continue
            self.delimiter = sniff_delimiter(text, default)
            feed.again([(number, text, bad)])
            break
        feed.start()
        try:
            row = next(csv.reader(feed, delimiter=self.delimiter, strict=True))
        except (csv.Error, _RecordTooLong) as exc:
            raise HeaderError(
                f"header row (line {feed.record[0][0]}) cannot be parsed: {exc or 'unclosed quote'}"
            ) from None
        seen: dict[str, int] = {}
        columns = []
        for index, name in enumerate(row):
            name = name.strip() or f"column_{index + 1}"
            seen[name] = seen.get(name, 0) + 1
            columns.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
        return columns, feed.record[0][0]

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any] | Fault]]:
        feed, width, columns = self._feed, len(self.columns), self.columns
        while True:
            feed.start()
            try:
                row = next(self._reader)
            except StopIteration:
                return
            except (csv.Error, _RecordTooLong) as exc:
                record = feed.record
                yield record[0][0], Fault(_broken(exc, len(record)))
                feed.again(record[1:])
                self._reader = csv.reader(feed, delimiter=self.delimiter, strict=True)
                continue
            record = feed.record
            start = record[0][0]
            if not any(value.strip() for value in row):
                continue
            if any(line[2] for line in record):
                yield start, Fault(self._bad_bytes)
                continue
            if len(row) > width and any(value.strip() for value in row[width:]):
                reason = (
                    f"row has {len(row)} fields but the header has {width} columns, and the extra ones are not "
                    f"empty; quote fields that contain '{self.delimiter}'"
                )
                yield start, Fault(reason)
                continue
            if len(row) < width:
                row = row + [MISSING] * (width - len(row))
            yield start, dict(zip(columns, row, strict=False))  # empty cells past the header are dropped


def _broken(exc: Exception, lines: int) -> str:
    """Explain a row the csv parser rejected; the lines after its first are read again as rows."""
    if isinstance(exc, _RecordTooLong) or "unexpected end of data" in str(exc):
        return (
            f"row opens a quoted field that is not closed (ran over {lines} lines); "
            "check its quotes; the following lines were read as rows"
        )
    return f"row cannot be parsed ({exc}); check its quotes; the following lines were read as rows"
