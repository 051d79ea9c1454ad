"""Personal data written with digits and symbols: e-mails, phone numbers, payment cards, IBANs and PESEL numbers,
told apart from order, parcel and ticket numbers by shape, checksums and the words around them."""

from __future__ import annotations

import re
from datetime import date

from .masked import Found

__all__ = ["find_numbers"]


# --- patterns -------------------------------------------------------------------------------------------------------

_SPACES = " \u00a0\u202f"  # Word and web forms put no-break spaces inside numbers
_PRECHECK = re.compile(rf"[0-9](?:[{_SPACES}.()\-]{{0,2}}[0-9]){{8}}")  # every kind but e-mail has 9+ close digits

# E-mails are found from each "@": the domain by this pattern, the local part by walking back over _LOCAL_CHARS.
_EMAIL_DOMAIN = re.compile(r"[^\W_](?:[\w-]*[^\W_])?(?:\.[^\W_](?:[\w-]*[^\W_])?)*\.[^\W\d_]{2,}(?![\w-])")
_LOCAL_CHARS = frozenset("._%+-")

# Letters-first IBAN: country code, check digits, then up to 30 characters, optionally grouped by single spaces.
# Patterns start with a character class (boundaries checked after it) so the regex engine skips ahead quickly.
_IBAN = re.compile(rf"([A-Z](?<!\w.)[A-Z])[{_SPACES}]?[0-9]{{2}}(?:[{_SPACES}]?[A-Z0-9]){{10,30}}")

# A maximal run of digit groups joined by single separators, optionally with `+` and `(..)` groups. It is classified
# as a whole (never a piece of it), so digits inside longer digit runs are not partially masked.
_GROUP = r"(?:\([0-9]{1,5}\)|[0-9]+)"
_RUN = re.compile(
    rf"[+(0-9](?<![\w+#@].)(?<![0-9][.,:/\-].)(?<![^\W\d_][\-/].)"  # not in a word, number, "#1", "PP-1", "FV/1"
    rf"(?:(?<=\+){_GROUP}|(?<=\()[0-9]{{1,5}}\)|(?<=[0-9])[0-9]*)(?:[{_SPACES}.\-]?{_GROUP})*"
    rf"(?![\w@])(?![.,:/\-{_SPACES}]?(?:[0-9]|\([0-9]))")
_TOKEN = re.compile(r"(\([0-9]+\)|[0-9]+)")
_NOT_DIGITS = dict.fromkeys(map(ord, f"+().-{_SPACES}"))

_STRONG_ID = (r"orders?|zam[oó]wie\w*|invoice\w*|faktur\w*|paczk\w*|paczce|przesy[lł]k\w*|tracking|awb|tickets?"
              r"|zg[lł]oszeni\w*|reklamacj\w*|case|ref|reference|sku|transakcj\w*|transaction|klient\w*|customer"
              r"|konto|account|umow\w*|contract|rachun\w*|receipt|paragon\w*|parcel|package|shipment|flight|lot\w*"
              r"|claim\w*|booking\w*|reservation\w*|rezerwacj\w*|confirmation|pnr|serial|seryjn\w*|imei|ofert\w*"
              r"|aukcj\w*|model\w*")
_STRONG_ID_WORD = re.compile(_STRONG_ID)
_NUMBER_WORDS = frozenset({"nr", "no", "numer", "number", "id"})
_WEAK_ID_WORDS = frozenset({"nr", "no", "id"})
_ID_GAP = f"{_SPACES}\t\r\n.:#-"
_PHONE_WORD = re.compile(
    r"\b(?:tel\b|telef\w*|telephone|phone\w*|mobile|cell\w*|call\w*|dzwo[nń]\w*|zadzwo[nń]\w*|oddzwo[nń]\w*"
    r"|kom[oó]rk\w*|kontakt\w*|contact\w*|sms|whats ?app|text(?:ed)? me)", re.IGNORECASE)
_CURRENCY_AFTER = re.compile(
    rf"[{_SPACES}]*(?:zł|zl\b|pln|eur|usd|gbp|chf|€|\$|£|złot\w*|euro|dollars?|dolar\w*)", re.IGNORECASE)
_CONTEXT_BEFORE, _CONTEXT_AFTER = 40, 30

# ISO 13616 registry: IBAN length per country.
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29,
    "PT": 25, "QA": 29, "RO": 24, "RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
    "SO": 23, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}
_LETTER_VALUES = {ord(ch): str(value) for value, ch in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 10)}
_PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
_PESEL_CENTURY = {80: 1800, 0: 1900, 20: 2000, 40: 2100, 60: 2200}  # month offset -> century


# --- checksums ------------------------------------------------------------------------------------------------------

def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _iban_ok(iban: str) -> bool:
    """ISO 13616 mod-97 check of a compact IBAN (country code, check digits, BBAN)."""
    return int((iban[4:] + iban[:4]).translate(_LETTER_VALUES)) % 97 == 1


def _pesel_ok(digits: str) -> bool:
    """The PESEL checksum, and a real birth date (the month carries the century: +80 1800s, +0 1900s, +20 2000s...)."""
    if len(digits) != 11 or not digits.isdigit():
        return False
    if (10 - sum(int(d) * w for d, w in zip(digits, _PESEL_WEIGHTS)) % 10) % 10 != int(digits[10]):
        return False
    month = int(digits[2:4])
    offset = (month - 1) // 20 * 20
    century = _PESEL_CENTURY.get(offset)
    if century is None:
        return False
    try:
        date(century + int(digits[:2]), month - offset, int(digits[4:6]))
    except ValueError:
        return False
    return True


# --- classification -------------------------------------------------------------------------------------------------

def _iban_span(text: str, m: re.Match[str]) -> tuple[int, int, bool] | None:
    """(start, end, check digits valid) for an IBAN-shaped match: known country, exactly its length, not glued to
    a following letter or digit; None when the shape is wrong."""
    length = _IBAN_LENGTHS.get(m.group(1))
    if length is None:
        return None
    count, end = 0, -1
    for i in range(m.start(), m.end()):
        if text[i] not in _SPACES:
            count += 1
            if count == length:
                end = i + 1
                break
    if end < 0 or (end < len(text) and text[end].isalnum()):
        return None
    compact = "".join(ch for ch in text[m.start():end] if ch not in _SPACES)
    return m.start(), end, _iban_ok(compact)


def _classify_run(text: str, start: int, end: int) -> str | None:
    """The kind of personal data a digit run is, checked in this order: 26 digits are a Polish account number (IBAN
    if mod-97 passes, else nothing); 11 digits in one piece a PESEL if checksum and date are valid; 13-19 digits in
    card groups a card if Luhn passes; then phone shapes of 9-15 digits. So a failed IBAN is never re-read as a card,
    a failed card is never a phone (too long), and a failed PESEL is a phone only by the bare-digits rule."""
    if end - start < 9:  # every kind has at least nine digits
        return None
    run = text[start:end]
    groups: list[str] = [run]
    parens: list[bool] = [False]
    seps: set[str] = set()
    if not run.isdigit():
        if len(run.translate(_NOT_DIGITS)) < 9:
            return None
        parts = _TOKEN.split(run)  # [before, group, separator, group, ..., after]
        parens = [g[0] == "(" for g in parts[1::2]]
        groups = [g.strip("()") for g in parts[1::2]]
        seps = {" " if sep and sep in _SPACES else sep for sep in parts[2:-1:2]}
    digits = "".join(groups)
    n = len(digits)
    plus = run.startswith("+")
    if not plus and not any(parens) and (seps <= {" "} or seps <= {"-"}):
        if n == 26:
            # Poles write the account number (NRB) without "PL"; it is the IBAN of the PL country code.
            return "IBAN" if _iban_ok("PL" + digits) else None
        if n == 11 and len(groups) == 1 and _pesel_ok(digits):
            return "PESEL"
        if 13 <= n <= 19 and _card_shaped(groups) and _luhn_ok(digits):
            return "CARD"
    return "PHONE" if _is_phone(text, start, end, plus, groups, parens, seps) else None


def _trimmed_run(text: str, start: int, end: int) -> list[Found]:
    """A run that is nothing as a whole may be personal data next to a small number ("601 234 567 3 razy",
    "2024 555-123-4567"): retry without a last or first group of 1-4 digits that is joined by a space and whose length
    differs from its neighbour's (equal lengths, as in "123 456 789 012", mean one number, which stays whole)."""
    tokens = list(_TOKEN.finditer(text, start, end))
    if len(tokens) < 3:
        return []
    tries = []
    if _splits_off(text, small=tokens[-1], neighbour=tokens[-2]):
        tries.append((start, tokens[-2].end()))
    if text[start] != "+" and _splits_off(text, small=tokens[0], neighbour=tokens[1]):
        tries.append((tokens[1].start(), end))
    for s, e in tries:
        kind = _classify_run(text, s, e)
        if kind:
            return [(s, e, kind)]
    return []


def _splits_off(text: str, small: re.Match[str], neighbour: re.Match[str]) -> bool:
    gap = text[min(small.end(), neighbour.end()):max(small.start(), neighbour.start())]
    return (small.group().isdigit() and neighbour.group().isdigit() and len(small.group()) <= 4
            and len(small.group()) != len(neighbour.group()) and gap != "" and gap in _SPACES)


def _card_shaped(groups: list[str]) -> bool:
    lengths = tuple(len(g) for g in groups)
    return (len(lengths) == 1 or lengths in ((4, 6, 5), (4, 6, 4))
            or (all(x == 4 for x in lengths[:-1]) and 1 <= lengths[-1] <= 4))


def _is_phone(text: str, start: int, end: int, plus: bool, groups: list[str], parens: list[bool],
              seps: set[str]) -> bool:
    digits = "".join(groups)
    n = len(digits)
    if plus:  # E.164: country code and number, 9-15 digits in all
        return 9 <= n <= 15
    first = groups[0]
    if len(groups) >= 2 and not parens[0] and first.startswith("00") and 3 <= len(first) <= 5 and first[2] != "0":
        return 7 <= n - len(first) <= 12  # 00 + country code, then the national number
    if n < 9 or n > 11 or any(parens[1:]) or ("." in seps and seps != {"."}):
        return False
    shape = tuple(len(g) for g in groups)
    if len(shape) == 1:
        return _bare_phone(text, start, end, digits)
    if seps == {"."}:
        shaped = shape in ((3, 3, 3), (3, 3, 4)) and first[0] != "0"
    else:
        shaped = (shape == (3, 3, 3) or (shape == (2, 3, 2, 2) and first[0] != "0")  # Polish mobile / landline
                  or (shape == (3, 3, 4) and first[0] in "23456789") or (shape == (1, 3, 3, 4) and first == "1")
                  # a trunk "0" and a 10-11 digit national number in a few groups: UK, old Polish landlines
                  or (digits[0] == "0" and digits[1] != "0" and n >= 10 and 2 <= len(groups) <= 4
                      and len(first) >= 3 and min(shape) >= 2))
    return shaped and not _id_right_before(text, start, weak=False) and not _CURRENCY_AFTER.match(text, end)


def _bare_phone(text: str, start: int, end: int, digits: str) -> bool:
    """9-11 digits with no separators are usually an order, parcel or ticket number. They are a phone only when they
    fit a numbering plan (a Polish mobile: 9 digits, 4-8 first; North America: 10 digits, or 11 after a 1; a national
    number after a trunk 0: 10-11 digits), a phone word is near and no id word ("zamówienie", "nr", "#") is right
    before them."""
    n = len(digits)
    nanp = digits[1:] if n == 11 and digits[0] == "1" else digits
    fits = ((n == 9 and digits[0] in "45678") or (n >= 10 and digits[0] == "0" and digits[1] != "0")
            or (len(nanp) == 10 and nanp[0] in "23456789" and nanp[3] in "23456789"))
    if not fits or _id_right_before(text, start, weak=True):
        return False
    return bool(_PHONE_WORD.search(text, max(0, start - _CONTEXT_BEFORE), start)
                or _PHONE_WORD.search(text, end, end + _CONTEXT_AFTER))


def _id_right_before(text: str, start: int, weak: bool) -> bool:
    """Whether "#" or an id word ("order", "zamówienie nr", "faktura:") stands right before `start`, with only
    spaces and ".:#-" between; with `weak`, a bare "nr"/"no."/"id" counts too."""
    before = text[max(0, start - _CONTEXT_BEFORE):start]
    gap = before.rstrip(_ID_GAP)
    if "#" in before[len(gap):]:
        return True
    word, gap = _last_word(gap)
    if word in _NUMBER_WORDS:
        if weak and word in _WEAK_ID_WORDS:
            return True
        word, _ = _last_word(gap.rstrip(_ID_GAP))
    return bool(word) and _STRONG_ID_WORD.fullmatch(word) is not None


def _last_word(text: str) -> tuple[str, str]:
    """The letters at the end of `text`, lower-cased, and what comes before them."""
    i = len(text)
    while i and text[i - 1].isalpha():
        i -= 1
    return text[i:].lower(), text[:i]


# --- finding --------------------------------------------------------------------------------------------------------

def find_numbers(text: str) -> list[Found]:
    """E-mails ("EMAIL"), phone numbers ("PHONE"), payment cards ("CARD"), IBANs ("IBAN") and PESEL numbers ("PESEL")
    in `text`. A claim of kind None holds characters that must not be read as another kind (an IBAN whose check
    digits fail is not a card or a phone)."""
    found: list[Found] = _emails(text) if "@" in text else []
    dense = _PRECHECK.search(text)
    if dense is None:
        return found
    # Runs and IBANs start at most 2 (a "+(" prefix) or 20 ("GB29 NWBK " before the digits) characters before
    # the first place with nine close digits, so the text before it need not be scanned.
    for m in _IBAN.finditer(text, max(0, dense.start() - 20)):
        shaped = _iban_span(text, m)
        if shaped:
            # An IBAN with wrong check digits still claims its characters, so they are not re-read as a card or phone.
            found.append((shaped[0], shaped[1], "IBAN" if shaped[2] else None))
    for m in _RUN.finditer(text, max(0, dense.start() - 2)):
        kind = _classify_run(text, m.start(), m.end())
        if kind:
            found.append((m.start(), m.end(), kind))
        elif m.end() - m.start() >= 11:  # room for nine digits, a separator and a small number
            found.extend(_trimmed_run(text, m.start(), m.end()))
    return found


def _emails(text: str) -> list[Found]:
    found: list[Found] = []
    at = text.find("@")
    while at >= 0:
        start = at
        while start and (text[start - 1].isalnum() or text[start - 1] in _LOCAL_CHARS):
            start -= 1
        while start < at and text[start] == ".":
            start += 1
        domain = _EMAIL_DOMAIN.match(text, at + 1) if start < at else None
        if domain:
            found.append((start, domain.end(), "EMAIL"))
        at = text.find("@", at + 1)
    return found
