"""Prompt versions side by side: the figures of `journey eval` reports (the baselines record.py writes) as one
Markdown table, each column a report, and a last line saying which fields fall more than --max-drop below the
first report (issue 17's bar: a new prompt is not lower than the old one by more than 0.03 on any field).

    python evals/local_model/compare.py evals/baselines/llm-qwen-own-journey-batch.v1.json \\
        evals/baselines/llm-qwen-own-journey-batch.v10.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from extractor.evaluation.gates import METRICS  # noqa: E402  (the figures `journey eval --baseline` gates)

NAMES = {"accuracy": "accuracy", "macro_f1": "macro-F1", "micro_f1": "micro-F1", "f1": "F1"}


def label(metric: str) -> str:
    field, _, kind = metric.partition(".")
    return f"{field.replace('_', ' ')} {NAMES[kind]}" if kind else field.replace("_", " ")


def figure(report: dict, metric: str) -> float:
    value: object = report
    for key in metric.split("."):
        value = value[key]  # type: ignore[index]
    return float(value)  # type: ignore[arg-type]


def column_name(path: Path, report: dict) -> str:
    prompt = str(report.get("llm", {}).get("prompt_id", "")).split("@")[0]
    return prompt.removeprefix("journey-batch.") or path.stem


def answer_tokens(report: dict) -> str:
    tokens = report.get("llm", {}).get("completion_tokens_per_item")
    return f"{tokens:.0f}" if tokens is not None else "-"


def table(paths: list[Path], max_drop: float) -> tuple[str, list[str]]:
    reports = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
    names = [column_name(p, r) for p, r in zip(paths, reports)]
    lines = ["| figure | " + " | ".join(names) + " |", "| --- |" + " ---: |" * len(names)]
    drops: list[str] = []
    for metric in METRICS:
        values = [figure(r, metric) for r in reports]
        lines.append(f"| {label(metric)} | " + " | ".join(f"{v:.2f}" for v in values) + " |")
        for name, value in zip(names[1:], values[1:]):
            if values[0] - value > max_drop:
                drops.append(f"{name}: {label(metric)} {value:.3f} < {values[0]:.3f} - {max_drop}")
    lines.append("| answer tokens an item | " + " | ".join(answer_tokens(r) for r in reports) + " |")
    lines.append("| items | " + " | ".join(str(r["n"]) for r in reports) + " |")
    return "\n".join(lines), drops


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("reports", type=Path, nargs="+", help="eval reports (JSON); the first is the one compared against")
    ap.add_argument("--max-drop", type=float, default=0.03, help="the largest drop allowed on a figure (0.03)")
    args = ap.parse_args()
    text, drops = table(args.reports, args.max_drop)
    print(text)
    print("\nwithin the bar on every figure" if not drops else "\nbelow the bar: " + "; ".join(drops))
    return 1 if drops else 0


if __name__ == "__main__":
    sys.exit(main())
