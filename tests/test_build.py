"""`journey --version` says whether the rules extractor runs compiled (mypyc wheels, setup.py) or as plain Python."""

from __future__ import annotations

import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

from extractor import __version__, build


def test_the_checkout_runs_pure_python():
    assert build.compiled_modules() == []
    done = subprocess.run([str(Path(sys.executable).with_name("journey")), "--version"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"journey-extractor {__version__}, python ")
    assert done.stdout.rstrip().endswith("pure Python (the rules extractor is not compiled)")


def test_a_compiled_module_is_found_by_its_extension_file(tmp_path, monkeypatch):
    rules = tmp_path / "extractors" / "rules"
    rules.mkdir(parents=True)
    (rules / "cues.py").write_text("", encoding="utf-8")
    monkeypatch.setattr(build, "PACKAGE", tmp_path)
    assert build.compiled_modules() == []
    (rules / ("cues" + EXTENSION_SUFFIXES[0])).write_bytes(b"")
    assert build.compiled_modules() == ["extractor.extractors.rules.cues"]
    assert build.build_description() == "rules extractor compiled with mypyc (1 of 2 modules)"


def test_setup_compiles_the_modules_the_package_reports():
    """setup.py's COMPILED and extractor/build.py's COMPILABLE name the same files."""
    source = (Path(build.__file__).parent.parent / "setup.py").read_text(encoding="utf-8")
    listed = source.split("COMPILED = [", 1)[1].split("]", 1)[0]
    assert sorted(name.strip().strip('"') for name in listed.split(",")) == sorted(
        f"extractor/{name}.py" for name in build.COMPILABLE)
