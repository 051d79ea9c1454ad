"""`journey taxonomy show|validate`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from . import app
from .options import TaxonomyOpt

taxonomy_app = typer.Typer(help="Show or validate a journey taxonomy (stages, touchpoints, emotions, pain points).",
                           no_args_is_help=True)
app.add_typer(taxonomy_app, name="taxonomy")


@taxonomy_app.command("show")
def show(
    taxonomy: TaxonomyOpt = None,
    lang: Annotated[str, typer.Option(help="Language of names and definitions (en, pl).")] = "en",
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole taxonomy file (a template for your own).")]
    = False,
    cues: Annotated[bool, typer.Option("--cues", help="Also list the cues of each label.")] = False,
) -> None:
    """List the labels of a taxonomy (the packaged default unless --taxonomy)."""
    from rich.console import Console
    from rich.table import Table

    from ..taxonomy import load_taxonomy

    tax = load_taxonomy(taxonomy)
    if as_json:
        typer.echo(json.dumps(tax.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    console = Console()
    title = tax.name.get(lang) or tax.name.get("en") or tax.taxonomy_id
    console.print(f"[bold]{title}[/bold]  ({tax.ref}, languages: {', '.join(tax.languages)})")
    kinds = [("stages", "Stages"), ("touchpoints", "Touchpoints"), ("emotions", "Emotions"), ("pain_points", "Pain points")]
    defaults = {tax.default_stage, tax.default_emotion, tax.default_touchpoint}
    for kind, heading in kinds:
        table = Table(title=heading, title_justify="left", show_lines=False, expand=True)
        table.add_column("id", style="bold", no_wrap=True)
        table.add_column("name")
        table.add_column("definition", ratio=3)
        if cues:
            table.add_column("cues", ratio=3)
        for label in getattr(tax, kind):
            row = [label.id + (" *" if label.id in defaults else ""), label.text("name", lang),
                   label.text("definition", lang)]
            if cues:
                row.append("; ".join(label.cues.get(lang, [])))
            table.add_row(*row)
        console.print(table)
    console.print("* default label")


@taxonomy_app.command("validate")
def validate(file: Annotated[Path, typer.Argument(help="Taxonomy JSON file to check.")]) -> None:
    """Check a taxonomy file; list every problem with where it is."""
    from ..taxonomy import load_taxonomy
    from ..taxonomy.loader import LABEL_KINDS

    tax = load_taxonomy(file)
    counts = ", ".join(f"{len(getattr(tax, k))} {k.replace('_', ' ')}" for k in LABEL_KINDS)
    n_cues = sum(len(v) for k in LABEL_KINDS for lb in getattr(tax, k) for v in lb.cues.values())
    typer.echo(f"{file}: valid taxonomy {tax.ref}: {counts}; {n_cues} cues in {', '.join(tax.languages)}")
