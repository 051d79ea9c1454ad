"""`journey eval`: score an extractor (or a records file) against gold sets, with quality gates."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import app
from .options import ExtractorOpt, TaxonomyOpt


@app.command("eval")
def eval_command(
    gold: Annotated[list[Path], typer.Argument(help="Gold files (JSON Lines, TAXONOMY.md format).", show_default=False)],
    extractor: ExtractorOpt = "rules",
    records: Annotated[Optional[Path], typer.Option(
        "--records", help="Score these records (from `journey extract` over the gold file) instead of running the "
        "extractor; matched to gold by item_id.", show_default=False)] = None,
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Write the full report as JSON here.",
                                                     show_default=False)] = None,
    minimum: Annotated[Optional[list[str]], typer.Option(
        "--min", help="Gate: fail unless FIGURE >= VALUE, e.g. --min stage.accuracy=0.88 or "
        "--min pl:sentiment.macro_f1=0.7. Repeatable.", show_default=False)] = None,
    baseline: Annotated[Optional[Path], typer.Option(
        "--baseline", help="Gate: fail when a figure of this earlier --json report drops by more than --max-drop.",
        show_default=False)] = None,
    max_drop: Annotated[float, typer.Option(help="Largest allowed drop from --baseline.", min=0.0)] = 0.02,
    misses: Annotated[int, typer.Option(help="How many worst misses to show.", min=0)] = 10,
    taxonomy: TaxonomyOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the gate result.")] = False,
) -> None:
    """Score against hand-labelled gold: accuracy/F1 per field, per language and source, beside a majority-class
    baseline; confusion matrices; the worst misses. Gates (--min, --baseline) exit 1 when quality drops."""
    from ..evaluation.gates import check, load_baseline, parse_minimums
    from ..evaluation.gold import read_gold
    from ..evaluation.report import align_records, evaluate
    from ..jsonl import read_json_lines
    from ..taxonomy import load_taxonomy
    from .eval_render import print_gates, print_report

    minimums = parse_minimums(minimum or [])
    base = load_baseline(baseline) if baseline else None
    tax = load_taxonomy(taxonomy)
    items = read_gold(gold, tax)
    if records is not None:
        if not records.is_file():
            from ..errors import UsageError

            raise UsageError(f"--records {records}: no such file")
        rows = [row for _, row in read_json_lines(records) if isinstance(row, dict)]
        aligned = align_records(items, rows)
        name = str(aligned[0].get("extractor") or "records") if aligned else "records"
    else:
        aligned, name = _label(items, extractor, tax, show=not quiet and sys.stderr.isatty()), extractor
    report = evaluate(items, aligned, name, misses=misses)
    report["gold"] = [str(p) for p in gold]
    report["taxonomy_id"] = tax.ref
    if json_out:
        # Misses are named by id and file:line, without their texts: baselines are committed, and gold texts
        # may carry licences that forbid copying them (../shared/gold).
        saved = dict(report, worst_misses=[{k: v for k, v in m.items() if k != "text"} for m in report["worst_misses"]])
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(saved, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if not quiet:
        print_report(report)
    if minimums or base is not None:
        failures, compared = check(report, minimums, base, max_drop)
        print_gates(failures, compared, minimums, baseline, max_drop)
        if failures:
            raise typer.Exit(1)


def _label(items, extractor_name: str, tax, show: bool) -> list[dict]:
    from ..extractors import make_extractor
    from ..pipeline import label_item

    engine = make_extractor(extractor_name, tax)
    if not show:
        return [label_item(engine, g.to_item()).model_dump() for g in items]
    from rich.progress import track

    from .render import make_console

    return [label_item(engine, g.to_item()).model_dump()
            for g in track(items, description=f"labelling with {extractor_name}", transient=True,
                           console=make_console(stderr=True))]
