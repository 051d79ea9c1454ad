"""The folders show the flow, and imports only go down it: docs/ARCHITECTURE.md's table, checked on every module.

A package may import itself and the packages its row allows; the core (records, taxonomy, text tools) imports
nothing above it, and nothing below `serve` and `cli` imports them. Lazy imports inside functions count too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "extractor"
CORE = {"errors", "schema", "records", "taxonomy", "textnorm", "lexicons", "language", "jsonl", "privacy",
        "texts", "build"}
# What each top-level part of `extractor` may import besides itself (keep in step with docs/ARCHITECTURE.md).
ALLOWED: dict[str, set[str]] = {
    **{name: CORE for name in CORE},
    "ingest": CORE,
    "evaluation": CORE | {"labelling"},
    "store": CORE,
    "labelling": CORE | {"ingest"},
    "extractors": CORE | {"store", "labelling"},
    "pipeline": CORE | {"ingest", "extractors"},
    "engines": CORE | {"ingest", "extractors", "pipeline"},
    "learning": CORE | {"labelling", "evaluation", "extractors"},
    "summary": CORE,
    "journeymap": CORE,
    "analyses": CORE | {"store"},
    "exports": CORE,
    "serve": CORE | {"ingest", "evaluation", "store", "labelling", "extractors", "pipeline", "summary", "analyses"},
    "cli": CORE | {"ingest", "evaluation", "store", "labelling", "extractors", "pipeline", "summary", "journeymap",
                   "analyses", "serve", "learning", "exports", "engines"},
    "__main__": {"cli"},
    "__init__": set(),
}


def part_of(path: Path) -> str:
    return path.relative_to(PACKAGE).with_suffix("").parts[0]


def imported_parts(path: Path) -> set[tuple[str, int]]:
    """The top-level parts of `extractor` a module imports, with the line of each import."""
    found = set()
    here = list(path.relative_to(PACKAGE).parent.parts)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.level:
            base = here[:len(here) - (node.level - 1)] if node.level > 1 else here
            target = base + (node.module.split(".") if node.module else [])
            names = [target[0]] if target else [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("extractor."):
            names = [node.module.split(".")[1]]
        elif isinstance(node, ast.Import):
            names = [a.name.split(".")[1] for a in node.names if a.name.startswith("extractor.")]
        found |= {(name, node.lineno) for name in names}
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_part_has_a_row():
    assert {part_of(m) for m in MODULES} <= set(ALLOWED)


@pytest.mark.parametrize("module", MODULES, ids=lambda m: str(m.relative_to(PACKAGE)))
def test_imports_only_go_down_the_flow(module):
    part = part_of(module)
    crossing = sorted(f"line {line}: {part} -> {target}" for target, line in imported_parts(module)
                      if target != part and target not in ALLOWED[part])
    assert not crossing, crossing


def test_the_check_sees_a_crossing(tmp_path, monkeypatch):
    # a core module importing the web layer, written the three ways an import can be
    fake = PACKAGE / "schema.py"
    source = "from .serve import app\nfrom extractor.cli import main\nimport extractor.store.store\n"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: source if self == fake else "")
    assert {t for t, _ in imported_parts(fake)} == {"serve", "cli", "store"}


# -- what a module may use of another ---------------------------------------------------------------------------------

# Private names of other packages' code used on purpose, each with why.
THIRD_PARTY_PRIVATE = {("extractors/llm/replay.py", "_save"): "vcrpy's Cassette has no public save-now"}


def defined_names(tree: ast.Module) -> set[str]:
    """Names a module defines: functions, classes, and attributes it assigns on self."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
    return names


def foreign_private_uses(path: Path) -> list[str]:
    """`x._name` and `from m import _name` where `_name` is private and not this module's own."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own = defined_names(tree)
    where = str(path.relative_to(PACKAGE))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found += [f"line {node.lineno}: from {node.module} import {a.name}" for a in node.names
                      if a.name.startswith("_") and not a.name.startswith("__")]
        elif (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
              and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
              and node.attr not in own and (where, node.attr) not in THIRD_PARTY_PRIVATE):
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


@pytest.mark.parametrize("module", MODULES, ids=lambda m: str(m.relative_to(PACKAGE)))
def test_no_module_uses_another_modules_private_names(module):
    assert not foreign_private_uses(module)


PROBES = {"extract_many", "batch_rows", "close", "batched", "inner", "batch_usage", "record_json", "records_json", "warm_up"}


@pytest.mark.parametrize("module", MODULES, ids=lambda m: str(m.relative_to(PACKAGE)))
def test_no_caller_probes_an_extractor_for_what_it_can_do(module):
    # the Extractor protocol declares these: callers use them, never hasattr/getattr them
    probes = [f"line {node.lineno}: {ast.unparse(node)}" for node in ast.walk(ast.parse(module.read_text("utf-8")))
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("hasattr", "getattr")
              and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) and node.args[1].value in PROBES]
    assert not probes


def test_the_private_check_sees_a_foreign_private_name(tmp_path, monkeypatch):
    fake = PACKAGE / "extractors" / "llm" / "batchapi.py"
    source = "from .client import _short\ndef f(extractor):\n    return extractor._pending(1)\n"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: source if self == fake else "")
    assert foreign_private_uses(fake) == ["line 1: from client import _short", "line 3: extractor._pending"]
