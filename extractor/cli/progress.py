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


@contextmanager
def count_bar(show: bool, label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar of items done out of a total the work reports as it goes (e.g. a server store's first copy
    of its items); silent when `show` is False."""
    if not show:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  transient=True) as progress:
        task = progress.add_task(label, total=None)

        def tick(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield tick
