"""What the readers take (ReadOptions) and what they report for rows that cannot be items (InputError)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from extractor.schema import Source

Format = Literal["auto", "jsonl", "json", "csv", "tsv", "txt"]


class ReadOptions(BaseModel):
    """How to read inputs; every option is optional."""

    model_config = ConfigDict(extra="forbid")

    format: Format = "auto"
    encoding: str | None = None
    text_field: str | None = None
    id_field: str | None = None
    customer_field: str | None = None
    time_field: str | None = None
    source_field: str | None = None
    lang_field: str | None = None
    segment_field: str | None = None
    default_source: Source = "other"
    max_chars: int = Field(default=100_000, gt=0)


@dataclass(frozen=True)
class InputError:
    """One input row (or a whole file, line None) that could not become an item, and why."""

    file: str
    line: int | None
    reason: str
    item_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The errors-file form: {"file", "line", "item_id", "reason"}."""
        data = asdict(self)
        return {key: data[key] for key in ("file", "line", "item_id", "reason")}
