"""`journey agree`: how far two labellings of the same items agree (the human ceiling for an extractor)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import app
from .options import TaxonomyOpt


@app.command()
def agree(
    first: Annotated[Path, typer.Argument(help="Gold file of the first labelling.", show_default=False)],
    second: Annotated[Path, typer.Argument(help="Gold file of the second labelling (same ids).", show_default=False)],
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Write the agreement figures as JSON here.",
                                                     show_default=False)] = None,
    taxonomy: TaxonomyOpt = None,
) -> None:
    """Cohen's kappa for stage, emotion, sentiment and moment of truth, and F1 for touchpoints and pain points,
    between two label files of the same items (matched by id)."""
    from ..evaluation.agreement import agreement
    from ..labelling.gold import read_gold
    from ..taxonomy import load_taxonomy
    from .render import make_console

    tax = load_taxonomy(taxonomy)
    result = agreement(read_gold([first], tax), read_gold([second], tax))
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    console = make_console(pipe_width=150)
    console.print(f"[bold]journey agree[/bold]: {first} vs {second}: {result['n']} items in both"
                  + (f"; only in one file: {result['only_first']} + {result['only_second']}"
                     if result["only_first"] or result["only_second"] else ""))
    for field, figures in result["fields"].items():
        shown = ", ".join(f"{k} {v:.3f}" for k, v in figures.items())
        console.print(f"  {field:16} {shown}")
