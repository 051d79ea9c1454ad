"""`journey summary`: counts of a records file, to see at a glance what the feedback says."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import app


@app.command()
def summary(
    records: Annotated[list[Path], typer.Argument(help="Records files written by `journey extract`.")],
    top: Annotated[int, typer.Option(help="How many touchpoints and pain points to list.")] = 8,
) -> None:
    """Count stages, touchpoints, emotions, pain points and sentiment in records files."""
    from rich.console import Console
    from rich.table import Table

    from ..records import read_records
    from ..summary import summarise

    s = summarise(read_records(records))
    console = Console()
    if not s.records:
        console.print("no records")
        return
    console.print(f"[bold]{s.records:,} records[/bold] · languages: "
                  + ", ".join(f"{k} {v:,}" for k, v in s.languages.most_common())
                  + f" · moments of truth: {s.moments_of_truth:,}")
    for title, counter, limit in (("stage", s.stages, None), ("emotion", s.emotions, None),
                                  ("sentiment", s.polarity, None), ("touchpoint", s.touchpoints, top),
                                  ("pain point", s.pain_points, top)):
        table = Table(box=None, pad_edge=False, header_style="bold")
        table.add_column(title, min_width=18)
        table.add_column("items", justify="right")
        table.add_column("share", justify="right")
        for label, n in counter.most_common(limit):
            table.add_row(str(label), f"{n:,}", f"{n / s.records:.0%}")
        console.print(table)
        console.print()
