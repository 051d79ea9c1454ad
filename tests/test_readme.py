"""The README's quick start names the commands the project really runs, and they work."""

from __future__ import annotations

import json
import re
import subprocess

from extractor.ingest import ReadOptions, open_readers
from extractor.schema import FeedbackItem

from .conftest import ROOT


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, flags=re.S).group(1)
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.split("#", 1)[0].strip()]


def test_quick_start_is_two_commands_that_ci_and_make_really_run():
    commands = quick_start_commands()
    assert commands == ["make demo", "make test"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for command in commands:
        assert re.search(rf"^{command.split()[1]}:", makefile, flags=re.M), command
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in [line.strip() for line in ci.splitlines()]


def test_demo_command_labels_the_whole_bundled_corpus():
    result = subprocess.run(quick_start_commands()[0].split(), cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    corpus = re.search(r"^CORPUS := (.+)$", (ROOT / "Makefile").read_text(encoding="utf-8"), flags=re.M).group(1)
    readers = open_readers([str(ROOT / p) for p in corpus.split()], ReadOptions())
    items = [row for reader in readers for row in reader]
    records = [json.loads(x) for x in (ROOT / "out" / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(items) >= 300 and all(isinstance(row, FeedbackItem) for row in items)
    assert len(records) == len(items)
    assert f"{len(items)} records, 0 errors" in result.stderr
    assert "records" in result.stdout and "stage" in result.stdout  # the summary
    assert {r["lang"] for r in records} == {"en", "pl"}
    report = ROOT / "out" / "journey-map.html"  # the demo ends with the journey map of the corpus
    assert f"journey map of {len(items)} records: out/journey-map.html" in result.stderr
    html = report.read_text(encoding="utf-8")
    assert "Journey map of the bundled corpus" in html and 'id="map"' in html
