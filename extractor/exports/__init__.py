"""Records as the tables analysts and data teams open: CSV, Parquet and Excel (`journey export`, `journey extract
--out records.parquet`), one row per record and one row per event, and any named tables (the journey map's) as an
Excel workbook. Columns and types are `columns.py`'s; each format is one writer module."""

from .columns import EVENT_COLUMNS, RECORD_COLUMNS, SEPARATOR, Column
from .export import FORMATS, ExportResult, events_path, export_records, format_of
from .tables import Table, write_workbook

__all__ = ["EVENT_COLUMNS", "FORMATS", "RECORD_COLUMNS", "SEPARATOR", "Column", "ExportResult", "Table",
           "events_path", "export_records", "format_of", "write_workbook"]
