"""Streaming reader for .json files: a list of objects, or objects holding such lists, without loading the file."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any


class Fault(str):
    """A reason why a record (or the rest of a file) could not be read; travels in place of a record."""


Row = tuple[int, Any]
_WHITESPACE = re.compile(r"[ \t\r\n]*")
_COMPACT_AT = 1 << 20
# A decode error this close to the end of the buffer may only mean the value continues in the next piece.
_CUT_MARGIN = 16
_PLAIN_CODECS = {"utf-8-sig": "utf-8", "utf-16": "utf-16-le", "utf-32": "utf-32-le"}


class _Cut(Exception):
    """The JSON cannot be read past this point."""

    def __init__(self, message: str, pos: int):
        super().__init__(message)
        self.pos = pos


class JsonScanner:
    """Walks top-level JSON values piece by piece, yielding each object of a list with its starting line."""

    def __init__(self, pieces: Iterator[tuple[str, frozenset[int] | None, int]], codec: str):
        self._pieces = pieces
        self._codec = codec
        self._decoder = json.JSONDecoder()
        self._scan = self._decoder.scan_once
        self.buf = ""
        self.pos = 0
        self.line = 1
        self.eof = False
        self.bad_lines: set[int] = set()
        self._next_line = 1
        self._mark_line, self._mark_pos = 1, 0  # where the not yet delivered part of the input begins

    def _fill(self) -> bool:
        """Append the next decoded piece; False at the end of input."""
        try:
            text, bad, _ = next(self._pieces)
        except StopIteration:
            self.eof = True
            return False
        if bad:
            self.bad_lines.update(self._next_line + index for index in bad)
        self._next_line += text.count("\n")
        cut = min(self.pos, self._mark_pos)
        if cut > _COMPACT_AT:
            self.buf = self.buf[cut:]
            self.pos -= cut
            self._mark_pos -= cut
        self.buf += text
        return True

    def _peek(self) -> str:
        """Skip whitespace, counting lines, and return the next character ('' at the end)."""
        if self.pos < len(self.buf) and self.buf[self.pos] not in " \t\r\n":
            return self.buf[self.pos]
        while True:
            end = _WHITESPACE.match(self.buf, self.pos).end()
            self.line += self.buf.count("\n", self.pos, end)
            self.pos = end
            if end < len(self.buf):
                return self.buf[end]
            if not self._fill():
                return ""

    def _value(self) -> Any:
        """Decode one JSON value at the cursor, reading more input while it is incomplete."""
        while True:
            try:
                value, end = self._scan(self.buf, self.pos)
            except (StopIteration, json.JSONDecodeError) as exc:
                error = exc if isinstance(exc, json.JSONDecodeError) else self._explain()
                maybe_cut = error.msg.startswith("Unterminated string") or error.pos >= len(self.buf) - _CUT_MARGIN
                if maybe_cut and self._grow():
                    continue
                raise _Cut(plain_message(error.msg), error.pos) from None
            if end == len(self.buf) and self._grow():
                continue  # a number at the buffer's end may go on in the next piece
            self.line += self.buf.count("\n", self.pos, end)
            self.pos = end
            return value

    def _explain(self) -> json.JSONDecodeError:
        """The decoder's error for the value at the cursor (the bare scanner only says where it stopped)."""
        try:
            self._decoder.raw_decode(self.buf, self.pos)
        except json.JSONDecodeError as exc:
            return exc
        return json.JSONDecodeError("Expecting value", self.buf, self.pos)

    def _grow(self) -> bool:
        """Read at least as much again as the value seen so far (keeps re-parsing linear); False at the end."""
        target = len(self.buf) + max(len(self.buf) - self.pos, 1)
        grew = False
        while len(self.buf) < target and self._fill():
            grew = True
        return grew

    def _mark(self) -> None:
        """Remember the cursor as the start of what a failure would leave unread."""
        self._mark_line, self._mark_pos = self.line, self.pos

    def _expect(self, chars: str, where: str) -> str:
        """Return the next character if it is one of chars, else stop with a message."""
        char = self._peek()
        if char not in chars or not char:
            found = f"'{char}'" if char else "the end of the file"
            raise _Cut(f"expected {' or '.join(repr(c) for c in chars)} {where}, found {found}", self.pos)
        self.pos += 1
        return char

    def rows(self) -> Iterator[Row]:
        """Yield (line, value) for each list entry or stand-alone object; a final Fault if the JSON breaks."""
        try:
            while True:
                char = self._peek()
                self._mark()
                if char == "":
                    return
                if char == "[":
                    self.pos += 1
                    yield from self._list_entries(None)
                elif char == "{":
                    yield from self._object()
                else:
                    raise _Cut("expected a list '[' or an object '{'", self.pos)
                self._mark()
        except _Cut as cut:
            yield self._fault(cut)

    def _list_entries(self, collect: list[Any] | None) -> Iterator[Row]:
        """After '[': yield each entry with its line, or append entries to collect."""
        if self._peek() == "]":
            self.pos += 1
            return
        while True:
            self._peek()
            line = self.line
            if collect is None:
                self._mark()
            value = self._value()
            if collect is None:
                yield line, value
                self._mark()
            else:
                collect.append(value)
            if self._expect(",]", "after a list entry") == "]":
                return

    def _object(self) -> Iterator[Row]:
        """A top-level object: stream its lists of objects, or yield it whole when it holds none."""
        line = self.line
        self.pos += 1
        head: dict[str, Any] = {}
        streamed = False
        if self._peek() == "}":
            self.pos += 1
            yield line, head
            return
        while True:
            if self._peek() != '"':
                raise _Cut("expected a key in double quotes", self.pos)
            key = self._value()
            self._expect(":", f"after the key '{key}'")
            if self._peek() == "[":
                self.pos += 1
                if self._peek() in ("{", "]"):
                    streamed = True
                    yield from self._list_entries(None)
                else:
                    head[key] = []
                    yield from self._list_entries(head[key])
            else:
                head[key] = self._value()
            if self._expect(",}", "after a value") == "}":
                break
        if not streamed:
            yield line, head

    def _fault(self, cut: _Cut) -> Row:
        """Describe where the JSON broke and how much of the file was left unread."""
        at = min(cut.pos, len(self.buf))
        line = self._mark_line + self.buf.count("\n", self._mark_pos, at)
        column = at - self.buf.rfind("\n", 0, at)
        rest = self.buf[self._mark_pos :]
        codec = _PLAIN_CODECS.get(self._codec, self._codec)
        left = len(rest.encode(codec, errors="replace"))
        for _, _, size in self._pieces:
            left += size
        start = self._mark_line + rest[: len(rest) - len(rest.lstrip())].count("\n")
        if not rest.strip() and left == len(rest.encode(codec, errors="replace")):
            return start, Fault(f"JSON ends before its list or object is closed ({cut}); is the file complete?")
        return start, Fault(
            f"JSON breaks at line {line} column {column} ({cut}); "
            f"the rest of the file from line {start} ({left:,} bytes) could not be read"
        )


def plain_message(message: str) -> str:
    """json's messages end in ' at' (a position follows in str(exc)); drop it, the caller gives line and column."""
    for tail in (" starting at", " at"):
        if message.endswith(tail):
            return message[: -len(tail)]
    return message
