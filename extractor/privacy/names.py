"""Person names in English and Polish text, found with public name lists and the words around them.

A capitalised word is a name when it is a known first name (US Census 1990 and the PESEL registry's lists, with the
Polish case forms: "Ani", "Tomkiem", "Pawła"), a Polish surname of the PESEL list in the middle of a sentence, or any
word after a title ("dr", "Pani", "Mr."), a role or a relative ("agent", "my husband", "kuzyna"), in a signature
("Pozdrawiam, ...", "Regards, ...", a support agent's "^Mark" or "*AnnaP" at the end of a message). Capitalised words
right after a name join it ("Anna Nowak", "Jessica Smithers"), so does a surname before one ("Nowak Anna"). First
names that are also common words ("Will", "May", "Grace", "Róża") count only with such context or weaker hints: a
greeting, a surname or initial after them ("Mark R."), a comma before them at the end of a message ("..., Mark!"), a
dash signature ("- Terry"). Places, months and days ("Austin", "France", "Sunday") take no weak hint. A name found
once is a name wherever else its word stands capitalised in the text ("Terry (#1234) rocks").

Not names: brands that look like names (Alexa, Jordan, Victoria's Secret, Allegro; data/brands.txt), @handles and
#hashtags, names of products ("robot Zosia"), of institutions, streets and awards ("Uniwersytet Kardynała Stefana
Wyszyńskiego", "ul. Kopernika"), of venues ("Rosie's Pizza", "Kendall Square") and firms ("..., Attorneys at Law"),
and a short form of a brand in the same text ("Alex" beside "Alexa").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from os.path import commonprefix

from .cues import (ABBREVIATED_ROLES, HANDLE, NOT_A_PERSON, at_message_end, device_talk, firm_after, institution_word,
                   patron_word, possessive_praise, product_noun, role_word, signature_mark, vocative)
from .lexicon import (ABBREVIATED, COURTESY_ROLE, DEGREES, GREETINGS, NOT_IN_NAMES, PLACE_WORDS, SIGN_OFF, TITLES,
                      NameLists, name_lists)
from . import lexicon
from .addresses import city_before_state
from .masked import Found
from .polish import foreign_bases, polish_forms

__all__ = ["find_names", "name_lists", "polish_forms"]

_read = lexicon.read_list  # evals/pii/build_not_names.py reads the lists through this name

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_POSSESSIVE = ("'s", "’s", "'S", "’S")
_SENTENCE_END = frozenset(".!?…:;\n\"“”«»()[]•*-–—>|")


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
    protected = [m.span() for m in HANDLE.finditer(text)] if "@" in text or "#" in text else []
    if lists.brand_phrases:
        protected += [m.span() for m in lists.brand_phrases.finditer(text)]
    tokens = _tokens(text, protected)
    if not tokens:
        return []
    low = text.lower()
    sign_offs = [m.end() for m in SIGN_OFF.finditer(text)] if any(h in low for h in _SIGN_OFF_HINTS) else []
    is_name = [False] * len(tokens)
    products: set[str] = set()  # words this text uses as a product's name ("robot Zosia ... kupić Zosię")
    for i, tok in enumerate(tokens):
        if tok.word in lists.brand_words or tok.word in TITLES or _declined_brand(tok.word, lists):
            continue
        if tok.capitalised:
            if i and (product_noun(tokens[i - 1].word) or (_acronym(text, tokens[i - 1], lists)
                                                             and not _full_name(text, tokens, i, lists))) \
                    and _adjacent(text, tokens[i - 1], tok):
                products.add(tok.word)  # "robot Zosia", "OST Gromada": a product's or a firm's name
            elif not _slashed_to_brand(text, tokens, i, lists):
                is_name[i] = _is_name(text, tokens, i, lists, lang, sign_offs)
        elif _SURNAME_SHAPE.fullmatch(tok.word) and tok.word not in lists.common_words:
            is_name[i] = _title_before(text, tokens, i, lists)  # "dr wierzbicki", written in lower case
        elif text[tok.start:tok.end].isupper() and len(tok.word) > 2:
            is_name[i] = _title_before(text, tokens, i, lists, lang) and _listed(tok.word, lists, lang)  # "Pani SANDRY"
        elif text[tok.start:tok.end].islower():
            is_name[i] = _addressed_in_lower_case(text, tokens, i, lists, lang)  # "thanks robbie.", "name is anna"
        if sign_offs and not is_name[i] and text[tok.start:tok.end].islower() and len(tok.word) > 2 \
                and tok.word not in lists.common_words and tok.word not in GREETINGS \
                and _signature(text, tok, sign_offs) and at_message_end(text, tok.end, False):
            is_name[i] = True  # a nickname signed in lower case: "Regards,zoomzoom"
    _extend(text, tokens, is_name, lists, lang)
    _spread(text, tokens, is_name, lists, lang)
    _coordinate(text, tokens, is_name, lists, lang)
    _extend(text, tokens, is_name, lists, lang)
    for i, tok in enumerate(tokens if products else ()):
        if is_name[i] and any(_same_stem(tok.word, p) for p in products) and not _title_before(text, tokens, i, lists):
            is_name[i] = False  # the product's name elsewhere, in another case
    return [span for span in _spans(text, tokens, is_name)
            if not firm_after(text, span[1]) and not city_before_state(text, span[1])]


def _tokens(text: str, protected: list[tuple[int, int]]) -> list[_Token]:
    tokens = []
    for m in _WORD.finditer(text):
        start, end = m.span()
        if protected and any(a < end and start < b for a, b in protected):
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
        glued_initial = j == start - 1 and j >= 1 and text[j] == "." and text[j - 1].isupper() and (
            j < 2 or not text[j - 2].isalnum())  # "W.Wiśniewski" goes on a sentence
        tokens.append(_Token(start, end, word.lower(), capitalised,
                             (j < 0 or text[j] in _SENTENCE_END) and not glued_initial))
    return tokens


def _listed(word: str, lists: NameLists, lang: str | None) -> bool:
    """A first name, or a surname, of the lists (in Polish text also their case forms)."""
    return (word in lists.first_names or word in lists.surnames_en or word in lists.surnames_pl
            or (lang != "en" and word in lists.first_name_forms_pl))


def _acronym(text: str, tok: _Token, lists: NameLists) -> bool:
    """An upper-case abbreviation of two to five letters that is no title, role or shouted word: "OST", "PKP" ("OST
    Gromada" is a firm; "CEO Robin Hayes" and "it IS John's birthday" are people)."""
    written = text[tok.start:tok.end]
    return (2 <= len(written) <= 5 and written.isupper() and written.isalpha() and tok.word not in TITLES
            and tok.word not in lists.common_words and not role_word(tok.word))


def _full_name(text: str, tokens: list[_Token], i: int, lists: NameLists) -> bool:
    """A listed first name and a listed surname right after it: a person even after a firm's acronym, as the owner
    in a sole trader's name ("RTV AGD Szymon Kokot")."""
    return tokens[i].word in lists.first_names and tokens[i].word not in lists.not_names \
        and _surname_after(text, tokens, i, lists)


def _declined_brand(word: str, lists: NameLists) -> bool:
    """A brand declined the Polish way after an apostrophe: "Canon'a", "Iphone'em"."""
    for mark in "'’":
        if mark in word:
            return word.split(mark, 1)[0] in lists.brand_words
    return False


def _slashed_to_brand(text: str, tokens: list[_Token], i: int, lists: NameLists) -> bool:
    """Whether a slash joins the word to a brand or an abbreviation: "Sony/Murata" names two makers."""
    tok = tokens[i]
    for j in (i - 1, i + 1):
        if 0 <= j < len(tokens):
            left, right = (tokens[j], tok) if j < i else (tok, tokens[j])
            if text[left.end:right.start] == "/" and (tokens[j].word in lists.brand_words or _acronym(text, tokens[j], lists)):
                return True
    return False


def _addressed_in_lower_case(text: str, tokens: list[_Token], i: int, lists: NameLists, lang: str | None) -> bool:
    """A first name of the lists written in lower case after a name cue ("my name is charles"), or after a greeting
    with a stop or the message's end right after it ("thanks robbie.")."""
    word = tokens[i].word
    if (len(word) < 3 or not _known(text, tokens[i], lists, lang) or word in lists.common_words
            or word in lists.not_names or word in lists.places or word in GREETINGS or word in lists.brand_words):
        return False
    if _NAME_CUE.search(text, max(0, tokens[i].start - 24), tokens[i].start) is not None:
        return True
    return _greeting_before(text, tokens, i) and _CLOSED_LOWER.match(text, tokens[i].end) is not None


_CLOSED_LOWER = re.compile(r"[ \u00a0]*(?:$|[\n.,;!?]|:\)|:\()")


def _known(text: str, tok: _Token, lists: NameLists, lang: str | None) -> bool:
    """A first name of the lists (in Polish text also its case forms); a hyphenated one when all its parts are and
    are capitalised ("Anna-Lena", not "Li-ion")."""
    word = tok.word
    if word in lists.first_names or (lang != "en" and word in lists.first_name_forms_pl):
        return True
    return "-" in word and all(part in lists.first_names and part[:1].isupper()
                               for part in text[tok.start:tok.end].split("-"))


_CONTRACTION = re.compile(r"i['’](?:d|ll|m|ve)")
# After a title in English, a word that ends like an abstract noun is an epithet, not a surname ("Little Mr.
# Persistence"); Polish surnames end so too ("Szczepality", "Bożence").
_ABSTRACT = re.compile(r"\w{3,}(?:ence|ance|ness|ity|ment|tion|sion|ism|ship|hood)")


def _is_name(text: str, tokens: list[_Token], i: int, lists: NameLists, lang: str | None,
             sign_offs: list[int]) -> bool:
    """Whether the capitalised token `i` is a person's name, by what stands around it, in this order: never inside an
    institution's or street's name, a role word or a contraction; any unordinary word after a title, a sign-off, a
    name cue or a support agent's mark; after a role or relative (restricted after Polish jobs); never before a
    product's or firm's word or after a place's word, a brand or an article; a listed first name unless it is an
    ordinary word too (then only with a greeting, a surname, an initial, a dash signature, a comma at the end of the
    message or between "your" and a verb); a Polish surname in the middle of a sentence."""
    tok = tokens[i]
    word = tok.word
    if _never_a_name(text, tokens, i, lists, lang):
        return False
    known = _known(text, tok, lists, lang)
    ordinary = word in lists.not_names or word in lists.common_words
    if _title_before(text, tokens, i, lists, lang):  # "Dr Wierzbickiego 4 lata temu"
        if len(word) <= 2 or (lang == "en" and not known and _ABSTRACT.fullmatch(word)
                              and word not in lists.surnames_en):
            return False  # "Pan Sz.", "Mr. Persistence"
        return known or not ordinary
    mark = signature_mark(text, tok.start)
    if _signature(text, tok, sign_offs) or _NAME_CUE.search(text, max(0, tok.start - 24), tok.start) is not None or (
            mark and mark in "^*~" and at_message_end(text, tok.end)):
        # "My name is Ravshanbek", "Pozdrawiam, Marek", "*AnnaP"
        return known or not ordinary
    after_role = _name_after_role(text, tokens, i, lists, lang, known, ordinary)
    if after_role is not None:
        return after_role
    if _part_of_a_things_name(text, tokens, i, lists, lang):
        return False
    if _glued_initial_before(text, tokens, i) and not ordinary and word not in NOT_IN_NAMES and (
            known or word in lists.surnames_en or word in lists.surnames_pl):
        return True  # "J.Kowalski"
    if known:
        return _listed_first_name(text, tokens, i, lists, lang, mark)
    if not ordinary and word not in lists.places and word not in NOT_A_PERSON and _salutation_before(text, tokens, i):
        return True  # "Hello Duke, ...", "Witam Panie Zdzisławie,"
    if _initial_before(text, tokens, i) and not ordinary and word not in NOT_IN_NAMES and (
            word in lists.surnames_pl or word in lists.surnames_en or _title_before(text, tokens, i - 1, lists, lang)):
        return True  # "P . Michałowski", "dr M . Czternastek"
    if lang == "en" or ordinary:
        return False
    return _unlisted_polish_name(text, tokens, i, lists, lang)


def _never_a_name(text: str, tokens: list[_Token], i: int, lists: NameLists, lang: str | None) -> bool:
    """A word that is never a name, whatever stands around it: an institution's word or a word inside an
    institution's name, a role word that is no listed surname, a contraction, a hyphenated word with a part in lower
    case, a reduplicated word."""
    tok = tokens[i]
    word = tok.word
    if COURTESY_ROLE.fullmatch(word) or institution_word(word) or _in_institution(text, tokens, i, lists) or (
            role_word(word, False, lang) and word not in lists.surnames_pl and word not in lists.surnames_en):
        return True  # "Pani Doktor", "Pani Kosmetyczka", "Fundacji ...", "Uniwersytet Kardynała Stefana ..."
    if _CONTRACTION.fullmatch(word) or ("-" in word and not all(
            part[:1].isupper() for part in text[tok.start:tok.end].split("-"))):
        return True  # "I'd", "Co-signed", "Li-ion"
    return _reduplicated(text, tokens, i)  # "Toi-Toi", "Bora - Bora": a brand's or a place's name


def _name_after_role(text: str, tokens: list[_Token], i: int, lists: NameLists, lang: str | None, known: bool,
                     ordinary: bool) -> bool | None:
    """After a role or a relative, whether the word is a name; None when no role stands before it."""
    word = tokens[i].word
    role = _role_before(text, tokens, i, lists, lang)
    if not role or word in lists.places or word in NOT_A_PERSON or _product_after(text, tokens, i):
        return None
    # "the host, Ottavio,", "kuzyna Dextera", "kurier Marek", "manager hotelu Steve", but not "dyrektora Orbisu":
    # after a Polish job (or any job in text of unknown language) only a name or surname of the lists
    if role == "kin" or lang == "en":
        return known or not ordinary
    return known or (not ordinary and (word in lists.surnames_pl or word in lists.surnames_en))


def _part_of_a_things_name(text: str, tokens: list[_Token], i: int, lists: NameLists, lang: str | None) -> bool:
    """A word of an institution's, a street's, a place's or a product's name: "Wojewódzkiego Szpitala", "na
    Borowskiej", "Monte Carlo", "San Francisco", "Echo Dot", "the Dot", "this Les Paul"."""
    tok = tokens[i]
    prev = tokens[i - 1] if i else None
    if _institution_adjective(text, tokens, i, lists) or _street_form(text, tokens, i) or (
            tok.word in PLACE_WORDS and i + 1 < len(tokens) and tokens[i + 1].capitalised
            and _adjacent(text, tok, tokens[i + 1])):
        return True
    if _product_after(text, tokens, i) or (
            prev is not None and (prev.word in PLACE_WORDS or prev.word in lists.brand_words or prev.word in _ARTICLES)
            and _joined(text, prev, tok)):
        return True
    return lang != "pl" and (_thing_of_two_words(text, tokens, i - 1) or _thing_of_two_words(text, tokens, i - 2))


def _listed_first_name(text: str, tokens: list[_Token], i: int, lists: NameLists, lang: str | None, mark: str) -> bool:
    """A first name of the lists is a name, unless the text is about a device of a like name or quotes an English
    title; one that is an ordinary word too ("Mark", "Will") only with a greeting, a surname, a sign-off, a dash
    signature, an address, an initial or praise around it."""
    tok = tokens[i]
    word = tok.word
    if any(t.word.startswith(word) and t.word != word and t.word in lists.brand_words for t in tokens) or (
            _brand_short_form(word, lists) and device_talk(text)):
        return False  # "Alex" in a text about Alexa or about setting up a speaker
    if lang == "pl" and _english_phrase_after(text, tokens, i, lists):
        return False  # an English title quoted in Polish: "Holly Market"
    if word not in lists.not_names:
        return True
    if _greeting_before(text, tokens, i) or _surname_after(text, tokens, i, lists) or (
            lang != "en" and _unlisted_surname_after(text, tokens, i, lists)) or _signs_off(text, tokens, i, lists):
        return True
    return word not in lists.places and word not in NOT_A_PERSON and (
        (mark != "" and at_message_end(text, tok.end, False)) or vocative(text, tok.start, tok.end)
        or _initial_after(text, tok) or possessive_praise(text, tok.start, tok.end))
    # "- Terry", "thanks for the help, Mark!", "Mark R.", "your Terry is a hero"


def _unlisted_polish_name(text: str, tokens: list[_Token], i: int, lists: NameLists, lang: str | None) -> bool:
    """In Polish text (or text of unknown language), an unordinary capitalised word that is no listed first name: a
    Polish surname in the middle of a sentence, a family ("Kowalscy", "Nowakowie"), a foreign name in a Polish case
    form; not the Polish John Doe, an eponym ("chorobę Parkinsona") or a town ("z Bostonu")."""
    tok = tokens[i]
    word = tok.word
    prev = tokens[i - 1] if i else None
    if word.startswith("kowalsk") and prev is not None and prev.word.startswith(_EVERYMAN):
        return False  # "zwykłego Kowalskiego": the Polish John Doe, no one in particular
    if word in lists.surnames_pl and not word.endswith("owie"):
        return not tok.sentence_start or word.endswith(("scy", "ccy"))  # "Kowalscy" sign as a family
    foreign = "surname" if word in lists.surnames_pl else _foreign_name(word, lists)
    if not foreign or not text[tok.start + 1:tok.end].islower() or (prev is not None and (
            _EPONYM_NOUN.fullmatch(prev.word) or product_noun(prev.word) or institution_word(prev.word))):
        return False  # "chorobę Parkinsona", "uniwersytetów Stanforda"
    if prev is not None and prev.word in _PLACE_PREPOSITIONS and (foreign == "surname" or word.endswith(("u", "y"))):
        return False  # "we Władysławowie", "z Bostonu"; not "z Johnem"
    if word.endswith("owie"):  # a family, at the start of a sentence too; not a town: "w całym Bemowie"
        return word[:-4] not in lists.first_names and foreign == "surname" and not (
            prev is not None and prev.capitalised and _adjacent(text, prev, tok)) and not (
            i > 1 and tokens[i - 2].word in _PLACE_PREPOSITIONS)
    return not tok.sentence_start and (foreign == "first" or _person_before(text, tokens, i, lists, lang))


def _institution_adjective(text: str, tokens: list[_Token], i: int, lists: NameLists) -> bool:
    """Whether an adjective stands right before an institution's capitalised word: "Wojewódzkiego Szpitala", the
    oblique case of any word, or an unlisted word (not "Aneta Stachurska Przychodnia ...": a listed surname in the
    nominative signs before the clinic's name)."""
    word = tokens[i].word
    return (i + 1 < len(tokens) and tokens[i + 1].capitalised and institution_word(tokens[i + 1].word)
            and _adjacent(text, tokens[i], tokens[i + 1]) and word not in lists.first_names
            and (word.endswith(("ego", "ej", "ym", "ich")) or (word not in lists.surnames_pl
                                                                and word not in lists.surnames_en)))


_STREET_PREPOSITIONS = frozenset("na przy w".split())


def _street_form(text: str, tokens: list[_Token], i: int) -> bool:
    """A feminine adjective's genitive or locative right after "na", "przy" or "w": a street or a town ("na
    Borowskiej", "w Szklarskiej"), not a woman, who is "u Kowalskiej" or "do dr Kowalskiej"."""
    return (i > 0 and tokens[i - 1].word in _STREET_PREPOSITIONS and _adjacent(text, tokens[i - 1], tokens[i])
            and tokens[i].word.endswith(("skiej", "ckiej", "dzkiej")))


_EVERYMAN = ("zwykł", "zwykl", "przeciętn", "przecietn", "statystyczn", "szar")


def _person_before(text: str, tokens: list[_Token], i: int, lists: NameLists, lang: str | None) -> bool:
    """Whether what stands before a foreign surname declined the Polish way says it is a person's: a stop or a
    comma, a capitalised word that is no ordinary word (its first name), a role, or a word such as "według" or
    "dla"; not a thing it names in the genitive ("końcówki Hoovera", "Moduł Peltiera")."""
    prev = tokens[i - 1] if i else None
    if prev is None or text[prev.end:tokens[i].start].strip(" \u00a0") or prev.word in _PERSON_CUES:
        return True
    if prev.capitalised:
        return prev.word not in lists.not_names and prev.word not in lists.common_words
    return role_word(prev.word, False, lang) != "" or _AGENT_NOUN.fullmatch(prev.word) is not None


# Words after which a name is a person's: "według Thompsona", "dla Smitha", "u Browna", "z Johnsonem".
_PERSON_CUES = frozenset("według wg zdaniem przez dla od u z ze do o oraz i a jak niż że pan pana panu panem".split())
# Nouns of people who do something, in the genitive or dative ("publicysty", "dyrektora", "autora").
_AGENT_NOUN = re.compile(r"\w{3,}(?:ysty|isty|ysta|ista|ora|orowi|arza|erza|nika|anta|enta|ców|cy)")


# Before a town's name in the locative or genitive: "w Lubinie", "z Bostonu" (a town, though "Lubin" is a surname).
_PLACE_PREPOSITIONS = frozenset("w we na z ze do pod przy nad koło obok spod znad od".split())
# Nouns a discoverer's, founder's or patron's name follows in the genitive, naming no person: "choroba Parkinsona",
# "metoda Holtera", "stypendium Fulbrighta", "prawo Murphy'ego", "medal Copleya".
_EPONYM_NOUN = re.compile(
    r"(?:chorob|zesp[oó]ł|zespo|syndrom|metod|stypendi|medal|nagrod|prawo|prawa|prawem|praw|twierdzeni|efekt|zasad"
    r"|skal|test|aparat|muze|dolin|teori|reguł|liczb|stał|równani|prób|objaw|operacj|techni)\w*")


def _foreign_name(word: str, lists: NameLists) -> str:
    """Whether `word`, found in no list, is a case form of a listed first name ("first") or English surname
    ("surname") declined the Polish way ("Freddiego", "Hendersona", "Thompsonowie"), or "" if it is not."""
    if word in lists.first_names or word in lists.first_name_forms_pl or word in lists.surnames_pl:
        return ""
    for base in foreign_bases(word):
        if base in lists.not_names or base in lists.common_words or base in lists.brand_words or len(base) < 4:
            continue
        if base in lists.first_names and not (base[-1] in "aeiouy" and word[-1] in "auyąę"):
            return "first"  # "Kevina", "Freddiego"; not "Melodia", "Kellia"
        if base in lists.surnames_en and len(base) > 4:
            return "surname"  # "Hendersona", "Thompsonowie"; not "Garda", "Kahny"
    return ""


def _thing_of_two_words(text: str, tokens: list[_Token], j: int) -> bool:
    """Whether a determiner at `j` ("the", "a", "this", "another") stands before two capitalised words: a thing's name
    ("this Les Paul", "a Diaper Genie"), not a person ("This Gary rep")."""
    return j >= 0 and j + 2 < len(tokens) and tokens[j].word in _DETERMINERS and tokens[j + 1].capitalised \
        and tokens[j + 2].capitalised and _adjacent(text, tokens[j], tokens[j + 1]) \
        and _adjacent(text, tokens[j + 1], tokens[j + 2])


def _reduplicated(text: str, tokens: list[_Token], i: int) -> bool:
    """Whether the word is one half of a doubled word joined by a dash ("Toi-Toi", tokenised "Toi - Toi")."""
    word = tokens[i].word
    if "-" in word:
        return len(set(word.split("-"))) == 1
    return any(0 <= j < len(tokens) and tokens[j].word == word
               and text[min(tokens[i].end, tokens[j].end):max(tokens[i].start, tokens[j].start)].strip(" \u00a0") in
               ("-", "–") for j in (i - 1, i + 1))


_ARTICLES = frozenset({"the", "a", "an"})
# Before a name of two words, these make it a thing's: "the Diaper Genie", "this Les Paul" (not "This Gary rep").
_DETERMINERS = _ARTICLES | frozenset({"this", "these", "those", "another"})
# Words one of which every sign-off (lexicon.SIGN_OFF) holds: a cheap test before searching for one.
_SIGN_OFF_HINTS = ("pozdr", "poważ", "szacunk", "regards", "sincerely", "yours", "wishes")
# Right before a name: "my name is", "Name:", "named", "nazywam się", "imię i nazwisko:".
_NAME_CUE = re.compile(r"(?:\bname(?: is|:)|\bnamed|\bnazywam się|\bnazywa się|\bnazwisko:?)[ \u00a0]*$",
                       re.IGNORECASE)
# A Polish surname's shape, for one written in lower case after a title.
_SURNAME_SHAPE = re.compile(r"\w{2,}(?:ski|ska|skiego|skiej|cki|cka|ckiego|ckiej|dzki|dzka|wicz|wicza|czyk|czyka"
                            r"|ak|aka|iak|iaka|uk|uka|ek|ka)")
_PRODUCT_WORDS = frozenset("pro max plus mini ultra lite air se xl gt gti edition series".split())
# Words that name a model after a person's name ("Les Paul Standard", "Jazzmaster Deluxe"); capitalised only.
_MODEL_WORDS = _PRODUCT_WORDS | frozenset("standard custom classic deluxe studio special junior signature".split())


# A phone number after a name is a signature's ("Paul Garrison 850.266.3576"), not a model's number.
_PHONE_AFTER = re.compile(r"\(?\d{2,4}\)?[ .\-]?\d{3}[ .\-]?\d{3,4}(?!\d)")


def _product_after(text: str, tokens: list[_Token], i: int) -> bool:
    """Whether a model word or number follows ("Nova Pro", "Aira 5", also past another capitalised word: "Les Paul
    Standard"), or a company's or venue's word ("Fay Servicing", "Rosie's Pizza"): a product or a firm, not a
    person."""
    if i + 2 < len(tokens) and tokens[i + 1].capitalised and tokens[i + 2].word in _MODEL_WORDS \
            and tokens[i + 2].capitalised and _adjacent(text, tokens[i], tokens[i + 1]) \
            and _adjacent(text, tokens[i + 1], tokens[i + 2]):
        return True
    after = text[tokens[i].end:tokens[i].end + 16]
    stripped = after.lstrip(" \u00a0")
    if stripped[:1].isdigit() and len(after) - len(stripped) <= 1 and not _PHONE_AFTER.match(stripped):
        return True
    if i + 1 >= len(tokens):
        return False
    nxt = tokens[i + 1].word
    if text[tokens[i].end:tokens[i].end + 2] in _POSSESSIVE and tokens[i + 1].capitalised \
            and tokens[i + 1].start - tokens[i].end <= 4:
        return nxt in NOT_IN_NAMES  # "Rosie's Pizza", "Mike's Bar"
    if not _adjacent(text, tokens[i], tokens[i + 1]):
        return False
    if text[tokens[i + 1].start:tokens[i + 1].end + 1] in ("Dr ", "St "):
        return True  # "Gregory Dr Lansing": a street ("Drive"), unlike "Anna dr Kowalska"
    if product_noun(nxt) or (i + 2 < len(tokens) and tokens[i + 1].capitalised and product_noun(tokens[i + 2].word)
                             and _adjacent(text, tokens[i + 1], tokens[i + 2])):
        return True  # "Dot speaker", "Long Range Monitor"
    return nxt in _PRODUCT_WORDS or (nxt in NOT_IN_NAMES and nxt not in PLACE_WORDS) or (
        nxt in _MODEL_WORDS and tokens[i + 1].capitalised)


def _adjacent(text: str, left: _Token, right: _Token, joiners: str = " \u00a0") -> bool:
    gap = text[left.end:right.start]
    return len(gap) <= 3 and all(ch in joiners for ch in gap) and gap != "" and gap.count(" ") <= 2


def _joined(text: str, left: _Token, right: _Token) -> bool:
    """Next to each other, or past the full stop of a short word ("St. Louis"; not "z hotelu. Edward")."""
    return _adjacent(text, left, right) or (len(left.word) <= 3 and _adjacent(text, left, right, " \u00a0."))


def _title_before(text: str, tokens: list[_Token], i: int, lists: NameLists, lang: str | None = None) -> bool:
    if i == 0:
        return False
    prev = tokens[i - 1]
    gap = text[prev.end:tokens[i].start]
    while prev.word in DEGREES and i > 1 and text[prev.end:tokens[i].start].strip(" \u00a0") in ("", "."):
        i -= 1  # "dr hab. Krakowiak", "dr n. med. Kramarz": look past the degree
        prev = tokens[i - 1]
        gap = text[prev.end:tokens[i].start]
    if prev.start and text[prev.start - 1].isalnum():  # the "p" of "720p" is no title
        return False
    shouted = text[tokens[i].start:tokens[i].end].isupper() and len(prev.word) > 2  # "PANA JACKA", not "MS Office"
    if prev.word not in TITLES or (text[prev.start:prev.end].isupper() and not shouted):
        return False
    if text[prev.start:prev.end + 1].rstrip(" \u00a0") in ("Dr", "St") and lang != "pl" and i > 1 \
            and tokens[i - 2].capitalised and _adjacent(text, tokens[i - 2], prev) \
            and tokens[i - 2].word not in lists.common_words and tokens[i - 2].word not in GREETINGS:
        return False  # "Gregory Dr Lansing": a street, "Drive"
    bare = gap.strip(" \u00a0")
    return len(gap) <= 3 and (bare == "" and len(prev.word) > 1 or bare == "." and prev.word in ABBREVIATED)


def _role_before(text: str, tokens: list[_Token], i: int, lists: NameLists, lang: str | None) -> str:
    """The kind of role ("kin", "staff") right before, or before a comma, or before a place's word: "agent Mike",
    "my husband Bill", "the host, Ottavio", "manager hotelu Steve"; "" if there is none."""
    if i == 0:
        return ""
    prev = tokens[i - 1]
    if prev.word in PLACE_WORDS and text[prev.start].islower() and i > 1 and _adjacent(text, tokens[i - 2], prev):
        prev = tokens[i - 2]  # "manager hotelu Steve": the manager of the hotel
        if not _adjacent(text, prev, tokens[i - 1]) or not _adjacent(text, tokens[i - 1], tokens[i]):
            return ""
    gap = text[prev.end:tokens[i].start] if prev is tokens[i - 1] else " "
    stops = ("", ",", ".") if prev.word in ABBREVIATED_ROLES else ("", ",")  # "Ops Agt. Frank"
    if len(gap) > 3 or gap.strip(" \u00a0") not in stops or gap == "" or prev.word in lists.brand_words:
        return ""
    return role_word(prev.word, prev.capitalised, lang)


_STREET_KEYS = frozenset("ul ulica ulicy ulicę ulicą al aleja alei aleję aleją pl plac placu os osiedle osiedlu im "
                         "imienia św sw".split())


def _in_institution(text: str, tokens: list[_Token], i: int, lists: NameLists) -> bool:
    """Whether the word is part of an institution's, a street's or an award's name that starts up to four capitalised
    words before it ("Uniwersytet Kardynała Stefana Wyszyńskiego", "ul. Kopernika", "Szpital im. Jana Pawła"); the
    words between are no ordinary words ("Fundacji Project Grace Peter ..." ends at "Grace"), and the word itself is
    no first name in its base form: a patron's is written in the genitive ("Instytutu Turystyki Tadeusz
    Wrzos" is a person, "Uniwersytetu Adama Mickiewicza" no one)."""
    if tokens[i].word in lists.first_names and tokens[i].word not in lists.oblique_pl:
        return False
    j = i
    for _ in range(4):
        if j == 0:
            return False
        prev, right = tokens[j - 1], tokens[j]
        gap = text[prev.end:right.start].strip(" \u00a0")
        if len(text[prev.end:right.start]) > 3 or gap not in ("", ".") or (gap == "." and prev.word not in _STREET_KEYS):
            return False
        if prev.word in _STREET_KEYS or (prev.capitalised and institution_word(prev.word)):
            return True
        if not prev.capitalised or prev.word in TITLES or (
                (prev.word in lists.not_names or prev.word in lists.common_words) and not patron_word(prev.word)):
            return False
        j -= 1
    return False


_SALUTATIONS = frozenset("hi hello hey hiya howdy dear cześć czesc witaj witam hej siema".split())


def _salutation_before(text: str, tokens: list[_Token], i: int) -> bool:
    """A greeting (not thanks: "Thanks Southwest, ..." thanks a firm) right before the word and a comma right after
    it: the person the message is written to."""
    if i == 0 or not _adjacent(text, tokens[i - 1], tokens[i]) or text[tokens[i].end:tokens[i].end + 1] != ",":
        return False
    j = i - 2 if tokens[i - 1].word in ("pan", "pani", "panie") and i > 1 else i - 1
    return tokens[j].word in _SALUTATIONS and (j == i - 1 or _adjacent(text, tokens[j], tokens[j + 1]))


def _initial_before(text: str, tokens: list[_Token], i: int) -> bool:
    """An initial and a full stop right before the word, as tokenised text writes it too: "T. Nowak", "M . Nowak"."""
    return i > 0 and _initial(text, tokens[i - 1]) and text[tokens[i - 1].end:tokens[i].start].strip(" \u00a0") == "." \
        and len(text[tokens[i - 1].end:tokens[i].start]) <= 3


def _greeting_before(text: str, tokens: list[_Token], i: int) -> bool:
    """A greeting or thanks right before, also across "you", "to", "so much": "Hi Grace", "thanks to Mark"."""
    j = i - 1
    while j > 0 and i - j <= 3 and tokens[j].word in _GREETING_FILLERS:
        j -= 1
    if j < 0:
        return False
    prev = tokens[j]
    gap = text[prev.end:tokens[j + 1].start]
    greeting = prev.word in GREETINGS or (
        prev.word in _TIMES_OF_DAY and _ADDRESS_END.match(text, tokens[i].end) is not None)  # "Morning Mark -"
    return greeting and gap.strip(" \u00a0,") == "" and len(gap) <= 3 and len(tokens[i].word) > 2 and all(
        text[tokens[k].end:tokens[k + 1].start].strip(" \u00a0,") == "" for k in range(j, i))


_GREETING_FILLERS = frozenset("you to so much very again guys".split())
# "Good morning" greets: a name after it is addressed when a comma, "!" or a dash closes it ("Morning Will - ...").
_TIMES_OF_DAY = frozenset("morning afternoon evening".split())
_ADDRESS_END = re.compile(r"[ \u00a0]*(?:[,!]|[-–—][ \u00a0])")


def _signature(text: str, tok: _Token, sign_offs: list[int]) -> bool:
    """Whether `tok` follows a sign-off ("Pozdrawiam, ", "Kind regards,\\n"; `sign_offs` are where the text's end)
    with at most one word between."""
    for end in sign_offs:
        if tok.start - 40 <= end <= tok.start:
            rest = text[end:tok.start]
            if not rest.strip() or (len(rest.split()) == 1 and rest[0].isupper()):
                return True
    return False


def _brand_short_form(word: str, lists: NameLists) -> bool:
    """Whether a first name is a brand's name short of its last letter ("Alex" for Alexa)."""
    return len(word) >= 3 and any(word + ch in lists.brand_words for ch in "aeiouy")


def _english_phrase_after(text: str, tokens: list[_Token], i: int, lists: NameLists) -> bool:
    """Whether a capitalised English word that is no Polish word or name follows: an English title quoted in a
    Polish text ("Holly Market", "Rose Garden")."""
    if i + 1 >= len(tokens) or not _adjacent(text, tokens[i], tokens[i + 1]) or not tokens[i + 1].capitalised:
        return False
    nxt = tokens[i + 1].word
    return (nxt in name_lists("en").common_words and nxt not in lists.surnames_pl and nxt not in lists.surnames_en
            and nxt not in lists.first_names and nxt not in lists.first_name_forms_pl)


def _unlisted_surname_after(text: str, tokens: list[_Token], i: int, lists: NameLists) -> bool:
    """Whether a Polish first name in an oblique case that is also a word ("Marka") has a capitalised word of no list
    in an oblique case after it in the middle of a sentence (after a dash or comma too): its surname ("wspólnika -
    Marka Pietraszewy"), not a brand ("Marka Samsung")."""
    if i + 1 >= len(tokens) or not _adjacent(text, tokens[i], tokens[i + 1]):
        return False
    tok, nxt = tokens[i], tokens[i + 1]
    if tok.word not in lists.oblique_pl or len(tok.word) < 4 or not nxt.word.endswith(_OBLIQUE_ENDINGS):
        return False  # "Marka Pietraszewy", not "Marka Samsung", "Joy Corona"
    before = text[:tok.start].rstrip(" \u00a0")
    if before == "" or before[-1] in ".!?…:;\n\"“”„»«()[]":
        return False  # "Marka Xiaomi kupiłem ..." starts a sentence
    word = nxt.word
    return (nxt.capitalised and text[nxt.start + 1:nxt.end].islower() and len(word) > 3 and "-" not in word
            and not _reduplicated(text, tokens, i + 1) and word not in lists.common_words
            and word not in lists.not_names and word not in lists.brand_words and word not in NOT_IN_NAMES
            and word not in lists.first_names and word not in lists.first_name_forms_pl
            and not institution_word(word) and not role_word(word, False, "pl") and not COURTESY_ROLE.fullmatch(word)
            and not _product_after(text, tokens, i + 1) and _closes_clause(text, nxt.end))


# Endings of a Polish surname in a case other than the nominative (genitive, dative, accusative, instrumental).
_OBLIQUE_ENDINGS = ("a", "y", "i", "ego", "ej", "owi", "u", "emu", "em", "ą", "ę", "im")


def _closes_clause(text: str, end: int) -> bool:
    """Whether a stop, comma, bracket, line end or the end of the text follows `end`, or a lower-case word."""
    rest = text[end:end + 3].lstrip(" \u00a0")
    return rest == "" or not rest[0].isupper()


def _signs_off(text: str, tokens: list[_Token], i: int, lists: NameLists) -> bool:
    """Whether the first name and a capitalised word of no list close the message as a signature: "...
    priceless.Mark Balelo"."""
    if i + 1 >= len(tokens) or i + 2 < len(tokens) or not tokens[i + 1].capitalised:
        return False
    word = tokens[i + 1].word
    return (_adjacent(text, tokens[i], tokens[i + 1]) and at_message_end(text, tokens[i + 1].end, False)
            and word not in lists.common_words and word not in lists.not_names and _may_join(word, lists))


def _surname_after(text: str, tokens: list[_Token], i: int, lists: NameLists) -> bool:
    if len(tokens[i].word) < 3 or i + 1 >= len(tokens) or not _adjacent(text, tokens[i], tokens[i + 1]):
        return False
    nxt = tokens[i + 1]
    return (nxt.capitalised and (nxt.word in lists.surnames_pl or nxt.word in lists.surnames_en)
            and nxt.word not in lists.not_names and nxt.word not in lists.brand_words and nxt.word not in NOT_IN_NAMES)


_INITIAL_AFTER = re.compile(r"[ \u00a0][A-HJ-Z][ \u00a0]?\.(?!\w)")  # "Mark R.", tokenised "Marek K ."


def _initial_after(text: str, tok: _Token) -> bool:
    """A surname's initial right after: "Mark R." (not "I.")."""
    return _INITIAL_AFTER.match(text, tok.end) is not None


def _glued_initial_before(text: str, tokens: list[_Token], i: int) -> bool:
    """An initial and a full stop glued to the word: "W.Wiśniewski"."""
    return i > 0 and _initial(text, tokens[i - 1]) and text[tokens[i - 1].end:tokens[i].start] == "."


def _same_stem(a: str, b: str) -> bool:
    """Whether two words are forms of one name: "kasia", "kasię"; "marek", "marka"."""
    return len(commonprefix([a, b])) >= max(3, min(len(a), len(b)) - 2)


_JOIN = " \u00a0-–"


def _initial(text: str, tok: _Token) -> bool:
    """A one-letter capital, as in "Marek P." or "T. Nowak"."""
    return tok.end - tok.start == 1 and text[tok.start].isupper()


def _closes(text: str, end: int) -> bool:
    """Whether a full stop, the end of a line or the end of the text comes right after `end`."""
    rest = text[end:end + 3].lstrip(" \u00a0")
    return rest == "" or rest[0] in ".\n\r"


def _extend(text: str, tokens: list[_Token], is_name: list[bool], lists: NameLists, lang: str | None) -> None:
    """Capitalised words and initials right after a name, initials right before one, and a surname right before a
    first name ("Nowak Anna") join it."""
    for i in range(len(tokens) - 1):
        if not is_name[i] or is_name[i + 1]:
            continue
        nxt = tokens[i + 1]
        if _initial(text, nxt) and (_adjacent(text, tokens[i], nxt) or (
                text[tokens[i].end:nxt.start] in (". ", " . ") and tokens[i].capitalised
                and text[nxt.end:].strip(" \u00a0.") == "")) and (
                _closes(text, nxt.end) or (text[nxt.start] not in "AI" and tokens[i].capitalised)):
            # "Marek P.", "Lisa J is great", a signature "Iza . K" at the very end
            is_name[i + 1] = True  # not "John I think" or "Ann A lot"
        elif (nxt.word in _PARTICLES and i + 2 < len(tokens) and tokens[i + 2].capitalised and tokens[i].capitalised
              and _adjacent(text, tokens[i], nxt) and _adjacent(text, nxt, tokens[i + 2])
              and _may_join(tokens[i + 2].word, lists)):
            is_name[i + 1] = is_name[i + 2] = True  # "Victor De Georgio", "Ludwig van Straaten"
        elif (_initial(text, tokens[i]) and nxt.capitalised and _adjacent(text, tokens[i], nxt, " \u00a0.")
              and nxt.word not in lists.common_words):
            is_name[i + 1] = True  # "Maciej R. Zawilski"
        elif (nxt.capitalised and _adjacent(text, tokens[i], nxt, _JOIN) and (_may_join(nxt.word, lists) or (
                len(nxt.word) > 2 and nxt.word in lists.not_names and nxt.word not in lists.places
                and nxt.word not in NOT_A_PERSON
                and (nxt.word in lists.surnames_pl or nxt.word in lists.surnames_en or nxt.word in lists.first_names)
                and not (lang == "en" and _extends_sentence(text, tokens, i + 1))
                and not _ROMAN_AFTER.match(text, nxt.end)))
                # "Zbigniew Marek", not "Anna Will you", nor a model "Marshall Major II"
                and not _product_after(text, tokens, i + 1)):
            is_name[i + 1] = True
        elif _lower_surname(text, tokens, i, lists, lang):
            is_name[i + 1] = True  # "Paul morrow"
    for i in range(len(tokens) - 1, 0, -1):
        prev = tokens[i - 1]
        if not is_name[i] or is_name[i - 1]:
            continue
        if _initial(text, prev) and "." in text[prev.end:tokens[i].start] and _adjacent(text, prev, tokens[i],
                                                                                        " \u00a0."):
            is_name[i - 1] = True  # "T. Nowak", not "W Szymonie"
        elif (prev.capitalised and _adjacent(text, prev, tokens[i]) and prev.word not in GREETINGS and (
                  (prev.word in lists.surnames_pl and prev.word not in lists.not_names)
                  or _surname_first(text, tokens, i, lists) or _first_name_declined(text, tokens, i, lists, lang))):
            is_name[i - 1] = True  # "Nowak Anna", "Kowalczyk Agnieszka , dr ...", "Eberharda Hendersona"


# Chat words that follow a name in lower case without being its surname ("thanks Kevin lol").
_PARTICLES = frozenset("de van von der den da di du del della dos le la ter".split())
_CHAT_WORDS = frozenset("lol lmao rofl omg btw thx tho pls plz fyi asp asap imo imho idk smh tbh yay yeah yep nope haha"
                        " hahaha hehe xoxo xx xxx aka etc".split())
# What may follow a surname written in lower case: the end of the text or line, punctuation, a number, an e-mail, a
# link or a handle; not another lower-case word ("Kevin rebooked us").
_AFTER_LOWER_SURNAME = re.compile(r"[ \u00a0]*(?:$|[\n.,;:!?()\d@#_]|https?:)")


def _lower_surname(text: str, tokens: list[_Token], i: int, lists: NameLists, lang: str | None) -> bool:
    """Whether the word after the capitalised first name `i` is its surname written in lower case: in English a
    surname of the lists, or a word of no list with nothing but punctuation, numbers or contact details after it
    ("Paul morrow __email__"); in Polish a listed surname of a surname's shape ("Anna kowalska")."""
    name, nxt = tokens[i], tokens[i + 1]
    word = nxt.word
    if (not _known(text, name, lists, lang) or not text[nxt.start:nxt.end].isalpha()
            or not text[nxt.start:nxt.end].islower() or text[name.end:nxt.start] != " " or len(word) < 3
            or word in lists.common_words or word in lists.not_names or word in GREETINGS or word in _CHAT_WORDS
            or word in lists.brand_words or word in TITLES or role_word(word, False, lang) or product_noun(word)):
        return False
    if lang != "en":  # Polish verbs after a subject are many and rarely listed as common: only a surname's shape
        return word in lists.surnames_pl and _SURNAME_SHAPE.fullmatch(word) is not None
    if word in lists.surnames_en and word not in lists.first_names:
        return True
    return not word.endswith(("ed", "ing", "ly", "s")) and _AFTER_LOWER_SURNAME.match(text, nxt.end) is not None


def _first_name_declined(text: str, tokens: list[_Token], i: int, lists: NameLists, lang: str | None) -> bool:
    """Whether, in Polish text, the word before a foreign surname declined the Polish way is its first name in the
    same case, found in no list: "podróżnika Eberharda Hendersona" (both ending in "-a")."""
    prev, name = tokens[i - 1], tokens[i]
    return (lang != "en" and not prev.sentence_start and len(prev.word) > 3 and prev.word[-1] == name.word[-1]
            and _foreign_name(name.word, lists) == "surname" and _may_join(prev.word, lists)
            and prev.word not in lists.places and "-" not in prev.word)


def _may_join(word: str, lists: NameLists) -> bool:
    """Whether a capitalised word next to a name may be part of it: no brand, ordinary word, title, role or place
    word."""
    return (word not in lists.brand_words and word not in lists.not_names and word not in TITLES
            and word not in _PRODUCT_WORDS and word not in NOT_IN_NAMES and not role_word(word)
            and not COURTESY_ROLE.fullmatch(word) and not institution_word(word)
            and (word not in lists.common_words or word in lists.surnames_en or word in lists.surnames_pl))


def _surname_first(text: str, tokens: list[_Token], i: int, lists: NameLists) -> bool:
    """Whether the word before a first name is its surname, as a list or a header writes it: at the start of a line
    or sentence, with the first name closing the line or followed by a comma ("Kowalczyk Agnieszka , dr inż.")."""
    prev, first = tokens[i - 1], tokens[i]
    return (prev.sentence_start and first.word in lists.first_names and _may_join(prev.word, lists)
            and prev.word not in lists.first_names and prev.word not in lists.first_name_forms_pl
            and (text[first.end:first.end + 2].lstrip(" \u00a0")[:1] == "," or at_message_end(text, first.end, False)))


def _spread(text: str, tokens: list[_Token], is_name: list[bool], lists: NameLists, lang: str | None) -> None:
    """A first name or surname of the lists found as a name is a name wherever else it stands capitalised in the
    text, unless a product's or place's word or another capitalised word stands before it, or (for a name that is
    also an ordinary word) a lower-case word follows it at the start of a sentence ("Thanks Will!" ... "Will you
    call?")."""
    found = {tok.word for tok, name in zip(tokens, is_name) if name and tok.capitalised and tok.word not in lists.places
             and tok.word not in lists.common_words and (_known(text, tok, lists, lang) or tok.word in lists.surnames_pl
                                                         or tok.word in lists.surnames_en)}
    if not found:
        return
    for i, tok in enumerate(tokens):
        if is_name[i] or not tok.capitalised or tok.word not in found:
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if tok.word in lists.not_names and tok.sentence_start and nxt is not None and not nxt.capitalised \
                and _adjacent(text, tok, nxt):
            continue
        prev = tokens[i - 1] if i else None
        if _product_after(text, tokens, i) or (prev is not None and _joined(text, prev, tok) and (
                prev.word in PLACE_WORDS or prev.word in lists.brand_words or product_noun(prev.word)
                or prev.word in _ARTICLES)):
            continue
        if prev is not None and prev.capitalised and not is_name[i - 1] and _adjacent(text, prev, tok):
            continue  # "Project Grace" is no person
        is_name[i] = True


_AND = frozenset("and or i oraz lub albo".split())
_ROMAN_AFTER = re.compile(r"[ \u00a0]+[IVX]{1,4}\b")


def _coordinate(text: str, tokens: list[_Token], is_name: list[bool], lists: NameLists, lang: str | None) -> None:
    """A first name joined by "and" ("i", "oraz") to a name is one too, though it is also a word: "Clarence and
    Frank", "Mark and Will"; not a place's name ("Anna and Austin")."""
    for j in [j for j, name in enumerate(is_name) if name and tokens[j].capitalised]:
        for k, i in ((j + 1, j + 2), (j - 1, j - 2)):
            if not 0 <= i < len(tokens) or is_name[i] or tokens[k].word not in _AND:
                continue
            tok = tokens[i]
            left, middle, right = sorted((tokens[j], tokens[k], tok), key=lambda t: t.start)
            if tok.capitalised and _adjacent(text, left, middle) and _adjacent(text, middle, right) \
                    and tok.word not in lists.places and tok.word not in NOT_A_PERSON \
                    and tok.word not in lists.brand_words and _known(text, tok, lists, lang):
                is_name[i] = True


def _extends_sentence(text: str, tokens: list[_Token], i: int) -> bool:
    """Whether a lower-case word follows the word right after it, as after a verb ("Will you ...")."""
    return i + 1 < len(tokens) and not tokens[i + 1].capitalised and _adjacent(text, tokens[i], tokens[i + 1]) \
        and text[tokens[i + 1].start].islower()


def _spans(text: str, tokens: list[_Token], is_name: list[bool]) -> list[Found]:
    found: list[Found] = []
    i = 0
    while i < len(tokens):
        if not is_name[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(tokens) and is_name[j + 1] and _adjacent(text, tokens[j], tokens[j + 1], _JOIN + ".") and (
                "." not in text[tokens[j].end:tokens[j + 1].start] or _initial(text, tokens[j])
                or _initial(text, tokens[j + 1])):
            j += 1  # "M . Nowak", "Maciej R. Zawilski", "Iza . K"; not "... Nowakowie . Nowakowie"
        found.append((tokens[i].start, tokens[j].end, "NAME"))
        i = j + 1
    return found
