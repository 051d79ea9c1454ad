"""What the CLI shows people: run summaries and the label card with highlighted evidence."""

from __future__ import annotations

from pathlib import Path

from ..pipeline import RunStats
from ..schema import JourneyRecord
from ..taxonomy import Taxonomy


def make_console(stderr: bool = False, pipe_width: int = 120):
    """A rich console for stdout (or stderr): the terminal's width, or `pipe_width` columns when piped."""
    import sys

    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    return Console(stderr=stderr, width=None if stream.isatty() else pipe_width, highlight=False)


def print_summary(stats: RunStats, out: Path | None, errors: Path | None, resumed: bool) -> None:
    import typer

    rate = f" ({stats.items_per_second:,.0f} items/s)" if stats.seconds >= 2 else ""
    lines = [f"read {stats.read:,} items from {len(stats.by_file)} file(s) in {stats.seconds:.1f} s{rate}: "
             f"{stats.extracted:,} records, {stats.errors:,} errors"
             + (f", {stats.skipped:,} already done (resumed)" if resumed or stats.skipped else "")]
    for file, c in stats.by_file.items():
        lines.append(f"  {file}: {c['extracted']:,} records, {c['errors']:,} errors"
                     + (f", {c['skipped']:,} skipped" if c["skipped"] else ""))
    if out:
        lines.append(f"records: {out}")
    if errors:
        lines.append(f"errors:  {errors} (file, line and reason of each bad row)")
    if stats.failed:
        lines.append(f"warning: the extractor failed on {stats.failed} item(s); please report it with the errors file")
    typer.echo("\n".join(lines), err=True)


def _names(tax: Taxonomy, kind: str, ids: list[str], lang: str) -> str:
    return ", ".join(tax.name_of(kind, i, lang) for i in ids) or "-"


def render_card(record: JourneyRecord, text: str, tax: Taxonomy, lang: str = "en"):
    """A rich renderable: the labels, then the text with each evidence quote highlighted and numbered."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    heads = {"en": ("Stage", "Touchpoints", "Emotion", "Sentiment", "Pain points", "Moment of truth", "Goal",
                    "Evidence", "yes", "no"),
             "pl": ("Etap", "Punkty styku", "Emocja", "Wydźwięk", "Punkty bólu", "Moment prawdy", "Cel",
                    "Dowody", "tak", "nie")}[lang if lang == "pl" else "en"]
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    sent = record.sentiment
    colour = "green" if sent > 0.25 else "red" if sent < -0.25 else "yellow"
    table.add_row(heads[0], tax.name_of("stages", record.stage, lang))
    table.add_row(heads[1], _names(tax, "touchpoints", record.touchpoints, lang))
    table.add_row(heads[2], tax.name_of("emotions", record.emotion, lang))
    table.add_row(heads[3], Text(f"{sent:+.2f}", style=colour))
    table.add_row(heads[4], _names(tax, "pain_points", record.pain_points, lang))
    table.add_row(heads[5], heads[8] if record.moment_of_truth else heads[9])
    if record.customer_goal:
        table.add_row(heads[6], record.customer_goal)

    body = Text(text)
    spans = sorted({(e.evidence.start, e.evidence.end) for e in record.events})
    for n, (a, b) in enumerate(spans, 1):
        body.stylize("bold black on yellow" if n % 2 else "bold black on cyan", a, b)
    legend = Table.grid(padding=(0, 1))
    for e in record.events:
        parts = [tax.name_of("stages", e.stage, lang)]
        if e.touchpoint:
            parts.append(tax.name_of("touchpoints", e.touchpoint, lang))
        if e.pain_point:
            parts.append(tax.name_of("pain_points", e.pain_point, lang))
        if e.emotion:
            parts.append(tax.name_of("emotions", e.emotion, lang))
        legend.add_row(Text(f"“{e.evidence.quote}”", style="italic"), Text(" · ".join(parts), style="dim"))
    title = f"{record.extractor} · {record.lang or '?'} · confidence {record.confidence:.2f}"
    return Panel(Group(table, Text(""), body, Text(""), Text(heads[7], style="bold"), legend), title=title,
                 title_align="left")
