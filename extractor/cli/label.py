"""`journey label`: one pasted item, shown as a card (or `--json` for the record)."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from . import app
from .llm import BaseUrlOpt, LLMConfigOpt, MaskOpt, ModelOpt, NoMaskOpt, PromptOpt
from .options import ExtractorOpt, LearnedModelOpt, TaxonomyOpt


def read_text_argument(text: Optional[str]) -> str:
    if text is not None and text != "-":
        return text
    if text is None and sys.stdin.isatty():
        typer.echo("Paste the feedback, then press Ctrl-D on an empty line:", err=True)
    return sys.stdin.read()


@app.command()
def label(
    text: Annotated[Optional[str], typer.Argument(help="The feedback text; '-' or nothing reads stdin (paste, then "
                                                  "Ctrl-D).", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JourneyRecord as JSON instead of the card.")] = False,
    lang: Annotated[Optional[str], typer.Option(help="Language of the text (en, pl); default: detected.")] = None,
    source: Annotated[str, typer.Option(help="review, ticket, survey, social or other.")] = "ticket",
    labels: Annotated[Optional[str], typer.Option("--labels", help="Language of the card's labels (en, pl); "
                                                  "default: the text's language.")] = None,
    extractor_name: ExtractorOpt = "rules",
    taxonomy: TaxonomyOpt = None,
    learned_model: LearnedModelOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    llm_config: LLMConfigOpt = None,
    no_mask: NoMaskOpt = False,
    mask: MaskOpt = None,
    prompt: PromptOpt = None,
) -> None:
    """Label one item (a ticket, a review) and show its stage, touchpoints, emotion, pain points and evidence."""
    from ..errors import UsageError
    from ..pipeline import label_item
    from .llm import LLMFlags, extractor_from_flags, model_session
    from ..schema import SOURCES, FeedbackItem
    from ..taxonomy import load_taxonomy

    body = read_text_argument(text)
    if not body.strip():
        raise UsageError("no text to label: pass it as an argument, or paste it and press Ctrl-D")
    if source not in SOURCES:
        raise UsageError(f"--source must be one of {', '.join(SOURCES)}")
    tax = load_taxonomy(taxonomy)
    flags = LLMFlags(model, base_url, llm_config, few_shot=0, no_mask=no_mask, prompt=prompt, mask=mask)
    extractor = extractor_from_flags(extractor_name, tax, flags, learned_model=learned_model)
    from ..ingest.fields import stable_id

    item = FeedbackItem(item_id=stable_id(body), text=body, source=source,
                        lang=lang, origin="<label>:1")
    with model_session(extractor, flags):
        record = label_item(extractor, item)
    if as_json:
        typer.echo(record.model_dump_json(indent=2))
        return
    from rich.console import Console

    from .render import render_card

    Console().print(render_card(record, body, tax, labels or record.lang or "en"))
    if record.llm is not None:
        how = {"answered": "answered by", "repaired": "answered after one repair by",
               "fallback": "labelled by rules: the answer could not be used from"}[record.llm.outcome]
        typer.echo(f"{how} {record.llm.model} ({record.llm.prompt_id})"
                   + (f"; {record.llm.problems[0]}" if record.llm.problems else ""), err=True)
