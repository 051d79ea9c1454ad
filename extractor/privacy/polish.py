"""Polish case forms of first names and surnames, generated from the lists so that "Ani", "Tomkiem", "Pawła" and
"Kowalskiego" are found as well as "Anna", "Tomek", "Paweł" and "Kowalski"; a family named in the plural
("Nowakowie", "Kowalscy"); and the other way round, the base forms a foreign name inflected in Polish may have
("Hendersona", "Freddiego", "Thompsonowie": henderson, freddie, thompson)."""

from __future__ import annotations

__all__ = ["foreign_bases", "polish_forms"]

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
        plural = {stem[:-1] + "cy", name + "ch", name + "mi"} if soft else set()  # "Kowalscy", "Kowalskich"
        return forms | plural | {stem + ("iego" if soft else "ego"), stem + ("iemu" if soft else "emu"), name + "m"}
    if surname and name.endswith(("ska", "cka", "dzka", "na", "ta", "wa")) and len(name) > 5:
        stem = name[:-1]
        return forms | {stem + ("iej" if name.endswith("ka") else "ej"), stem + "ą"}
    if surname and name[-1] not in "aeiouyąęó":
        forms.add(name + "owie")  # the family: "Nowakowie" (not "Nowaków": "Polaków" are a nation)
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


# Case endings a foreign name takes in Polish, longest first: "Freddie" -> "Freddiego", "John" -> "Johnem",
# "Henderson" -> "Hendersona", the Thompsons -> "Thompsonowie".
_FOREIGN_ENDINGS = ("owie", "owi", "em", "a", "u", "y", "ą", "ę")  # not "-ie": "w Lubinie" is a town
_VOWEL_ENDINGS = ("go", "mu", "m")
_SOFTENED_ENDINGS = (("rze", "r"), ("cie", "t"), ("dzie", "d"))  # after a vowel kept in writing: "Freddiego", "Charliemu", "Harrym"


def foreign_bases(word: str) -> set[str]:
    """The base forms a name not declined like a Polish one may have when `word` (lower case) is one of its Polish
    case forms: "hendersona" -> {"henderson", ...}, "freddiego" -> {"freddie", ...}, "harry'ego" -> {"harry", ...}. A
    generous guess: callers look the bases up in name lists."""
    bases = set()
    if "'" in word or "’" in word:  # "Harry'ego", "Mike’a"
        head, _, tail = word.replace("’", "'").rpartition("'")
        return {head} if head and tail in ("a", "ego", "emu", "em", "m", "owi", "u", "ie", "y", "go", "mu") else set()
    for ending in _VOWEL_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3 and word[-len(ending) - 1] in "eiyo":
            bases.add(word[:-len(ending)])
    for ending in _FOREIGN_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            bases.add(word[:-len(ending)])
    for soft, hard in _SOFTENED_ENDINGS:
        if word.endswith(soft) and len(word) - len(soft) >= 2:
            bases.add(word[:-len(soft)] + hard)  # "Peterze" -> "peter", "Robercie" -> "robert"
    return bases
