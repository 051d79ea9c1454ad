"""`journey ingest` and `journey search`: the Chroma feedback store."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from . import app
from .options import (CustomerFieldOpt, EncodingOpt, FormatOpt, IdFieldOpt, InputsArg, LangFieldOpt, MaxCharsOpt,
                      QuietOpt, SegmentFieldOpt, SourceFieldOpt, SourceOpt, TextFieldOpt, TimeFieldOpt, read_options)

if TYPE_CHECKING:
    from ..ingest import ReadOptions
    from ..store.store import FeedbackStore, IngestStats

StoreOpt = Annotated[Optional[Path], typer.Option(
    "--store", help="Folder of the embedded Chroma store (default: $JOURNEY_STORE or ./.journey/store).",
    show_default=False)]
ChromaUrlOpt = Annotated[Optional[str], typer.Option(
    "--chroma-url", help="A Chroma server instead (`chroma run`, hosted Chroma), e.g. http://localhost:8000; "
    "default $JOURNEY_CHROMA_URL.", show_default=False)]
CollectionOpt = Annotated[str, typer.Option(help="Collection name in the store.")]
EmbeddingOpt = Annotated[Optional[str], typer.Option(
    "--embedding", help="For a new collection: hashing (offline default) or openai (OPENAI_API_KEY, "
    "OPENAI_BASE_URL). An existing collection always uses the embedding it was made with.", show_default=False)]


def open_store(store: Path | None, chroma_url: str | None, collection: str, embedding: str | None = None,
               create: bool = True):
    from ..store.embedding import EmbeddingError, make_embedding
    from ..store.store import FeedbackStore, StoreError

    try:
        fn = make_embedding(embedding) if embedding else None
    except EmbeddingError as exc:
        raise StoreError(str(exc)) from None
    return FeedbackStore.open(path=store, url=chroma_url, collection=collection, embedding=fn, create=create)


GoldOpt = Annotated[bool, typer.Option("--gold", help="The inputs are gold files (TAXONOMY.md format): store their "
                                       "labels too, as few-shot examples for the LLM extractor.")]


@app.command()
def ingest(
    inputs: InputsArg,
    store: StoreOpt = None,
    chroma_url: ChromaUrlOpt = None,
    collection: CollectionOpt = "feedback",
    embedding: EmbeddingOpt = None,
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
    gold: GoldOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Embed feedback into the store for search, near-duplicates and themes; items already stored are skipped
    (ids are content hashes), bad rows are reported and counted."""
    options = read_options(input_format=input_format, encoding=encoding, text_field=text_field, id_field=id_field,
                           customer_field=customer_field, time_field=time_field, source_field=source_field,
                           lang_field=lang_field, segment_field=segment_field, source=source, max_chars=max_chars)
    target = open_store(store, chroma_url, collection, embedding)
    if gold:
        _ingest_gold(target, inputs, collection, quiet)
        return
    stats, errors, seconds = _ingest_items(target, inputs, options, show=not quiet and sys.stderr.isatty())
    if not quiet:
        _report_ingest(target, collection, stats, errors, seconds)


def _ingest_gold(target: FeedbackStore, inputs: list[str], collection: str, quiet: bool) -> None:
    """Store gold items with their labels (few-shot examples for the LLM extractor)."""
    from ..labelling.gold import read_gold
    from ..taxonomy import default_taxonomy

    items = read_gold([Path(p) for p in inputs], default_taxonomy())
    n = target.update_labels((g.to_item(), dict(g.labels(), extractor="gold", taxonomy_id="")) for g in items)
    if not quiet:
        typer.echo(f"{n:,} gold items with their labels in {collection!r} at {target.where}", err=True)


def _ingest_items(target: FeedbackStore, inputs: list[str], options: ReadOptions,
                  show: bool) -> tuple[IngestStats, list[str], float]:
    """Embed the inputs' items into the store: the store's counts, one line per bad row, and the seconds it took."""
    from ..ingest import InputError, open_readers
    from ..pipeline import with_language
    from ..schema import FeedbackItem
    from .progress import progress_bar

    readers = open_readers(inputs, options)
    errors: list[str] = []

    def items():
        for reader in readers:
            for row in reader:
                if isinstance(row, InputError):
                    errors.append(f"{row.file}:{row.line if row.line is not None else '-'}: {row.reason}")
                elif isinstance(row, FeedbackItem):
                    yield with_language(row)

    started = time.perf_counter()
    with progress_bar(show, sum(r.size or 0 for r in readers), readers) as tick:
        stats = target.ingest(items(), progress=tick)
    return stats, errors, time.perf_counter() - started


def _report_ingest(target: FeedbackStore, collection: str, stats: IngestStats, errors: list[str],
                   seconds: float) -> None:
    """What was read, added and refused, and the first bad rows."""
    rate = f" ({stats.read / seconds:,.0f} items/s)" if seconds >= 1 else ""
    typer.echo(f"read {stats.read:,} items in {seconds:.1f} s{rate}: {stats.added:,} added, {stats.present:,} already "
               f"in the store, {len(errors):,} bad rows; {target.count():,} items in {collection!r} at {target.where}",
               err=True)
    for line in errors[:20]:
        typer.echo(f"  {line}", err=True)
    if len(errors) > 20:
        typer.echo(f"  ... and {len(errors) - 20:,} more", err=True)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for, in any words, e.g. \"parcel never arrived\".",
                                         show_default=False)],
    k: Annotated[int, typer.Option("-k", help="How many items to show.", min=1, max=1000)] = 10,
    stage: Annotated[Optional[str], typer.Option(help="Only items labelled with this stage.")] = None,
    touchpoint: Annotated[Optional[str], typer.Option(help="Only items with this touchpoint.")] = None,
    pain_point: Annotated[Optional[str], typer.Option(help="Only items with this pain point.")] = None,
    emotion: Annotated[Optional[str], typer.Option(help="Only items with this emotion.")] = None,
    lang: Annotated[Optional[str], typer.Option(help="Only items in this language (en, pl).")] = None,
    source: Annotated[Optional[str], typer.Option(help="Only items from this source (review, ticket, ...).")] = None,
    segment: Annotated[Optional[str], typer.Option(help="Only items of this customer segment (read with "
                                                        "--segment-field when ingested).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per hit (id, score, text, metadata).")]
    = False,
    store: StoreOpt = None,
    chroma_url: ChromaUrlOpt = None,
    collection: CollectionOpt = "feedback",
) -> None:
    """Semantic search over the store, with label filters (labels come from `journey extract --to-store`).

    On a Chroma server the first search copies the collection into this machine's cache ($JOURNEY_CACHE, default
    ~/.cache/journey-extractor) and later ones take in what changed, so searches are exact and fast;
    JOURNEY_MIRROR=off leaves every search to the server."""
    from ..store.store import filters

    from .progress import count_bar

    target = open_store(store, chroma_url, collection, create=False)
    where = filters(stage=stage, touchpoint=touchpoint, pain_point=pain_point, lang=lang, source=source,
                    emotion=emotion, segment=segment)
    # a server store's first search copies its items into this machine's cache (extractor/store/mirror.py)
    with count_bar(sys.stderr.isatty(), "copying the server's items to the local cache") as tick:
        hits = target.search(query, k, where, progress=tick)
    if as_json:
        for h in hits:
            typer.echo(json.dumps({"id": h.id, "score": round(h.score, 4), "text": h.text, "metadata": h.metadata},
                                  ensure_ascii=False))
        return
    from .store_render import print_hits

    print_hits(query, hits, target.count(), bool(where))
