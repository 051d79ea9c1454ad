"""Input readers: files or stdin in, FeedbackItem or InputError out, one per row, streaming."""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from extractor.errors import InputFileError
from extractor.ingest.csvrows import CsvRows, HeaderError
from extractor.ingest.encoding import (
    SAMPLE_BYTES,
    Pieces,
    decode_pieces,
    detect_encoding,
    is_binary,
    iter_lines,
    resolve_codec,
)
from extractor.ingest.fields import FieldError, kind_of
from extractor.ingest.items import ItemBuilder
from extractor.ingest.jsonrows import Fault, JsonScanner, plain_message
from extractor.ingest.options import InputError, ReadOptions
from extractor.schema import FeedbackItem

STDIN = "<stdin>"
EXTENSIONS: dict[str, str] = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".jsonlines": "jsonl", ".json": "json",
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".txt": "txt", ".text": "txt",
}  # fmt: skip
_HINTS = {
    **dict.fromkeys((".xlsx", ".xls", ".ods"), " (save it as CSV first)"),
    **dict.fromkeys((".gz", ".zip", ".bz2", ".xz", ".zst"), " (decompress it first)"),
}
# Enough look-ahead to find the first object behind a few broken lines, without reading a big file twice.
_DETECT_ROWS = 1000


_SCANNER = json.JSONDecoder()


def _parse_line(line: str) -> Any:
    """Parse a JSON line the scanner refused (leading space, a stray BOM, an error), or explain why it is not JSON."""
    try:
        return json.loads(line.lstrip("\ufeff"))
    except ValueError as exc:
        if isinstance(exc, json.JSONDecodeError):
            return Fault(f"line is not valid JSON: {plain_message(exc.msg)} (column {exc.colno})")
        return Fault(f"line is not valid JSON: {exc}")
    except RecursionError:
        return Fault("line is nested too deeply to read as JSON")


class _StreamReplay:
    """Stdin or a pipe can be read once: keep what detection read, then serve it again before the rest."""

    def __init__(self, stream: Any):
        self._stream = stream
        self.kept = bytearray()
        self.recording = True

    def reader(self) -> Callable[[int], bytes]:
        """A read(n) function that starts from the first byte of stdin."""
        offset = 0

        def read(size: int) -> bytes:
            nonlocal offset
            if offset < len(self.kept):
                chunk = bytes(self.kept[offset : offset + size])
            else:
                chunk = self._stream.read(size) or b""
                if self.recording:
                    self.kept += chunk
            offset += len(chunk)
            return chunk

        return read


class ItemReader:
    """Reads one input (a path or "-"); checks and detects eagerly, then streams items and errors.

    A file can be iterated again from the start; stdin and pipes only once.
    """

    def __init__(self, path: str, options: ReadOptions):
        self.path = path
        self.options = options
        self.file = STDIN if path == "-" else path
        self.bytes_read = 0
        self.size: int | None = None
        self._problem: str | None = None
        self._stream: _StreamReplay | None = None
        fmt = options.format
        if path == "-":
            if sys.stdin is None:
                raise InputFileError("<stdin>: there is no standard input to read")
            self._stream = _StreamReplay(sys.stdin.buffer)
        else:
            self.size = self._check_file()
            if self.size is None:  # a pipe such as <(zcat export.jsonl.gz): read once, like stdin
                self._stream = _StreamReplay(self._open_path())
            known = os.path.splitext(path)[1].lower() in EXTENSIONS
            if fmt == "auto" and (self._stream is None or known):
                fmt = self._format_from_extension()
        sample = self._sample()
        self.encoding = self._encoding(sample)
        self._bad_bytes = (
            "not valid utf-8; pass --encoding cp1250 if this is a Windows export"
            if resolve_codec(self.encoding) in ("utf-8", "utf-8-sig")
            else f"not valid {self.encoding}; pass --encoding with the file's real encoding (e.g. utf-8)"
        )
        if fmt == "auto":
            fmt = self._sniff_format(sample)
        self.format: str = fmt
        self._builder = ItemBuilder(self.file, options, json_escapes=fmt in ("json", "jsonl"))
        if self._problem is None:
            self._detect_fields()
        if self._stream is not None:
            self._stream.recording = False

    # -- whole-file checks --------------------------------------------------------------------------

    def _check_file(self) -> int | None:
        """Fail early on a missing file, a directory or an unreadable file; return the size (None for a pipe)."""
        path = self.path
        if os.path.isdir(path):
            raise InputFileError(f"{path}: is a directory; pass the files inside it")
        if not os.path.exists(path):
            raise InputFileError(f"{path}: no such file")
        try:
            mode = os.stat(path).st_mode
        except OSError as exc:
            raise InputFileError(f"{path}: cannot be read: {exc.strerror}") from None
        if not stat.S_ISREG(mode):
            return None
        with self._open_path():
            pass
        return os.path.getsize(path)

    def _open_path(self) -> BinaryIO:
        try:
            return open(self.path, "rb")  # noqa: SIM115 - closed by the caller
        except OSError as exc:
            raise InputFileError(f"{self.path}: cannot be read: {exc.strerror}") from None

    def _format_from_extension(self) -> str:
        """The format named by the file's extension."""
        ext = os.path.splitext(self.path)[1].lower()
        if ext in EXTENSIONS:
            return EXTENSIONS[ext]
        what = f"unknown extension '{ext}'{_HINTS.get(ext, '')}" if ext else "no file extension"
        raise InputFileError(f"{self.path}: {what}: use .jsonl, .json, .csv, .tsv or .txt, or --format")

    def _open(self) -> tuple[Callable[[int], bytes], Callable[[], None]]:
        """A fresh read(n) from the first byte, and how to close it."""
        if self._stream is not None:
            return self._stream.reader(), lambda: None
        handle = self._open_path()
        return handle.read, handle.close

    def _sample(self) -> bytes:
        """The first bytes, used for binary, empty and encoding checks."""
        read, close = self._open()
        try:
            return read(SAMPLE_BYTES)
        finally:
            close()

    def _encoding(self, sample: bytes) -> str:
        """The forced or detected codec; records a whole-file problem for empty and binary files."""
        forced = self.options.encoding
        if forced is not None:
            try:
                resolve_codec(forced)
            except LookupError:
                raise InputFileError(
                    f"{self.file}: unknown encoding '{forced}' (try utf-8, cp1250, iso-8859-2)"
                ) from None
        if not sample:
            self._problem = "file is empty"
            return forced or "utf-8"
        wide = forced is not None and resolve_codec(forced).startswith(("utf-16", "utf-32"))
        if not wide and is_binary(sample):
            self._problem = "file is binary (NUL bytes); not a text export"
            return forced or "utf-8"
        encoding = forced or detect_encoding(sample)
        if len(sample) < SAMPLE_BYTES:
            text = sample.decode(resolve_codec(encoding), errors="replace").lstrip("\ufeff")
            if not text.strip():
                self._problem = "file is empty (only blank lines)"
        return encoding

    def _sniff_format(self, sample: bytes) -> str:
        """Stdin has no extension: '{' means JSON Lines (or one object), '[' a JSON list, anything else text."""
        text = sample.decode(resolve_codec(self.encoding), errors="replace").lstrip("\ufeff \t\r\n")
        if text.startswith("["):
            return "json"
        if text.startswith("{"):
            try:
                json.loads(text.split("\n", 1)[0])
            except ValueError:
                return "json"  # an object spread over lines
            return "jsonl"
        return "txt"

    # -- field detection ----------------------------------------------------------------------------

    @property
    def fields(self) -> dict[str, str | None]:
        """Resolved field name per role (text, id, customer, time, source, lang); None where the input has none."""
        return dict(self._builder.fields)

    def _detect_fields(self) -> None:
        """Find the fields from the CSV header or the first object; txt has none."""
        if self.format == "txt":
            return
        read, close = self._open()
        try:
            pieces = decode_pieces(read, self.encoding)
            if self.format in ("csv", "tsv"):
                try:
                    rows = self._csv_rows(pieces)
                except HeaderError as exc:
                    raise InputFileError(f"{self.file}: {exc}") from None
                self._try_fields(list(rows.columns), None)
                return
            source = self._jsonl_rows(pieces) if self.format == "jsonl" else self._json_rows(pieces)
            for index, (_, record) in enumerate(source):
                if type(record) is dict:
                    self._try_fields(list(record), record)
                    return
                if index >= _DETECT_ROWS:
                    return  # decided at the first object while reading
        finally:
            close()

    def _try_fields(self, keys: list[str], sample: dict[str, Any] | None) -> None:
        try:
            self._builder.use_fields(keys, sample)
        except FieldError as exc:
            raise InputFileError(f"{self.file}: {exc}") from None

    # -- row sources --------------------------------------------------------------------------------

    def _csv_rows(self, pieces: Pieces) -> CsvRows:
        # A record may span lines only inside quotes; far past any allowed text it is a quote left open.
        limit = 10 * self.options.max_chars + 65536
        default = "\t" if self.format == "tsv" else ","
        return CsvRows(iter_lines(pieces), default, limit, self._bad_bytes)

    def _jsonl_rows(self, pieces: Pieces) -> Iterator[tuple[int, Any]]:
        """(line, object) for each JSON line; (line, Fault) for lines that are not JSON."""
        # The decoder's scanner skips json.loads' wrappers, a third of the cost per line; errors go the slow way.
        scan = _SCANNER.scan_once
        for number, line, bad in iter_lines(pieces):
            if bad:
                yield number, Fault(self._bad_bytes)
                continue
            try:
                value, end = scan(line, 0)
                if end == len(line) or line[end:].isspace():
                    yield number, value
                    continue
            except (StopIteration, ValueError, RecursionError):
                pass
            if not line or line.isspace():
                continue
            yield number, _parse_line(line)

    def _json_rows(self, pieces: Pieces) -> Iterator[tuple[int, Any]]:
        """(line, entry) for each entry of the file's lists; entries spanning undecodable lines become Faults."""
        scanner = JsonScanner(pieces, resolve_codec(self.encoding))
        try:
            for line, value in scanner.rows():
                if scanner.bad_lines and any(n in scanner.bad_lines for n in range(line, scanner.line + 1)):
                    yield line, Fault(self._bad_bytes)
                else:
                    yield line, value
        except RecursionError:
            yield scanner.line, Fault("JSON is nested too deeply to read; the rest of the file could not be read")

    # -- iteration ----------------------------------------------------------------------------------

    def _counted(self, pieces: Pieces) -> Pieces:
        """Pass pieces through, adding their size to bytes_read."""
        for piece in pieces:
            self.bytes_read += piece[2]
            yield piece

    def __iter__(self) -> Iterator[FeedbackItem | InputError]:
        self.bytes_read = 0
        if self._problem is not None:
            self.bytes_read = self.size or 0
            yield InputError(self.file, None, self._problem)
            return
        read, close = self._open()
        try:
            pieces = self._counted(decode_pieces(read, self.encoding))
            if self.format == "txt":
                yield from self._txt_items(pieces)
                return
            if self.format in ("csv", "tsv"):
                try:
                    source: Iterator[tuple[int, Any]] = iter(self._csv_rows(pieces))
                except HeaderError as exc:
                    yield InputError(self.file, None, str(exc))
                    return
            elif self.format == "jsonl":
                source = self._jsonl_rows(pieces)
            else:
                source = self._json_rows(pieces)
            yield from self._items(source)
        finally:
            close()

    @property
    def _entry(self) -> str:
        return "line" if self.format == "jsonl" else "list entry"

    def _items(self, source: Iterator[tuple[int, Any]]) -> Iterator[FeedbackItem | InputError]:
        """Objects and rows to items; faults and non-objects to errors."""
        builder, file = self._builder, self.file
        for line, record in source:
            if type(record) is dict:
                if not builder.resolved:  # no object among the first rows read while detecting
                    try:
                        builder.use_fields(list(record), record)
                    except FieldError as exc:
                        yield InputError(file, line, str(exc))
                        continue
                yield builder.from_record(line, record)
            elif type(record) is Fault:
                yield InputError(file, line, str(record))
            else:
                reason = f"{self._entry} is {kind_of(record)}, not an object"
                if self.format == "jsonl" and type(record) is list:
                    reason += " (a whole JSON list? name the file .json or pass --format json)"
                yield InputError(file, line, reason)

    def _txt_items(self, pieces: Pieces) -> Iterator[FeedbackItem | InputError]:
        """One item per non-blank line."""
        from_line = self._builder.from_line
        for number, line, bad in iter_lines(pieces):
            if line.endswith("\r"):
                line = line[:-1]
            if not line or line.isspace():
                continue
            yield InputError(self.file, number, self._bad_bytes) if bad else from_line(number, line)


def open_readers(paths: list[str], options: ReadOptions) -> list[ItemReader]:
    """Construct a reader per input, so every file is checked before any work starts; all failures in one error."""
    if paths.count("-") > 1:
        raise InputFileError("stdin ('-') can be read only once; name it a single time")
    readers, problems = [], []
    for path in paths:
        try:
            readers.append(ItemReader(path, options))
        except InputFileError as exc:
            problems.append(str(exc))
    if problems:
        raise InputFileError("\n".join(problems))
    return readers
