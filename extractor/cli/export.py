"""`journey export`: records files as the tables analysts and data teams open (CSV, Parquet, Excel)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from . import app
from .map import RecordsArg

SHOWN = 10

ToOpt = Annotated[Optional[str], typer.Option(
    "--to", help="csv, parquet or xlsx (default: from --out's suffix).", show_default=False)]
ExportOutOpt = Annotated[Path, typer.Option(
    "--out", "-o", help="The records table: .csv or .parquet (the events table goes beside it, "
    "NAME.events.csv|.parquet) or .xlsx (one workbook, sheets 'records' and 'events').")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]


@app.command("export")
def export_command(records: RecordsArg, out: ExportOutOpt, to: ToOpt = None, quiet: QuietOpt = False) -> None:
    """Write records as a table per record and a table per event: CSV (UTF-8 with BOM, lists joined with '|'),
    Parquet (typed columns, lists as list<string>) or Excel. Lines that are not records are named and skipped."""
    import time

    from ..exports import export_records, format_of
    from ..records import SkippedLine
    from .render import make_console

    fmt = format_of(out, to)
    err = make_console(stderr=True)
    skipped: list[SkippedLine] = []
    started = time.perf_counter()
    with counter(err, "exporting") as tick:
        result = export_records(records, out, fmt, skipped, tick)
    report_export(err, result, skipped, time.perf_counter() - started, quiet)


def report_export(err, result, skipped: list, seconds: float, quiet: bool) -> None:
    """The lines skipped and records refused (the first few of each), then what was written where."""
    problems = [f"skipped {line}" for line in skipped] + [f"refused {why}" for why in result.refused]
    for line in problems[:SHOWN]:
        err.print(line, markup=False, soft_wrap=True)
    if len(problems) > SHOWN:
        err.print(f"... and {len(problems) - SHOWN:,} more lines skipped or refused", markup=False)
    if not quiet:
        files = " and ".join(str(f) for f in result.files)
        err.print(f"exported {result.records:,} records and {result.events:,} events to {files} ({seconds:.1f} s)",
                  markup=False, soft_wrap=True)


class counter:
    """A records counter on a terminal while a long export runs; None when piped."""

    def __init__(self, console, verb: str):
        self.console, self.verb = console, verb
        self.progress = None

    def __enter__(self):
        if not self.console.is_terminal:
            return None
        from rich.progress import Progress, SpinnerColumn, TextColumn

        self.progress = Progress(SpinnerColumn(), TextColumn(f"[bold]{self.verb}[/bold] {{task.fields[n]}} records"),
                                 console=self.console, transient=True)
        self.progress.start()
        task = self.progress.add_task(self.verb, n="0")
        return lambda n: self.progress.update(task, n=f"{n:,}")

    def __exit__(self, *exc):
        if self.progress is not None:
            self.progress.stop()
        return False
