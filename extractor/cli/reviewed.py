"""`journey reviewed export`: the reviews agents saved on the `journey serve` page, as a gold file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import app
from .options import TaxonomyOpt
from .serve import ReviewedOpt

reviewed_app = typer.Typer(help="Reviews saved on the `journey serve` page: corrected labels, for evaluation.",
                           no_args_is_help=True)
app.add_typer(reviewed_app, name="reviewed")


@reviewed_app.command("export")
def export(
    gold: Annotated[Path, typer.Option("--gold", help="Write the gold file here (JSON Lines, TAXONOMY.md \"Gold file "
                                       "format\"); `journey eval FILE` scores against it.", show_default=False)],
    reviewed: ReviewedOpt = None,
    taxonomy: TaxonomyOpt = None,
) -> None:
    """Turn reviews into gold items: the latest review of each text wins; reviews whose labels the taxonomy does not
    have are skipped and named."""
    from ..labelling.reviewed import DEFAULT_REVIEWED, export_gold
    from ..taxonomy import load_taxonomy

    source = reviewed or DEFAULT_REVIEWED
    result = export_gold(source, gold, load_taxonomy(taxonomy))
    replaced = result.reviews - result.texts
    lines = [f"{result.written:,} gold items from {result.reviews:,} reviews in {source} -> {gold}"
             + (f" ({replaced:,} earlier reviews of the same texts replaced)" if replaced > 0 else "")]
    for problem in result.skipped[:20]:
        lines.append(f"  skipped {problem}")
    if len(result.skipped) > 20:
        lines.append(f"  ... and {len(result.skipped) - 20:,} more skipped")
    lines.append(f"score an extractor against them: journey eval {gold}")
    typer.echo("\n".join(lines), err=True)
