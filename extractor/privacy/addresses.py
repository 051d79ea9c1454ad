"""Street addresses and postal codes in English and Polish text.

A street address is a street keyword (ul., al., os., pl. and their words; Street, Ave, Road ... after the name) with
the street's name and a house number, glued to the name or not ("ul. Lipowa12"); flat numbers ("12/4", "m. 5",
"Apt 4B") go with it. A street named without a number ("przy ulicy Długiej") says where a shop is, not where a person
lives, and stays. English addresses may be written in lower case ("12 n oak dr") with an abbreviated street type. A
word and a house number right before a Polish postal code is an address too, with or without a street keyword: a
village address ("Nowa Wieś 12, 05-100"). Postal codes are Polish (00-000, or "00 - 000" in tokenised text, wherever
they stand, unless a unit or currency follows: "10-100 zł" is a price range; a range's, score's or model's word comes
before: "od 10 - 100", "ocena 70-100", "model XR 12-345"; or a lens's focal range is meant: "obiektyw 70-200"), UK
(SW1A 1AA, not "PS4 1TB") and US ZIP codes after a city and state ("Austin, TX 78701", "austin tx 78701"), a state's
name ("Texas 78701") or the word "zip". A city alone is not masked: it says little about a person and much about the
feedback ("the Kraków store").
"""

from __future__ import annotations

import re
from functools import lru_cache

from .masked import Found

__all__ = ["find_addresses", "find_postal_codes"]

_UP = "A-ZĄĆĘŁŃÓŚŹŻ"
_DIGIT = re.compile(r"\d")
_NUMBER = r"\d{1,4}[a-zA-Z]?(?![\d,.]\d)"
_FLAT = rf"(?:\s*/\s*{_NUMBER}|\s*,?\s*(?i:m\.?|lok\.?|lokal|mieszk\.?)\s*{_NUMBER})?"

# Polish: "ul. Lipowa 12/4", "al. Jana Pawła II 5", "os. Tysiąclecia 3 m. 7", "pl. Grunwaldzki 1", "ulicy 3 Maja 5".
# A street name's first word: capitalised, or a day number before one ("3 Maja"), or an abbreviated title ("gen.");
# later words may also be "al." or a Roman numeral ("Jana Pawła II").
_LETTERS = r"[^\W\d_]"
_PL_WORD = rf"[{_UP}](?:{_LETTERS}|['’-])*"  # letters only, so a number glued to it ("Lipowa12") is the house number
_PL_FIRST = rf"(?:{_PL_WORD}\.?|\d{{1,2}}(?=\s+[{_UP}])|(?:gen|ks|św|marsz|bp|prof|kard|im|dr|kpt|płk)\.)"
_PL_TOKEN = rf"(?:{_PL_FIRST}|al\.|[IVX]{{1,4}}\b)"
_PL_NAME = rf"{_PL_FIRST}(?:[ \u00a0]+{_PL_TOKEN}){{0,4}}"
_PL_LONG_KEY = r"ul ?\.|(?:ulic[aąęyi]|ulicach|alej[aąęi]|alei|osiedl[eua]|plac(?:u|em)?|rond[oa]|skwer(?:ze|u)?)\b"
_PL_SHORT_KEY = r"al ?\.|os ?\.|pl ?\."
# A unit after the number says it is a distance or a time: "przy placu Wolności 5 min pieszo".
_NOT_HOUSE_AFTER = r"(?!\d|[ \u00a0]*(?i:min\b|minut|km\b|m\b|metr|godz|h\b|sek|lat\b|zł|osób|proc|%))"
_PL_STREET = re.compile(
    rf"(?<![\w.])(?i:{_PL_LONG_KEY}|{_PL_SHORT_KEY})[ \u00a0]*{_PL_NAME}[ \u00a0]*,?[ \u00a0]*{_NUMBER}{_FLAT}"
    rf"{_NOT_HOUSE_AFTER}")
# A street named by a feminine adjective, without its keyword, and a house number: "na Piotrkowskiej 3", "wyboru
# Mikołajskiej 5" (the genitive and locative of "ulica Piotrkowska"); no unit, range or decimal after the number.
_PL_ADJECTIVE_STREET = re.compile(rf"(?<![\w.])[{_UP}][a-ząćęłńóśźż]+(?:skiej|ckiej|dzkiej|owej)[ \u00a0]+{_NUMBER}"
                                  rf"{_FLAT}{_NOT_HOUSE_AFTER}(?![ \u00a0]*-|[.,]\d)")
# A word (a street without its keyword, or a village) and a house number right before a postal code's comma.
_PL_BEFORE_POSTAL = re.compile(rf"(?<![\w.])(?:(?P<pre>{_PL_WORD})[ \u00a0]+)?(?P<word>{_PL_WORD})[ \u00a0]*"
                               rf"{_NUMBER}{_FLAT}[ \u00a0]*,[ \u00a0]*$")
# A village's name has a second word when one of the two is such an adjective; otherwise only the last word is taken,
# since the word before is often the sender's surname ("Jan Nowak Borówko 39, 05-152").
_VILLAGE_ADJECTIVES = frozenset("""nowa nowy nowe stara stary stare wielka wielki wielkie mała mały małe górna górny
górne dolna dolny dolne duża duży duże średnia średni średnie wola""".split())

# English: "221B Baker Street", "1600 Pennsylvania Ave NW", "12 5th Ave, Apt 4B", "Flat 2, 10 Downing Street".
_EN_TYPE = (r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Way|Terrace|Terr"
            r"|Ter|Close|Crescent|Cres|Highway|Hwy|Parkway|Pkwy|Square|Sq|Circle|Cir|Trail|Trl|Row|Gardens|Mews"
            r"|Grove)")
# A street's words: capitalised, ordinals, a direction with or without a number ("E 21 Terr").
_EN_TOKEN = r"(?:[A-Z][\w'’-]*\.?|\d{1,3}(?:st|nd|rd|th)|[NSEW]\.?(?:[ \u00a0]+\d{1,3}\b)?)"
_EN_UNIT = r"(?:\s*,?\s*(?:Apt\.?|Apartment|Suite|Ste\.?|Unit|Flat|Fl\.?|Floor|#)\s*[\w-]{1,6})?"
_EN_STREET = re.compile(
    rf"(?:\b(?:Flat|Apt\.?|Apartment|Unit|Suite)\s*[\w-]{{1,6}}\s*,?\s*)?"
    rf"\b\d{{1,6}}[A-Za-z]?(?:-\d{{1,4}})?[ \u00a0]+{_EN_TOKEN}(?:[ \u00a0]+{_EN_TOKEN}){{0,3}}[ \u00a0]+"
    rf"(?i:{_EN_TYPE})\b\.?(?:[ \u00a0]+(?:NW|NE|SW|SE|N|S|E|W)\b)?{_EN_UNIT}")
# The same in lower case ("9031 willow creek blvd", "7 n main st"): only with an abbreviated street type or a plain
# "street", "avenue", "road", "boulevard" or "lane" ("8 hour drive" and "all the way" are no addresses), and without
# the little words and units of a sentence (_NOT_STREET_WORDS).
_NUMBER_START = re.compile(r"(?<![\w])\d")  # where a house number may start
_EN_LOWER_STREET = re.compile(
    r"\d{1,6}[a-z]?[ \u00a0]+(?:[nsew]\.?[ \u00a0]+)?((?:(?:[a-z][a-z'’-]+|\d{1,3}(?:st|nd|rd|th))[ \u00a0]+){1,3})"
    r"(?:st|ave|rd|blvd|ln|dr|hwy|pkwy|ct|cir|ter|terr|street|avenue|road|boulevard|lane)\b\.?"
    r"(?:[ \u00a0]+(?:nw|ne|sw|se|n|s|e|w)\b)?", re.IGNORECASE)
_NOT_STREET_WORDS = frozenset("""
a an the of on in at to for and or but my your our their his her its by from with into onto this that these those
is are was were be been it i we you he she they all any each every no not one two per
hour hours hr hrs min mins minute minutes second seconds sec secs mile miles km kms day days week weeks month months
year years yr yrs old time times gb tb mb gig gigs inch inches ft foot feet lb lbs pound pounds dollar dollars bucks
star stars lane
""".split())
_PO_BOX = re.compile(r"\b(?:P\.?\s?O\.?\s?Box|Post Office Box|skr(?:ytka)?\.?\s*poczt(?:owa|\.)?)\s*#?\s*\d{1,6}\b",
                     re.IGNORECASE)

_PL_POSTAL = re.compile(r"(?<![\w\-/.,:+])\d{2}-\d{3}(?![\w\-/]|[.,:]\d)")
# Tokenised text ("31 - 512 Kraków") spaces the dash; the same words around tell a code from a range.
_PL_POSTAL_SPACED = re.compile(r"(?<![\w\-/.,:+])\d{2} - \d{3}(?![\w\-/]|[.,:]\d)")
# Not a postal code when a unit, a currency or a count follows ("10-100 zł", "20 - 300 osób", "85-100 pkt")...
_NOT_POSTAL_AFTER = re.compile(
    r"\s*(?:zł|zl\b|pln|eur|usd|gbp|%|€|\$|£|kg|km|cm|mm|m\b|g\b|l\b|ml|min|sek|h\b|godz|dni|dnia|lat|szt|osób|os\b"
    r"|tys|mln|x\b|razy|times|days|hours|minutes|pages|stron|r\.|rok|roku|[kmg]?hz\b|°|\*\s*c\b|w\b|v\b|db\b"
    r"|pkt|punkt|points?\b|pts\b|złot|sztuk|zdj|proc|percent|mah\b|lm\b|fps\b|rpm\b|obr|kcal|dpi\b|[mg]bps\b|[kmgt]b\b"
    r"|cali|inch|people|persons|years|lata\b|latach|miesi|months|tygodni|weeks|sztuk|\bpcs\b|ludzi)",
    re.IGNORECASE)
# ... or an id's, a model's, a range's or a score's word comes before ("nr 12-345", "model 12-345", "od 10 - 100",
# "wiek 18-100", "ocena 70-100").
_NOT_POSTAL_BEFORE = re.compile(r"(?:\bnr|\bno\.?|#|\btel\.?|\bid|zam[oó]wie\w*"
                                r"|\border|faktur\w*|invoice|paczk\w*|przesy[lł]k\w*|\bkod\w* rabat\w*"
                                r"|\bod|\bfrom|\bbetween|\bokoło|\bok|\bca|\bprzedzia\w*|\bzakres\w*|\brange|\branging"
                                r"|\bwiek\w*|\bages?|\bocen\w*|\bwynik\w*|\bscored?|\brated|\bskal\w*|\bscale"
                                r"|\bmodel\w*|\btyp\w*|\btype|\bart|\bkat|\bsymbol\w*|\bpart|\bsku|\bref|\bwersj\w*"
                                r"|\bversion|\bseri\w*|\bsize|\brozmiar\w*|\bnumer\w*|\bnumber)[\s:.]*$",
                                re.IGNORECASE)
# A model's letters right before ("XR 12-345", "GT-12-345"), not the country's ("PL 31-512").
_MODEL_CODE_BEFORE = re.compile(r"\b(?!PL\b)[A-Z]{1,5}\d{0,3}[ \u00a0-]*$")
# A lens's focal range ("obiektyw 16-80", "70-300, 35mm", "16-80 DX VR"): camera words or millimetres nearby.
_FOCAL_NEAR = re.compile(r"\d[ \u00a0]*mm\b|obiektyw|\blens|\bzoom|\bnikkor|\bnikon|\bcanon|\btamron|\bsigma\b"
                         r"|\bogniskow|\bf/\d|\bf\d\.\d|\b(?:DX|VR|USM|OSS|EF|EF-S|AF-S)\b", re.IGNORECASE)
# Spaced, as written: "SW1A 1AA", "M1 1AE"; not a console and its disk ("PS4 1TB", "X1 8GB").
_UK_POSTAL = re.compile(r"\b(?:GIR 0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?[ \u00a0]\d(?![TG]B\b)[ABD-HJLNP-UW-Z]{2})\b")
_US_STATES = ("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC "
              "ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR").split()
# States that are also words or abbreviations ("in", "or", "me", "ID") count only after a comma, and then in capitals.
_STATE_WORDS = frozenset("AL CO DE HI ID IN LA MA ME OH OK OR PA".split())
_STATE = "|".join(st for st in _US_STATES if st not in _STATE_WORDS)
_STATE_ANY_CASE = f"{_STATE}|{_STATE.lower()}"
# A ZIP after a city and its state ("Albany, NY 12207", "Springfield MO 65802", "joplin mo 64840"), or after the
# word zip ("zip 60625", "Zip:30327", "zipcode-30327").
_US_ZIP = re.compile(rf"[^\W\d_],[ \u00a0]*(?:{'|'.join(_US_STATES)}|{_STATE.lower()})\.?,?[ \u00a0]+"
                     r"(\d{5}(?:-\d{4})?)(?![\w-])"
                     r"|\b(?i:zip(?:[ \u00a0]?code)?|postal[ \u00a0]code|postcode)[ \u00a0]*(?:is|:|#|was|-|=)?"
                     r"[ \u00a0]*(\d{5}(?:-\d{4})?)(?![\w-])")
# A ZIP after a state's name ("Austin, Texas 78701", "New York 10001").
_STATE_NAMES = ("Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho"
                "|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota"
                "|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York"
                "|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina"
                "|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming"
                "|Puerto Rico|District of Columbia")
_US_ZIP_STATE_NAME = re.compile(rf"\b(?:{_STATE_NAMES}),?[ \u00a0]+(\d{{5}}(?:-\d{{4}})?)(?![\w-]|[ \u00a0]?\d)")
# What follows a US city: a comma and its state's name or code ("Dayton, Ohio", "Austin, TX"), or its state's code
# and a ZIP ("Dayton oh 45402").
_AFTER_CITY = re.compile(rf",[ \u00a0]*(?:{_STATE_NAMES}|{'|'.join(_US_STATES)})\b"
                         rf"|,?[ \u00a0]+(?i:{'|'.join(_US_STATES)})\.?,?[ \u00a0]+\d{{5}}(?!\d)")


def city_before_state(text: str, end: int) -> bool:
    """Whether the word ending at `end` is a US city, its state right after it."""
    return _AFTER_CITY.match(text, end) is not None


# Without the comma, in English text only ("mi 12960mAh" is Polish, "MS 18650 3.7V" a battery).
_US_ZIP_NO_COMMA = re.compile(rf"[^\W\d_]\.?[ \u00a0]+(?:{_STATE_ANY_CASE})\.?[ \u00a0]+(\d{{5}}(?:-\d{{4}})?)"
                              r"(?![\w-]|[ \u00a0]?\d)")

# A ZIP after a street's type and a city, with no state: "12 oak st, springfield,62704" (English text only).
_US_ZIP_AFTER_STREET = re.compile(r"\b(?i:st|street|ave|avenue|rd|road|dr|drive|blvd|boulevard|ln|lane|way|ct|court"
                                  r"|pkwy|parkway|hwy|highway)\.?,[ \u00a0]*[^\W\d_]+(?:[ \u00a0.]{1,2}[^\W\d_]+){0,2}"
                                  r"\.?,?[ \u00a0]*(\d{5}(?:-\d{4})?)(?![\w-]|[ \u00a0]?\d)")


def find_addresses(text: str, lang: str | None = None) -> list[Found]:
    """Street addresses ("ADDRESS") in `text`: Polish street keywords with a street name and number (a street named
    by an adjective also without its keyword, "na Piotrkowskiej 3", where `lang` is not "en"), English house
    number + street name + street type (in lower case too where `lang` is not "pl": "6h pani dr" is Polish), a word
    and a house number before a Polish postal code, P.O. boxes; with flat and unit numbers."""
    if _DIGIT.search(text) is None:
        return []
    found: list[Found] = []
    if _has_pl_key(text):
        found += [(m.start(), _trim(text, m.start(), m.end()), "ADDRESS") for m in _PL_STREET.finditer(text)]
    if lang != "en":
        found += [(m.start(), _trim(text, m.start(), m.end()), "ADDRESS") for m in _PL_ADJECTIVE_STREET.finditer(text)]
    found += [(m.start(), _trim(text, m.start(), m.end()), "ADDRESS") for m in _EN_STREET.finditer(text)]
    if lang != "pl":
        for number in _NUMBER_START.finditer(text):
            m = _EN_LOWER_STREET.match(text, number.start())
            if m and not _NOT_STREET_WORDS.intersection(m.group(1).lower().split()):
                found.append((m.start(), _trim(text, m.start(), m.end()), "ADDRESS"))
    found += [(m.start(), m.end(), "ADDRESS") for m in _PO_BOX.finditer(text)]
    for start, _end in _polish_postal_codes(text):
        m = _PL_BEFORE_POSTAL.search(text, max(0, start - 60), start)
        if m:
            two = {(m.group("pre") or "").lower(), m.group("word").lower()} & _VILLAGE_ADJECTIVES
            begin = m.start() if two else m.start("word")  # "Nowa Wieś 8", "Zalesie Małe 14"; not "Nowak Borówko 3"
            found.append((begin, _trim(text, begin, m.end()), "ADDRESS"))
    return found


def find_postal_codes(text: str, lang: str | None = None) -> list[Found]:
    """Postal codes ("POSTAL_CODE") in `text`: Polish 00-000, UK postcodes, US ZIP codes after a state or "zip" (a
    state without a comma before it, or a street and a city, only in text that is not Polish, `lang` "en", "pl" or
    None)."""
    if _DIGIT.search(text) is None:
        return []
    found: list[Found] = [(start, end, "POSTAL_CODE") for start, end in _polish_postal_codes(text)]
    found += [(m.start(), m.end(), "POSTAL_CODE") for m in _UK_POSTAL.finditer(text)]
    for m in _US_ZIP.finditer(text):
        group = 1 if m.group(1) else 2
        found.append((m.start(group), m.end(group), "POSTAL_CODE"))
    found += [(m.start(1), m.end(1), "POSTAL_CODE") for m in _US_ZIP_STATE_NAME.finditer(text)]
    if lang != "pl":
        found += [(m.start(1), m.end(1), "POSTAL_CODE") for m in _US_ZIP_NO_COMMA.finditer(text)]
        found += [(m.start(1), m.end(1), "POSTAL_CODE") for m in _US_ZIP_AFTER_STREET.finditer(text)]
    return found


@lru_cache(maxsize=4)
def _polish_postal_codes(text: str) -> tuple[tuple[int, int], ...]:
    """Polish postal codes 00-000 (spaced in tokenised text), without price or unit ranges, ids and focal ranges
    (both finders ask for a text's codes: kept for the last few texts)."""
    codes = []
    for m in [*_PL_POSTAL.finditer(text), *_PL_POSTAL_SPACED.finditer(text)]:
        start, end = m.span()
        if _NOT_POSTAL_AFTER.match(text, end) or _NOT_POSTAL_BEFORE.search(text, max(0, start - 24), start) \
                or _MODEL_CODE_BEFORE.search(text, max(0, start - 8), start):
            continue
        if _FOCAL_NEAR.search(text, max(0, start - 40), min(len(text), end + 40)):
            continue
        codes.append((start, end))
    return tuple(codes)


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
