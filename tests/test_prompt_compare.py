"""evals/local_model/compare.py: prompt versions' recorded figures side by side, and the 0.03 bar of issue 17."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "evals" / "local_model" / "compare.py"
BASELINES = ROOT / "evals" / "baselines"


def report(tmp_path: Path, name: str, **changes: float) -> Path:
    data = json.loads((BASELINES / "llm-qwen-own-journey-batch.v1.json").read_text(encoding="utf-8"))
    data["llm"]["prompt_id"] = f"journey-batch.{name}@0"
    for key, value in changes.items():
        field, metric = key.rsplit("__", 1)
        data[field][metric] = value
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def compare(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, paths)], capture_output=True, text=True)


def test_a_drop_past_the_bar_on_any_figure_fails_and_is_named(tmp_path):
    old = BASELINES / "llm-qwen-own-journey-batch.v1.json"
    base = json.loads(old.read_text(encoding="utf-8"))["moment_of_truth"]["f1"]
    done = compare(old, report(tmp_path, "v98", moment_of_truth__f1=base - 0.05, stage__accuracy=0.99))
    assert done.returncode == 1
    assert "v98: moment of truth F1" in done.stdout and "stage" not in done.stdout.split("below the bar:")[1]
    row = next(line for line in done.stdout.splitlines() if line.startswith("| stage accuracy"))
    assert row.endswith("| 0.99 |")


def test_a_drop_within_the_bar_passes(tmp_path):
    old = BASELINES / "llm-qwen-own-journey-batch.v1.json"
    base = json.loads(old.read_text(encoding="utf-8"))["pain_points"]["macro_f1"]
    done = compare(old, report(tmp_path, "v97", pain_points__macro_f1=base - 0.02))
    assert done.returncode == 0, done.stdout
    assert done.stdout.splitlines()[0] == "| figure | v1 | v97 |"
    assert "within the bar on every figure" in done.stdout
