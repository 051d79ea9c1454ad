"""Street addresses and postal codes in English and Polish text.

A street address is a street keyword (ul., al., os., pl. and their words; Street, Ave, Road ... after the name) with
the street's name and, for the short keywords that mean other things too ("os." is also "persons"), a house number;
flat numbers ("12/4", "m. 5", "Apt 4B") go with it. Postal codes are Polish (00-000, unless a unit or currency
follows: "10-100 zł" is a price range), UK (SW1A 1AA) and US ZIP codes next to a state ("CA 94105") or the word
"zip". A city alone is not masked: it says little about a person and much about the feedback ("the Kraków store").
"""

from __future__ import annotations

import re

from .masked import Found

__all__ = ["find_addresses", "find_postal_codes"]

_UP = "A-ZĄĆĘŁŃÓŚŹŻ"
_NUMBER = r"\d{1,4}[a-zA-Z]?(?![\d,.]\d)"
_FLAT = rf"(?:\s*/\s*{_NUMBER}|\s*,?\s*(?i:m\.?|lok\.?|lokal|mieszk\.?)\s*{_NUMBER})?"

# Polish: "ul. Lipowa 12/4", "al. Jana Pawła II 5", "os. Tysiąclecia 3 m. 7", "pl. Grunwaldzki 1", "ulicy 3 Maja 5".
# A street name's first word: capitalised, or a day number before one ("3 Maja"), or an abbreviated title ("gen.");
# later words may also be "al." or a Roman numeral ("Jana Pawła II").
_PL_FIRST = rf"(?:[{_UP}][\w'’-]*\.?|\d{{1,2}}(?=\s+[{_UP}])|(?:gen|ks|św|marsz|bp|prof|kard|im|dr|kpt|płk)\.)"
_PL_TOKEN = rf"(?:{_PL_FIRST}|al\.|[IVX]{{1,4}}\b)"
_PL_NAME = rf"{_PL_FIRST}(?:[ \u00a0]+{_PL_TOKEN}){{0,4}}"
_PL_LONG_KEY = r"ul ?\.|(?:ulic[aąęyi]|ulicach|alej[aąęi]|alei|osiedl[eua]|plac(?:u|em)?|rond[oa]|skwer(?:ze|u)?)\b"
_PL_SHORT_KEY = r"al ?\.|os ?\.|pl ?\."
_PL_STREET = re.compile(
    rf"(?<![\w.])(?:(?i:{_PL_LONG_KEY})[ \u00a0]*{_PL_NAME}(?:[ \u00a0]*,?[ \u00a0]*{_NUMBER}{_FLAT})?"
    rf"|(?i:{_PL_SHORT_KEY})[ \u00a0]*{_PL_NAME}[ \u00a0]*,?[ \u00a0]*{_NUMBER}{_FLAT})")

# English: "221B Baker Street", "1600 Pennsylvania Ave NW", "12 5th Ave, Apt 4B", "Flat 2, 10 Downing Street".
_EN_TYPE = (r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Way|Terrace|Ter"
            r"|Close|Crescent|Cres|Highway|Hwy|Parkway|Pkwy|Square|Sq|Circle|Cir|Trail|Trl|Row|Gardens|Mews|Grove)")
_EN_TOKEN = r"(?:[A-Z][\w'’-]*\.?|\d{1,3}(?:st|nd|rd|th)|[NSEW]\.?)"
_EN_UNIT = r"(?:\s*,?\s*(?:Apt\.?|Apartment|Suite|Ste\.?|Unit|Flat|Fl\.?|Floor|#)\s*[\w-]{1,6})?"
_EN_STREET = re.compile(
    rf"(?:\b(?:Flat|Apt\.?|Apartment|Unit|Suite)\s*[\w-]{{1,6}}\s*,?\s*)?"
    rf"\b\d{{1,6}}[A-Za-z]?(?:-\d{{1,4}})?[ \u00a0]+{_EN_TOKEN}(?:[ \u00a0]+{_EN_TOKEN}){{0,3}}[ \u00a0]+"
    rf"(?i:{_EN_TYPE})\b\.?(?:[ \u00a0]+(?:NW|NE|SW|SE|N|S|E|W)\b)?{_EN_UNIT}")
_PO_BOX = re.compile(r"\b(?:P\.?\s?O\.?\s?Box|Post Office Box|skr(?:ytka)?\.?\s*poczt(?:owa|\.)?)\s*#?\s*\d{1,6}\b",
                     re.IGNORECASE)

_PL_POSTAL = re.compile(r"(?<![\w\-/.,:+])\d{2}-\d{3}(?![\w\-/]|[.,:]\d)")
# Tokenised text ("31 - 512 Kraków") spaces the dash: then only before a capitalised word, the town.
_PL_POSTAL_SPACED = re.compile(rf"(?<![\w\-/.,:+])\d{{2}} - \d{{3}}(?=[ \u00a0]+[{_UP}])")
_NOT_POSTAL_AFTER = re.compile(
    r"\s*(?:zł|zl\b|pln|eur|usd|gbp|%|€|\$|£|kg|km|cm|mm|m\b|g\b|l\b|ml|min|sek|h\b|godz|dni|dnia|lat|szt|osób|os\b"
    r"|tys|mln|x\b|razy|times|days|hours|minutes|pages|stron|r\.|rok|roku)", re.IGNORECASE)
_NOT_POSTAL_BEFORE = re.compile(r"(?:\bnr|\bno\.?|#|\btel\.?|\bid|zam[oó]wie\w*"
                                r"|\border|faktur\w*|invoice|paczk\w*|przesy[lł]k\w*|\bkod\w* rabat\w*)[\s:.]*$",
                                re.IGNORECASE)
_UK_POSTAL = re.compile(r"\b(?:GIR 0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?[ \u00a0]\d[ABD-HJLNP-UW-Z]{2})\b")  # spaced
_US_STATES = ("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC "
              "ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR").split()
_US_ZIP = re.compile(rf"[\w.],[ \u00a0]*(?:{'|'.join(_US_STATES)})\.?,?[ \u00a0]+(\d{{5}}(?:-\d{{4}})?)(?![\d-])"
                     r"|\b(?i:zip(?:[ \u00a0]?code)?|postal[ \u00a0]code|postcode)[ \u00a0]*(?:is|:|#|was)?[ \u00a0]*"
                     r"(\d{5}(?:-\d{4})?)(?![\d-])")


def find_addresses(text: str) -> list[Found]:
    """Street addresses ("ADDRESS") in `text`: Polish street keywords with a street name, English house number +
    street name + street type, P.O. boxes; with flat and unit numbers."""
    found: list[Found] = []
    if _has_pl_key(text):
        found += [(m.start(), _trim(text, m.start(), m.end()), "ADDRESS") for m in _PL_STREET.finditer(text)]
    if any(ch.isdigit() for ch in text):
        found += [(m.start(), _trim(text, m.start(), m.end()), "ADDRESS") for m in _EN_STREET.finditer(text)]
        found += [(m.start(), m.end(), "ADDRESS") for m in _PO_BOX.finditer(text)]
    return found


def find_postal_codes(text: str) -> list[Found]:
    """Postal codes ("POSTAL_CODE") in `text`: Polish 00-000, UK postcodes, US ZIP codes after a state or "zip"."""
    if not any(ch.isdigit() for ch in text):
        return []
    found: list[Found] = []
    for m in [*_PL_POSTAL.finditer(text), *_PL_POSTAL_SPACED.finditer(text)]:
        if _NOT_POSTAL_AFTER.match(text, m.end()) or _NOT_POSTAL_BEFORE.search(text, max(0, m.start() - 24),
                                                                               m.start()):
            continue
        found.append((m.start(), m.end(), "POSTAL_CODE"))
    found += [(m.start(), m.end(), "POSTAL_CODE") for m in _UK_POSTAL.finditer(text)]
    for m in _US_ZIP.finditer(text):
        group = 1 if m.group(1) else 2
        found.append((m.start(group), m.end(group), "POSTAL_CODE"))
    return found


_PL_KEY_HINT = re.compile(r"(?<![\w.])(?:ul|al|os|pl|plac|rond|skwer)", re.IGNORECASE)


def _has_pl_key(text: str) -> bool:
    return _PL_KEY_HINT.search(text) is not None


_ABBREVIATION_END = re.compile(r"(?:\b(?:St|Ave|Rd|Dr|Blvd|Ln|Ct|Pl|Ter|Cres|Hwy|Pkwy|Sq|Cir|Trl|Apt|Ste|Fl|m|lok"
                               r"|mieszk|ul|al|os|pl)|\b[IVX]+)\.$", re.IGNORECASE)


def _trim(text: str, start: int, end: int) -> int:
    """The end of a match without trailing spaces, commas, or a full stop that is not an abbreviation's ("St.")."""
    while end > start and text[end - 1] in " \u00a0,":
        end -= 1
    if end > start and text[end - 1] == "." and not _ABBREVIATION_END.search(text[start:end]):
        end -= 1
    return end
