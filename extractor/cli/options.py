"""Options shared by several commands, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

TaxonomyOpt = Annotated[
    Optional[Path],
    typer.Option("--taxonomy", "-t", help="Taxonomy JSON file to label with (default: the packaged one).",
                 show_default=False),
]
ExtractorOpt = Annotated[
    str,
    typer.Option("--extractor", "-x", help="Extractor: [b]rules[/b] (offline default) or [b]keyword[/b] (baseline)."),
]
