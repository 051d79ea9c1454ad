"""`journey labelstudio config|export|import`: hand-labelling in Label Studio, back to a gold file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import app
from .options import (EncodingOpt, FormatOpt, IdFieldOpt, InputsArg, LangFieldOpt, SourceFieldOpt, SourceOpt, TaxonomyOpt,
                      TextFieldOpt, read_options)

labelstudio_app = typer.Typer(
    help="Hand-label in Label Studio: a labelling config from the taxonomy, tasks pre-labelled by an extractor, "
         "and the Label Studio JSON export back into a gold file.",
    no_args_is_help=True)
app.add_typer(labelstudio_app, name="labelstudio")

LangOpt = Annotated[str, typer.Option("--lang", help="Language of the names and hints shown to labellers (en, pl).")]
MAX_SHOWN = 20


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _list_problems(title: str, problems: list[str]) -> None:
    typer.echo(f"{title} ({len(problems)}):", err=True)
    for problem in problems[:MAX_SHOWN]:
        typer.echo(f"  - {problem}", err=True)
    if len(problems) > MAX_SHOWN:
        typer.echo(f"  ... and {len(problems) - MAX_SHOWN} more", err=True)


@labelstudio_app.command("config")
def config(
    lang: LangOpt = "en",
    taxonomy: TaxonomyOpt = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the XML here (default: stdout).",
                                                show_default=False)] = None,
) -> None:
    """Print the Label Studio labelling config (XML) for the taxonomy; paste it into Settings > Labeling Interface."""
    from ..labelling.labelstudio import labeling_config
    from ..taxonomy import load_taxonomy

    xml = labeling_config(load_taxonomy(taxonomy), lang)
    if out is None:
        typer.echo(xml, nl=False)
        return
    _write_text(out, xml)
    typer.echo(f"config: {out}", err=True)


@labelstudio_app.command("export")
def export(
    inputs: InputsArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Tasks file to import into Label Studio (JSON).",
                                      show_default=False)],
    prelabel: Annotated[str, typer.Option(help="Pre-label each task with this extractor's record as a prediction: "
                                          "rules, keyword, or none.")] = "rules",
    lang: LangOpt = "en",
    config_out: Annotated[Optional[Path], typer.Option("--config", help="Also write the labelling config (XML) "
                                                       "here.", show_default=False)] = None,
    taxonomy: TaxonomyOpt = None,
    text_field: TextFieldOpt = None,
    id_field: IdFieldOpt = None,
    source_field: SourceFieldOpt = None,
    lang_field: LangFieldOpt = None,
    source: SourceOpt = "other",
    input_format: FormatOpt = "auto",
    encoding: EncodingOpt = None,
) -> None:
    """Write Label Studio tasks (data: text, item_id, lang, source), pre-labelled unless --prelabel none."""
    from ..labelling.labelstudio import export_tasks, labeling_config
    from ..ingest import InputError, open_readers
    from ..pipeline import label_item, with_language
    from ..schema import FeedbackItem
    from ..taxonomy import load_taxonomy

    options = read_options(input_format=input_format, encoding=encoding, text_field=text_field, id_field=id_field,
                           source_field=source_field, lang_field=lang_field, source=source)
    tax = load_taxonomy(taxonomy)
    xml = labeling_config(tax, lang) if config_out else None
    extractor = None
    if prelabel != "none":
        from ..extractors import make_extractor

        extractor = make_extractor(prelabel, tax)
    items: list[FeedbackItem] = []
    bad: list[str] = []
    for reader in open_readers(inputs, options):
        for row in reader:
            if isinstance(row, InputError):
                bad.append(f"{row.file}:{row.line if row.line is not None else '-'}: {row.reason}")
            else:
                items.append(with_language(row))
    records = [label_item(extractor, item) for item in items] if extractor is not None else None
    tasks = export_tasks(items, records)
    _write_text(out, "[\n" + ",\n".join(json.dumps(t, ensure_ascii=False) for t in tasks) + "\n]\n")  # a task a line
    if config_out and xml is not None:
        _write_text(config_out, xml)
    how = f"pre-labelled by {prelabel}" if extractor is not None else "without predictions"
    typer.echo(f"wrote {len(tasks):,} task(s) {how} to {out}" + (f"; config: {config_out}" if config_out else ""),
               err=True)
    if bad:
        _list_problems(f"{len(bad):,} input row(s) could not become tasks and were left out", bad)


@labelstudio_app.command("import")
def import_(
    export_file: Annotated[Path, typer.Argument(metavar="EXPORT.json", help="Label Studio export in the JSON "
                                                "format (Export > JSON).", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Gold file to write (JSON Lines, TAXONOMY.md format).",
                                      show_default=False)],
    taxonomy: TaxonomyOpt = None,
    strict: Annotated[bool, typer.Option("--strict", help="Any problem (a task without annotation, an unknown id, "
                                         "a missing choice): write nothing and exit 1.")] = False,
) -> None:
    """Turn a Label Studio JSON export into a gold file: the latest non-cancelled annotation of each task."""
    from ..errors import CheckFailed
    from ..labelling.gold import write_gold
    from ..labelling.labelstudio import LabelStudioError, import_export, read_export
    from ..taxonomy import load_taxonomy

    tax = load_taxonomy(taxonomy)
    rows, problems = import_export(read_export(export_file), tax, str(export_file))
    if problems:
        _list_problems(f"{export_file}: tasks left out", problems)
    if strict and problems:
        raise CheckFailed(f"nothing written (--strict): {len(problems)} problem(s)")
    if not rows:
        raise LabelStudioError(f"{export_file}: no task could be imported; nothing written")
    n = write_gold(rows, out)
    typer.echo(f"imported {n:,} item(s) from {export_file} to {out}"
               + (f"; {len(problems)} task(s) left out" if problems else ""))
