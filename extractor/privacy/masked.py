"""A text with its personal data replaced by placeholders, and the way back from the masked text to the original."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Found", "Masked", "Span", "masked_text"]

Found = tuple[int, int, str | None]
"""A finder's claim: [start, end) in the original text and its kind; kind None holds the characters without masking
them (so no other kind claims them either)."""


@dataclass(frozen=True)
class Span:
    """One masked piece of personal data (a kind of KINDS, e.g. "EMAIL" or "NAME"): its offsets in the original text,
    and those of its placeholder `[KIND]` in the masked text."""

    kind: str
    start: int
    end: int
    masked_start: int
    masked_end: int


@dataclass(frozen=True)
class Masked:
    """A text with its personal data replaced by placeholders such as `[EMAIL]`."""

    original: str
    text: str
    spans: tuple[Span, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Offsets [start, end) of the masked text mapped to offsets of the original text. Outside placeholders the
        shift is the cumulative length difference; an offset that falls inside a placeholder maps to that span's
        start (for a start) or end (for an end), so a quote that includes a placeholder covers the whole original
        personal data."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"[{start}, {end}) is not a range of the masked text (length {len(self.text)})")
        return self._map(start, towards_end=False), self._map(end, towards_end=True)

    def _map(self, offset: int, towards_end: bool) -> int:
        shift = 0
        for span in self.spans:
            if offset <= span.masked_start:
                break
            if offset < span.masked_end:
                return span.end if towards_end else span.start
            shift = span.end - span.masked_end
        return offset + shift


def masked_text(text: str, found: Iterable[Found]) -> Masked:
    """`text` with what was found replaced by `[KIND]` placeholders; overlapping finds keep the longest."""
    chosen = _longest_first(found)
    if not chosen:
        return Masked(text, text, ())
    parts: list[str] = []
    spans: list[Span] = []
    pos = masked_pos = 0
    for start, end, kind in chosen:
        placeholder = f"[{kind}]"
        parts += (text[pos:start], placeholder)
        masked_pos += start - pos
        spans.append(Span(kind, start, end, masked_pos, masked_pos + len(placeholder)))
        masked_pos += len(placeholder)
        pos = end
    parts.append(text[pos:])
    return Masked(text, "".join(parts), tuple(spans))



def _longest_first(found: Iterable[Found]) -> list[tuple[int, int, str]]:
    """Non-overlapping matches, a longer one winning over those it overlaps; claims without a kind are dropped."""
    kept: list[Found] = []
    for cand in sorted(found, key=lambda c: (c[0] - c[1], c[0])):
        if all(cand[1] <= k[0] or k[1] <= cand[0] for k in kept):
            kept.append(cand)
    return sorted((s, e, k) for s, e, k in kept if k)
