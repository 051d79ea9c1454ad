"""Rebuild extractor/privacy/data/not_names.txt: the name forms that are mostly ordinary words.

    .venv/bin/python evals/pii/build_not_names.py

A form of the first-name and surname lists (with the Polish case forms) is "not a name" when customers write it in
lower case at least 5 times and at least twice as often as they write it capitalised inside a sentence ("will",
"mark", "grace", "marzenie", "kot"), counted over every text of ../shared/data in that language except the
hand-labelled ones of evals/pii/ (so the masking figures there are measured on texts the list never saw). Only the
words go into the file, never a text. Months, days, languages and a few words that are names only by accident are added by hand.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from extractor.privacy.names import _POSSESSIVE, _WORD, _read, polish_forms  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "extractor" / "privacy" / "data" / "not_names.{lang}.txt"
COMMON_OUT = ROOT / "extractor" / "privacy" / "data" / "common_words.{lang}.txt"
COMMON_WORDS = 6000
BY_HAND = """january february march april may june july august september october november december jan feb mar apr jun
jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday christmas easter god jesus christ
lord allah santa america england poland austin houston dallas denver phoenix orlando charlotte
florence sydney georgia virginia carolina savannah madison chelsea paris london jackson argentina florida preston
polska polski polskie polsce polską polskę polskiej polskiego maryland indiana montana nevada dakota india columbus hong sierra english german polish french spanish italian dutch russian chinese
thai greek turkish japanese korean mexican indian irish scottish welsh""".split()


def labelled_ids() -> set[tuple[str, str]]:
    ids = set()
    for path in Path(__file__).parent.glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            ids.add((row["file"], row["id"]))
    return ids


def main() -> None:
    skip = labelled_ids()
    # the forms the name finder looks for in each language: Polish case forms only in Polish text
    polish = _read("first_names.pl.txt") + _read("diminutives.pl.txt")
    forms = {"en": set(_read("first_names.en.txt")) | set(_read("first_names.us.txt")) | set(polish),
             "pl": set(_read("first_names.en.txt"))}
    for name in polish:
        forms["pl"] |= polish_forms(name)
    for name in _read("surnames.pl.txt"):
        forms["pl"] |= polish_forms(name, surname=True)
    lower: dict[str, Counter[str]] = {"en": Counter(), "pl": Counter()}
    capital: dict[str, Counter[str]] = {"en": Counter(), "pl": Counter()}
    texts: Counter[str] = Counter()
    everyday: dict[str, Counter[str]] = {"en": Counter(), "pl": Counter()}
    for path in sorted(DATA.glob("*.jsonl")):
        with path.open(encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                lang = row.get("lang")
                if lang not in lower or (path.name, row["id"]) in skip:
                    continue
                texts[lang] += 1
                text = row["text"]
                for m in _WORD.finditer(text):  # tokens as the name finder reads them: "don't" is no "don"
                    word = m.group()
                    if word.endswith(_POSSESSIVE):
                        word = word[:-2]
                    low = word.lower()
                    if word == low:
                        everyday[lang][low] += 1
                    if low not in forms[lang]:
                        continue
                    if word == low:
                        lower[lang][low] += 1
                    elif word[0].isupper() and m.start() > 1 and text[:m.start()].rstrip()[-1:] not in ".!?\n\"":
                        capital[lang][low] += 1
    for lang in lower:
        words = [w for w, n in everyday[lang].most_common(COMMON_WORDS) if n >= 10 and w not in forms[lang]]
        out = Path(str(COMMON_OUT).format(lang=lang))
        out.write_text(f"# The {len(words):,} most frequent lower-case {lang} words of ../shared/data that are no name "
                       "form (built by\n# evals/pii/build_not_names.py; words only). After a title or in a "
                       "signature such a\n# capitalised word is no name (\"Pani Dr. Szczerze\"), nor does it join "
                       "one (\"Les Paul Standard\").\n" + "".join(w + "\n" for w in words), encoding="utf-8")
        print(f"{len(words):,} words -> {out.relative_to(ROOT)}")
        common = set(BY_HAND) | {w for w, n in lower[lang].items() if n >= 5 and n >= 2 * capital[lang][w]}
        header = (f"# Forms of the name lists that are mostly ordinary words in {lang} text (built by\n"
                  f"# evals/pii/build_not_names.py from word counts over {texts[lang]:,} texts of ../shared/data, the\n"
                  "# hand-labelled ones left out; months, days, languages and places by hand). A word here is a name\n"
                  "# only with a title, a greeting or a surname beside it.\n")
        out = Path(str(OUT).format(lang=lang))
        out.write_text(header + "".join(w + "\n" for w in sorted(common)), encoding="utf-8")
        print(f"{len(common):,} words -> {out.relative_to(ROOT)} ({texts[lang]:,} texts counted)")


if __name__ == "__main__":
    main()
