"""How `journey eval` shows a report: figure tables beside the majority baseline, the llm run's outcomes and tokens
with the model's own answers scored apart, the learned model's calibration, confusion matrices, worst misses, and
the gate verdict."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from ..evaluation.gates import METRICS, GateFailure, figure

SOURCE_METRICS = ("stage.accuracy", "emotion.macro_f1", "sentiment.macro_f1", "touchpoints.micro_f1",
                  "pain_points.micro_f1")


def _console(stderr: bool = False):
    from .render import make_console

    return make_console(stderr, pipe_width=150)


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def print_report(report: Mapping[str, Any]) -> None:
    from rich.table import Table

    console = _console()
    langs = report.get("by_lang", {})
    sizes = ", ".join(f"{k} {v['n']}" for k, v in langs.items())
    sampled = f"a sample (seed {report['sample']['seed']}) of " if report.get("sample") else ""
    console.print(f"[bold]journey eval[/bold]: {report['extractor']} on {sampled}{', '.join(report.get('gold', []))} "
                  f"({report['n']} items; {sizes})")
    if report.get("llm"):
        _print_llm(console, report["llm"])

    table = Table(title="Scores (maj. = always the most common gold label)", title_justify="left")
    table.add_column("figure")
    scopes: list[tuple[str, Mapping[str, Any]]] = [("all", report)] + list(langs.items())
    for name, _ in scopes:
        table.add_column(name, justify="right")
        table.add_column("maj.", justify="right", style="dim")
    for metric in METRICS:
        row = [metric]
        for _, scope in scopes:
            row += [_cell(figure(scope, metric)), _cell(figure(scope.get("majority", {}), metric))]
        table.add_row(*row)
    console.print(table)
    if report.get("by_outcome"):
        _print_by_outcome(console, report)
    if report.get("calibration"):
        _print_calibration(console, report["calibration"])

    by_source = report.get("by_source", {})
    if by_source:
        table = Table(title="By source", title_justify="left")
        table.add_column("source")
        table.add_column("n", justify="right")
        for metric in SOURCE_METRICS:
            table.add_column(metric, justify="right")
        for name, scope in by_source.items():
            table.add_row(name, str(scope["n"]), *[
                f"{_cell(figure(scope, m))} [dim]({_cell(figure(scope.get('majority', {}), m))})[/dim]"
                for m in SOURCE_METRICS])
        console.print(table)

    for field, matrix in report.get("confusion_matrices", {}).items():
        _print_confusion(console, field, matrix)

    misses = report.get("worst_misses", [])
    if misses:
        console.print("[bold]Worst misses[/bold] (gold -> predicted)")
        for m in misses:
            diffs = "; ".join(f"{f}: {_short(m['gold'][f])} -> {_short(m['predicted'][f])}" for f in m["wrong"])
            console.print(f"  [bold]{m['id']}[/bold] ({m['origin']}) {diffs}")
            console.print(f"    [dim]{m['text']}[/dim]", soft_wrap=True)


def _print_llm(console, llm: Mapping[str, Any]) -> None:
    counts = llm["outcomes"]
    model = ", ".join(llm["model"]) if isinstance(llm["model"], list) else llm["model"]
    prompt = ", ".join(llm["prompt_id"]) if isinstance(llm["prompt_id"], list) else llm["prompt_id"]
    cache = "" if llm.get("from_answer_cache") is None else f"; {llm['from_answer_cache']:,} from the answer cache"
    console.print(f"llm {model} ({prompt}): {llm['items']:,} items: {counts['answered']:,} answered, "
                  f"{counts['repaired']:,} repaired, {counts['fallback']:,} labelled by rules after a failed answer "
                  f"(fallback share {llm['fallback_share']:.1%}){cache}", soft_wrap=True)
    if llm.get("items_without_llm"):
        console.print(f"  {llm['items_without_llm']:,} records carry no llm outcome (another extractor's)")
    if llm.get("requests") is None:
        console.print("  requests and tokens: not known from a records file (journey extract prints them)")
        return

    def per_item(key: str) -> str:
        value = llm.get(f"{key}_per_item")
        return "" if value is None else f" ({value:,.1f} per item sent)"

    read = f", {llm['cached_prompt_tokens'] / llm['prompt_tokens']:.0%} read from the provider's prompt cache" \
        if llm["prompt_tokens"] and llm["cached_prompt_tokens"] else ""
    console.print(f"  {llm['requests']:,} requests, {llm['retries']:,} retries, {llm['prompt_tokens']:,} prompt "
                  f"tokens{per_item('prompt_tokens')}, {llm['completion_tokens']:,} completion tokens"
                  f"{per_item('completion_tokens')}; {llm['items_sent']:,} items sent{read}", soft_wrap=True)
    if llm.get("faults_retried"):
        console.print("  faults retried: " + ", ".join(f"{k} x{v}" for k, v in llm["faults_retried"].items()))
    if llm.get("cost_usd") is not None:
        console.print(f"  cost about ${llm['cost_usd']:,.4f} at list price")


def _print_by_outcome(console, report: Mapping[str, Any]) -> None:
    from rich.table import Table

    table = Table(title="By outcome (model: answered or repaired)", title_justify="left")
    table.add_column("figure")
    scopes = [("all", report)] + list(report["by_outcome"].items())
    for name, _ in scopes:
        table.add_column(name, justify="right")
    table.add_row("n", *[str(scope.get("n", 0)) for _, scope in scopes])
    for metric in METRICS:
        table.add_row(metric, *[_cell(figure(scope, metric)) for _, scope in scopes])
    console.print(table)


def _print_calibration(console, calibration: Mapping[str, Any]) -> None:
    """One row per learned field and one for the record's confidence: items, mean confidence, share right, ECE,
    then the reliability table's bins (share right, items dimmed)."""
    from rich.table import Table

    from ..evaluation.calibration import RECORD

    model = calibration["model"]
    model = ", ".join(model) if isinstance(model, list) else model
    rows = [(name, row) for name, row in calibration.items() if isinstance(row, Mapping)]
    bins = sorted({b["bin"] for _, row in rows for b in row["reliability"]})
    table = Table(title=f"Calibration of the learned model {model} (ECE: expected calibration error; per "
                  "confidence bin: share right, items)", title_justify="left")
    for column in ("learned", "items", "confidence", "right", "ECE", *bins):
        table.add_column(column, justify="left" if column == "learned" else "right")
    for name, row in rows:
        cells = {b["bin"]: f"{b['accuracy']:.2f} [dim]{b['items']}[/dim]" for b in row["reliability"]}
        table.add_row("record confidence" if name == RECORD else name, str(row["items"]), _cell(row["confidence"]),
                      _cell(row["accuracy"]), _cell(row["ece"]), *[cells.get(b, "") for b in bins])
    console.print(table)


def _short(value: Any) -> str:
    if isinstance(value, list):
        return "{" + ", ".join(value) + "}" if value else "{}"
    return str(value)


def _print_confusion(console, field: str, matrix: Mapping[str, Mapping[str, int]]) -> None:
    from rich.table import Table

    labels = sorted(set(matrix) | {p for row in matrix.values() for p in row})
    table = Table(title=f"Confusion: {field} (rows gold, columns predicted)", title_justify="left")
    table.add_column("gold \\ pred")
    for label in labels:
        table.add_column(label[:6], justify="right")
    for g in labels:
        row = matrix.get(g, {})
        cells = []
        for p in labels:
            n = row.get(p, 0)
            cells.append("" if not n else f"[bold]{n}[/bold]" if p == g else str(n))
        table.add_row(g, *cells)
    console.print(table)


def print_gates(failures: list[GateFailure], compared: list[tuple[str, float, float]],
                minimums: Mapping[str, float], baseline: Path | None, max_drop: float) -> None:
    console = _console(stderr=bool(failures))
    if compared:
        moved = [(n, b, a) for n, b, a in compared if abs(a - b) >= 0.0005]
        console.print(f"Against baseline {baseline}: {len(compared)} figures compared, {len(moved)} changed"
                      + (":" if moved else ""))
        for name, before, now in moved:
            arrow = "[green]+[/green]" if now > before else "[red]-[/red]"
            console.print(f"  {arrow} {name}: {before:.3f} -> {now:.3f} ({now - before:+.3f})")
    if failures:
        console.print(f"[bold red]quality gate failed[/bold red] ({len(failures)}):")
        for f in failures:
            console.print(f"  {f}")
        if baseline:
            console.print(f"If the drop is intended, re-record the baseline: journey eval ... --json {baseline}")
    else:
        checks = len(minimums) + len(compared)
        console.print(f"quality gates passed ({checks} checks"
                      + (f", max drop {max_drop:.3f} from {baseline}" if baseline else "") + ")")
