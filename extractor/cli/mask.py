"""`journey mask`: what the llm extractor would send for a text, and what it keeps back."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from . import app
from .label import read_text_argument
from .llm import MaskOpt


@app.command()
def mask(
    text: Annotated[Optional[str], typer.Argument(help="The feedback text; '-' or nothing reads stdin (paste, then "
                                                  "Ctrl-D).", show_default=False)] = None,
    lang: Annotated[Optional[str], typer.Option(help="Language of the text (en, pl); default: detected. Polish "
                                                "text is searched for the case forms of names too.")] = None,
    kinds: MaskOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the masked text and every masked span (kind, "
                                          "offsets in the original text) as JSON.")] = False,
) -> None:
    """Show a text as the llm extractor sends it: e-mails, phone, card, IBAN and PESEL numbers, person names, street
    addresses and postal codes replaced by placeholders such as [NAME], and a list of what was masked."""
    from ..errors import UsageError
    from ..language import detect_language
    from ..privacy import mask_personal_data, parse_kinds

    body = read_text_argument(text)
    if not body.strip():
        raise UsageError("no text to mask: pass it as an argument, or paste it and press Ctrl-D")
    try:
        chosen = parse_kinds(kinds)
    except ValueError as exc:
        raise UsageError(f"--mask: {exc}") from None
    masked = mask_personal_data(body, chosen, lang or detect_language(body))
    if as_json:
        spans = [{"kind": s.kind, "start": s.start, "end": s.end, "text": body[s.start:s.end]} for s in masked.spans]
        typer.echo(json.dumps({"text": masked.text, "masked": spans}, ensure_ascii=False, indent=2))
        return
    typer.echo(masked.text)
    if not masked.spans:
        typer.echo("nothing masked", err=True)
        return
    width = max(len(s.kind) for s in masked.spans)
    typer.echo(f"masked {len(masked.spans)}:", err=True)
    for s in masked.spans:
        typer.echo(f"  {s.kind:<{width}}  {body[s.start:s.end]!r}  [{s.start}:{s.end}]", err=True)
