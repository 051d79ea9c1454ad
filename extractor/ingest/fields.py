"""Which field of a record is the text, id, customer, time, source and language, and how to read each."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

ROLES: tuple[str, ...] = ("text", "id", "customer", "time", "source", "lang", "segment")

CANDIDATES: dict[str, tuple[str, ...]] = {
    "text": (
        "text", "body", "review", "review_text", "reviewtext", "content", "comment", "comments", "message",
        "description", "feedback", "answer", "response", "tweet", "complaint", "narrative", "opinion", "opinia",
        "tresc", "treść", "komentarz", "wiadomosc", "wiadomość", "odpowiedz", "odpowiedź", "uwagi",
        "tekst",
    ),
    "id": ("id", "item_id", "review_id", "ticket_id", "message_id", "tweet_id", "response_id", "answer_id", "post_id", "uuid", "_id", "nr", "numer"),
    "customer": (
        "customer_id", "customer", "client_id", "user_id", "user", "author_id", "author", "klient", "id_klienta",
    ),
    "time": (
        "created_at", "created", "timestamp", "time", "date", "datetime", "submitted_at", "data", "data_utworzenia",
    ),
    "source": ("source", "channel", "zrodlo", "źródło"),
    "lang": ("lang", "language", "jezyk", "język"),
    "segment": ("segment", "customer_segment", "segment_klienta"),
}  # fmt: skip

SOURCE_SYNONYMS: dict[str, str] = {
    **{name: name for name in ("review", "ticket", "survey", "social", "other")},
    **dict.fromkeys(("twitter", "tweet", "facebook", "instagram", "social_media"), "social"),
    **dict.fromkeys(
        ("support", "email", "e_mail", "mail", "helpdesk", "complaint", "zgloszenie", "zgłoszenie", "reklamacja"),
        "ticket",
    ),
    **dict.fromkeys(("nps", "survey", "csat", "ankieta"), "survey"),
    **dict.fromkeys(("review", "marketplace_review", "rating", "opinia", "recenzja"), "review"),
}

MISSING: Any = object()
_LANG_CODE = re.compile(r"([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*")
_SURROGATE = re.compile(r"[\ud800-\udfff]")

Getter = Callable[[Any], Any]


class FieldError(ValueError):
    """A named or needed field is not in the file's columns or first object."""


def resolve_fields(
    keys: Sequence[str], explicit: Mapping[str, str | None], sample: Mapping[str, Any] | None
) -> dict[str, str | None]:
    """Map each role to a field name: the user's (dotted paths allowed for objects) or the first candidate present."""
    kind = "keys" if sample is not None else "columns"
    folded = {}
    for key in keys:
        folded.setdefault(key.strip().casefold(), key)
    fields: dict[str, str | None] = {}
    for role in ROLES:
        wanted = explicit.get(role)
        if wanted is not None:
            found = wanted if wanted in keys else folded.get(wanted.strip().casefold())
            if sample is None and found is None:
                raise FieldError(f"{role} field '{wanted}' is not among {kind} [{', '.join(keys)}]")
            fields[role] = found or wanted
            read = getter(fields[role], keys)
            if role == "text" and sample is not None and read is not None and read(sample) is MISSING:
                raise FieldError(f"text field '{wanted}' is not in the first object (keys [{', '.join(keys)}])")
            continue
        fields[role] = None
        for name in CANDIDATES[role]:
            key = folded.get(name)
            # An object or list under "data" (Polish for date) or "user" is a container, not the value sought.
            if key is not None and (role == "text" or sample is None or not isinstance(sample.get(key), (dict, list))):
                fields[role] = key
                break
    if fields["text"] is None:
        raise FieldError(f"no text field among {kind} [{', '.join(keys)}]; name it with --text-field")
    return fields


def getter(name: str | None, keys: Sequence[str] = ()) -> Getter | None:
    """Build a fast reader for one field: a plain key, or a dotted path when no key has that literal name."""
    if name is None:
        return None
    if name in keys or "." not in name:
        return lambda record: record.get(name, MISSING)
    path = tuple(name.split("."))

    def walk(record: Any) -> Any:
        for part in path:
            if not isinstance(record, dict):
                return MISSING
            record = record.get(part, MISSING)
            if record is MISSING:
                return MISSING
        return record

    return walk


def text_problem(value: Any, field: str, max_chars: int) -> str | None:
    """Say why a text value cannot be an item, or None when it can."""
    if value is MISSING:
        return f"text field '{field}' is missing"
    if value is None:
        return f"text field '{field}' is null"
    if not isinstance(value, str):
        return f"text field '{field}' is {kind_of(value)}, not text"
    if not value or value.isspace():
        return f"text field '{field}' is empty" if field else "empty text"
    if len(value) > max_chars:
        return f"text is {len(value):,} characters, over the {max_chars:,} limit (--max-chars)"
    return None


def kind_of(value: Any) -> str:
    """Name a JSON value's type the way a user says it."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


def clean_text(text: str) -> str:
    """Replace unpaired surrogates (from JSON escapes of broken emoji), which no UTF-8 writer accepts."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")  # three times faster than searching for surrogates when there are none
        return text
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)  # same length, so offsets into the text stay valid


def stable_id(text: str) -> str:
    """Id for an item without one: a short hash of its text."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def as_str(value: Any) -> str | None:
    """A metadata value as text: numbers kept as written, blanks as None."""
    if value is None or value is MISSING:
        return None
    if isinstance(value, str):
        value = clean_text(value.strip())
        return value or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def to_source(value: Any, default: str) -> str:
    """Map a source/channel value onto the schema's sources."""
    if not isinstance(value, str):
        return default
    return SOURCE_SYNONYMS.get(value.strip().casefold().replace(" ", "_").replace("-", "_"), default)


def to_lang(value: Any) -> str | None:
    """A language tag's primary subtag in lower case ("en-US" -> "en"), or None when it is not a short code."""
    if not isinstance(value, str):
        return None
    match = _LANG_CODE.fullmatch(value.strip())
    return match.group(1).lower() if match else None
