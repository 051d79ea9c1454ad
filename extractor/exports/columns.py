"""The columns of the two tables, taken from the record contract (`schema.JourneyRecord`), in its order.

records: one row per record, a column per record field; `events` is the second table; the nested `llm` and
`learned` objects are flattened into named columns (`llm_outcome`, ..., `learned_model`,
`learned_confidence_stage`, ...), so every column holds one plain value that a spreadsheet can filter and pandas
or Spark can type. List fields stay lists here; each writer decides how to store them (Parquet: list<string>;
CSV and Excel: joined with SEPARATOR, which taxonomy ids cannot contain).
events: one row per event of a record: its item_id, its index in the record's events (from 0), and its fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_origin

from ..schema import LABEL_FIELDS, Evidence, JourneyEvent, JourneyRecord, LearnedOutcome, LLMOutcome, value_type

Kind = Literal["str", "float", "int", "bool", "list", "texts"]  # list: of ids, joined; texts: free text, JSON
SEPARATOR = "|"  # taxonomy ids match ^[a-z][a-z0-9_]*$ (taxonomy/model.py), so no label contains it


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind


def kind_of(annotation: Any) -> Kind:
    """The column kind of a pydantic field's annotation (Optional[...] unwrapped)."""
    annotation = value_type(annotation)
    if get_origin(annotation) is list:
        return "list"
    if annotation is bool:
        return "bool"
    return {float: "float", int: "int"}.get(annotation, "str")


def record_columns() -> tuple[Column, ...]:
    """The records table's columns: the record's fields in order, `events` left out, `llm` and `learned` flattened."""
    columns: list[Column] = []
    for name, info in JourneyRecord.model_fields.items():
        if name == "events":
            continue
        if name == "llm":
            kinds = {key: kind_of(f.annotation) for key, f in LLMOutcome.model_fields.items()}
            columns += [Column(f"llm_{key}", "texts" if kind == "list" else kind) for key, kind in kinds.items()]
        elif name == "learned":
            columns.append(Column("learned_model", kind_of(LearnedOutcome.model_fields["model"].annotation)))
            columns += [Column(f"learned_confidence_{field}", "float") for field in LABEL_FIELDS]
        else:
            columns.append(Column(name, kind_of(info.annotation)))
    return tuple(columns)


def event_columns() -> tuple[Column, ...]:
    """The events table's columns: item_id, the event's index, its fields, its evidence's quote, start and end."""
    own = [Column(name, kind_of(f.annotation)) for name, f in JourneyEvent.model_fields.items() if name != "evidence"]
    evidence = [Column(name, kind_of(f.annotation)) for name, f in Evidence.model_fields.items()]
    return (Column("item_id", "str"), Column("event", "int"), *own, *evidence)


RECORD_COLUMNS = record_columns()
EVENT_COLUMNS = event_columns()
_LLM_KEYS = tuple(LLMOutcome.model_fields)
_EVENT_KEYS = tuple(c.name for c in EVENT_COLUMNS[2:] if c.name not in Evidence.model_fields)


def record_row(record: dict[str, Any]) -> list[Any]:
    """One record (as `read_records` gives it) as a row of RECORD_COLUMNS; absent fields are None."""
    row: list[Any] = []
    for name, info in JourneyRecord.model_fields.items():
        value = record.get(name)
        if name == "llm":
            row += [value.get(key) if isinstance(value, dict) else None for key in _LLM_KEYS]
        elif name == "learned":
            fields = (value.get("fields") or {}) if isinstance(value, dict) else {}
            row.append(value.get("model") if isinstance(value, dict) else None)
            row += [fields.get(field) for field in LABEL_FIELDS]
        elif name != "events":
            row.append(value)
    return row


def event_rows(record: dict[str, Any]) -> list[list[Any]]:
    """The rows of EVENT_COLUMNS of one record's events."""
    rows = []
    for n, event in enumerate(record.get("events") or []):
        evidence = event.get("evidence") or {}
        rows.append([record.get("item_id"), n, *(event.get(key) for key in _EVENT_KEYS),
                     evidence.get("quote"), evidence.get("start"), evidence.get("end")])
    return rows


def separator_problem(row: list[Any]) -> str | None:
    """Why a records row cannot be written with its lists joined: a list value holding SEPARATOR (no taxonomy id
    can), or None. Free-text lists (llm_problems) are exempt: they are written as JSON text."""
    for column, value in zip(RECORD_COLUMNS, row):
        if column.kind == "list" and value:
            bad = next((v for v in value if SEPARATOR in str(v)), None)
            if bad is not None:
                return f"'{column.name}' holds {bad!r}, which contains '{SEPARATOR}'; taxonomy ids cannot"
    return None
