"""`journey eval`: score an extractor (or a records file) against gold sets, with quality gates."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Iterator, Optional

import typer

from . import app
from .llm import (BaseUrlOpt, CassetteOpt, ConcurrencyOpt, ContextWindowOpt, ItemsPerRequestOpt, LLMConfigOpt,
                  LLMFlags, MaskOpt, MaxOutputOpt, ModelOpt, NoCacheOpt, PromptOpt, ProviderOpt, RecordModeOpt)
from .options import ExtractorOpt, LearnedModelOpt, TaxonomyOpt


GoldArg = Annotated[list[Path], typer.Argument(help="Gold files (JSON Lines, TAXONOMY.md format).",
                                               show_default=False)]
RecordsOpt = Annotated[Optional[Path], typer.Option(
    "--records", help="Score these records (from `journey extract` over the gold file) instead of running the "
    "extractor; matched to gold by item_id.", show_default=False)]
JsonOutOpt = Annotated[Optional[Path], typer.Option("--json", help="Write the full report as JSON here.",
                                                    show_default=False)]
MinOpt = Annotated[Optional[list[str]], typer.Option(
    "--min", help="Gate: fail unless FIGURE >= VALUE, e.g. --min stage.accuracy=0.88 or "
    "--min pl:sentiment.macro_f1=0.7; with --extractor llm also the model's own answers apart from the "
    "rules labels of failed ones, --min by_outcome.model.stage.accuracy=0.8. Repeatable.",
    show_default=False)]
MaxOpt = Annotated[Optional[list[str]], typer.Option(
    "--max", help="Gate: fail unless FIGURE <= VALUE. On an llm run FIGURE is one of llm.fallback_share, "
    "llm.prompt_tokens_per_item, llm.completion_tokens_per_item, e.g. --max llm.fallback_share=0.05; on learned "
    "records, the calibration error of a learned field's confidence or of the record's, e.g. "
    "--max calibration.stage.ece=0.05 or --max calibration.confidence.ece=0.05. Repeatable.",
    show_default=False)]
BaselineOpt = Annotated[Optional[Path], typer.Option(
    "--baseline", help="Gate: fail when a figure of this earlier --json report drops by more than --max-drop.",
    show_default=False)]
MaxDropOpt = Annotated[float, typer.Option(help="Largest allowed drop from --baseline.", min=0.0)]
MissesOpt = Annotated[int, typer.Option(help="How many worst misses to show.", min=0)]
SampleOpt = Annotated[Optional[int], typer.Option(
    "--sample", min=1, help="Score a seeded sample of N gold items, spread evenly over languages (an llm run "
    "over a slow or paid model; the same files, N and --seed pick the same items).", show_default=False)]
SeedOpt = Annotated[int, typer.Option(help="Seed of --sample.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the gate result.")]
EvalFewShotOpt = Annotated[int, typer.Option(
    "--few-shot", min=0, max=20, help="Similar labelled items from --store shown as examples (default 0 in "
    "eval, so a run depends on the gold file alone).", rich_help_panel="LLM extractor (--extractor llm)")]
ExamplesStoreOpt = Annotated[Optional[Path], typer.Option(
    "--store", help="Store whose labelled items are the few-shot examples (with --few-shot).",
    rich_help_panel="LLM extractor (--extractor llm)", show_default=False)]


@app.command("eval")
def eval_command(
    gold: GoldArg,
    extractor: ExtractorOpt = "rules",
    records: RecordsOpt = None,
    json_out: JsonOutOpt = None,
    minimum: MinOpt = None,
    maximum: MaxOpt = None,
    baseline: BaselineOpt = None,
    max_drop: MaxDropOpt = 0.02,
    misses: MissesOpt = 10,
    sample: SampleOpt = None,
    seed: SeedOpt = 0,
    taxonomy: TaxonomyOpt = None,
    learned_model: LearnedModelOpt = None,
    quiet: QuietOpt = False,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    llm_config: LLMConfigOpt = None,
    items_per_request: ItemsPerRequestOpt = None,
    concurrency: ConcurrencyOpt = None,
    few_shot: EvalFewShotOpt = 0,
    no_cache: NoCacheOpt = False,
    cassette: CassetteOpt = None,
    record_mode: RecordModeOpt = "none",
    provider: ProviderOpt = None,
    context_window: ContextWindowOpt = None,
    max_output_tokens: MaxOutputOpt = None,
    prompt: PromptOpt = None,
    mask: MaskOpt = None,
    store: ExamplesStoreOpt = None,
) -> None:
    """Score against hand-labelled gold: accuracy/F1 per field, per language and source, beside a majority-class
    baseline; confusion matrices; the worst misses; for the llm extractor, its outcomes and tokens, and the model's
    own answers scored apart from the fallback labels; for the learned extractor, how well its confidences are
    calibrated. Gates (--min, --max, --baseline) exit 1 when quality drops."""
    from ..evaluation.gates import load_baseline, parse_maximums, parse_minimums
    from ..taxonomy import load_taxonomy
    from .eval_render import print_report

    minimums, maximums = parse_minimums(minimum or []), parse_maximums(maximum or [])
    base = load_baseline(baseline) if baseline else None
    tax = load_taxonomy(taxonomy)
    items = _gold_items(gold, tax, sample, seed)
    if records is not None:
        aligned, name = _read_scored(items, records)
        run = None
    else:
        flags = LLMFlags(model, base_url, llm_config, items_per_request, concurrency, None, few_shot, False, no_cache,
                         cassette=cassette, record_mode=record_mode, provider=provider,
                         context_window=context_window, max_output_tokens=max_output_tokens, prompt=prompt, mask=mask)
        aligned, run = _label(items, extractor, tax, flags, store, show=not quiet and sys.stderr.isatty(),
                              learned_model=learned_model)
        name = extractor
    report = _report(items, aligned, name, misses, run, gold, tax, sample, seed)
    if json_out:
        _write_json(report, json_out)
    if not quiet:
        print_report(report)
    _gate(report, minimums, maximums, base, baseline, max_drop)


def _gold_items(gold: list[Path], tax, sample: int | None, seed: int) -> list:
    """The gold items to score: all of the files', or a seeded sample of them."""
    from ..labelling.gold import read_gold, sample_gold

    items = read_gold(gold, tax)
    return items if sample is None else sample_gold(items, sample, seed)


def _read_scored(items, records: Path) -> tuple[list[dict], str]:
    """The records of a file aligned to the gold items, and the extractor to name them by."""
    from ..evaluation.report import align_records, llm_outcome
    from ..records import read_records

    aligned = align_records(items, list(read_records([records])))
    name = str(aligned[0].get("extractor") or "records") if aligned else "records"
    if any(llm_outcome(r) for r in aligned):  # its fallback records name the rules extractor
        name = "llm"
    return aligned, name


def _report(items, aligned: list[dict], name: str, misses: int, run: dict | None, gold: list[Path], tax,
            sample: int | None, seed: int) -> dict:
    """The evaluation report, with what it was scored on (the gold files, the sample drawn, the taxonomy)."""
    from ..evaluation.report import evaluate

    report = evaluate(items, aligned, name, misses=misses, llm_run=run)
    report["gold"] = [str(p) for p in gold]
    if sample is not None:
        report["sample"] = {"n": len(items), "seed": seed}
    report["taxonomy_id"] = tax.ref
    return report


def _write_json(report: dict, path: Path) -> None:
    # Misses are named by id and file:line, without their texts: baselines are committed, and gold texts
    # may carry licences that forbid copying them (../shared/gold).
    saved = dict(report, worst_misses=[{k: v for k, v in m.items() if k != "text"} for m in report["worst_misses"]])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(saved, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _gate(report: dict, minimums: dict, maximums: dict, base, baseline: Path | None, max_drop: float) -> None:
    """The quality gates: printed, and CheckFailed (exit 1) when one fails; nothing when none is asked."""
    from ..errors import CheckFailed
    from ..evaluation.gates import check
    from .eval_render import print_gates

    if not (minimums or maximums or base is not None):
        return
    failures, compared = check(report, minimums, base, max_drop, maximums)
    print_gates(failures, compared, {**minimums, **maximums}, baseline, max_drop)
    if failures:
        raise CheckFailed("")


def _label(items, extractor_name: str, tax, flags: LLMFlags, store: Path | None, show: bool,
           learned_model: Path | None = None) -> tuple[list[dict], dict | None]:
    """The records, and the llm extractor's run counts (None for other extractors)."""
    from ..pipeline import label_batches
    from .llm import extractor_from_flags, model_session

    examples = None
    if extractor_name == "llm" and store is not None and flags.few_shot:
        from .store import open_store

        examples = open_store(store, None, "feedback", create=False)
    extractor = extractor_from_flags(extractor_name, tax, flags, examples, learned_model=learned_model)
    with model_session(extractor, flags):
        records = [record.model_dump() for batch in label_batches(extractor, _tracked(items, extractor_name, show))
                   for _, record in batch]
    return records, _run_counts(extractor) if extractor_name == "llm" else None


def _run_counts(extractor) -> dict:
    """What the llm extractor counted during the run (the report prints it, so print_usage is not needed here)."""
    outcomes, usage = extractor.outcomes, extractor.usage
    return {"from_answer_cache": outcomes.cached, "too_long": outcomes.too_long, "requests": usage.requests,
            "retries": usage.retries, "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens, "cached_prompt_tokens": usage.cached_tokens,
            "faults": dict(usage.faults), "cost_usd": usage.cost(extractor.settings)}


def _tracked(gold: list, extractor_name: str, show: bool) -> Iterator:
    """The gold items as items to label, with a progress bar that moves as they are taken (on a terminal)."""
    if show:
        from rich.progress import track

        from .render import make_console

        gold = track(gold, description=f"labelling with {extractor_name}", transient=True,
                     console=make_console(stderr=True))
    return (g.to_item() for g in gold)
