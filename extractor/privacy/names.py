"""Person names in English and Polish text, found with public name lists and the words around them.

A capitalised word is a name when it is a known first name (US Census 1990 and the PESEL registry's lists, with the
Polish case forms: "Ani", "Tomkiem", "Pawła"), a Polish surname of the PESEL list in the middle of a sentence, or any
word after a title ("dr", "Pani", "Mr.") or in a signature ("Pozdrawiam, ...", "Regards, ..."). Capitalised words
right after a name join it ("Anna Nowak", "Jessica Smithers"). First names that are also common words ("Will", "May",
"Grace", "Róża") count only with such context, and brands that look like names (Alexa, Jordan, Victoria's Secret,
Allegro) are never names: both lists are data files beside this module (see data/README.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

from .masked import Found

__all__ = ["find_names", "name_lists"]

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_POSSESSIVE = ("'s", "’s", "'S", "’S")
_SENTENCE_END = frozenset(".!?…:;\n\"“”«»()[]•*-–—>|")

TITLES = frozenset("""
mr mrs ms miss mx dr doctor professor sir captain capt officer nurse
pan pana panu panem panie pani panią p doktor doktora doktorowi doktorem doktorze doktorka doktorki doktorce doktorkę
doktorką lek prof profesor profesora profesorowi profesorem profesorze profesorka profesorki mgr inż ks ksiądz księdza
siostra siostry siostrze siostrę siostrą
""".split())
GREETINGS = frozenset("""
hi hello hey dear thanks thank thx ty cheers regards sincerely
cześć czesc witaj witam dzięki dzieki dziękuję dziekuje pozdrawiam pozdrowienia poważaniem szacunkiem
""".split())
# A capitalised word after these names a place, a venue or a day, not a person ("San Francisco", "Hotel Flora").
PLACE_WORDS = frozenset("""
san santa los las new fort saint st port mount lake north south east west christmas hurricane storm tropical
hotel hotelu hotelem motel motelu pensjonat pensjonatu restauracja restauracji restaurant cafe café kawiarnia
kawiarni bar baru pub pubu klub klubu club sklep sklepu store shop salon salonu apteka apteki klinika kliniki
szpital szpitala przychodnia przychodni galeria galerii kino kina teatr teatru ulica ulicy aleja alei
""".split())
# Capitalised words that end a name rather than continue it ("Kent State University", "Blanca Hotel").
NOT_IN_NAMES = PLACE_WORDS | frozenset("""
university college school state bank airlines airline airways airport park street center centre group company inc ltd
corp foundation institute museum hospital clinic church mall field club team stadium station servicing services
financial mortgage capital credit lending loans insurance collections recovery associates partners law solutions
systems
""".split())
# Degrees between a title and the name.
_DEGREES = frozenset("hab n med inż lek mgr".split())
# Titles written with a full stop when abbreviated; only these may be followed by "." before the name.
_ABBREVIATED = frozenset("mr mrs ms dr prof capt p lek mgr inż ks st".split())
# Nouns Poles capitalise after "Pan"/"Pani" out of courtesy: roles, not names ("Pani Doktor", "Panie Właścicielki").
_ROLE = re.compile(r"(?:właściciel|doktor|kierownik|dyrektor|prezes|recepcjonist|ordynator|magister|profesor|sprzedaw"
                   r"|kelner|kurier|konsultant|pielęgniar|położn|lekar|opiekun|manager|menedżer|szef|obsług"
                   r"|pracowni|higienist|stomatolog|dentyst|ginekolog|chirurg|pediatr|psycholog|rehabilitant)\w*")
# After these a line's capitalised words are a signature, whatever they are.
_SIGN_OFF = re.compile(
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


@cache
def name_lists(lang: str | None = None) -> NameLists:
    """The shipped lists, read once. In English text only English ordinary words stop a name ("Sam" is a name there,
    "sam" a Polish word); Polish text quotes English words too ("Project Hope"), so both stop one there."""
    if lang == "en":
        return replace(name_lists(), not_names=frozenset(_read("not_names.en.txt")),
                       common_words=frozenset(_read("common_words.en.txt")))
    polish = _read("first_names.pl.txt") + _read("diminutives.pl.txt")
    first = set(_read("first_names.en.txt")) | set(polish)
    forms: set[str] = set()
    for name in polish:
        forms |= polish_forms(name)
    surnames: set[str] = set()
    for name in _read("surnames.pl.txt"):
        surnames |= polish_forms(name, surname=True)
    brands = _read("brands.txt")
    phrases = sorted((b for b in brands if not b.isalpha()), key=len, reverse=True)
    brand_words: set[str] = set()
    for brand in brands:
        if brand.isalpha():
            brand_words |= polish_forms(brand)  # "kontrolery Della"
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, phrases)) + r")(?!\w)", re.IGNORECASE) \
        if phrases else None
    return NameLists(frozenset(first), frozenset(forms - first), frozenset(surnames),
                     frozenset(_read("surnames.en.txt")),
                     frozenset(_read("not_names.en.txt")) | frozenset(_read("not_names.pl.txt")),
                     frozenset(_read("common_words.en.txt")) | frozenset(_read("common_words.pl.txt")),
                     frozenset(brand_words), pattern)


def _read(name: str) -> list[str]:
    text = resources.files(__package__).joinpath("data").joinpath(name).read_text(encoding="utf-8")
    return [line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")]


# --- Polish case forms ----------------------------------------------------------------------------------------------

_SOFTENED = (("st", "ście"), ("t", "cie"), ("d", "dzie"), ("r", "rze"), ("ł", "le"), ("k", "ce"), ("g", "dze"),
             ("ch", "sze"))


def _locative(stem: str) -> str:
    """The -e case (dative/locative) of a stem: Mart -> Marcie, Piotr -> Piotrze, Magd -> Magdzie, Ann -> Annie."""
    for hard, soft in _SOFTENED:
        if stem.endswith(hard):
            return stem[:-len(hard)] + soft
    if stem.endswith(("sz", "cz", "rz", "ż", "c", "j", "l", "i")):
        return stem + "i" if not stem.endswith("i") else stem
    return stem + "ie"


def polish_forms(name: str, surname: bool = False) -> set[str]:
    """The case forms of a Polish first name or surname, lower-cased (a generous over-generation: a form that is no
    real word does no harm): anna -> anny, annie, annę, anną, anno; marek -> marka, markowi, markiem, marku;
    kowalski -> kowalskiego, kowalskiemu, kowalskim; kowalska -> kowalskiej, kowalską."""
    forms = {name}
    if surname and name.endswith(("ski", "cki", "dzki", "ny", "ty", "wy")):
        stem = name[:-1]
        soft = name.endswith("i")
        return forms | {stem + ("iego" if soft else "ego"), stem + ("iemu" if soft else "emu"), name + "m"}
    if surname and name.endswith(("ska", "cka", "dzka", "na", "ta", "wa")) and len(name) > 5:
        stem = name[:-1]
        return forms | {stem + ("iej" if name.endswith("ka") else "ej"), stem + "ą"}
    if name.endswith("a"):  # anna, kasia, maria, kuba
        stem = name[:-1]
        return forms | {stem + e for e in ("y", "i", "ę", "ą", "o", "u")} | {_locative(stem)}
    if name.endswith(("y", "i")) and len(name) > 3:  # jerzy, antoni, ignacy
        stem = name[:-1] if name.endswith("y") else name
        return forms | {stem + "ego", stem + "emu", name + "m"}
    if name.endswith("o"):  # bruno, hugo
        stem = name[:-1]
        return forms | {stem + "a", stem + "owi", stem + "em", _locative(stem)}
    if name[-1] in "aeiouyąęó":
        return forms
    stem = name
    if name.endswith("ek") and len(name) > 3 and name[-3] not in "aeiouyąęó":
        stem = name[:-2] + "k"  # marek -> mark-, jacek -> jack-, tomek -> tomk-
    elif name.endswith("eł"):
        stem = name[:-2] + "ł"  # paweł -> pawł-
    elif name.endswith("ec") and len(name) > 4:
        stem = name[:-2] + "c"
    velar = stem.endswith(("k", "g"))
    return forms | {stem + "a", stem + "owi", stem + ("iem" if velar else "em"), stem + "u", stem + "e",
                    _locative(stem)}


# --- finding --------------------------------------------------------------------------------------------------------

@dataclass
class _Token:
    start: int
    end: int
    word: str  # lower-cased, without a possessive 's
    capitalised: bool
    sentence_start: bool


def find_names(text: str, lang: str | None = None) -> list[Found]:
    """Person names ("NAME") in `text`; `lang` ("en", "pl" or None for both) decides whether Polish surnames alone
    count. Offsets cover the name without a possessive "'s"."""
    lists = name_lists(lang)
    protected = [m.span() for m in lists.brand_phrases.finditer(text)] if lists.brand_phrases else []
    tokens = _tokens(text, protected)
    if not tokens:
        return []
    is_name = [False] * len(tokens)
    for i, tok in enumerate(tokens):
        if tok.word in lists.brand_words or tok.word in TITLES:
            continue
        if tok.capitalised:
            is_name[i] = _is_name(text, tokens, i, lists, lang)
        elif _SURNAME_SHAPE.fullmatch(tok.word) and tok.word not in lists.common_words:
            is_name[i] = _title_before(text, tokens, i)  # "dr kłoszewski", written in lower case
    _extend(text, tokens, is_name, lists)
    return _spans(text, tokens, is_name)


def _tokens(text: str, protected: list[tuple[int, int]]) -> list[_Token]:
    tokens = []
    for m in _WORD.finditer(text):
        start, end = m.span()
        if any(a < end and start < b for a, b in protected):
            continue
        word = m.group()
        if word.endswith(_POSSESSIVE):
            word, end = word[:-2], end - 2
        if not word:
            continue
        j = start - 1
        while j >= 0 and text[j] in " \t\u00a0":
            j -= 1
        capitalised = word[0].isupper() and len(word) > 1 and not word.isupper()
        tokens.append(_Token(start, end, word.lower(), capitalised, j < 0 or text[j] in _SENTENCE_END))
    return tokens


def _is_name(text: str, tokens: list[_Token], i: int, lists: NameLists, lang: str | None) -> bool:
    tok = tokens[i]
    prev = tokens[i - 1] if i else None
    if _ROLE.fullmatch(tok.word):
        return False
    context = _title_before(text, tokens, i) or _signature(text, tok) or _NAME_CUE.search(
        text, max(0, tok.start - 24), tok.start) is not None
    known = tok.word in lists.first_names or (lang != "en" and tok.word in lists.first_name_forms_pl)
    if context:  # "Dr Krochmalskiego 4 lata temu", "My name is Feruzbek", "Pozdrawiam, Marek"
        return known or (tok.word not in lists.not_names and tok.word not in lists.common_words)
    if _product_after(text, tokens, i) or (
            prev is not None and (prev.word in PLACE_WORDS or prev.word in lists.brand_words or prev.word in _ARTICLES)
            and _adjacent(text, prev, tok, " \u00a0.")):  # "San Francisco", "Echo Dot", "the Dot"
        return False
    if known:
        if tok.word not in lists.not_names:
            return True
        return _greeting_before(text, tokens, i) or _surname_after(text, tokens, i, lists)
    return (lang != "en" and not tok.sentence_start and tok.word in lists.surnames_pl
            and tok.word not in lists.not_names)


_ARTICLES = frozenset({"the", "a", "an"})
# Right before a name: "my name is", "Name:", "named", "nazywam się", "imię i nazwisko:".
_NAME_CUE = re.compile(r"(?:\bname(?: is|:)|\bnamed|\bnazywam się|\bnazywa się|\bnazwisko:?)[ \u00a0]*$",
                       re.IGNORECASE)
# A Polish surname's shape, for one written in lower case after a title.
_SURNAME_SHAPE = re.compile(r"\w{2,}(?:ski|ska|skiego|skiej|cki|cka|ckiego|ckiej|dzki|dzka|wicz|wicza|czyk|czyka"
                            r"|ak|aka|iak|iaka|uk|uka|ek|ka)")
_PRODUCT_WORDS = frozenset("pro max plus mini ultra lite air se xl gt gti edition series".split())


def _product_after(text: str, tokens: list[_Token], i: int) -> bool:
    """Whether a model word or number follows ("Nova Pro", "Aira 5"), or a company's ("Fay Servicing"): a product
    or a firm, not a person."""
    after = text[tokens[i].end:tokens[i].end + 12]
    stripped = after.lstrip(" \u00a0")
    if stripped[:1].isdigit() and len(after) - len(stripped) <= 1:
        return True
    if i + 1 >= len(tokens) or not _adjacent(text, tokens[i], tokens[i + 1]):
        return False
    nxt = tokens[i + 1].word
    return nxt in _PRODUCT_WORDS or (nxt in NOT_IN_NAMES and nxt not in PLACE_WORDS)


def _adjacent(text: str, left: _Token, right: _Token, joiners: str = " \u00a0") -> bool:
    gap = text[left.end:right.start]
    return len(gap) <= 3 and all(ch in joiners for ch in gap) and gap != "" and gap.count(" ") <= 2


def _title_before(text: str, tokens: list[_Token], i: int) -> bool:
    if i == 0:
        return False
    prev = tokens[i - 1]
    gap = text[prev.end:tokens[i].start]
    while prev.word in _DEGREES and i > 1 and text[prev.end:tokens[i].start].strip(" \u00a0") in ("", "."):
        i -= 1  # "dr hab. Krakowiak", "dr n. med. Kramarz": look past the degree
        prev = tokens[i - 1]
        gap = text[prev.end:tokens[i].start]
    if prev.start and text[prev.start - 1].isalnum():  # the "p" of "720p" is no title
        return False
    if prev.word not in TITLES or text[prev.start:prev.end].isupper():  # "MS Office"
        return False
    bare = gap.strip(" \u00a0")
    return len(gap) <= 3 and (bare == "" and len(prev.word) > 1 or bare == "." and prev.word in _ABBREVIATED)


def _greeting_before(text: str, tokens: list[_Token], i: int) -> bool:
    if i == 0:
        return False
    prev = tokens[i - 1]
    if prev.word == "you" and i > 1:  # "thank you, Grace"
        prev = tokens[i - 2]
    gap = text[prev.end:tokens[i].start]
    return prev.word in GREETINGS and gap.strip(" \u00a0,") == "" and len(gap) <= 3 and len(tokens[i].word) > 2


def _signature(text: str, tok: _Token) -> bool:
    """Whether `tok` follows a sign-off ("Pozdrawiam, ", "Kind regards,\\n") with at most one word between."""
    before = text[max(0, tok.start - 40):tok.start]
    for m in _SIGN_OFF.finditer(before):
        rest = before[m.end():]
        if not rest.strip() or (len(rest.split()) == 1 and rest[0].isupper()):
            return True
    return False


def _surname_after(text: str, tokens: list[_Token], i: int, lists: NameLists) -> bool:
    if len(tokens[i].word) < 3 or i + 1 >= len(tokens) or not _adjacent(text, tokens[i], tokens[i + 1]):
        return False
    nxt = tokens[i + 1]
    return (nxt.capitalised and (nxt.word in lists.surnames_pl or nxt.word in lists.surnames_en)
            and nxt.word not in lists.not_names and nxt.word not in lists.brand_words and nxt.word not in NOT_IN_NAMES)


_JOIN = " \u00a0-–"


def _initial(text: str, tok: _Token) -> bool:
    """A one-letter capital, as in "Marek S." or "T. Nowak"."""
    return tok.end - tok.start == 1 and text[tok.start].isupper()


def _closes(text: str, end: int) -> bool:
    """Whether a full stop, the end of a line or the end of the text comes right after `end`."""
    rest = text[end:end + 3].lstrip(" \u00a0")
    return rest == "" or rest[0] in ".\n\r"


def _extend(text: str, tokens: list[_Token], is_name: list[bool], lists: NameLists) -> None:
    """Capitalised words and initials right after a name, initials right before one, and a Polish surname right
    before a first name join it."""
    for i in range(len(tokens) - 1):
        if not is_name[i] or is_name[i + 1]:
            continue
        nxt = tokens[i + 1]
        if _initial(text, nxt) and _adjacent(text, tokens[i], nxt) and _closes(text, nxt.end):
            is_name[i + 1] = True  # "Marek S.", not "John I try"
        elif (_initial(text, tokens[i]) and nxt.capitalised and _adjacent(text, tokens[i], nxt, " \u00a0.")
              and nxt.word not in lists.common_words):
            is_name[i + 1] = True  # "Maciej T. Małecki"
        elif (nxt.capitalised and _adjacent(text, tokens[i], nxt, _JOIN) and nxt.word not in lists.brand_words
                and nxt.word not in lists.not_names and nxt.word not in TITLES and nxt.word not in _PRODUCT_WORDS
                and nxt.word not in NOT_IN_NAMES
                and (nxt.word not in lists.common_words or nxt.word in lists.surnames_en
                     or nxt.word in lists.surnames_pl)
                and not _product_after(text, tokens, i + 1)):
            is_name[i + 1] = True
    for i in range(len(tokens) - 1, 0, -1):
        prev = tokens[i - 1]
        if not is_name[i] or is_name[i - 1]:
            continue
        if _initial(text, prev) and "." in text[prev.end:tokens[i].start] and _adjacent(text, prev, tokens[i], " \u00a0."):
            is_name[i - 1] = True  # "T. Nowak", not "W Leonie"
        elif (prev.capitalised and prev.word in lists.surnames_pl and prev.word not in lists.not_names
              and _adjacent(text, prev, tokens[i])):
            is_name[i - 1] = True


def _spans(text: str, tokens: list[_Token], is_name: list[bool]) -> list[Found]:
    found: list[Found] = []
    i = 0
    while i < len(tokens):
        if not is_name[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(tokens) and is_name[j + 1] and _adjacent(text, tokens[j], tokens[j + 1], _JOIN + "."):
            j += 1
        found.append((tokens[i].start, tokens[j].end, "NAME"))
        i = j + 1
    return found
