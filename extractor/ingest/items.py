"""Records (JSON objects, CSV rows, text lines) into FeedbackItem, or an InputError saying why not."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from extractor.ingest.fields import (
    ROLES,
    as_str,
    clean_text,
    getter,
    resolve_fields,
    stable_id,
    text_problem,
    to_lang,
    to_source,
)
from extractor.ingest.options import InputError, ReadOptions
from extractor.schema import FeedbackItem

_CACHE_SIZE = 1000


def make_item(values: dict[str, Any]) -> FeedbackItem:
    """An item from values typed and checked here; pydantic's core validates them again (about half a microsecond an
    item, under 1% of the read and label time: `benchmarks/bench_extract.py`)."""
    return FeedbackItem.model_validate(values)


class ItemBuilder:
    """Knows one input's field names and turns its records into items or errors."""

    def __init__(self, file: str, options: ReadOptions, json_escapes: bool):
        self.file = file
        self.json_escapes = json_escapes  # only JSON's \\u escapes can produce unpaired surrogates
        self.fields: dict[str, str | None] = dict.fromkeys(ROLES)
        self.resolved = False
        self._explicit = {
            "text": options.text_field,
            "id": options.id_field,
            "customer": options.customer_field,
            "time": options.time_field,
            "source": options.source_field,
            "lang": options.lang_field,
            "segment": options.segment_field,
        }
        self._max_chars = options.max_chars
        self._default_source = options.default_source
        self._get: dict[str, Callable[[Any], Any] | None] = dict.fromkeys(ROLES)
        self._sources: dict[str, str] = {}
        self._langs: dict[str, str | None] = {}

    def use_fields(self, keys: list[str], sample: Mapping[str, Any] | None) -> None:
        """Resolve field names against a CSV header (sample None) or a first object; raises FieldError."""
        self.fields = resolve_fields(keys, self._explicit, sample)
        self._get = {role: getter(name, keys) for role, name in self.fields.items()}
        self.resolved = True

    def from_record(self, line: int, record: dict[str, Any]) -> FeedbackItem | InputError:
        """Turn one object or CSV row into an item, or say why it cannot be one."""
        get = self._get
        read = get["id"]
        value = read(record) if read else None
        item_id = (value.strip() or None) if type(value) is str and value.isascii() else as_str(value)
        text = get["text"](record)  # type: ignore[misc]  # always set once fields are resolved
        if type(text) is not str or not text or len(text) > self._max_chars or text.isspace():
            reason = text_problem(text, self.fields["text"] or "", self._max_chars)
            if reason is not None:
                return InputError(self.file, line, reason, item_id)
        if self.json_escapes and not text.isascii():
            text = clean_text(text)
        read = get["source"]
        source = self._source_of(read(record)) if read else self._default_source
        read = get["lang"]
        lang = self._lang_of(read(record)) if read else None
        read = get["customer"]
        customer = as_str(read(record)) if read else None
        read = get["time"]
        created = as_str(read(record)) if read else None
        read = get["segment"]
        segment = as_str(read(record)) if read else None
        return make_item(
            {
                "item_id": item_id or stable_id(text),
                "text": text,
                "source": source,
                "lang": lang,
                "customer_id": customer,
                "created_at": created,
                "segment": segment,
                "origin": f"{self.file}:{line}",
            }
        )

    def from_line(self, line: int, text: str) -> FeedbackItem | InputError:
        """A text file's line as an item (blank lines are skipped by the caller)."""
        if len(text) > self._max_chars:
            return InputError(self.file, line, text_problem(text, "", self._max_chars) or "")
        return make_item(
            {
                "item_id": stable_id(text),
                "text": text,
                "source": self._default_source,
                "lang": None,
                "customer_id": None,
                "created_at": None,
                "segment": None,
                "origin": f"{self.file}:{line}",
            }
        )

    def _source_of(self, value: Any) -> str:
        """The schema source for a field value, remembered per distinct value (there are few)."""
        if type(value) is not str:
            return self._default_source
        source = self._sources.get(value)
        if source is None:
            source = to_source(value, self._default_source)
            if len(self._sources) < _CACHE_SIZE:
                self._sources[value] = source
        return source

    def _lang_of(self, value: Any) -> str | None:
        """The language code for a field value, remembered per distinct value."""
        if type(value) is not str:
            return None
        if value in self._langs:
            return self._langs[value]
        lang = to_lang(value)
        if len(self._langs) < _CACHE_SIZE:
            self._langs[value] = lang
        return lang
