"""`journey extract`: label every item of one or more exports, streaming to JSON Lines."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import app
from .llm import (BaseUrlOpt, BatchApiOpt, BatchFailedOpt, BatchIdOpt, BatchPollOpt, CassetteOpt, ConcurrencyOpt,
                  ContextWindowOpt, DryRunOpt, FewShotOpt, ItemsPerRequestOpt, LLMConfigOpt, LLMFlags, MaxCostOpt,
                  MaskOpt, MaxOutputOpt, ModelOpt, NoCacheOpt, NoMaskOpt, PriceCachedOpt, PriceInputOpt, PromptOpt,
                  PriceOutputOpt, ProviderOpt, RecordModeOpt, RpmOpt, TpmOpt)
from .store import ChromaUrlOpt, CollectionOpt, StoreOpt, open_store
from .options import (CustomerFieldOpt, EncodingOpt, ExtractorOpt, FormatOpt, IdFieldOpt, InputsArg, LangFieldOpt,
                      LearnedModelOpt, MaxCharsOpt, QuietOpt, SegmentFieldOpt, SourceFieldOpt, SourceOpt, TaxonomyOpt,
                      TextFieldOpt, TimeFieldOpt, read_options)

OutOpt = Annotated[Optional[Path], typer.Option(
    "--out", "-o", help="Write records here (JSON Lines); default stdout. A .csv, .parquet or .xlsx name writes "
    "the records as JSON Lines beside it (NAME.jsonl, which --resume, map and summary read) and, at the end, as "
    "that table with its events table (as `journey export` does).", show_default=False)]
ErrorsOpt = Annotated[Optional[Path], typer.Option(
    "--errors", help="Write bad rows here (JSON Lines: file, line, reason); default OUT.errors.jsonl "
    "or ./journey-errors.jsonl, created only when there are errors.", show_default=False)]
ResumeOpt = Annotated[bool, typer.Option("--resume", help="Continue an interrupted run: skip items already in --out "
                                         "or the errors file, append the rest.")]
WorkersOpt = Annotated[int, typer.Option(help="Processes that label in parallel; 0 = automatic (for inputs "
                                         "over 4 MB one per core, at most 4; else 1).", min=0)]
EngineOpt = Annotated[str, typer.Option(
    "--engine", help="Where the labelling runs: [b]local[/b] (this machine's processes, see --workers) or "
    "[b]spark[/b] (Apache Spark, --spark-master; needs pip install 'journey-extractor\\[spark]' and Java 17+). "
    "Same records, same order, same --resume either way.")]
SparkMasterOpt = Annotated[str, typer.Option(
    "--spark-master", help="With --engine spark: the Spark master URL (local[2], local[*], yarn, "
    "spark://host:7077, k8s://...).")]
ToStoreOpt = Annotated[bool, typer.Option("--to-store", help="Also write each record's labels onto its item in the "
                                          "feedback store (adding items not yet ingested), for filtered search; "
                                          "needs --out.")]
ReuseDuplicatesOpt = Annotated[Optional[float], typer.Option(
    "--reuse-near-duplicates", metavar="SIMILARITY", min=0.5, max=1.0,
    help="Reuse the labels of an item already labelled in the store when a new item is at least this similar "
    "(e.g. 0.95) and every evidence quote is found in it; saves model calls. Implies one worker.",
    show_default=False)]


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


@dataclass
class ExtractArgs:
    """The options of `journey extract` as given on the command line (the command's parameters, by name)."""

    inputs: list[str]
    out: Optional[Path]
    errors: Optional[Path]
    extractor: str
    taxonomy: Optional[Path]
    learned_model: Optional[Path]
    resume: bool
    text_field: Optional[str]
    id_field: Optional[str]
    customer_field: Optional[str]
    time_field: Optional[str]
    source_field: Optional[str]
    lang_field: Optional[str]
    segment_field: Optional[str]
    source: str
    input_format: str
    encoding: Optional[str]
    max_chars: int
    workers: int
    engine: str
    spark_master: str
    quiet: bool
    to_store: bool
    reuse_duplicates: Optional[float]
    store: Optional[Path]
    chroma_url: Optional[str]
    collection: str
    model: Optional[str]
    base_url: Optional[str]
    llm_config: Optional[Path]
    items_per_request: Optional[int]
    concurrency: Optional[int]
    rpm: Optional[float]
    few_shot: Optional[int]
    no_mask: bool
    mask: Optional[str]
    no_cache: bool
    max_cost: Optional[float]
    price_input: Optional[float]
    price_output: Optional[float]
    price_cached: Optional[float]
    dry_run: bool
    cassette: Optional[Path]
    record_mode: str
    batch_api: bool
    batch_id: Optional[str]
    batch_poll: float
    batch_failed: str
    provider: Optional[str]
    context_window: Optional[int]
    max_output_tokens: Optional[int]
    prompt: Optional[str]
    tpm: Optional[float]

    @property
    def writes_store(self) -> bool:
        return bool(self.to_store or self.store or self.chroma_url)

    @property
    def by_batch(self) -> bool:
        return bool(self.batch_api or self.batch_id)


@app.command()
def extract(
    inputs: InputsArg,
    out: OutOpt = None,
    errors: ErrorsOpt = None,
    extractor: ExtractorOpt = "rules",
    taxonomy: TaxonomyOpt = None,
    learned_model: LearnedModelOpt = None,
    resume: ResumeOpt = False,
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
    workers: WorkersOpt = 0,
    engine: EngineOpt = "local",
    spark_master: SparkMasterOpt = "local[*]",
    quiet: QuietOpt = False,
    to_store: ToStoreOpt = False,
    reuse_duplicates: ReuseDuplicatesOpt = None,
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
    run_extract(ExtractArgs(**locals()))


def run_extract(a: ExtractArgs) -> None:
    """The command's work: check the options, build the extractor, then estimate (--dry-run) or label everything
    (after the Batch API's phase with --batch-api) and write the labels back to the store when asked."""
    from ..ingest import open_readers
    from ..pipeline import completed_origins
    from ..taxonomy import load_taxonomy
    from .batchapi import batch_phase
    from .llm import default_store, extractor_from_flags

    options = read_options(input_format=a.input_format, encoding=a.encoding, text_field=a.text_field,
                           id_field=a.id_field, customer_field=a.customer_field, time_field=a.time_field,
                           source_field=a.source_field, lang_field=a.lang_field, segment_field=a.segment_field,
                           source=a.source, max_chars=a.max_chars)
    _check_outputs(a)
    table = _table_out(a)
    tax = load_taxonomy(a.taxonomy)
    flags = _llm_flags(a)
    examples_store = default_store(a.store, a.chroma_url, a.collection) if a.extractor == "llm" else None
    extractor = extractor_from_flags(a.extractor, tax, flags, examples_store, a.dry_run, learned_model=a.learned_model)
    _check_batch(a)
    _check_engine(a)
    if a.dry_run:
        _dry_run(extractor, open_readers(a.inputs, options), a.by_batch)
        return
    reuse = None
    if a.reuse_duplicates is not None:
        from ..extractors.reuse import ReuseNearDuplicates

        extractor = reuse = ReuseNearDuplicates(extractor, open_store(a.store, a.chroma_url, a.collection),
                                             a.reuse_duplicates)
        a.workers = 1  # one store client; forked workers cannot share it
    readers = open_readers(a.inputs, options)
    errors_path = a.errors or default_errors_path(a.out)
    done = completed_origins(*(p for p in (a.out, errors_path) if p is not None)) if a.resume else set()
    if a.by_batch:
        batch_phase(extractor, open_readers(a.inputs, options), done, a.out, a.batch_id, a.batch_poll, a.quiet,
                    a.batch_failed)
    inner = reuse.inner if reuse is not None else extractor  # the extractor behind the reuse of stored labels
    stats, wrote_errors = _label_all(a, extractor, inner, readers, done, errors_path, flags)
    if table is not None:
        _export_table(a, table)
    _conclude(a, stats, inner, reuse, errors_path if wrote_errors else None)
    if a.writes_store and reuse is None:
        _write_back(a.inputs, options, a.out, a.store, a.chroma_url, a.collection, a.quiet)


def _check_outputs(a: ExtractArgs) -> None:
    """Where the records go fits what else is asked (--resume, the store)."""
    from ..errors import UsageError

    if a.resume and a.out is None:
        raise UsageError("--resume needs --out: the records file to continue")
    if a.writes_store and (a.out is None or "-" in a.inputs):
        raise UsageError("writing labels to the store needs --out (the records) and files, not stdin")


def _table_out(a: ExtractArgs) -> Path | None:
    """With --out NAME.csv|.parquet|.xlsx: that table, and --out becomes NAME.jsonl, the records the run writes
    (and --resume continues); None for any other --out."""
    from ..exports import FORMATS

    if a.out is None or a.out.suffix.lower() not in FORMATS:
        return None
    table, a.out = a.out, a.out.with_suffix(".jsonl")
    return table


def _export_table(a: ExtractArgs, table: Path) -> None:
    """The run's records file (all of it, after --resume too) exported to the table --out named."""
    import time

    from ..exports import export_records, format_of
    from ..records import SkippedLine
    from .export import counter, report_export
    from .render import make_console

    assert a.out is not None
    err = make_console(stderr=True)
    skipped: list[SkippedLine] = []
    started = time.perf_counter()
    with counter(err, "exporting") as tick:
        result = export_records([a.out], table, format_of(table), skipped, tick)
    report_export(err, result, skipped, time.perf_counter() - started, a.quiet)


def _check_batch(a: ExtractArgs) -> None:
    """The Batch API's options fit the rest."""
    from ..errors import UsageError

    if a.batch_failed not in ("live", "fallback"):
        raise UsageError(f"--batch-failed {a.batch_failed!r}: use live or fallback")
    if not a.by_batch:
        return
    if a.extractor != "llm":
        raise UsageError("--batch-api works with --extractor llm only")
    if a.out is None or "-" in a.inputs:
        raise UsageError("--batch-api needs --out (the batch's state is kept beside it) and files, not stdin")
    if a.no_cache or a.cassette is not None:
        raise UsageError("--batch-api fills the answer cache: it cannot run with --no-cache or --cassette")


def _check_engine(a: ExtractArgs) -> None:
    """--engine spark fits the rest: an extractor Spark runs, no store on the side; pyspark and Java are there."""
    from ..errors import UsageError

    if a.engine not in ("local", "spark"):
        raise UsageError(f"--engine {a.engine!r}: use local or spark")
    if a.engine == "local" or a.dry_run:
        return
    if a.extractor == "llm":
        raise UsageError("--engine spark runs the rules, keyword and learned extractors; label a sample with "
                         "--extractor llm --batch-api, `journey train` on it, then -x learned --engine spark "
                         "(README: 'Archive scale on Spark')")
    if a.reuse_duplicates is not None:
        raise UsageError("--reuse-near-duplicates needs one store client: use it without --engine spark")
    from ..engines.spark import check_master, require_spark

    check_master(a.spark_master)
    require_spark()


def _labeller(a: ExtractArgs, extractor):
    """The Spark labeller for --engine spark (None: this machine's processes)."""
    if a.engine != "spark":
        return None
    from ..engines.spark import ExtractorSpec, SparkLabeller, spark_session

    spec = ExtractorSpec(extractor.name, extractor.taxonomy, str(a.learned_model) if a.learned_model else None)
    return SparkLabeller(spark_session(a.spark_master), spec)


def _llm_flags(a: ExtractArgs) -> LLMFlags:
    return LLMFlags(a.model, a.base_url, a.llm_config, a.items_per_request, a.concurrency, a.rpm, a.few_shot,
                    a.no_mask, a.no_cache, a.max_cost, a.price_input, a.price_output, a.cassette, a.record_mode,
                    provider=a.provider, context_window=a.context_window, max_output_tokens=a.max_output_tokens,
                    tokens_per_minute=a.tpm, prompt=a.prompt, mask=a.mask, price_cached=a.price_cached)


def _label_all(a: ExtractArgs, extractor, inner, readers, done: set[str], errors_path: Path, flags: LLMFlags):
    """Every item through the pipeline into --out (or stdout) and the errors file, with a progress bar on a
    terminal: the run's stats, and whether any error line was written. Ctrl-C raises Interrupted (exit 130)."""
    from ..errors import Interrupted
    from ..pipeline import default_workers, run_extraction
    from .llm import model_session
    from .progress import progress_bar

    mode = "a" if a.resume else "w"
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
    out_file = a.out.open(mode, encoding="utf-8") if a.out else sys.stdout
    err_file = _LazyFile(errors_path, mode)
    total_bytes = sum(r.size or 0 for r in readers)
    workers = 1 if inner.name == "llm" else a.workers  # llm: one process, the requests are concurrent already
    labeller = _labeller(a, extractor)
    try:
        with model_session(inner, flags), progress_bar(not a.quiet and sys.stderr.isatty(), total_bytes,
                                                          readers) as tick:
            stats = run_extraction(((r.path, r) for r in readers), extractor, out_file, err_file, done=done,
                                   progress=tick, workers=workers or default_workers(total_bytes), labeller=labeller)
    except KeyboardInterrupt:
        out_file.flush()
        err_file.flush()
        raise Interrupted("Interrupted: the records written so far are complete lines. "
                          "Re-run the same command with --resume to continue.") from None
    finally:
        if a.out:
            out_file.close()
        err_file.close()
    return stats, err_file.written


def _conclude(a: ExtractArgs, stats, inner, reuse, errors_path: Path | None) -> None:
    """The run's summary and llm usage (unless --quiet); BudgetReached (exit 3) when --max-cost stopped it."""
    from ..errors import BudgetReached
    from .llm import print_usage
    from .render import print_summary

    if not a.quiet:
        print_summary(stats, a.out, errors_path, a.resume)
        if inner.name == "llm":
            print_usage(inner)
    if stats.stopped == "budget":
        raise BudgetReached(f"Stopped: --max-cost {a.max_cost} reached. The records written are complete; re-run "
                            "the same command with --resume (and a higher --max-cost) to label the rest.")
    if reuse is not None and not a.quiet:
        typer.echo(f"near-duplicates: {reuse.stats.reused:,} records reused from the store, "
                   f"{reuse.stats.labelled:,} labelled by {a.extractor}", err=True)


def _dry_run(extractor, readers, batch_api: bool = False) -> None:
    """Estimate an llm run: read every item, count what would be sent; nothing is sent."""
    from ..extractors.llm.cost import Estimate
    from ..pipeline import batches, with_language
    from ..schema import FeedbackItem
    from .llm import context_advice, print_estimate

    if extractor.name != "llm":
        typer.echo(f"--dry-run: the {extractor.name} extractor sends nothing and costs nothing", err=True)
        return
    total = Estimate()
    items = (with_language(row) for reader in readers for row in reader if isinstance(row, FeedbackItem))
    for batch in batches(items, extractor.batch_rows):
        total.add(extractor.estimate(batch, batch_api))
    advice = context_advice(extractor)
    extractor.close()
    print_estimate(total.priced(extractor.settings, batch_api), extractor.settings, batch_api, advice)


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
