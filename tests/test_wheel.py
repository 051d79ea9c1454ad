"""Installed as a user installs it: the built wheel in a fresh virtual environment outside the checkout.

Every file the package reads at run time (prompts, taxonomy, lexicons) must be package data: run from a folder far
from the checkout, the commands below can only find what the wheel installed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT
from .standin.fixture import captured_requests


def _run(cmd: list[str], cwd: Path, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The `journey` command of a fresh venv that holds the wheel built from this checkout as it is released, its
    rules extractor compiled with mypyc (`JOURNEY_MYPYC=1`, setup.py), and its dependencies, at the versions of the
    test environment, from pip's cache when it has them. The rest of the suite runs the pure-Python checkout."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"  # a copy, so building leaves nothing behind in the checkout
    for name in ("extractor", "prompts"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"), str(source)],
                 cwd=work, env={**os.environ, "JOURNEY_MYPYC": "1"}, timeout=900)
    assert built.returncode == 0, built.stderr[-3000:]
    wheel = next((work / "dist").glob("journey_extractor-*.whl"))
    frozen = _run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"], cwd=work)
    (work / "constraints.txt").write_text(
        "\n".join(line for line in frozen.stdout.splitlines() if "journey" not in line and " @ " not in line),
        encoding="utf-8")
    venv = work / "venv"
    made = _run([sys.executable, "-m", "venv", str(venv)], cwd=work)
    assert made.returncode == 0, made.stderr
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    done = _run(pip + ["-c", str(work / "constraints.txt"), str(wheel)], cwd=work, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return venv / "bin" / "journey"


def _user_env(tmp: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JOURNEY_", "OPENAI_", "PYTHON"))}
    env.update(HOME=str(tmp), XDG_CACHE_HOME=str(tmp / "cache"), NO_COLOR="1", COLUMNS="120", **extra)
    return env


def test_the_wheel_holds_the_prompts_and_taxonomy(installed):
    site = next(installed.parent.parent.glob("lib/python*/site-packages"))
    assert sorted(p.name for p in (site / "extractor" / "prompts").glob("journey-batch.v1.*.txt")) == [
        f"journey-batch.v1.{part}.txt" for part in ("examples", "repair", "system", "user")]
    assert (site / "extractor" / "prompts" / "journey-batch.v15.calibration.jsonl").is_file()  # worked examples
    assert (site / "extractor" / "taxonomy" / "default.json").is_file()
    assert not (site / "prompts").exists()  # inside the package, not a stray top-level folder


def test_rules_extract_from_the_installed_wheel(installed, tmp_path):
    out = tmp_path / "records.jsonl"
    done = _run([str(installed), "extract", str(ROOT / "corpora" / "tickets.jsonl"), "--out", str(out)],
                cwd=tmp_path, env=_user_env(tmp_path))
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    expected = sum(1 for line in (ROOT / "corpora" / "tickets.jsonl").read_text(encoding="utf-8").splitlines()
                   if line.strip())
    assert len(records) == expected and {r["extractor"] for r in records} == {"rules"}


def test_llm_label_from_the_installed_wheel(installed, base, tmp_path):
    text = "Paczka nie dotarła, a infolinia nie odbiera od tygodnia."
    done = _run([str(installed), "label", "--extractor", "llm", "--json", text], cwd=tmp_path,
                env=_user_env(tmp_path, OPENAI_BASE_URL=base, OPENAI_API_KEY="test"))
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["extractor"] == "llm" and record["llm"]["outcome"] == "answered"
    assert record["prompt_id"].startswith("journey-batch.v16@")  # the default prompt
    sent = captured_requests(base)
    # the item goes out split into numbered clauses by our own segmentation
    assert len(sent) == 1 and "[1]Paczka nie dotarła, [2]a infolinia" in json.dumps(sent[0], ensure_ascii=False)


def test_mask_from_the_installed_wheel_finds_names_with_its_shipped_lists(installed, tmp_path):
    done = _run([str(installed), "mask", "--json", "Dziękuję Pani Ani, paczka ma dotrzeć na ul. Lipowa 12/4."],
                cwd=tmp_path, env=_user_env(tmp_path))
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["text"] == "Dziękuję Pani [NAME], paczka ma dotrzeć na [ADDRESS]."
    assert [m["kind"] for m in shown["masked"]] == ["NAME", "ADDRESS"]


def test_the_wheel_runs_the_compiled_rules_extractor(installed, tmp_path):
    done = _run([str(installed), "--version"], cwd=tmp_path, env=_user_env(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "rules extractor compiled with mypyc (2 of 2 modules)" in done.stdout
    where = _run([str(installed.with_name("python")), "-c",
                  "import extractor.extractors.rules.extractor as m, extractor.extractors.rules.cues as c;"
                  "print(m.__file__); print(c.__file__)"], cwd=tmp_path, env=_user_env(tmp_path))
    assert where.returncode == 0, where.stderr
    assert [Path(line).suffix for line in where.stdout.split()] == [".so", ".so"]


def _records(journey: Path, inputs: list[Path], extractor: str, out: Path, cwd: Path) -> list[str]:
    done = _run([str(journey), "extract", *map(str, inputs), "-x", extractor, "--workers", "2", "--quiet",
                 "--out", str(out)], cwd=cwd, env=_user_env(cwd))
    assert done.returncode == 0, done.stderr
    return out.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("extractor", ["rules", "learned"])
def test_the_compiled_wheel_gives_the_records_of_the_pure_python_checkout(installed, tmp_path, extractor):
    """Every record, byte for byte, over the bundled corpus and, when ../shared is beside us, all its real data (125k
    items: every language, source and length the compiled loop meets)."""
    inputs = sorted((ROOT / "corpora").glob("*.jsonl")) + sorted((ROOT / "corpora").glob("*.csv"))
    inputs += sorted((ROOT.parent / "shared" / "data").glob("*.jsonl"))
    pure = Path(sys.executable).with_name("journey")  # this checkout, plain Python
    assert "pure Python" in _run([str(pure), "--version"], cwd=tmp_path, env=_user_env(tmp_path)).stdout
    compiled = _records(installed, inputs, extractor, tmp_path / "compiled.jsonl", tmp_path)
    plain = _records(pure, inputs, extractor, tmp_path / "pure.jsonl", tmp_path)
    assert len(compiled) == len(plain) > 300
    differ = next((n for n, (a, b) in enumerate(zip(compiled, plain)) if a != b), None)
    assert differ is None, f"record {differ} differs:\ncompiled {compiled[differ]}\npure     {plain[differ]}"
