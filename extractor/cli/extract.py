"""`journey extract`: label every item of one or more exports, streaming to JSON Lines."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import app
from .llm import (BaseUrlOpt, BatchApiOpt, BatchFailedOpt, BatchIdOpt, BatchPollOpt, CassetteOpt, ConcurrencyOpt,
                  ContextWindowOpt, DryRunOpt, FewShotOpt, ItemsPerRequestOpt, LLMConfigOpt, LLMFlags, MaxCostOpt,
                  MaskOpt, MaxOutputOpt, ModelOpt, NoCacheOpt, NoMaskOpt, PriceCachedOpt, PriceInputOpt, PromptOpt, PriceOutputOpt, ProviderOpt,
                  RecordModeOpt, RpmOpt, TpmOpt)
from .store import ChromaUrlOpt, CollectionOpt, StoreOpt, open_store
from .options import (CustomerFieldOpt, EncodingOpt, ExtractorOpt, FormatOpt, IdFieldOpt, InputsArg, LangFieldOpt,
                      MaxCharsOpt, SegmentFieldOpt, SourceFieldOpt, SourceOpt, TaxonomyOpt, TextFieldOpt, TimeFieldOpt,
                      read_options)


class _LazyFile:
    """A text file opened on first write, so a clean run leaves no empty errors file behind."""

    def __init__(self, path: Path, mode: str):
        self.path, self.mode, self._f = path, mode, None
        self.written = False

    def write(self, s: str) -> int:
        if self._f is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._f = self.path.open(self.mode, encoding="utf-8")
        self.written = True
        return self._f.write(s)

    def flush(self) -> None:
        if self._f is not None:
            self._f.flush()

    def close(self) -> None:
        if self._f is not None:
            self._f.close()


def default_errors_path(out: Optional[Path]) -> Path:
    if out is None:
        return Path("journey-errors.jsonl")
    name = out.name[: -len(".jsonl")] if out.name.endswith(".jsonl") else out.stem
    return out.with_name(f"{name}.errors.jsonl")


@app.command()
def extract(
    inputs: InputsArg,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write records here (JSON Lines); default stdout.",
                                                show_default=False)] = None,
    errors: Annotated[Optional[Path], typer.Option(
        "--errors", help="Write bad rows here (JSON Lines: file, line, reason); default OUT.errors.jsonl "
        "or ./journey-errors.jsonl, created only when there are errors.", show_default=False)] = None,
    extractor: ExtractorOpt = "rules",
    taxonomy: TaxonomyOpt = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue an interrupted run: skip items already in --out "
                                         "or the errors file, append the rest.")] = False,
    text_field: TextFieldOpt = None,
    id_field: IdFieldOpt = None,
    customer_field: CustomerFieldOpt = None,
    time_field: TimeFieldOpt = None,
    source_field: SourceFieldOpt = None,
    lang_field: LangFieldOpt = None,
    segment_field: SegmentFieldOpt = None,
    source: SourceOpt = "other",
    input_format: FormatOpt = "auto",
    encoding: EncodingOpt = None,
    max_chars: MaxCharsOpt = 100_000,
    workers: Annotated[int, typer.Option(help="Processes that label in parallel; 0 = automatic (for inputs "
                                         "over 4 MB one per core, at most 4; else 1).", min=0)] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary.")] = False,
    to_store: Annotated[bool, typer.Option("--to-store", help="Also write each record's labels onto its item in the "
                                           "feedback store (adding items not yet ingested), for filtered search; "
                                           "needs --out.")] = False,
    reuse_duplicates: Annotated[Optional[float], typer.Option(
        "--reuse-near-duplicates", metavar="SIMILARITY", min=0.5, max=1.0,
        help="Reuse the labels of an item already labelled in the store when a new item is at least this similar "
        "(e.g. 0.95) and every evidence quote is found in it; saves model calls. Implies one worker.",
        show_default=False)] = None,
    store: StoreOpt = None,
    chroma_url: ChromaUrlOpt = None,
    collection: CollectionOpt = "feedback",
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    llm_config: LLMConfigOpt = None,
    items_per_request: ItemsPerRequestOpt = None,
    concurrency: ConcurrencyOpt = None,
    rpm: RpmOpt = None,
    few_shot: FewShotOpt = None,
    no_mask: NoMaskOpt = False,
    mask: MaskOpt = None,
    no_cache: NoCacheOpt = False,
    max_cost: MaxCostOpt = None,
    price_input: PriceInputOpt = None,
    price_output: PriceOutputOpt = None,
    price_cached: PriceCachedOpt = None,
    dry_run: DryRunOpt = False,
    cassette: CassetteOpt = None,
    record_mode: RecordModeOpt = "none",
    batch_api: BatchApiOpt = False,
    batch_id: BatchIdOpt = None,
    batch_poll: BatchPollOpt = 30.0,
    batch_failed: BatchFailedOpt = "live",
    provider: ProviderOpt = None,
    context_window: ContextWindowOpt = None,
    max_output_tokens: MaxOutputOpt = None,
    prompt: PromptOpt = None,
    tpm: TpmOpt = None,
) -> None:
    """Label every item: one journey record per item, one error line per bad row, nothing dropped.

    With --extractor llm, items go several to a request to an OpenAI-compatible model (personal data masked),
    answers are cached on disk, and an answer that fails validation is repaired once, then labelled by rules."""
    from ..errors import UsageError
    from ..ingest import open_readers
    from ..pipeline import completed_origins, default_workers, run_extraction
    from ..taxonomy import load_taxonomy
    from .progress import progress_bar
    from .llm import default_store, make_engine, model_session, print_usage
    from .render import print_summary

    options = read_options(input_format=input_format, encoding=encoding, text_field=text_field, id_field=id_field,
                           customer_field=customer_field, time_field=time_field, source_field=source_field,
                           lang_field=lang_field, segment_field=segment_field, source=source, max_chars=max_chars)
    if resume and out is None:
        raise UsageError("--resume needs --out: the records file to continue")
    if (to_store or store or chroma_url) and (out is None or "-" in inputs):
        raise UsageError("writing labels to the store needs --out (the records) and files, not stdin")
    tax = load_taxonomy(taxonomy)
    flags = LLMFlags(model, base_url, llm_config, items_per_request, concurrency, rpm, few_shot, no_mask, no_cache,
                     max_cost, price_input, price_output, cassette, record_mode, provider=provider,
                     context_window=context_window, max_output_tokens=max_output_tokens, tokens_per_minute=tpm, prompt=prompt,
                     mask=mask, price_cached=price_cached)
    examples_store = default_store(store, chroma_url, collection) if extractor == "llm" else None
    engine = make_engine(extractor, tax, flags, examples_store, dry_run)
    if batch_failed not in ("live", "fallback"):
        raise UsageError(f"--batch-failed {batch_failed!r}: use live or fallback")
    if batch_api or batch_id:
        if extractor != "llm":
            raise UsageError("--batch-api works with --extractor llm only")
        if out is None or "-" in inputs:
            raise UsageError("--batch-api needs --out (the batch's state is kept beside it) and files, not stdin")
        if no_cache or cassette is not None:
            raise UsageError("--batch-api fills the answer cache: it cannot run with --no-cache or --cassette")
    if dry_run:
        _dry_run(engine, open_readers(inputs, options), batch_api or bool(batch_id))
        return
    reuse = None
    if reuse_duplicates is not None:
        from ..extractors.reuse import ReuseNearDuplicates

        engine = reuse = ReuseNearDuplicates(engine, open_store(store, chroma_url, collection), reuse_duplicates)
        workers = 1  # one store client; forked workers cannot share it
    readers = open_readers(inputs, options)
    errors_path = errors or default_errors_path(out)
    done = completed_origins(*(p for p in (out, errors_path) if p is not None)) if resume else set()
    if batch_api or batch_id:
        _batch_phase(engine, open_readers(inputs, options), done, out, batch_id, batch_poll, quiet, batch_failed)
    mode = "a" if resume else "w"
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
    out_file = out.open(mode, encoding="utf-8") if out else sys.stdout
    err_file = _LazyFile(errors_path, mode)
    total_bytes = sum(r.size or 0 for r in readers)
    show = not quiet and sys.stderr.isatty()
    labeller = reuse.inner if reuse is not None else engine  # the extractor behind the reuse of stored labels
    if labeller.name == "llm":
        workers = 1  # one process: the requests are concurrent already
    try:
        with model_session(labeller, flags), progress_bar(show, total_bytes, readers) as tick:
            stats = run_extraction(((r.path, r) for r in readers), engine, out_file, err_file, done=done,
                                   progress=tick, workers=workers or default_workers(total_bytes))
    except KeyboardInterrupt:
        out_file.flush()
        err_file.flush()
        typer.echo("Interrupted: the records written so far are complete lines. "
                   "Re-run the same command with --resume to continue.", err=True)
        raise typer.Exit(130)
    finally:
        if out:
            out_file.close()
        err_file.close()
    if not quiet:
        print_summary(stats, out, errors_path if err_file.written else None, resume)
        if labeller.name == "llm":
            print_usage(labeller)
    if stats.stopped == "budget":
        typer.echo(f"Stopped: --max-cost {max_cost} reached. The records written are complete; re-run the same "
                   "command with --resume (and a higher --max-cost) to label the rest.", err=True)
        raise typer.Exit(3)
    if reuse is not None and not quiet:
        typer.echo(f"near-duplicates: {reuse.stats.reused:,} records reused from the store, "
                   f"{reuse.stats.labelled:,} labelled by {extractor}", err=True)
    if (to_store or store or chroma_url) and reuse is None:
        _write_back(inputs, options, out, store, chroma_url, collection, quiet)


def _batch_phase(engine, readers, done: set[str], out: Path, batch_id: str | None, poll: float, quiet: bool,
                 failed: str = "live") -> None:
    """Phase 1 of --batch-api: every item not yet done goes through one batch into the answer cache; the normal
    run that follows writes the records from the cache (and sends live only what the batch could not answer)."""
    from ..extractors.llm.batchapi import BatchFailed, BatchPending, pending_batch_id
    from ..pipeline import with_language
    from ..schema import FeedbackItem

    items = [with_language(row) for reader in readers for row in reader
             if isinstance(row, FeedbackItem) and row.origin not in done]
    state = out.with_name(out.name + ".batch.json")
    resume_id = batch_id or pending_batch_id(state)
    show = not quiet and sys.stderr.isatty()

    def say(message: str) -> None:
        if not quiet:
            typer.echo(message, err=True)

    if resume_id:
        say(f"resuming batch {resume_id} (from {'--batch-id' if batch_id else state})")
    try:
        report = engine.fill_cache_by_batch(items, batch_id=resume_id, state_path=state, poll_interval=poll,
                                            progress=_batch_progress(show))
    except KeyboardInterrupt:
        named = pending_batch_id(state)
        typer.echo("Interrupted: " + (f"batch {named} keeps running on the server; re-run the same command to "
                                      f"collect it (or pass --batch-id {named})." if named else "no batch was created."),
                   err=True)
        raise typer.Exit(130)
    except BatchPending as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(75)
    except BatchFailed as exc:
        say(str(exc))
        _say_failures(exc.report, failed, say)
        if failed == "fallback":
            engine.settle_as_fallback({k: f"batch {exc.batch_id} {exc.status}: {why}"
                                       for k, why in exc.report.failed_keys.items()})
        return
    _say_failures(report, failed, say)
    if failed == "fallback" and report.failed_keys:
        engine.settle_as_fallback({k: f"batch {report.batch_id}: {why}" for k, why in report.failed_keys.items()})
    if report.batch_id is None:
        say(f"batch: nothing to send, all {report.items:,} items are in the answer cache")
    else:
        say(f"batch {report.batch_id} {report.status}: {report.requests:,} requests, {report.answered_items:,} items "
            f"answered in {report.seconds:.0f} s" + (f", {report.invalid_items:,} to send live"
                                                     if report.invalid_items else ""))


def _say_failures(report, failed: str, say) -> None:
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


def _dry_run(engine, readers, batch_api: bool = False) -> None:
    """Estimate an llm run: read every item, count what would be sent; nothing is sent."""
    from ..extractors.llm.cost import Estimate
    from ..pipeline import with_language
    from ..schema import FeedbackItem
    from .llm import context_advice, print_estimate

    if engine.name != "llm":
        typer.echo(f"--dry-run: the {engine.name} extractor sends nothing and costs nothing", err=True)
        return
    total, chunk = Estimate(), []

    def add(items) -> None:
        total.add(engine.estimate(items, batch_api))

    for reader in readers:
        for row in reader:
            if isinstance(row, FeedbackItem):
                chunk.append(with_language(row))
                if len(chunk) >= engine.batch_rows:
                    add(chunk)
                    chunk = []
    if chunk:
        add(chunk)
    advice = context_advice(engine)
    engine.close()
    print_estimate(total.priced(engine.settings, batch_api), engine.settings, batch_api, advice)


def _write_back(inputs, options, out, store, chroma_url, collection, quiet: bool) -> None:
    """The records' labels onto their items in the store (the inputs are read again, in the same order)."""
    from ..ingest import open_readers
    from ..pipeline import with_language
    from ..schema import FeedbackItem
    from ..store.writeback import records_with_items

    target = open_store(store, chroma_url, collection)
    items = (with_language(row) for reader in open_readers(inputs, options) for row in reader
             if isinstance(row, FeedbackItem))
    n = target.update_labels(records_with_items(items, out))
    if not quiet:
        typer.echo(f"labels of {n:,} records written to {collection!r} at {target.where}", err=True)
