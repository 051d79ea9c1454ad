"""Reproducible selection of the texts of evals/pii/test3.jsonl (ids only; see README.md, "## test3.jsonl").

    .venv/bin/python evals/pii/select_test3.py --out /tmp/test3_work/selection.jsonl

Reads ../shared/data (relative to the project root) and writes one line per chosen text, {"file", "id", "lang",
"cue"}, to --out (required; give a path outside the project), then prints the counts per cue. No text is written.

Procedure (as for test2, README "## test2.jsonl", with another seed): texts of 20-1500 characters, ids deduplicated
within a file (first line kept), every (file, id) of dev.jsonl, dev2.jsonl, test.jsonl and test2.jsonl removed
first. File by file, in FILES order: for each cue list the eligible texts it matches and shuffle each list; shuffle
the cue order; take cues round-robin, each cue taking TURNS[cue] not-yet-chosen texts per round (1 by default, 2 for
the address and postal-code cues), until the file's cue quota is filled or no cue has an unused match left; then
sample the file's random quota, plus any part of the cue quota left unfilled, uniformly from the remaining eligible
texts (rng.sample). One generator, random.Random(20261206), used in that order. The only change from select_test2.py
besides the seed and the removed splits is that unfilled cue quota going to the random part: with test2's texts
removed, ceneo_pl_scraped has only 3 unused cue matches for its cue quota of 10.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[2] / "shared" / "data"
SEED = 20261206

# file, lang, cue-enriched quota, random quota
FILES = [
    ("twcs_sample.jsonl", "en", 20, 6),
    ("airline_tweets.jsonl", "en", 16, 6),
    ("amazon_reviews_misc.jsonl", "en", 12, 5),
    ("cfpb_complaints.jsonl", "en", 10, 5),
    ("semeval_absa.jsonl", "en", 6, 4),
    ("banking77.jsonl", "en", 6, 4),
    ("polemo2_pl.jsonl", "pl", 36, 12),
    ("allegro_reviews_pl.jsonl", "pl", 24, 12),
    ("ceneo_pl_scraped.jsonl", "pl", 10, 6),
]

I = re.IGNORECASE
UP = "A-ZĄĆĘŁŃÓŚŹŻ"
LOW = "a-ząćęłńóśźż"

EN_FIRST = ("John|James|Mike|Michael|David|Chris|Robert|Bob|Mark|Paul|Steve|Steven|Tom|Dan|Daniel|Matt|Kevin|Brian|"
            "Jason|Ryan|Sarah|Jessica|Jennifer|Jen|Amy|Lisa|Laura|Emily|Emma|Kate|Katie|Rachel|Nicole|Megan|Ashley|"
            "Anna|Maria|Linda|Bill|Jeff")
PL_FIRST = ("Ann[aieyąo]|Kasi|Kasia|Kasią|Katarzyn|Tomek|Tomk|Tomasz|Piotr|Marek|Mark[aiuo]|Agnieszk|Magd|Monik|"
            "Ew[aeyiąo]\\b|Joann|Krzysztof|Paw[eł]|Michał|Andrzej|Jan\\b|Janek|Jank|Marcin|Łukasz|Kamil|Barbar|"
            "Małgorzat|Gosi|Aleksandr|Ol[aię]\\b|Iwon|Beat|Dorot|Grzegorz|Wojciech|Krystyn")
EN_STREET = r"\b\d+[A-Za-z]? (?:\w+ ){1,2}(?:St|Street|Ave|Avenue|Rd|Road|Blvd|Dr|Drive|Lane|Ln)\b"

CUES = {
    "en": {
        "signoff": re.compile(r"(?i:regards|thanks,|thank you,|cheers|sincerely|best wishes|yours truly)"
                              r"|[-~^*][A-Z]"),
        "title": re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr)\.? +[A-Z]"),
        "thanks_to": re.compile(r"thanks to|thank you to|shout out to|kudos to", I),
        "named": re.compile(r"\bnamed\b|name is|my name|his name|her name", I),
        "staff": re.compile(r"\b(?:agent|rep|representative|employee|staff|manager|supervisor|pilot|attendant|"
                            r"cashier|technician)s?\b", I),
        "midcap": re.compile(r"(?:[a-z],? |, )[A-Z][a-z]+"),
        "thank_cap": re.compile(r"\b(?i:thanks|thank you|thx|ty|kudos|props|shout ?out)\b,? (?:to )?[A-Z][a-z]+"),
        "staff_cap": re.compile(r"\b(?i:agent|rep|attendant|crew|pilot|captain|manager)s?\b[^.!?\n]*?[a-z] [A-Z][a-z]+"
                                r"|[a-z] [A-Z][a-z]+[^.!?\n]*?\b(?i:agent|rep|attendant|crew|pilot|captain|manager)s?\b"),
        "brandlike": re.compile(r"\b(?:Apple|Alexa|Jordan|Victoria's Secret|Dell|Ford|Samsung|Kindle|Echo|Philips|"
                                r"Tesco|Lidl|Zara|Bosch|Siri|Chase|Wells Fargo|Morgan|Virgin|Macy's|Wendy's|"
                                r"McDonald's|Dyson|Fisher-Price|Gibson|Fender|Marshall)\b"),
        "firstname": re.compile(rf"\b(?:{EN_FIRST})\b"),
        # address and postal-code cues (two turns per round)
        "address": re.compile(r"\b(?i:street|avenue|road|blvd|boulevard|address)\b|\b(?:St|Ave|Rd)\b"),
        "street_num": re.compile(EN_STREET),
        "digits5": re.compile(r"(?<!\d)\d{5}(?:-\d{4})?(?!\d)"),
        "us_zip": re.compile(r"\b[A-Z]{2} \d{5}(?!\d)"),
        "zip_word": re.compile(r"\bzip(?: ?code)?\b", I),
        "uk_postcode": re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}\b"),
    },
    "pl": {
        "signoff": re.compile(r"pozdrawiam|pozdrowienia|dziękuję|dziekuje|dzięki|serdecznie", I),
        "title": re.compile(rf"\b(?:dr|dr \.|doktor\w*|Pan|Pani|Panu|Panią|Pana|Panem|prof|mgr|lek)\.? +[{UP}]"),
        "midcap": re.compile(rf"(?:[{LOW}],? |, )[{UP}][{LOW}]+"),
        "staff": re.compile(r"\b(?:sprzedawc|kurier|lekar|recepcj|obsług|konsultant|nauczyciel|pielęgniar|"
                            r"właściciel|kelner)\w*", I),
        "doctor_cap": re.compile(rf"\b(?i:doktor|lekar|dr\b|prof\b|specjalist|pediatr|ginekolog|stomatolog|dentyst|"
                                 rf"chirurg|ortoped|laryngolog|okulist|internist|położn|pielęgniar)\w*[^.!?\n]*?"
                                 rf"[{LOW}] [{UP}][{LOW}]+"),
        "hotel_staff_cap": re.compile(rf"\b(?i:recepcj|personel|obsług|kelner|właściciel|kierownik|menedżer|manager|"
                                      rf"animator|pokojow|gospodar|pracownic|pracownik)\w*[^.!?\n]*?"
                                      rf"[{LOW}] [{UP}][{LOW}]+"),
        "thanks_cap": re.compile(rf"(?i:dziękuj|podziękowa|polecam|gratul)\w*.{{0,40}}?[{UP}][{LOW}]+"),
        "brandlike": re.compile(r"\b(?:Allegro|Samsung|Philips|Bosch|Xiaomi|Apple|Lidl|Biedronk\w*|Tesco|Zara|InPost|"
                                r"Poczt\w* Polsk\w*|DPD|Huawei|Sony|LG|Jordan|Nike|Adidas|Ford|Dell)\b"),
        "firstname": re.compile(rf"\b(?:{PL_FIRST})[{LOW}]*"),
        # address and postal-code cues (two turns per round)
        "address": re.compile(r"\b(?:ul ?\.|ulica|ulicy|al ?\.|aleja|alei|os ?\.|osiedl\w*|adres\w*)", I),
        "street_num": re.compile(rf"\b(?:(?:ul|al|os|pl) ?\. ?|(?:ulic[aąyę]|alej[aię]|alei|osiedl[eau]|placu?) )"
                                 rf"(?:[{UP}0-9][\w.\-]* ?){{1,3}}\d+"),
        "postcode": re.compile(r"(?<!\d)\d{2} ?- ?\d{3}(?!\d)"),
    },
}
TURNS = {"address": 2, "street_num": 2, "digits5": 2, "us_zip": 2, "zip_word": 2, "uk_postcode": 2, "postcode": 2}


EXCLUDED = ("dev", "dev2", "test", "test2")  # the sets whose texts may not be chosen again


def used_keys(excluded: tuple[str, ...] = EXCLUDED) -> set[tuple[str, str]]:
    keys = set()
    for split in excluded:
        for line in (HERE / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            keys.add((row["file"], row["id"]))
    return keys


def eligible(name: str, used: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """(id, text) of the file's texts of 20-1500 characters, first line per id, in file order, minus used ones."""
    seen, out = set(), []
    with open(DATA / name, encoding="utf-8") as f:
        for line in f:
            item = json.loads(line)
            if item["id"] in seen:
                continue
            seen.add(item["id"])
            if 20 <= len(item["text"]) <= 1500 and (name, item["id"]) not in used:
                out.append((item["id"], item["text"]))
    return out


def select(rng: random.Random, excluded: tuple[str, ...] = EXCLUDED) -> list[dict]:
    used = used_keys(excluded)
    chosen: list[dict] = []
    for name, lang, n_cue, n_rand in FILES:
        pool = eligible(name, used)
        cues = CUES[lang]
        lists = {}
        for cue, rx in cues.items():
            hits = [i for i, t in pool if rx.search(t)]
            rng.shuffle(hits)
            lists[cue] = hits
        order = list(cues)
        rng.shuffle(order)
        taken: set[str] = set()
        pos = {cue: 0 for cue in order}
        while len(taken) < n_cue and any(pos[c] < len(lists[c]) for c in order):
            for cue in order:
                for _ in range(TURNS.get(cue, 1)):
                    if len(taken) >= n_cue:
                        break
                    while pos[cue] < len(lists[cue]) and lists[cue][pos[cue]] in taken:
                        pos[cue] += 1
                    if pos[cue] >= len(lists[cue]):
                        break
                    i = lists[cue][pos[cue]]
                    pos[cue] += 1
                    taken.add(i)
                    chosen.append({"file": name, "id": i, "lang": lang, "cue": cue})
        rest = [i for i, _ in pool if i not in taken]
        # If the cues run out of unused matches (ceneo_pl_scraped), the shortfall goes to the random part, so the
        # file keeps its total and the set its 100 + 100 texts.
        for i in rng.sample(rest, n_rand + n_cue - len(taken)):
            chosen.append({"file": name, "id": i, "lang": lang, "cue": "random"})
    chosen.sort(key=lambda r: (r["file"], r["id"]))
    return chosen


def main(seed: int = SEED, excluded: tuple[str, ...] = EXCLUDED, doc: str | None = None) -> int:
    ap = argparse.ArgumentParser(description=(doc or __doc__).splitlines()[0])
    ap.add_argument("--out", required=True, help="where to write the selection (file, id, lang, cue; no texts)")
    args = ap.parse_args()
    rows = select(random.Random(seed), excluded)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(len(rows), "texts:", dict(Counter(r["lang"] for r in rows)))
    for (lang, cue), n in sorted(Counter((r["lang"], r["cue"]) for r in rows).items()):
        print(f"{lang} {cue}: {n}")
    print("all:", dict(Counter(r["cue"] for r in rows).most_common()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
