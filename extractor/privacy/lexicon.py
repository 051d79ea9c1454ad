"""The word lists and word sets the name finder reads: first names and surnames (with Polish case forms), ordinary
words, brands and places (data/, see data/README.md), and the titles, greetings and place words around names."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

from .polish import polish_forms

__all__ = ["ABBREVIATED", "COURTESY_ROLE", "DEGREES", "GREETINGS", "NOT_IN_NAMES", "PLACE_WORDS", "SIGN_OFF",
           "TITLES", "NameLists", "name_lists", "read_list"]

TITLES = frozenset("""
mr mrs ms miss mx dr doctor professor sir captain capt officer nurse
pan pana panu panem panie pani panią p doktor doktora doktorowi doktorem doktorze doktorka doktorki doktorce doktorkę
doktorką lek prof profesor profesora profesorowi profesorem profesorze profesorka profesorki mgr inż ks ksiądz księdza
siostra siostry siostrze siostrę siostrą
""".split())
GREETINGS = frozenset("""
hi hello hey hiya howdy dear thanks thank thx ty cheers regards sincerely kudos props congrats
congratulations bye goodbye
cześć czesc witaj witam dzięki dzieki dziękuję dziekuje pozdrawiam pozdrowienia poważaniem szacunkiem
hej siema dziękujemy podziękowania
""".split())
# A capitalised word after these names a place, a venue or a day, not a person ("San Francisco", "Hotel Flora").
PLACE_WORDS = frozenset("""
san santa monte los las new fort saint st port mount lake north south east west christmas hurricane storm tropical
hotel hotelu hotelem motel motelu pensjonat pensjonatu restauracja restauracji restaurant cafe café kawiarnia
kawiarni bar baru pub pubu klub klubu club sklep sklepu store shop salon salonu apteka apteki klinika kliniki
szpital szpitala przychodnia przychodni galeria galerii kino kina teatr teatru ulica ulicy aleja alei
""".split())
# Capitalised words that end a name rather than continue it ("Kent State University", "Marisol Hotel").
# Street types and eateries end one too ("Kendall Square", "Rosie's Pizza").
NOT_IN_NAMES = PLACE_WORDS | frozenset("""
university college school state bank airlines airline airways airport park street center centre group company inc ltd
corp foundation institute museum hospital clinic church mall field club team stadium station servicing services
financial mortgage capital credit lending loans insurance collections recovery associates partners law solutions
systems square plaza avenue ave road rd boulevard blvd pizza pizzeria grill diner kitchen bakery deli tavern burgers
bistro steakhouse brewery inn lodge resort
wólka wólki wólce wólkę wólką wieś wsi wsią
""".split())  # a Polish village's name ends in its kind: "z Sowiej Wólki", "Starej Wsi"
# Degrees between a title and the name.
DEGREES = frozenset("hab n med inż lek mgr".split())
# Titles written with a full stop when abbreviated; only these may be followed by "." before the name.
ABBREVIATED = frozenset("mr mrs ms dr prof capt p lek mgr inż ks st".split())
# Nouns Poles capitalise after "Pan"/"Pani" out of courtesy: roles, not names ("Pani Doktor", "Panie Kierowniczki").
COURTESY_ROLE = re.compile(
    r"(?:właściciel|doktor|kierownik|dyrektor|prezes|recepcjonist|ordynator|magister|profesor|sprzedaw|kelner|kurier"
    r"|konsultant|pielęgniar|położn|lekar|opiekun|manager|menedżer|szef|obsług|pracowni|higienist|stomatolog|dentyst"
    r"|ginekolog|chirurg|pediatr|psycholog|rehabilitant|ordynans|sekretar|asystent|rejestrator|portier|ochroniar"
    r"|księgow|nauczyciel|wychowawc|fryzjer|kosmetyczk|kosmetolog|fizjoterapeut|terapeut|logoped|masażyst|ratowni"
    r"|instruktor|trener|animator|rezydent|przewodni|kierowc|doradc|specjalist|anestezjolog|radiolog|ortoped"
    r"|laryngolog|okulist|internist|kardiolog|neurolog|dermatolog|urolog|onkolog|endokrynolog|alergolog|diabetolog"
    r"|reumatolog|gastrolog|gastroenterolog|nefrolog|pulmonolog|proktolog|flebolog|seksuolog|neonatolog)\w*")
# After these a line's capitalised words are a signature, whatever they are.
SIGN_OFF = re.compile(
    r"(?:pozdrawiam|pozdrowienia|z poważaniem|z wyrazami szacunku|regards|sincerely|yours truly|yours faithfully"
    r"|best wishes|kind regards|best regards|warm regards)[ \t]*[,.!\-–—]*[ \t]*\n?[ \t]*", re.IGNORECASE)


@dataclass(frozen=True)
class NameLists:
    """Lower-cased word forms: first names (English and Polish), the other case forms of the Polish ones (looked for
    in Polish text only: "Nice" is a case of "Nika"), Polish surnames with their case forms, words that are names but
    mostly something else, and brands and products that look like names."""

    first_names: frozenset[str]
    first_name_forms_pl: frozenset[str]
    surnames_pl: frozenset[str]
    surnames_en: frozenset[str]
    not_names: frozenset[str]  # of the text's language (both when it is not known)
    common_words: frozenset[str]  # frequent lower-case words that are no name form, same languages
    brand_words: frozenset[str]
    brand_phrases: re.Pattern[str] | None
    places: frozenset[str]  # places, months and days (also in not_names): no person without a title or sign-off
    oblique_pl: frozenset[str]  # case forms of Polish first names other than the nominative ("jana" of "jan")


@cache
def name_lists(lang: str | None = None) -> NameLists:
    """The shipped lists, read once. In English text only English ordinary words stop a name ("Sam" is a name there,
    "sam" a Polish word); Polish text quotes English words too ("Project Grace"), so both stop one there. The rarer
    US first names (first_names.us.txt) count in English text only: in Polish text they were mostly brands and
    places ("Remington", "Hampton")."""
    if lang == "en":
        base = name_lists()
        return replace(base, not_names=frozenset(read_list("not_names.en.txt")) | base.places,
                       common_words=frozenset(read_list("common_words.en.txt")),
                       first_names=base.first_names | frozenset(read_list("first_names.us.txt")))
    polish = read_list("first_names.pl.txt") + read_list("diminutives.pl.txt")
    first = set(read_list("first_names.en.txt")) | set(polish)
    forms: set[str] = set()
    oblique: set[str] = set()
    for name in polish:
        name_forms = polish_forms(name)
        forms |= name_forms
        oblique |= name_forms - {name}
    surnames: set[str] = set()
    for name in read_list("surnames.pl.txt"):
        surnames |= polish_forms(name, surname=True)
    brands = read_list("brands.txt")
    phrases = sorted((b for b in brands if not b.isalpha()), key=len, reverse=True)
    brand_words: set[str] = set()
    for brand in brands:
        if brand.isalpha():
            brand_words |= polish_forms(brand)  # "kontrolery Della"
    pattern = re.compile(r"(?<!\w)(?:" + _trie_pattern(phrases) + r")(?!\w)", re.IGNORECASE) if phrases else None
    places = frozenset(word for line in read_list("places.txt") for word in line.split())
    return NameLists(frozenset(first), frozenset(forms - first), frozenset(surnames),
                     frozenset(read_list("surnames.en.txt")),
                     frozenset(read_list("not_names.en.txt")) | frozenset(read_list("not_names.pl.txt")) | places,
                     frozenset(read_list("common_words.en.txt")) | frozenset(read_list("common_words.pl.txt")),
                     frozenset(brand_words), pattern, places, frozenset(oblique))


def _trie_pattern(phrases: list[str]) -> str:
    """A regular expression that matches any of `phrases`, their common beginnings shared ("dr(?: (?:brown|oetker)
    ...)"): three times faster to search than a plain alternation of them, and it runs on every text."""
    trie: dict[str, dict] = {}
    for phrase in phrases:
        node = trie
        for ch in phrase:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        branches = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch]
        if not branches:
            return ""
        ends = "" in node
        body = branches[0] if len(branches) == 1 and not ends else "(?:" + "|".join(branches) + ")"
        return body + ("?" if ends else "")

    return build(trie)


def read_list(name: str) -> list[str]:
    """The lines of a data file, lower-cased, without blank lines and # comments."""
    text = resources.files(__package__).joinpath("data").joinpath(name).read_text(encoding="utf-8")
    return [line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")]


