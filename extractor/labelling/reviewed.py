"""Reviewed items: an agent's corrections of one item's labels, kept as JSON Lines, and their export to gold.

Each line is one review: the text, the labels the extractor gave (`original`), the labels the agent saved
(`corrected`), who and when. Lines are appended under a lock (threads) and an advisory file lock (processes),
each in one write, so concurrent saves never interleave. The latest review of a text wins when the reviews are
read as examples or exported as a gold file (TAXONOMY.md "Gold file format").
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import UsageError
from ..schema import LABEL_FIELDS, TAXONOMY_KINDS, GoldLabels, Labels, Source, polarity
from ..taxonomy import Taxonomy

DEFAULT_REVIEWED = Path(".journey") / "reviewed.jsonl"

try:  # POSIX: an advisory lock also keeps two server processes from interleaving lines
    import fcntl
except ImportError:  # pragma: no cover - Windows: the in-process lock only
    fcntl = None  # type: ignore[assignment]


class ReviewedError(UsageError):
    """A reviewed-items file cannot be read or written, or a review does not fit the taxonomy."""


class ExtractedLabels(Labels):
    """The labels an extractor gave, as shown to the agent (sentiment as the record's float)."""


class ReviewedLabels(GoldLabels):
    """The labels an agent saved: gold labels, so sentiment is a polarity (-1, 0, 1)."""


class ReviewedItem(BaseModel):
    """One line of the reviewed-items file."""

    model_config = ConfigDict(extra="forbid")

    item_id: str
    text: str
    lang: str | None = None
    source: Source = "other"
    original: ExtractedLabels
    corrected: ReviewedLabels
    changed: list[str] = Field(default_factory=list, description="the labels the agent changed")
    reviewer: str
    reviewed_at: str = Field(description="ISO 8601, UTC")
    extractor: str | None = None
    taxonomy_id: str | None = None


def changed_labels(original: ExtractedLabels, corrected: ReviewedLabels) -> list[str]:
    """The label fields an agent changed (lists compared as sets, sentiment as a polarity)."""
    changed = []
    for name in LABEL_FIELDS:
        before, after = getattr(original, name), getattr(corrected, name)
        if name == "sentiment":
            before = polarity(before)
        if isinstance(before, list):
            before, after = set(before), set(after)
        if before != after:
            changed.append(name)
    return changed


def label_problems(labels: ReviewedLabels | ExtractedLabels, taxonomy: Taxonomy, where: str) -> list[str]:
    """Ids that are not in the taxonomy, each named with its field."""
    problems = []
    for name, kind in TAXONOMY_KINDS.items():
        ids = taxonomy.ids(kind)
        value = getattr(labels, name)
        for label_id in value if isinstance(value, list) else [value]:
            if label_id not in ids:
                problems.append(f"{where}.{name}: unknown id {label_id!r} (the taxonomy {taxonomy.ref} has "
                                f"{', '.join(ids)})")
    return problems


def now_utc() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


class ReviewedLog:
    """The reviewed-items file, appended to by many threads (and processes) at once."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()

    def append(self, item: ReviewedItem) -> None:
        """Write one review as one line; a line left half-written by a killed process is closed first."""
        line = (item.model_dump_json() + "\n").encode("utf-8")
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            except OSError as exc:
                raise ReviewedError(f"cannot write the reviewed items to {self.path}: {exc.strerror}") from None
            try:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                if _ends_mid_line(fd):
                    line = b"\n" + line
                rest = memoryview(line)
                while rest:  # one write in practice; a short write continues where it stopped
                    rest = rest[os.write(fd, rest):]
            except OSError as exc:
                raise ReviewedError(f"cannot write the reviewed items to {self.path}: {exc.strerror}") from None
            finally:
                os.close(fd)  # closing releases the file lock


def _ends_mid_line(fd: int) -> bool:
    """The file's last byte is not a newline (a writer was killed mid-line)."""
    if os.fstat(fd).st_size == 0:
        return False
    os.lseek(fd, -1, os.SEEK_END)  # reads follow the offset; O_APPEND writes still go to the end
    return os.read(fd, 1) != b"\n"


@dataclass
class ReviewedRead:
    """The reviews of a file with their line numbers, and the lines that could not be read ('file:line: reason')."""

    items: list[ReviewedItem]
    lines: list[int]
    skipped: list[str]


def read_reviewed(path: Path) -> ReviewedRead:
    """Every readable review of the file, in file (save) order; a missing file has none."""
    items: list[ReviewedItem] = []
    lines: list[int] = []
    skipped: list[str] = []
    try:
        handle = path.open(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ReviewedRead(items, lines, skipped)
    except OSError as exc:
        raise ReviewedError(f"cannot read the reviewed items at {path}: {exc.strerror}") from None
    with handle:
        for n, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                items.append(ReviewedItem.model_validate_json(line))
                lines.append(n)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                reason = "not JSON" if first["type"] == "json_invalid" else f"{where}: {first['msg']}"
                skipped.append(f"{path}:{n}: {reason}")
    return ReviewedRead(items, lines, skipped)


def latest_per_text(items: Iterable[ReviewedItem]) -> list[ReviewedItem]:
    """The latest review of each text (by time, then by save order), in the order the texts were first reviewed."""
    latest: dict[str, ReviewedItem] = {}
    for item in items:
        seen = latest.get(item.text)
        if seen is None or item.reviewed_at >= seen.reviewed_at:
            latest[item.text] = item
    return list(latest.values())


def gold_rows(items: Iterable[ReviewedItem]) -> Iterator[dict[str, Any]]:
    """Gold file rows (TAXONOMY.md key order) of reviews; ids stay unique (a text's hash when two texts share one)."""
    from ..ingest.fields import stable_id

    used: set[str] = set()
    for item in items:
        row_id = item.item_id if item.item_id not in used else stable_id(item.text)
        used.add(row_id)
        yield {"id": row_id, "text": item.text, "lang": item.lang, "source": item.source,
               **item.corrected.model_dump()}


@dataclass
class GoldExport:
    written: int  # gold items written
    reviews: int  # readable reviews in the file
    texts: int  # distinct texts reviewed (the latest review of each is exported)
    skipped: list[str]  # unreadable lines and reviews the taxonomy cannot take, each with its reason


def export_gold(reviewed: Path, gold: Path, taxonomy: Taxonomy) -> GoldExport:
    """Write the latest review of each text as a gold file that `journey eval` reads; reviews whose labels the
    taxonomy does not have are skipped and named."""
    from .gold import parse_gold_row, read_gold, write_gold

    if not reviewed.is_file():
        raise ReviewedError(f"no reviewed items at {reviewed}: save corrections on the `journey serve` page first "
                            "(or give --reviewed FILE)")
    read = read_reviewed(reviewed)
    latest = latest_per_text(read.items)
    line_of = {id(item): n for item, n in zip(read.items, read.lines)}
    rows, skipped = [], list(read.skipped)
    for item, row in zip(latest, gold_rows(latest)):
        _, problems = parse_gold_row(row, taxonomy, f"{reviewed}:{line_of[id(item)]}")
        if problems:
            skipped += problems
        else:
            rows.append(row)
    if not rows:
        raise ReviewedError(f"{reviewed}: no review fits the taxonomy {taxonomy.ref}; nothing to export"
                            + "".join(f"\n  - {p}" for p in skipped[:10]))
    write_gold(rows, gold)
    read_gold([gold], taxonomy)  # the file must be one `journey eval` accepts
    return GoldExport(written=len(rows), reviews=len(read.items), texts=len(latest), skipped=skipped)
