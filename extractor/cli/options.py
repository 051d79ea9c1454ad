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
    typer.Option("--extractor", "-x", help="Extractor: [b]rules[/b] (offline default), [b]learned[/b] (a model "
                 "`journey train` made, over the rules; see --learned-model), [b]llm[/b] (an OpenAI-compatible model; "
                 "see the LLM options) or [b]keyword[/b] (baseline)."),
]
LearnedModelOpt = Annotated[
    Optional[Path],
    typer.Option("--learned-model", help="Model folder of `journey train`, for --extractor learned (default: the "
                 "model shipped in the package).", show_default=False),
]

# The reader options of every command that reads feedback exports (extract, ingest, labelstudio export).
InputsArg = Annotated[list[str], typer.Argument(
    help="Feedback exports: .jsonl, .json, .csv, .tsv, .txt, or - for stdin.", show_default=False)]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary.")]
TextFieldOpt = Annotated[Optional[str], typer.Option(help="Field/column holding the text (auto-detected).")]
IdFieldOpt = Annotated[Optional[str], typer.Option(help="Field holding the item id (else a hash of the text).")]
CustomerFieldOpt = Annotated[Optional[str], typer.Option(help="Field holding the customer id.")]
TimeFieldOpt = Annotated[Optional[str], typer.Option(help="Field holding the creation time.")]
SourceFieldOpt = Annotated[Optional[str], typer.Option(help="Field holding the source (review, ticket, ...).")]
SegmentFieldOpt = Annotated[Optional[str], typer.Option(help="Field holding the customer segment (for `journey map "
                                                        "--segment`).")]
LangFieldOpt = Annotated[Optional[str], typer.Option(help="Field holding the language code (else detected).")]
SourceOpt = Annotated[str, typer.Option(help="Source for items that do not say: review, ticket, survey, social, other.")]
FormatOpt = Annotated[str, typer.Option("--format", help="Input format: auto (by extension), jsonl, json, csv, tsv, "
                                        "txt.")]
EncodingOpt = Annotated[Optional[str], typer.Option(help="Input encoding, e.g. cp1250 (default: detected).")]
MaxCharsOpt = Annotated[int, typer.Option(help="Longer texts become error lines instead of records.")]


def read_options(*, input_format: str = "auto", encoding: str | None = None, text_field: str | None = None,
                 id_field: str | None = None, customer_field: str | None = None, time_field: str | None = None,
                 source_field: str | None = None, lang_field: str | None = None, segment_field: str | None = None,
                 source: str = "other",
                 max_chars: int = 100_000):
    """ReadOptions from the command's options; a bad value becomes a UsageError naming the option."""
    from ..errors import UsageError
    from ..ingest import ReadOptions

    try:
        return ReadOptions(format=input_format, encoding=encoding, text_field=text_field, id_field=id_field,
                           customer_field=customer_field, time_field=time_field, source_field=source_field,
                           lang_field=lang_field, segment_field=segment_field, default_source=source, max_chars=max_chars)
    except ValueError as exc:
        errors = getattr(exc, "errors", None)
        if callable(errors):
            e = errors()[0]
            raise UsageError(f"--{'-'.join(str(p) for p in e['loc']).replace('_', '-')}: {e['msg']}") from None
        raise UsageError(str(exc)) from None
