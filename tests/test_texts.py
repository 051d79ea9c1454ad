"""The product's own words, one table per language (extractor/texts/): the journey map report and the support desk
page read the same tables, and every language has exactly the texts English has."""

from __future__ import annotations

import re
import string

import pytest

from extractor.serve.page import SCRIPT_KEYS, text, ui_lang
from extractor.texts import LANGS, TABLES, table
from extractor.texts.en import TEXTS as EN

OTHERS = [lang for lang in LANGS if lang != "en"]


def fields(value: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}


def test_every_language_has_a_table():
    assert set(TABLES) == set(LANGS) and LANGS[0] == "en"


@pytest.mark.parametrize("lang", OTHERS)
def test_every_language_has_exactly_the_keys_of_english(lang):
    assert sorted(TABLES[lang]) == sorted(EN)


@pytest.mark.parametrize("lang", LANGS)
def test_every_text_is_there_and_fills_the_same_blanks_as_english(lang):
    words = TABLES[lang]
    assert all(isinstance(v, str) and v.strip() for v in words.values())
    assert {k: fields(v) for k, v in words.items()} == {k: fields(v) for k, v in EN.items()}


def test_a_language_without_a_table_reads_english():
    assert table("de") is EN and table("pl") is TABLES["pl"]
    assert text("offline", "de") == EN["offline"] and ui_lang("DE-at") is None and ui_lang(" PL-pl") == "pl"


def test_the_page_and_the_report_read_the_same_table():
    # the page's script texts and the report's section titles are keys of one table
    assert set(SCRIPT_KEYS) <= set(EN) and {"sec_map", "title", "none"} <= set(EN)
    assert all(text(key, lang) == TABLES[lang][key] for lang in LANGS for key in SCRIPT_KEYS)
    assert not [k for k in EN if not re.fullmatch(r"[a-z][a-z0-9_]*", k)]
