"""The JourneyRecord as Spark columns: its Spark SQL type (DDL), derived from the record contract in schema.py, so a
field added there is a column here without a second declaration."""

from __future__ import annotations

from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel

from ..errors import JourneyError
from ..schema import JourneyRecord, value_type

_SCALARS = {str: "STRING", int: "BIGINT", float: "DOUBLE", bool: "BOOLEAN"}


def spark_type(annotation: Any) -> str:
    """The Spark SQL type of a field's annotation: scalars, Literal (as its values' type), optional values
    (nullable anyway), lists, dicts and nested models."""
    annotation = value_type(annotation)
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Literal:
        return spark_type(type(args[0]))
    elif origin is list:
        return f"ARRAY<{spark_type(args[0])}>"
    elif origin is dict:
        return f"MAP<{spark_type(args[0])}, {spark_type(args[1])}>"
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"STRUCT<{struct_fields(annotation, ': ')}>"
    elif annotation in _SCALARS:
        return _SCALARS[annotation]
    raise JourneyError(f"no Spark type for {annotation!r}: extend engines/columns.py")


def struct_fields(model: type[BaseModel], separator: str = " ") -> str:
    """A model's fields, in their declared order, as Spark SQL `name TYPE` pairs."""
    return ", ".join(f"`{name}`{separator}{spark_type(info.annotation)}" for name, info in model.model_fields.items())


RECORD_DDL = struct_fields(JourneyRecord)  # the `schema` from_json reads a record line with
