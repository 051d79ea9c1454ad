"""Quality gates on an evaluation report: minimums, maximums and the largest allowed drop from a baseline.

A figure is named `field.metric` (`stage.macro_f1`, `evidence_grounded`) for the whole gold set, or
`LANG:field.metric` (`pl:sentiment.macro_f1`) for one language of it, or by its path in the report for the llm
extractor's items by outcome (`by_outcome.model.stage.accuracy`: the model's own answers; `by_outcome.fallback.`:
the rules labels of items whose answer failed). Maximums (`--max`) take the llm run's figures (`llm.fallback_share`,
tokens per item) and, for records of the learned extractor, the expected calibration error of a learned field's
confidence (`calibration.stage.ece`) or of the record's (`calibration.confidence.ece`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from ..errors import UsageError
from ..schema import LABEL_FIELDS
from .calibration import RECORD

METRICS: tuple[str, ...] = (
    "stage.accuracy", "stage.macro_f1", "emotion.accuracy", "emotion.macro_f1", "sentiment.accuracy",
    "sentiment.macro_f1", "touchpoints.micro_f1", "touchpoints.macro_f1", "pain_points.micro_f1",
    "pain_points.macro_f1", "moment_of_truth.f1", "evidence_grounded",
)
OUTCOME_SCOPES: tuple[str, ...] = ("by_outcome.model", "by_outcome.fallback")
MAXIMA: tuple[str, ...] = ("llm.fallback_share", "llm.prompt_tokens_per_item", "llm.completion_tokens_per_item",
                           *(f"calibration.{name}.ece" for name in (*LABEL_FIELDS, RECORD)))


class GateSpecError(UsageError):
    """A --min or --baseline argument that cannot be used."""


@dataclass(frozen=True)
class GateFailure:
    figure: str
    value: float
    limit: float
    reason: str

    def __str__(self) -> str:
        return f"{self.figure} = {self.value:.3f}: {self.reason}"


def figure(report: Mapping[str, Any], name: str) -> float | None:
    """The value of a named figure in a report (None when the report has no such scope)."""
    scope, _, metric = name.rpartition(":")
    node: Any = report
    if scope:
        node = report.get("by_lang", {}).get(scope)
        if node is None:
            return None
    for key in metric.split("."):
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return float(node) if isinstance(node, (int, float)) else None


def _is_minimum_figure(name: str) -> bool:
    if name.rpartition(":")[2] in METRICS:
        return True
    return any(name.startswith(scope + ".") and name[len(scope) + 1:] in METRICS for scope in OUTCOME_SCOPES)


def _parse(specs: list[str], option: str, allowed, expected: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for spec in specs:
        name, sep, value = spec.partition("=")
        if not sep or not allowed(name):
            raise GateSpecError(f"{option} {spec!r}: expected FIGURE=VALUE with FIGURE {expected}")
        try:
            out[name] = float(value)
        except ValueError:
            raise GateSpecError(f"{option} {spec!r}: {value!r} is not a number") from None
    return out


def parse_minimums(specs: list[str]) -> dict[str, float]:
    """`FIGURE=VALUE` strings into {figure: minimum}."""
    return _parse(specs, "--min", _is_minimum_figure,
                  f"one of {', '.join(METRICS)} (optionally LANG: before it, e.g. pl:stage.accuracy=0.9, or "
                  f"{' or '.join(s + '.' for s in OUTCOME_SCOPES)} for the llm extractor's items by outcome, e.g. "
                  "by_outcome.model.stage.accuracy=0.8)")


def parse_maximums(specs: list[str]) -> dict[str, float]:
    """`FIGURE=VALUE` strings into {figure: maximum} (the llm run's figures, e.g. llm.fallback_share=0.05; a
    learned model's calibration error, e.g. calibration.stage.ece=0.05)."""
    return _parse(specs, "--max", MAXIMA.__contains__, f"one of {', '.join(MAXIMA)}")


def _missing(name: str) -> str:
    if name.startswith("llm."):
        return "not in this report (not an llm run, or its tokens are unknown: records read from a file)"
    if name.startswith("calibration."):
        return "not in this report (no record carries learned confidences, or the model did not learn that field)"
    if name.startswith("by_outcome."):
        return "not in this report (not an llm run, or no item had that outcome)"
    return "not in this report (no items of that language?)"


def load_baseline(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GateSpecError(f"--baseline {path}: no such file (write one with `journey eval ... --json {path}`)") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise GateSpecError(f"--baseline {path}: not an eval JSON report ({exc})") from None
    if not isinstance(data, dict) or figure(data, "stage.accuracy") is None:
        raise GateSpecError(f"--baseline {path}: not an eval JSON report (no stage.accuracy)")
    return data


def baseline_figures(baseline: Mapping[str, Any]) -> list[str]:
    """Every figure a baseline holds: the whole set's, each language's, and (an llm baseline) the model's own
    answers' (`by_outcome.model.`; not the fallback group's, whose few items change from run to run)."""
    names = [m for m in METRICS if figure(baseline, m) is not None]
    for lang in sorted(baseline.get("by_lang", {})):
        names += [f"{lang}:{m}" for m in METRICS if figure(baseline, f"{lang}:{m}") is not None]
    names += [f"by_outcome.model.{m}" for m in METRICS if figure(baseline, f"by_outcome.model.{m}") is not None]
    return names


def check(report: Mapping[str, Any], minimums: Mapping[str, float], baseline: Mapping[str, Any] | None = None,
          max_drop: float = 0.02, maximums: Mapping[str, float] | None = None
          ) -> tuple[list[GateFailure], list[tuple[str, float, float]]]:
    """Failures, and the (figure, baseline, now) rows compared with the baseline."""
    failures: list[GateFailure] = []
    for name, minimum in minimums.items():
        value = figure(report, name)
        if value is None:
            failures.append(GateFailure(name, float("nan"), minimum, _missing(name)))
        elif value < minimum - 1e-9:
            failures.append(GateFailure(name, value, minimum, f"below the minimum {minimum:.3f}"))
    for name, maximum in (maximums or {}).items():
        value = figure(report, name)
        if value is None:
            failures.append(GateFailure(name, float("nan"), maximum, _missing(name)))
        elif value > maximum + 1e-9:
            failures.append(GateFailure(name, value, maximum, f"above the maximum {maximum:.3f}"))
    compared: list[tuple[str, float, float]] = []
    if baseline is not None:
        if baseline.get("n") != report.get("n"):
            failures.append(GateFailure("n", float(report.get("n", 0)), float(baseline.get("n", 0)),
                                        f"the baseline scored {baseline.get('n')} items; re-record it for this gold set"))
        for name in baseline_figures(baseline):
            before, now = figure(baseline, name), figure(report, name)
            if before is None or now is None:
                continue
            compared.append((name, before, now))
            if now < before - max_drop - 1e-9:
                failures.append(GateFailure(name, now, before, f"dropped {before - now:.3f} from the baseline "
                                            f"{before:.3f} (allowed {max_drop:.3f})"))
    return failures, compared
