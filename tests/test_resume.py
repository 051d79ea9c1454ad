"""An extraction killed midway and resumed gives the same records as one uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from .conftest import journey_cmd, run_journey

PHRASES = ["Paczka nie dotarła na czas.", "Great quality, fast shipping!", "The app crashes when I pay.",
           "Obsługa klienta nie odpowiada od tygodnia.", "Never again, I'm switching to another shop.",
           "", "Zwrot pieniędzy trwa za długo, ale kurier był miły."]


def make_input(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            text = PHRASES[i % len(PHRASES)]
            if i % 997 == 5:
                f.write("{broken json\n")
                continue
            f.write(json.dumps({"id": f"item-{i}", "text": f"{text} #{i}" if text else ""}) + "\n")


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def test_killed_run_resumes_without_duplicates_or_losses(tmp_path):
    src = tmp_path / "feedback.jsonl"
    make_input(src, 150_000)
    full = run_journey("extract", str(src), "--out", str(tmp_path / "full.jsonl"), "--quiet")
    assert full.returncode == 0, full.stderr

    out = tmp_path / "part.jsonl"
    proc = subprocess.Popen(journey_cmd() + ["extract", str(src), "--out", str(out), "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline and (not out.exists() or out.stat().st_size < 2_000_000):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    written = len(lines(out))
    assert 0 < written < 140_000, "the run was not interrupted midway; make the input larger"

    resumed = run_journey("extract", str(src), "--out", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "already done (resumed)" in resumed.stderr

    def keyed(path: Path) -> dict[str, dict]:
        rows = [json.loads(x) for x in lines(path)]
        return {r["origin"].rsplit(":", 1)[1]: r for r in rows}

    expected, got = keyed(tmp_path / "full.jsonl"), keyed(out)
    assert len(lines(out)) == len(got) == len(expected)  # no duplicates
    assert got.keys() == expected.keys()  # no losses
    assert all(got[k]["stage"] == expected[k]["stage"] and got[k]["events"] == expected[k]["events"]
               for k in expected)
    errors_full = {(e["line"], e["reason"]) for e in map(json.loads, lines(tmp_path / "full.errors.jsonl"))}
    errors_part = [json.loads(x) for x in lines(tmp_path / "part.errors.jsonl")]
    assert {(e["line"], e["reason"]) for e in errors_part} == errors_full
    assert len(errors_part) == len(errors_full)


def test_resume_refuses_a_file_it_did_not_write(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("late parcel\n", encoding="utf-8")
    out = tmp_path / "r.jsonl"
    out.write_text('{"item_id": "x", "stage": "experience"}\n', encoding="utf-8")
    result = run_journey("extract", str(src), "--out", str(out), "--resume")
    assert result.returncode == 2 and "no 'origin'" in result.stderr
