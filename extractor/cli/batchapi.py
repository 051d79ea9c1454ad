"""`journey extract --batch-api`'s first phase: the items go through one OpenAI batch into the answer cache."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

import typer


def batch_phase(extractor, readers, done: set[str], out: Path, batch_id: str | None, poll: float, quiet: bool,
                failed: str = "live") -> None:
    """Phase 1 of --batch-api: every item not yet done goes through one batch into the answer cache; the normal
    run that follows writes the records from the cache (and sends live only what the batch could not answer).
    A batch still running raises BatchPending (exit 75); Ctrl-C raises Interrupted naming the batch."""
    from ..errors import Interrupted
    from ..extractors.llm.batchapi import BatchFailed, pending_batch_id
    from ..pipeline import with_language
    from ..schema import FeedbackItem

    items = [with_language(row) for reader in readers for row in reader
             if isinstance(row, FeedbackItem) and row.origin not in done]
    state = out.with_name(out.name + ".batch.json")
    resume_id = batch_id or pending_batch_id(state)
    say = _teller(quiet)
    if resume_id:
        say(f"resuming batch {resume_id} (from {'--batch-id' if batch_id else state})")
    try:
        report = extractor.fill_cache_by_batch(items, batch_id=resume_id, state_path=state, poll_interval=poll,
                                            progress=_batch_progress(not quiet and sys.stderr.isatty()))
    except KeyboardInterrupt:
        named = pending_batch_id(state)
        raise Interrupted("Interrupted: " + (f"batch {named} keeps running on the server; re-run the same command "
                                             f"to collect it (or pass --batch-id {named})." if named
                                             else "no batch was created.")) from None
    except BatchFailed as exc:
        say(str(exc))
        _settle_failures(extractor, exc.report, failed, say, f"batch {exc.batch_id} {exc.status}")
        return
    _settle_failures(extractor, report, failed, say, f"batch {report.batch_id}")
    if report.batch_id is None:
        say(f"batch: nothing to send, all {report.items:,} items are in the answer cache")
    else:
        say(f"batch {report.batch_id} {report.status}: {report.requests:,} requests, {report.answered_items:,} items "
            f"answered in {report.seconds:.0f} s" + (f", {report.invalid_items:,} to send live"
                                                     if report.invalid_items else ""))


def _teller(quiet: bool) -> Callable[[str], None]:
    def say(message: str) -> None:
        if not quiet:
            typer.echo(message, err=True)

    return say


def _settle_failures(extractor, report, failed: str, say: Callable[[str], None], batch: str) -> None:
    """The batch's failed requests said; with --batch-failed fallback their items are labelled by rules, each
    record naming `batch` and the request's error."""
    _say_failures(report, failed, say)
    if failed == "fallback" and report.failed_keys:
        extractor.settle_as_fallback({k: f"{batch}: {why}" for k, why in report.failed_keys.items()})


def _say_failures(report, failed: str, say: Callable[[str], None]) -> None:
    """The batch's failed requests, grouped by error message (the error file's own words)."""
    if not report.failures:
        return
    from collections import Counter

    counts = Counter(report.failures.values())
    what = "labelled by rules (--batch-failed fallback)" if failed == "fallback" else "sent live now"
    say(f"batch: {len(report.failures):,} requests failed ({len(report.failed_keys):,} items, {what}):")
    for message, n in counts.most_common(5):
        say(f"  {n:,} x {message}")
    if len(counts) > 5:
        say(f"  ... and {len(counts) - 5:,} other errors")


def _batch_progress(show: bool):
    if not show:
        return None
    from .render import make_console

    console = make_console(stderr=True)

    def tick(completed: int, total: int) -> None:
        console.print(f"batch: {completed:,}/{total:,} requests done", end="\r")

    return tick
