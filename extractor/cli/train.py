"""`journey train`: learn the label fields from labelled texts; `--extractor learned --learned-model DIR` uses it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import app
from .options import IdFieldOpt, QuietOpt, TaxonomyOpt, TextFieldOpt

LabelledArg = Annotated[list[Path], typer.Argument(
    help="Labelled JSON Lines files: gold files, `journey reviewed export` files, records files of any extractor "
         "(with --inputs, the feedback they were made from), or rows with `text` and any of the label fields "
         "(e.g. only `sentiment`, a number in [-1, 1]).", show_default=False)]


@app.command()
def train(
    labelled: LabelledArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Model folder to write (created; an existing model in it "
                                      "is replaced).", show_default=False)],
    inputs: Annotated[Optional[list[Path]], typer.Option(
        "--inputs", help="Feedback exports the records files were made from: their texts, joined by item id. "
        "Repeat for several files.", show_default=False)] = None,
    text_field: TextFieldOpt = None,
    id_field: IdFieldOpt = None,
    taxonomy: TaxonomyOpt = None,
    fields: Annotated[Optional[str], typer.Option(help="Comma-separated label fields to learn (default: every field "
                                                  "with enough labels).", show_default=False)] = None,
    folds: Annotated[Optional[int], typer.Option(min=2, max=20, help="Cross-validation folds (default: 5, or 3 "
                                                 "from 5,000 labelled texts on).", show_default=False)] = None,
    min_examples: Annotated[int, typer.Option(min=10, help="Labelled items a field needs to be learned.")] = 40,
    hash_rows: Annotated[int, typer.Option(min=1024, help="Rows of each classifier's hashed n-gram table (the "
                                           "model's size grows with it).")] = 2 ** 16,
    epochs: Annotated[Optional[int], typer.Option(min=1, help="Training passes (default: from the number of "
                                                  "items, 3 for 4,000 or more).", show_default=False)] = None,
    workers: Annotated[int, typer.Option(min=1, help="Processes for the cross-validation folds and the training.")] = 2,
    cues_only: Annotated[bool, typer.Option("--cues-only", help="Learn from the rules' cue hits and verdicts only, "
                                            "not the words: transfers better to feedback unlike the labelled texts "
                                            "(the shipped model is trained so).")] = False,
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Also write the model card here.",
                                                     show_default=False)] = None,
    quiet: QuietOpt = False,
) -> None:
    """Learn stage, touchpoints, emotion, sentiment, pain points and moment of truth from labelled texts.

    Each field with enough labels gets a classifier over the text and the rules extractor's cue hits, checked by
    cross-validation against the rules on the same items: it is learned only where it scores higher, and its
    confidence is calibrated on held-out folds. The model card (model.json) holds the figures."""
    from ..errors import UsageError
    from ..labelling.labelled import read_labelled
    from ..learning import TrainSettings, train as train_model
    from ..learning.classifier import ClassifierSettings
    from ..learning.train import default_folds
    from ..schema import LABEL_FIELDS
    from ..taxonomy import load_taxonomy

    chosen = tuple(f.strip() for f in fields.split(",") if f.strip()) if fields else LABEL_FIELDS
    unknown = [f for f in chosen if f not in LABEL_FIELDS]
    if unknown:
        raise UsageError(f"--fields: {', '.join(unknown)} is not a label field ({', '.join(LABEL_FIELDS)})")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: a file, not a folder; give the folder to write the model in")
    tax = load_taxonomy(taxonomy)
    texts = _input_texts(inputs or [], text_field, id_field)
    found = read_labelled(labelled, tax, texts)
    say = (lambda message: None) if quiet else (lambda message: typer.echo(message, err=True))
    _say_read(say, found, len(labelled))
    settings = TrainSettings(folds=folds or default_folds(len(found.texts)), min_examples=min_examples, fields=chosen,
                             workers=workers,
                             classifier=ClassifierSettings(hash_rows=hash_rows, epochs=epochs, words=not cues_only))
    model = train_model(found, tax, [str(p) for p in labelled], _model_id(out, found), settings, say)
    model.save(out)
    if json_out:
        json_out.write_text(model.card.model_dump_json(indent=2) + "\n", encoding="utf-8")
    if not quiet:
        _print_card(model.card, out)


def _say_read(say, found, files: int) -> None:
    """How many labelled texts were read, and the first lines left out (file, line, reason)."""
    say(f"{len(found.texts):,} labelled texts from {files} file(s)"
        + (f"; {len(found.skipped):,} line(s) left out" if found.skipped else ""))
    for line in found.skipped[:10]:
        say(f"  {line}")
    if len(found.skipped) > 10:
        say(f"  ... and {len(found.skipped) - 10:,} more")


def _input_texts(inputs: list[Path], text_field: str | None, id_field: str | None) -> dict[str, str]:
    """item id -> text of the feedback exports, read as `journey extract` reads them."""
    from ..ingest import open_readers
    from ..schema import FeedbackItem
    from .options import read_options

    options = read_options(text_field=text_field, id_field=id_field)
    return {row.item_id: row.text for reader in open_readers([str(p) for p in inputs], options) for row in reader
            if isinstance(row, FeedbackItem)}


def _model_id(out: Path, found) -> str:
    from ..learning.train import data_hash

    return f"{out.resolve().name}-{data_hash(found)[:8]}"


def _print_card(card, out: Path) -> None:
    typer.echo(f"{'field':<16} {'items':>7} {'metric':<9} {'learned':>8} {'rules':>7} {'calib. err':>10}  used")
    for name, score in [*((n, f.cv) for n, f in card.fields.items()), *card.cv_only.items()]:
        used = "learned" if name in card.fields else "rules"
        typer.echo(f"{name:<16} {score.items:>7,} {score.metric:<9} {score.learned:>8.3f} {score.rules:>7.3f} "
                   f"{score.ece:>10.3f}  {used}")
    for name, why in card.not_learned.items():
        if name not in card.cv_only:
            typer.echo(f"{name:<16} {'':>7} {'':<9} {'':>8} {'':>7} {'':>10}  rules: {why}")
    typer.echo(f"model {card.id} written to {out} ({json.dumps(card.training['seconds'])} s); use it with "
               f"`journey extract FILE -x learned --learned-model {out}`", err=True)
