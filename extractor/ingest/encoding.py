"""Byte-level input handling: encoding detection, binary sniffing, and decoding into lines."""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterator
from itertools import repeat

SAMPLE_BYTES = 64 * 1024
BINARY_PROBE_BYTES = 8 * 1024
CHUNK_BYTES = 256 * 1024
# A line longer than this is decoded in pieces, so a one-line (minified) JSON file stays streamable.
MAX_PIECE_BYTES = 4 * 1024 * 1024

_POLISH = frozenset("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")
_WESTERN = frozenset("éèàùâêîôûëïüöäñçßáíóúÉÈÀÂÊÎÔÛËÏÜÖÄÑÇÁÍÓÚ")
# Punctuation that Windows code pages put in 0x80-0x9F and that real text uses; not a sign of a wrong guess.
_TYPOGRAPHY = frozenset("„”“‘’‚–—…€«»°·\u00a0")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")

Pieces = Iterator[tuple[str, "frozenset[int] | None", int]]


def is_binary(sample: bytes) -> bool:
    """True when the start of a file holds NUL bytes and no UTF-16/32 byte-order mark."""
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)):
        return False
    return b"\x00" in sample[:BINARY_PROBE_BYTES] and _bomless_utf16(sample) is None


def _bomless_utf16(sample: bytes) -> str | None:
    """Recognise UTF-16 text without a BOM by its pattern of NUL high bytes (mostly-ASCII text)."""
    probe = sample[: BINARY_PROBE_BYTES & ~1]
    half = len(probe) // 2
    if half < 8:
        return None
    even_nuls, odd_nuls = probe[0::2].count(0), probe[1::2].count(0)
    # Low bytes are almost never NUL in text, high bytes mostly are (less so with many Polish letters).
    if odd_nuls > 0.6 * half and even_nuls < 0.02 * half:
        return "utf-16-le"
    if even_nuls > 0.6 * half and odd_nuls < 0.02 * half:
        return "utf-16-be"
    return None


def detect_encoding(sample: bytes) -> str:
    """Guess the codec of a file from its first bytes (BOM, valid UTF-8, else a scored Windows/ISO code page)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)) and len(sample) % 4 == 0:
        return "utf-32"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    bomless = _bomless_utf16(sample) if b"\x00" in sample[:BINARY_PROBE_BYTES] else None
    if bomless:
        return bomless
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.start >= len(sample) - 3:
            return "utf-8"  # a multi-byte character cut by the sample's end
    text = sample.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd")
    valid = len(_NON_ASCII.findall(text)) - invalid
    # Mostly valid UTF-8 with a few bad lines: keep UTF-8 so the bad lines become errors, not mojibake.
    if valid >= invalid:
        return "utf-8"
    scores = {codec: _plausibility(sample, codec) for codec in ("cp1250", "iso-8859-2", "cp1252")}
    return max(scores, key=lambda codec: scores[codec])  # ties keep the first (Polish first)


def _plausibility(sample: bytes, codec: str) -> int:
    """Score how much a decoding looks like real text: expected letters up, control and stray symbols down."""
    letters = _POLISH if codec in ("cp1250", "iso-8859-2") else _WESTERN
    score = 0
    for char in _NON_ASCII.findall(sample.decode(codec, errors="replace")):
        if char in letters:
            score += 2
        elif char == "\ufffd" or "\x80" <= char <= "\x9f":
            score -= 5
        elif char not in _TYPOGRAPHY and not char.isalpha():
            score -= 1
    return score


def resolve_codec(name: str) -> str:
    """Return a Python codec name for a user's or detected encoding; raise LookupError for unknown names."""
    return codecs.lookup(name).name


def _ascii_compatible(codec: str) -> bool:
    """True when newlines and ASCII are single bytes in this codec, so lines can be split as bytes."""
    try:
        return bytes(range(128)).decode(codec) == "".join(map(chr, range(128)))
    except (UnicodeDecodeError, LookupError):
        return False


_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BOM_FAMILIES = {"utf-8-sig": ("utf-8",), "utf-16": ("utf-16-le", "utf-16-be"), "utf-32": ("utf-32-le", "utf-32-be")}


def _strip_bom(data: bytes, codec: str) -> tuple[bytes, str]:
    """Drop a byte-order mark and name the fixed-order codec that reads the remaining bytes."""
    family = _BOM_FAMILIES.get(codec)
    if family is None:
        return data, codec
    for bom, plain in _BOMS:
        if plain in family and data.startswith(bom):
            return data[len(bom) :], plain
    return data, family[0]  # no BOM: Python's own codecs assume little-endian too


def _safe_cut(data: bytes, codec: str) -> int:
    """Index at which a long line without a newline can be split without cutting a UTF-8 character."""
    end = len(data)
    if codec != "utf-8":
        return end
    start = end - 1
    while start > end - 4 and start > 0 and 0x80 <= data[start] <= 0xBF:
        start -= 1
    lead = data[start]
    needed = 2 if 0xC0 <= lead < 0xE0 else 3 if 0xE0 <= lead < 0xF0 else 4 if lead >= 0xF0 else 1
    return start if start + needed > end else end


def _decode_lines(piece: bytes, codec: str) -> tuple[str, frozenset[int] | None]:
    """Decode whole lines; when that fails, decode line by line and name the lines with bad bytes."""
    try:
        return piece.decode(codec), None
    except UnicodeDecodeError:
        pass
    texts, bad = [], set()
    for index, segment in enumerate(piece.split(b"\n")):
        try:
            texts.append(segment.decode(codec))
        except UnicodeDecodeError:
            texts.append(segment.decode(codec, errors="replace"))
            bad.add(index)
    return "\n".join(texts), frozenset(bad)


def decode_pieces(read: Callable[[int], bytes], encoding: str) -> Pieces:
    """Yield (text, indexes of its newline-separated segments that held undecodable bytes, bytes consumed)."""
    first = read(CHUNK_BYTES)
    data, codec = _strip_bom(first, resolve_codec(encoding))
    pieces = _split_decode(read, codec, data) if _ascii_compatible(codec) else _decode_incremental(read, codec, data)
    extra = len(first) - len(data)
    for text, bad, size in pieces:
        if extra >= 0:
            size += extra
            extra = -1
            if text.startswith("\ufeff"):
                text = text[1:]  # a BOM left by a forced codec (utf-8 on a utf-8-sig file) is not content
        yield text, bad, size


def _split_decode(read: Callable[[int], bytes], codec: str, buffer: bytes) -> Pieces:
    """Decode ASCII-compatible bytes in pieces cut after a newline, so each bad byte is pinned to its line."""
    eof = not buffer
    while True:
        if eof:
            piece, buffer = buffer, b""
        else:
            cut = buffer.rfind(b"\n") + 1
            if cut == 0 and len(buffer) >= MAX_PIECE_BYTES:
                cut = _safe_cut(buffer, codec)
            piece, buffer = buffer[:cut], buffer[cut:]
        if piece:
            text, bad = _decode_lines(piece, codec)
            yield text, bad, len(piece)
        if eof:
            return
        chunk = read(CHUNK_BYTES)
        eof = not chunk
        buffer += chunk


def _decode_incremental(read: Callable[[int], bytes], codec: str, data: bytes) -> Pieces:
    """Decode codecs whose newline is not one byte (UTF-16/32); a replaced character marks its line as bad."""
    # Unlike the byte-split path this cannot tell a replaced byte from a U+FFFD already in the text; rare in practice.
    decoder = codecs.getincrementaldecoder(codec)(errors="replace")
    while True:
        final = not data
        text = decoder.decode(data, final)
        bad = None
        if "\ufffd" in text:
            bad = frozenset(i for i, segment in enumerate(text.split("\n")) if "\ufffd" in segment)
        yield text, bad, len(data)
        if final:
            return
        data = read(CHUNK_BYTES)


def iter_lines(pieces: Pieces) -> Iterator[tuple[int, str, bool]]:
    """Split decoded pieces into (1-based line number, line without its newline, had undecodable bytes)."""
    carry, carry_bad, number = "", False, 0
    for text, bad, _ in pieces:
        parts = text.split("\n")
        last = len(parts) - 1
        if last == 0:
            carry += text
            carry_bad = carry_bad or bool(bad)
            continue
        parts[0] = carry + parts[0]
        if bad is None:
            start = 0
            if carry_bad:
                number += 1
                yield number, parts[0], True
                start = 1
            yield from zip(range(number + 1, number + 1 + last - start), parts[start:last], repeat(False))
            number += last - start
            carry_bad = False
        else:
            for index in range(last):
                number += 1
                yield number, parts[index], index in bad or (index == 0 and carry_bad)
            carry_bad = last in bad
        carry = parts[last]
    if carry or carry_bad:
        yield number + 1, carry, carry_bad
