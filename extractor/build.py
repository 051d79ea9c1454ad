"""How this installation was built: which modules run as C compiled by mypyc (`JOURNEY_MYPYC=1` wheels, setup.py)
and which as plain Python. Read from the installed files, without importing the modules (nor spaCy)."""

from __future__ import annotations

from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

COMPILABLE = ("extractors/rules/cues", "extractors/rules/extractor")  # setup.py's COMPILED, inside the package
PACKAGE = Path(__file__).resolve().parent


def compiled_modules() -> list[str]:
    """The dotted names of the modules of COMPILABLE that this installation runs compiled."""
    return ["extractor." + name.replace("/", ".") for name in COMPILABLE
            if any((PACKAGE / (name + suffix)).is_file() for suffix in EXTENSION_SUFFIXES)]


def build_description() -> str:
    """One line for `journey --version` and the benchmarks: compiled or pure Python."""
    compiled = compiled_modules()
    if not compiled:
        return "pure Python (the rules extractor is not compiled)"
    return f"rules extractor compiled with mypyc ({len(compiled)} of {len(COMPILABLE)} modules)"
