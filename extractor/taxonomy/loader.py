"""Load and validate taxonomy files, with messages that point at the problem."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from ..errors import TaxonomyError
from .cues import cue_problems
from .model import Taxonomy

DEFAULT_NAME = "default.json"
LABEL_KINDS = ("stages", "touchpoints", "emotions", "pain_points")
KNOWN_SOURCES = ("review", "ticket", "survey", "social", "other")


def _pydantic_problems(exc: ValidationError) -> list[str]:
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        problems.append(f"{where}: {err['msg']}")
    return problems


def _cue_problems(where: str, cues: dict[str, list[str]]) -> list[str]:
    return [f"{where}.cues.{lang}: {problem}" for lang, items in cues.items() for cue in items
            for problem in cue_problems(cue)]


def semantic_problems(tax: Taxonomy) -> list[str]:
    """Cross-reference checks pydantic cannot do: unique ids, defaults and hints that exist."""
    problems: list[str] = []
    ids = {kind: [label.id for label in getattr(tax, kind)] for kind in LABEL_KINDS}
    for kind, kind_ids in ids.items():
        seen: set[str] = set()
        for label_id in kind_ids:
            if label_id in seen:
                problems.append(f"{kind}: duplicate id {label_id!r}")
            seen.add(label_id)
    stages, touchpoints, emotions = set(ids["stages"]), set(ids["touchpoints"]), set(ids["emotions"])

    def must(where: str, value: str | None, allowed: set[str], kind: str) -> None:
        if value is not None and value not in allowed:
            problems.append(f"{where}: {value!r} is not one of the {kind} ids ({', '.join(sorted(allowed))})")

    must("default_stage", tax.default_stage, stages, "stage")
    must("question_stage", tax.question_stage, stages, "stage")
    must("default_touchpoint", tax.default_touchpoint, touchpoints, "touchpoint")
    must("default_emotion", tax.default_emotion, emotions, "emotion")
    if tax.default_emotion in emotions and tax.label("emotions", tax.default_emotion).valence != 0:  # type: ignore[attr-defined]
        problems.append(f"default_emotion: {tax.default_emotion!r} must have valence 0")
    for tp in tax.touchpoints:
        must(f"touchpoints.{tp.id}.stage", tp.stage, stages, "stage")
        for src in tp.sources:
            if src not in KNOWN_SOURCES:
                problems.append(f"touchpoints.{tp.id}.sources: {src!r} is not one of {', '.join(KNOWN_SOURCES)}")
    for pp in tax.pain_points:
        must(f"pain_points.{pp.id}.stage", pp.stage, stages, "stage")
        must(f"pain_points.{pp.id}.emotion", pp.emotion, emotions, "emotion")
        must(f"pain_points.{pp.id}.touchpoint", pp.touchpoint, touchpoints, "touchpoint")
    for kind in LABEL_KINDS:
        for label in getattr(tax, kind):
            if "en" not in label.name:
                problems.append(f"{kind}.{label.id}.name: an English name ('en') is required")
            problems += _cue_problems(f"{kind}.{label.id}", label.cues)
            for lang in label.cues:
                if lang not in tax.languages:
                    problems.append(f"{kind}.{label.id}.cues: language {lang!r} is not in 'languages'")
    problems += _cue_problems("moment_of_truth", tax.moment_of_truth.cues)
    return problems


def parse_taxonomy(data: object, source: str) -> Taxonomy:
    """Validate already-parsed JSON data as a taxonomy; raise TaxonomyError listing every problem."""
    try:
        tax = Taxonomy.model_validate(data)
    except ValidationError as exc:
        raise TaxonomyError(source, _pydantic_problems(exc)) from None
    problems = semantic_problems(tax)
    if problems:
        raise TaxonomyError(source, problems)
    return tax


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Load a taxonomy file, or the packaged default when `path` is None."""
    if path is None:
        return default_taxonomy()
    path = Path(path)
    if not path.is_file():
        raise TaxonomyError(str(path), ["file not found (pass a taxonomy JSON file, see `journey taxonomy show --json`)"])
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise TaxonomyError(str(path), [f"not UTF-8 text: {exc.reason}"]) from None
    except json.JSONDecodeError as exc:
        raise TaxonomyError(str(path), [f"line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}"]) from None
    return parse_taxonomy(data, str(path))


@lru_cache(maxsize=1)
def default_taxonomy() -> Taxonomy:
    """The taxonomy shipped with the package (TAXONOMY.md)."""
    text = resources.files("extractor.taxonomy").joinpath(DEFAULT_NAME).read_text(encoding="utf-8")
    return parse_taxonomy(json.loads(text), f"(packaged) {DEFAULT_NAME}")
