"""A progress bar on stderr for long runs (bytes read of all inputs), silent when not on a terminal."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator, Sequence


@contextmanager
def progress_bar(show: bool, total_bytes: int, readers: Sequence) -> Iterator[Callable[[int], None] | None]:
    if not show:
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    columns = [TextColumn("[bold]extracting"), BarColumn(), DownloadColumn(), TextColumn("{task.fields[items]} items"),
               TimeRemainingColumn()]
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task("extract", total=total_bytes or None, items=0)

        def tick(items: int) -> None:
            done = sum(r.bytes_read for r in readers)
            progress.update(task, completed=done, items=f"{items:,}")

        yield tick
