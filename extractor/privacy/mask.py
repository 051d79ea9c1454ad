"""Masking: every finder's claims on a text, made into one masked text with placeholders such as `[NAME]`."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .addresses import find_addresses, find_postal_codes
from .masked import Found, Masked, masked_text
from .names import find_names
from .numbers import find_numbers

__all__ = ["KINDS", "mask_personal_data", "parse_kinds"]

KINDS: tuple[str, ...] = ("EMAIL", "PHONE", "CARD", "IBAN", "PESEL", "NAME", "ADDRESS", "POSTAL_CODE")
"""Every kind of personal data that is masked, in the order `journey mask` lists them."""

_NUMBER_KINDS = frozenset({"EMAIL", "PHONE", "CARD", "IBAN", "PESEL"})
_FINDERS: tuple[tuple[frozenset[str], Callable[[str, str | None], list[Found]]], ...] = (
    (_NUMBER_KINDS, lambda text, lang: find_numbers(text)),
    (frozenset({"NAME"}), find_names),
    (frozenset({"ADDRESS"}), find_addresses),
    (frozenset({"POSTAL_CODE"}), find_postal_codes),
)


def parse_kinds(spec: str | Iterable[str] | None) -> frozenset[str]:
    """The kinds a `--mask` value names: "all" (the default), "none", or a comma list of kinds, where "-kind" takes one
    away ("all,-name"). ValueError names the unknown kinds and lists the known ones."""
    if spec is None:
        return frozenset(KINDS)
    parts = [p.strip() for p in (spec.split(",") if isinstance(spec, str) else spec) if p.strip()]
    kinds: set[str] = set()
    unknown = []
    for part in parts:
        minus = part.startswith("-")
        word = part.lstrip("-+").upper().replace("-", "_")
        chosen = set(KINDS) if word == "ALL" else set() if word == "NONE" else {word} if word in KINDS else None
        if chosen is None:
            unknown.append(part)
        elif minus:
            kinds -= chosen
        else:
            kinds |= chosen
    if unknown:
        known = ", ".join(k.lower() for k in KINDS)
        raise ValueError(f"unknown kind of personal data: {', '.join(unknown)} (known: all, none, {known})")
    return frozenset(kinds)


def mask_personal_data(text: str, kinds: Iterable[str] = KINDS, lang: str | None = None) -> Masked:
    """`text` with the personal data of `kinds` (all by default) replaced by `[KIND]`; `lang` ("en", "pl") tunes the
    name finder. Overlapping finds keep the longest, so "ul. Lipowa 12/4" is one address, not an address and a
    number."""
    wanted = frozenset(kinds)
    found: list[Found] = []
    for finder_kinds, finder in _FINDERS:
        if finder_kinds & wanted:
            found += [(s, e, k if k in wanted else None) for s, e, k in finder(text, lang)
                      if k is None or k in wanted or k in _NUMBER_KINDS]
    return masked_text(text, found)
