"""The product's own words, one table per language: the journey map report's (journeymap/), the support desk
page's (serve/) and the Label Studio config's (labelling/). Number formats stay with the report (journeymap/i18n.py); label names come from the taxonomy."""

from __future__ import annotations

from . import en, pl

LANGS = ("en", "pl")
TABLES: dict[str, dict[str, str]] = {"en": en.TEXTS, "pl": pl.TEXTS}


def table(lang: str) -> dict[str, str]:
    """The words of this language; English for a language there is no table for."""
    return TABLES.get(lang, TABLES["en"])
