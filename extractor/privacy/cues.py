"""What around a word says that it is, or is not, a person's name: @handles, roles and kin ("agent", "my husband",
"kuzyna"), sign-off marks of support agents ("^Mark", "*AnnaP", "- Tom"), a name addressed at the end of a message
(", Mark!"), and the institutions, streets and products whose names hold a person's name ("Uniwersytet Jana Pawła II",
"ul. Kopernika", "robot Zosia")."""

from __future__ import annotations

import re

__all__ = ["ABBREVIATED_ROLES", "HANDLE", "NOT_A_PERSON", "at_message_end", "device_talk", "firm_after", "institution_word",
           "patron_word",
           "possessive_praise", "product_noun", "role_word", "signature_mark", "vocative"]

HANDLE = re.compile(r"(?<![\w@#])[@#]\w+")
"""@handles and #hashtags: no names, though a handle may hold one ("@JohnSmith", "#ThanksMike")."""

_STAFF_EN = frozenset("""
agent rep representative attendant stewardess steward pilot copilot crewmember manager supervisor host hostess server
waiter waitress bartender barista cashier clerk driver employee technician tech engineer specialist concierge
receptionist advisor adviser consultant dentist therapist teacher instructor coach guard gentleman purser ambassador
chef trainer stylist director ceo president chairman founder owner fa agt spvsr supv supvr csr att
member minister senator mayor governor spokesman spokeswoman spokesperson officer nurse lawyer attorney
""".split())  # English jobs and kin count in text that is not Polish ("pilot" is a remote control there)
_KIN_EN = frozenset("""
husband wife son daughter brother sister mom mum mother dad father friend boyfriend girlfriend fiance fiancé fiancee
fiancée uncle aunt auntie cousin grandson granddaughter grandma grandpa grandmother grandfather nephew niece colleague
coworker co-worker neighbor neighbour roommate stepson stepdaughter hubby
""".split())
# Polish staff and kin in the singular, any case: "kurier Marek", "kuzyna Dextera", "ciotką Brendą", "córka Zosia".
_STAFF_PL = re.compile(
    r"(?:kurier|konsultant|sprzedaw|kelner|recepcjonist|pielęgniar|położn|lekar|ordynator|dyrektor|kierownik|prezes"
    r"|właściciel|opiekun|animator|rezydent|przewodni|instruktor|trener|nauczyciel|wychowawc|fryzjer|kosmetyczk"
    r"|mechanik|kierowc|ratowni|doradc|asystent|specjalist|terapeut|fizjoterapeut|logoped|masażyst|stomatolog"
    r"|dentyst|ginekolog|chirurg|pediatr|psycholog|psychiatr|rehabilitant|okulist|laryngolog|ortoped|internist"
    r"|manager|menedżer|menadżer|pracowni|informatyk|technik|hydraulik|elektryk|monter|serwisant"
    r"|minist|wiceminist|posł|senator|rektor|prorektor|burmistrz|wójt|starost|rzeczni)\w{0,4}")
_KIN_PL = re.compile(
    r"(?:kuzyn|ciotk|cioci|wujk|wujek|wujaszk|stryj|siostr|córk|córeczk|babci|babk|dziadk|dziadek|wnucz|wnuk"
    r"|koleg|koleżank|przyjaciel|przyjaciół|narzeczon|szwagr|teść|teści|bratow|bratank|siostrzen|synow|synk|synek"
    r"|braciszk|braciszek|mamusi|tatuś|tatusi|żonk)\w{0,4}"
    r"|syn|syna|synem|synu|brat|brata|bratu|bratem|bracie|mąż|męża|mężowi|mężem|mężu|żona|żony|żonie|żoną|żonę"
    r"|mama|mamą|mamę|mamie|tata|taty|tatą|tatę|tacie|ciocia")
_PLURAL_PL = ("ów", "ami", "ach", "om")  # "rezydentów Itaki", "pracownikom Orbisu": the firm's people


# Abbreviated jobs take a full stop before the name: "Ops Agt. Frank", "Flight Att. Gloria", "Spvsr. Wendell".
ABBREVIATED_ROLES = frozenset("agt spvsr supv supvr att".split())


def role_word(word: str, capitalised: bool = False, lang: str | None = None) -> str:
    """What `word` (lower case) names: "kin" for a relative or friend, "staff" for a job, "" otherwise; a capitalised
    word after one is a person. A Polish job counts only in lower case (`capitalised` False), since a capitalised one
    starts an office's title ("Dyrektor Generalny", "Prezes Zarządu"), and only in the singular; English words only
    where `lang` is not "pl"."""
    if lang != "pl" and word in _KIN_EN:
        return "kin"
    if lang != "pl" and word in _STAFF_EN:
        return "staff"
    if capitalised or word.endswith(_PLURAL_PL):
        return ""
    if _KIN_PL.fullmatch(word):
        return "kin"
    return "staff" if _STAFF_PL.fullmatch(word) else ""


NOT_A_PERSON = frozenset("""
love honey buddy man guy lady sir madam boy girl kid baby babe dear darling sweetie sugar angel precious sunshine star
king queen prince princess god lord jesus christ santa ok okay so
""".split())
"""Words of the name lists that address or speak of someone without naming them ("Love, Love, Love", "Agent Man")."""


_INSTITUTION = re.compile(
    r"(?:uniwersyt|szpital|instytu|fundacj|akademi|politechni|szkoł|szkol|liceum|gimnazj|muze|kości[oó]ł|kościel"
    r"|parafi|klini"
    r"|centrum|przychodni|stowarzysz|hospicj|ulic|alej|osiedl|plac|rond|skwer|dworz|dworc|stadion|teatr|katedr|bazyli"
    r"|sanktuar|nagrod|zesp[oó]|syndrom|chorob|ustaw|huragan|oddzia|wydzia|zakład|dział|sekcj|departamen|biur|urzęd"
    r"|urząd|zarząd|ministerstw|spół|firm|sieci|grup|university|hospital|college|school|institute|foundation|museum"
    r"|church|cathedral|academy|library|airport|stadium|arena|memorial|syndrome|disease|hurricane|storm|street|avenue"
    r"|boulevard)\w*"
    r"|ul|al|pl|os|im|imienia|św|sw|świętego|świętej|saint|st")


def institution_word(word: str) -> bool:
    """Whether `word` (lower case) starts the name of an institution, street, award, law or illness that may hold a
    person's name after it ("Uniwersytet Kardynała Stefana ...", "ul. Kopernika", "im. Jana", "zespół Downa")."""
    return _INSTITUTION.fullmatch(word) is not None


# Honorifics of a patron inside an institution's or street's name: "Uniwersytet Kardynała Stefana Wyszyńskiego",
# "ulica Generała Andersa", "Szpital Świętego Łukasza".
_PATRON = re.compile(r"(?:kardynał|król|królow|generał|marszał|książ|księci|księżn|papież|prezydent|hetman|biskup"
                     r"|arcybiskup|święt|błogosławion|rotmistrz|pułkowni|major|kapitan|porucznik|doktor|profesor"
                     r"|księdz|ojc|matk|siostr|brat)\w*|gen|marsz|bp|abp|bł|płk|mjr|kpt|ppor|por|ks|o|prof|dr")


def patron_word(word: str) -> bool:
    """Whether `word` (lower case) is a patron's honorific inside an institution's or street's name."""
    return _PATRON.fullmatch(word) is not None


_PRODUCT_NOUNS = re.compile(
    r"(?:robot|odkurzacz|model|lalk|zabawk|aplikacj|telefon|smartfon|laptop|tablet|głośnik|asystent[ae]?|serii"
    r"|seria|gitar|wózk|wózek|fotelik|grup|firm|spółk|koncern|holding)\w*"
    r"|robot|vacuum|model|brand|doll|guitar|stroller|speaker|assistant|app|series|monitor")


def product_noun(word: str) -> bool:
    """Whether `word` (lower case) names a kind of product, after which a name is the product's ("robot Zosia",
    "odkurzacza Dyson")."""
    return _PRODUCT_NOUNS.fullmatch(word) is not None


_DEVICE_TALK = re.compile(r"\b(?:set ?up|setup|connect\w*|pair(?:ed|ing)?|devices?|speakers?|plugs?|wi-?fi|bluetooth"
                          r"|firmware|skills?|smart home|dot|echo)\b", re.IGNORECASE)


def device_talk(text: str) -> bool:
    """Whether the text speaks of setting up a device: then a first name that is a brand short of a letter ("Alex"
    beside no "Alexa") is the assistant."""
    return _DEVICE_TALK.search(text) is not None


_MARK_BEFORE = re.compile(r"(?:^|[\s.!?,;:)\]])(?P<mark>[\^*~]|[-–—]{1,2})[ \u00a0]?$")


def signature_mark(text: str, start: int) -> str:
    """The sign-off mark right before `start` ("^", "*", "~", or a dash after a space), or "" if there is none."""
    m = _MARK_BEFORE.search(text, max(0, start - 4), start)
    return m.group("mark") if m else ""


# What may follow a signature or a name addressed at the end: a surname or an initial, stops, emoji, links, handles.
_NEXT_WORD = re.compile(r"[ \u00a0]+(?:[A-Z][\w'’-]*)\.?")
_LINK_OR_HANDLE = re.compile(r"https?://\S+|[@#]\w+")


def at_message_end(text: str, end: int, another_word: bool = True) -> bool:
    """Whether only stops, emoji, links and handles (and with `another_word` one more capitalised word or initial)
    follow `end` on its line."""
    line_end = text.find("\n", end)
    rest = text[end:line_end if line_end >= 0 else len(text)]
    if another_word:
        m = _NEXT_WORD.match(rest)
        if m:
            rest = rest[m.end():]
    if "http" in rest or "@" in rest or "#" in rest:
        rest = _LINK_OR_HANDLE.sub("", rest)
    return not any(ch.isalnum() or ch == "_" for ch in rest)


def vocative(text: str, start: int, end: int) -> bool:
    """Whether the word at [start, end) is a person addressed after a comma at the end of the message ("Thanks for
    the help, Mark!")."""
    return text[max(0, start - 2):start].rstrip(" \u00a0").endswith(",") and at_message_end(text, end, False)


_POSSESSIVE_BEFORE = re.compile(r"\b(?:[Yy]our|[Oo]ur|[Mm]y)[ \u00a0]+$")
_VERB_AFTER = re.compile(r"[ \u00a0]+(?:is|was|has|had|did|does|made|helped|went|got|took|saved|rocks|rocked)\b")


def possessive_praise(text: str, start: int, end: int) -> bool:
    """Whether the word stands between "your"/"our"/"my" and a verb: a person spoken of ("your Terry is our hero",
    "our Mike helped"), not "my Saturday on hold"."""
    return _POSSESSIVE_BEFORE.search(text, max(0, start - 6), start) is not None and \
        _VERB_AFTER.match(text, end) is not None


_FIRM_AFTER = re.compile(r"[ \u00a0]*,?[ \u00a0]*(?:&[ \u00a0]*(?:Associates|Sons|Co\b)|and Associates|Attorneys?\b"
                         r"|LLC\b|L\.L\.C\.|LLP\b|PLLC\b|P\.C\.|Law (?:Firm|Group|Office)|Inc\b|Ltd\b|Sp\. z o\.o\.)")


def firm_after(text: str, end: int) -> bool:
    """Whether a firm's suffix follows a name ("David Gray, Attorneys at Law", "Smith & Associates"): a company."""
    return _FIRM_AFTER.match(text, end) is not None
