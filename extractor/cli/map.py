"""`journey map`: records into a customer journey map (a self-contained HTML page, Markdown or JSON)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from . import app

FORMATS = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md", ".json": "json", ".xlsx": "xlsx"}
SHOWN_SKIPS = 10

RecordsArg = Annotated[list[Path], typer.Argument(help="Records files written by `journey extract` (- for stdin).",
                                                  show_default=False)]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Report file: .html (self-contained, opens offline), "
                                      ".md (for a wiki or a ticket), .json (the data, for other tools) or .xlsx "
                                      "(the data's tables, a sheet each).")]
LangOpt = Annotated[str, typer.Option("--lang", help="Language of the report's labels: en or pl.")]
TitleOpt = Annotated[Optional[str], typer.Option(help="Report title (default: 'Customer journey map' in the "
                                                 "report's language).", show_default=False)]
MapTaxonomyOpt = Annotated[Optional[Path], typer.Option(
    "--taxonomy", "-t", help="Taxonomy the records were labelled with (default: the packaged one).",
    show_default=False)]
OnlySourceOpt = Annotated[Optional[list[str]], typer.Option(
    "--source", help="Only records of this source (review, ticket, survey, social, other); repeatable.",
    show_default=False)]
ItemLangOpt = Annotated[Optional[list[str]], typer.Option(
    "--item-lang", help="Only records in this language (en, pl); repeatable.", show_default=False)]
SegmentOpt = Annotated[Optional[list[str]], typer.Option(
    "--segment", help="Only records of this customer segment (read with `journey extract --segment-field`); "
    "repeatable.", show_default=False)]
SinceOpt = Annotated[Optional[str], typer.Option(help="Only records created on or after this date (YYYY-MM-DD).",
                                                 show_default=False)]
UntilOpt = Annotated[Optional[str], typer.Option(help="Only records created on or before this date (YYYY-MM-DD).",
                                                 show_default=False)]
QuotesOpt = Annotated[int, typer.Option(min=1, max=10, help="Quotes per pain point, stage and opportunity.")]
JourneysOpt = Annotated[int, typer.Option(min=0, max=5000, help="Customer journeys listed in the report (all are "
                                          "counted).")]


@app.command("map")
def map_command(
    records: RecordsArg,
    out: OutOpt = Path("journey-map.html"),
    lang: LangOpt = "en",
    title: TitleOpt = None,
    taxonomy: MapTaxonomyOpt = None,
    source: OnlySourceOpt = None,
    item_lang: ItemLangOpt = None,
    segment: SegmentOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    quotes: QuotesOpt = 3,
    journeys: JourneysOpt = 200,
) -> None:
    """Aggregate records into a customer journey map: stages as columns with touchpoints, emotions, pain points,
    moments of truth and opportunities; the emotion curve, a pain-point Pareto, the stage x touchpoint heatmap,
    quotes, and the journeys of customers whose items carry a customer id."""
    import time

    from ..journeymap import MapBuilder
    from ..records import SkippedLine
    from ..taxonomy import load_taxonomy
    from .render import make_console

    kind = _report_kind(out)
    options = _map_options(lang, title, source, item_lang, segment, since, until, quotes, journeys)
    tax = load_taxonomy(taxonomy)
    builder = MapBuilder(tax, options)
    skipped: list[SkippedLine] = []
    err = make_console(stderr=True)
    started = time.perf_counter()
    _read_into(builder, records, skipped, err)
    _check_taxonomy(builder, tax.ref)
    journey_map = builder.build([str(p) for p in records])
    _write(out, kind, journey_map)
    _report(err, out, journey_map, skipped, time.perf_counter() - started)


def _report_kind(out: Path) -> str:
    """html, md or json, from the report file's extension."""
    from ..errors import UsageError

    kind = FORMATS.get(out.suffix.lower())
    if kind is None:
        raise UsageError(f"--out {out}: unknown report format '{out.suffix}'; use .html, .md, .json or .xlsx")
    return kind


def _map_options(lang: str, title: str | None, source: list[str] | None, item_lang: list[str] | None,
                 segment: list[str] | None, since: str | None, until: str | None, quotes: int, journeys: int):
    """MapOptions from the command's options; a bad language or date is a UsageError naming the option."""
    from ..errors import UsageError
    from ..journeymap import MapOptions
    from ..journeymap.dates import parse_bound
    from ..texts import table

    if lang not in ("en", "pl"):
        raise UsageError(f"--lang {lang}: the report's labels are in en or pl")
    try:
        bounds = [parse_bound(v, end=end) if v else None for v, end in ((since, False), (until, True))]
    except ValueError as exc:
        raise UsageError(f"--since/--until: {exc}") from None
    return MapOptions(title=title or table(lang)["default_title"], lang=lang, sources=source or [],
                      langs=item_lang or [], segments=segment or [], since=bounds[0], until=bounds[1],
                      quotes=quotes, journeys=journeys)


def _read_into(builder, records: list[Path], skipped: list, err) -> None:
    """Every record of the files into the builder, with a counter on a terminal; bad lines into `skipped`."""
    from ..records import read_records

    with _progress(err) as tick:
        for n, record in enumerate(read_records(records, skipped), 1):
            builder.add(record)
            if tick is not None and n % 5000 == 0:
                tick(n)


def _check_taxonomy(builder, taxonomy_ref: str) -> None:
    """The records must have been labelled with the taxonomy the map names them with."""
    from ..errors import UsageError

    labelled_with = set(builder.taxonomy_ids())
    if labelled_with and labelled_with != {taxonomy_ref}:
        raise UsageError(f"the records were labelled with {', '.join(sorted(labelled_with))}, but the map reads them "
                         f"with {taxonomy_ref}: pass the same --taxonomy as to `journey extract`")


def _report(err, out: Path, journey_map, skipped: list, seconds: float) -> None:
    """The skipped lines (the first few), a warning for an empty map, and what was written where."""
    for line in skipped[:SHOWN_SKIPS]:
        err.print(f"skipped {line}", markup=False, soft_wrap=True)
    if len(skipped) > SHOWN_SKIPS:
        err.print(f"... and {len(skipped) - SHOWN_SKIPS:,} more lines that are not journey records")
    meta = journey_map.meta
    scope = f"{meta.records:,} records" + (f" of {meta.records_read:,} (filters left out {meta.filtered_out:,})"
                                            if meta.filtered_out else "")
    if meta.records == 0:
        err.print(f"[yellow]warning:[/yellow] no records in scope ({meta.records_read:,} read); the report is empty",
                  soft_wrap=True)
    size = out.stat().st_size
    err.print(f"journey map of {scope}: {out} ({_size(size)}, {seconds:.1f} s)"
              + (f"; {len(skipped):,} lines skipped" if skipped else ""), soft_wrap=True)


def _write(out: Path, kind: str, journey_map) -> None:
    from ..errors import UsageError

    if kind == "xlsx":
        from ..exports import write_workbook
        from ..journeymap.tables import map_tables

        write_workbook(map_tables(journey_map), out)
        return
    if kind == "html":
        from ..journeymap.html import render_html

        text = render_html(journey_map)
    elif kind == "md":
        from ..journeymap.markdown import render_markdown

        text = render_markdown(journey_map)
    else:
        text = journey_map.model_dump_json(indent=2)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 1_048_576 else f"{n / 1024:.0f} kB"


class _progress:
    """A records counter on a terminal while a large map is read; nothing when piped."""

    def __init__(self, console):
        self.console = console
        self.progress = None

    def __enter__(self):
        if not self.console.is_terminal:
            return None
        from rich.progress import Progress, SpinnerColumn, TextColumn

        self.progress = Progress(SpinnerColumn(), TextColumn("[bold]mapping[/bold] {task.fields[n]} records"),
                                 console=self.console, transient=True)
        self.progress.start()
        task = self.progress.add_task("map", n="0")
        return lambda n: self.progress.update(task, n=f"{n:,}")

    def __exit__(self, *exc):
        if self.progress is not None:
            self.progress.stop()
        return False
