"""Masking personal data before text goes to an LLM: every kind in English and Polish tickets, the numbers that must
survive, and offsets that lead back to the original text."""

from __future__ import annotations

import random
import re

import pytest

from extractor.privacy import Masked, mask_personal_data

PLACEHOLDER = re.compile(r"\[(?:EMAIL|PHONE|CARD|IBAN|PESEL)\]")


# --- checksum helpers (independent of the module under test) --------------------------------------------------------

def luhn_sum_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d // 10 + d % 10
    return total % 10 == 0


def make_card(prefix: str, length: int = 16, rng: random.Random | None = None) -> str:
    """A card number of `length` digits starting with `prefix`, whose last digit makes the Luhn check pass."""
    rng = rng or random.Random(0)
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return next(body + d for d in "0123456789" if luhn_sum_ok(body + d))


def break_luhn(number: str) -> str:
    last = number[-1]
    return number[:-1] + str((int(last) + 1) % 10)


def iban_remainder(iban: str) -> int:
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97


def make_iban(country: str, bban: str) -> str:
    check = 98 - iban_remainder(country + "00" + bban)
    return f"{country}{check:02d}{bban}"


def wrong_check_digits(iban: str) -> str:
    check = (int(iban[2:4]) + 1) % 100
    return f"{iban[:2]}{check:02d}{iban[4:]}"


def grouped(number: str, size: int = 4, sep: str = " ") -> str:
    return sep.join(number[i:i + size] for i in range(0, len(number), size))


def pesel_check_digit(first_ten: str) -> str:
    total = sum(int(d) * w for d, w in zip(first_ten, (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)))
    return str((10 - total % 10) % 10)


def make_pesel(year: int, month: int, day: int, serial: str = "0123") -> str:
    offset = {18: 80, 19: 0, 20: 20, 21: 40, 22: 60}[year // 100]
    first_ten = f"{year % 100:02d}{month + offset:02d}{day:02d}{serial}"
    return first_ten + pesel_check_digit(first_ten)


def masked_values(masked: Masked) -> list[tuple[str, str]]:
    return [(s.kind, masked.original[s.start:s.end]) for s in masked.spans]


def assert_offsets_consistent(masked: Masked) -> None:
    for span in masked.spans:
        assert masked.text[span.masked_start:span.masked_end] == f"[{span.kind}]"
        assert span.end > span.start
    # the masked text is the original with each span replaced by its placeholder
    rebuilt, pos = [], 0
    for span in masked.spans:
        rebuilt += (masked.original[pos:span.start], f"[{span.kind}]")
        pos = span.end
    rebuilt.append(masked.original[pos:])
    assert "".join(rebuilt) == masked.text
    assert list(masked.spans) == sorted(masked.spans, key=lambda s: s.start)


def non_placeholder_segments(masked: Masked) -> list[tuple[int, int]]:
    segments, pos = [], 0
    for span in masked.spans:
        segments.append((pos, span.masked_start))
        pos = span.masked_end
    segments.append((pos, len(masked.text)))
    return segments


# --- known-valid fixed examples -------------------------------------------------------------------------------------

VISA = "4111 1111 1111 1111"
PL_IBAN = "PL61 1090 1014 0000 0712 1981 2874"
DE_IBAN = "DE89 3704 0044 0532 0130 00"
GB_IBAN = "GB29 NWBK 6016 1331 9268 19"
PESELS = ("44051401359", "02070803628")


# --- each kind ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("sentence, value", [
    ("Proszę o kontakt pod numerem 601 234 567 lub mailem jan.kowalski@wp.pl", "jan.kowalski@wp.pl"),
    ("Please reply to a_b+tag@sub.example.co.uk, nobody answers the chat.", "a_b+tag@sub.example.co.uk"),
    ("Pisałam już dwa razy na adres reklamacje.sklep@firma.com.pl.", "reklamacje.sklep@firma.com.pl"),
    ("(mój mail: Anna_Nowak-77@gmail.com) i nic", "Anna_Nowak-77@gmail.com"),
    ("My email is żaneta.wiśniewska@o2.pl and I have waited a week", "żaneta.wiśniewska@o2.pl"),
])
def test_emails_are_masked(sentence, value):
    masked = mask_personal_data(sentence)
    assert ("EMAIL", value) in masked_values(masked)
    assert value not in masked.text and "[EMAIL]" in masked.text
    assert_offsets_consistent(masked)


@pytest.mark.parametrize("sentence, phone", [
    ("Proszę o kontakt pod numerem 601 234 567, najlepiej po 17.", "601 234 567"),
    ("Kurier miał dzwonić na +48 601 234 567, ale nikt nie dzwonił.", "+48 601 234 567"),
    ("Mój numer: 601-234-567.", "601-234-567"),
    ("Infolinia (22) 123 45 67 nie odbiera od tygodnia.", "(22) 123 45 67"),
    ("Podałem numer +48601234567 przy zamówieniu.", "+48601234567"),
    ("Z zagranicy dzwonię przez 0048 22 123 45 67 i zawsze jest zajęte.", "0048 22 123 45 67"),
    ("Pod nr 22-123-45-67 nikt nie odbiera.", "22-123-45-67"),
    ("Nr tel. 601.234.567 – proszę oddzwonić.", "601.234.567"),
    ("My card was charged twice, call me at +1 (555) 123-4567 please", "+1 (555) 123-4567"),
    ("You can reach me on 555-123-4567 after 5pm.", "555-123-4567"),
    ("Office line (555) 123 4567, ask for the manager.", "(555) 123 4567"),
    ("Call our London office on +44 20 7946 0958 today.", "+44 20 7946 0958"),
    ("Text me at 07700 900123 when the parcel is out.", "07700 900123"),
    ("The toll free 1-800-555-1234 line just hangs up.", "1-800-555-1234"),
    ("UK number +44 (0)20 7946 0958 was busy.", "+44 (0)20 7946 0958"),
    ("Numer\u00a0601\u00a0234\u00a0567 z nietypowymi spacjami.", "601\u00a0234\u00a0567"),
])
def test_phones_are_masked(sentence, phone):
    masked = mask_personal_data(sentence)
    assert masked_values(masked) == [("PHONE", phone)]
    assert phone not in masked.text
    assert_offsets_consistent(masked)


@pytest.mark.parametrize("sentence", [
    "Proszę o telefon: 601234567.",
    "Numer telefonu 512345678, dzwonić po 16.",
    "Please call me back on 791234567.",
    "Mój numer 661234567 - proszę o kontakt telefoniczny.",  # the phone word may follow the number
    "Please give me a call 9147302658, nobody answers.",  # North America, 10 digits
    "I called 18004337300 three times.",  # 1 + North America
    "Text me on 07700900123 when it ships.",  # trunk 0, UK mobile
])
def test_bare_digits_are_a_phone_only_with_phone_context(sentence):
    masked = mask_personal_data(sentence)
    assert [kind for kind, _ in masked_values(masked)] == ["PHONE"]


@pytest.mark.parametrize("sentence", [
    "Zamówienie 123456789 nie dotarło.",
    "Zamówienie 612345678 nie dotarło, dzwoniłem trzy razy.",  # an id word right before wins over a phone word
    "My order 612345678 never arrived, I called twice.",
    "Faktura nr 512345678 ma zły NIP, proszę o telefon.",
    "Paczka 712345678 utknęła w sortowni.",
    "Tracking: 812345678, please call the courier.",
    "Nr 612345678 dzwoniłem w tej sprawie.",
    "Widzę kod 612345678 na etykiecie.",  # no phone word near
    "Call me about 312345678.",  # not a Polish mobile prefix
    "Numer oferty: 6927314058, opis się nie zgadza.",  # fits North America, but no phone word
    "Claim 4017325590 is still open, please call.",  # an id word right before
    "Call me about ticket 0173582946.",
    "Please call, 1234567890 is my reference.",  # exchange 456 fits, area 123 does not
])
def test_bare_digits_that_stay(sentence):
    assert mask_personal_data(sentence).text == sentence


@pytest.mark.parametrize("sentence", [
    "Order 123-456-789 was cancelled without notice.",
    "Zamówienie nr 601 234 567 anulowano.",
    "Refund of 123 456 789 zł? Surely a typo on the invoice.",
])
def test_grouped_numbers_that_are_ids_or_amounts_stay(sentence):
    assert mask_personal_data(sentence).text == sentence


def test_phone_next_to_a_small_number_is_still_masked():
    for sentence, phone in [("Dzwoniłem na 601 234 567 3 razy i nic.", "601 234 567"),
                            ("I called 555-123-4567 5 times.", "555-123-4567"),
                            ("W 2024 601 234 567 był jeszcze aktywny.", "601 234 567")]:
        assert masked_values(mask_personal_data(sentence)) == [("PHONE", phone)]


def test_grouped_number_with_equal_groups_is_not_split():
    sentence = "Kod 123 456 789 012 z etykiety."
    assert mask_personal_data(sentence).text == sentence


@pytest.mark.parametrize("sentence, card", [
    ("My card 4111 1111 1111 1111 was charged twice.", VISA),
    ("Obciążono kartę 4111-1111-1111-1111 podwójnie.", "4111-1111-1111-1111"),
    ("Karta 4111111111111111 została obciążona.", "4111111111111111"),
    ("Mastercard 5555 5555 5555 4444 declined.", "5555 5555 5555 4444"),
    ("Amex 3782 822463 10005 charged £40.", "3782 822463 10005"),
])
def test_cards_are_masked(sentence, card):
    masked = mask_personal_data(sentence)
    assert masked_values(masked) == [("CARD", card)]
    assert_offsets_consistent(masked)


@pytest.mark.parametrize("length", [13, 15, 16, 19])
def test_generated_cards_of_each_length(length):
    rng = random.Random(length)
    for prefix in ("4", "51", "37", "6011"):
        card = make_card(prefix, length, rng)
        for written in (card, grouped(card), grouped(card, sep="-")):
            sentence = f"Płaciłem kartą {written} i pieniądze zeszły dwa razy."
            assert masked_values(mask_personal_data(sentence)) == [("CARD", written)], written


def test_luhn_failing_sixteen_digits_stay():
    rng = random.Random(7)
    for _ in range(20):
        number = break_luhn(make_card("1", 16, rng))
        assert not luhn_sum_ok(number)
        for written in (number, grouped(number), grouped(number, sep="-")):
            sentence = f"Numer przesyłki {written}, status bez zmian. Tracking {written} still pending."
            assert mask_personal_data(sentence).text == sentence


@pytest.mark.parametrize("sentence, iban", [
    ("Zwrot proszę na konto PL61 1090 1014 0000 0712 1981 2874", PL_IBAN),
    ("Numer konta: PL61109010140000071219812874, dziękuję.", "PL61109010140000071219812874"),
    ("Proszę przelać na 61 1090 1014 0000 0712 1981 2874.", "61 1090 1014 0000 0712 1981 2874"),
    ("Konto 61109010140000071219812874 jest w banku.", "61109010140000071219812874"),
    ("Please refund to DE89 3704 0044 0532 0130 00 asap.", DE_IBAN),
    ("My UK account is GB29 NWBK 6016 1331 9268 19.", GB_IBAN),
    ("IBAN GB29NWBK60161331926819 THANKS", "GB29NWBK60161331926819"),
])
def test_ibans_are_masked(sentence, iban):
    masked = mask_personal_data(sentence)
    assert masked_values(masked) == [("IBAN", iban)]
    assert_offsets_consistent(masked)


def test_generated_ibans():
    rng = random.Random(13)
    for _ in range(30):
        pl = make_iban("PL", "".join(rng.choice("0123456789") for _ in range(24)))
        de = make_iban("DE", "".join(rng.choice("0123456789") for _ in range(18)))
        fr = make_iban("FR", "".join(rng.choice("0123456789") for _ in range(23)))
        for written in (pl, grouped(pl), pl[2:], f"{pl[2:4]} {grouped(pl[4:])}", grouped(de), fr):
            sentence = f"Zwrot na rachunek {written} proszę."
            assert masked_values(mask_personal_data(sentence)) == [("IBAN", written)], written


def test_iban_with_wrong_check_digits_is_not_masked_as_anything():
    rng = random.Random(17)
    bad = [wrong_check_digits(iban.replace(" ", "")) for iban in (PL_IBAN, DE_IBAN, GB_IBAN)]
    bad += [wrong_check_digits(make_iban("PL", "".join(rng.choice("0123456789") for _ in range(24))))
            for _ in range(20)]
    for iban in bad:
        assert iban_remainder(iban) != 1
        for written in (iban, grouped(iban), iban[2:] if iban.startswith("PL") else iban):
            sentence = f"Refund to {written} please."
            assert mask_personal_data(sentence).text == sentence, written


def test_iban_shape_failing_its_check_is_not_reread_as_a_card():
    # The BBAN digits of this GB IBAN (with wrong check digits) would pass Luhn on their own as a 14-digit run.
    rng = random.Random(3)
    for _ in range(200):
        digits = make_card("6", 14, rng)
        iban = wrong_check_digits(make_iban("GB", "NWBK" + digits))
        sentence = f"Account {grouped(iban)} was closed."
        assert mask_personal_data(sentence).text == sentence


@pytest.mark.parametrize("pesel", PESELS)
def test_known_pesels_are_masked(pesel):
    for sentence in (f"Mój PESEL to {pesel}, proszę go nie publikować.", f"PESEL: {pesel}."):
        masked = mask_personal_data(sentence)
        assert masked_values(masked) == [("PESEL", pesel)]
        assert_offsets_consistent(masked)


def test_generated_pesels_of_every_century():
    for year, month, day in [(1890, 12, 31), (1944, 5, 14), (2000, 2, 29), (2023, 11, 30), (2150, 1, 1),
                             (2299, 6, 15)]:
        pesel = make_pesel(year, month, day)
        sentence = f"Wniosek złożyła osoba o numerze PESEL {pesel} w oddziale."
        assert masked_values(mask_personal_data(sentence)) == [("PESEL", pesel)]


def test_pesel_with_wrong_checksum_stays():
    for pesel in (*PESELS, make_pesel(1985, 7, 21), make_pesel(2004, 1, 3)):
        wrong = pesel[:10] + str((int(pesel[10]) + 1) % 10)
        sentence = f"PESEL {wrong} podany w formularzu."
        assert mask_personal_data(sentence).text == sentence


@pytest.mark.parametrize("first_ten", [
    "8513320123",  # month 13
    "8502300123",  # 30 February
    "0102290123",  # 29 February 1901, not a leap year
    "8500150123",  # month 00
    "8533010123",  # month 33: 20 + 13
    "8507000123",  # day 00
])
def test_pesel_with_impossible_date_stays(first_ten):
    pesel = first_ten + pesel_check_digit(first_ten)
    sentence = f"Numer PESEL {pesel} jest w umowie."
    assert mask_personal_data(sentence).text == sentence


# --- numbers that are not personal data -----------------------------------------------------------------------------

NOT_PERSONAL = [
    "Zamówienie #123456 nadal nie wysłane.",
    "Order #123456 still not shipped.",
    "zamówienie 123456789 nie dotarło",
    "order 123456789 never arrived",
    "Zapłaciłem 1 299,99 zł za ten telefon.",
    "I paid $1,299.99 for this phone and it broke.",
    "Dostawa miała być 12.03.2024, a przyszła 2024-03-12 o 12:30.",
    "Kupiłem w 2023 roku 3 sztuki, 12 szt. wróciło.",
    "Lot UA 1234 i LO 3921 odwołane, bramka 12 w Warszawie.",
    "Flight UA 1234 was delayed by 45 minutes; 2 bags lost.",
    "Faktura FV/2024/03/123 na kwotę 12 345,67 zł.",
    "Tel. do sklepu nie działa, a paczka ma 5 kg i kosztuje 49.99 PLN.",
    "Version 1.2.3 of the app, build 20240312, crashes at 10:45:30.",
    "Rating 5/5, 100% recommended, 24/7 support, 1,234,567 users.",
    "Kod rabatowy ABC-1234-XYZ nie działa.",
    "PayPal case ID is PP-004-817-552-390, still open.",
    "Faktura FV/601234567 z błędem, proszę o telefon.",
    "Między 8:00 a 16:00, pokój 12, piętro 3.",
]


@pytest.mark.parametrize("sentence", NOT_PERSONAL)
def test_non_personal_numbers_survive(sentence):
    masked = mask_personal_data(sentence)
    assert masked == Masked(sentence, sentence, ())


def test_text_without_personal_data_is_returned_as_is():
    for text in ("", "Paczka nie dotarła na czas.", "The courier was rude."):
        assert mask_personal_data(text) == Masked(text, text, ())


def test_digits_inside_longer_runs_are_not_partially_masked():
    pesel, card = PESELS[0], VISA.replace(" ", "")
    for sentence in (f"Kod 9{pesel} z etykiety.", f"Kod {pesel}7 z etykiety.", f"Id {card}1234 X.",
                     f"SKU AB{pesel}.", f"ref {pesel}abc", "x601 234 567y tel"):
        assert mask_personal_data(sentence).text == sentence


# --- overlaps and offsets -------------------------------------------------------------------------------------------

def test_several_kinds_of_different_lengths_keep_offsets():
    text = ("Dzień dobry, PESEL 44051401359, tel. +48 601 234 567, mail jan.kowalski@wp.pl; "
            "konto PL61 1090 1014 0000 0712 1981 2874 i karta 4111 1111 1111 1111. Dzięki!")
    masked = mask_personal_data(text)
    assert masked_values(masked) == [
        ("PESEL", "44051401359"), ("PHONE", "+48 601 234 567"), ("EMAIL", "jan.kowalski@wp.pl"),
        ("IBAN", PL_IBAN), ("CARD", VISA)]
    assert masked.text == ("Dzień dobry, PESEL [PESEL], tel. [PHONE], mail [EMAIL]; "
                           "konto [IBAN] i karta [CARD]. Dzięki!")
    assert_offsets_consistent(masked)
    for s, e in non_placeholder_segments(masked):
        a, b = masked.to_original(s, e)
        assert masked.original[a:b] == masked.text[s:e]


def test_quote_without_placeholder_maps_to_the_same_characters():
    text = "My card 4111 1111 1111 1111 was charged twice, call me at +1 (555) 123-4567 asap, thanks"
    masked = mask_personal_data(text)
    for quote in ("My card", "was charged twice", "call me at", "asap, thanks", " "):
        s = masked.text.index(quote)
        a, b = masked.to_original(s, s + len(quote))
        assert masked.original[a:b] == masked.text[s:s + len(quote)] == quote
    s = masked.text.index("asap")
    assert masked.to_original(s, s + 4) == (text.index("asap"), text.index("asap") + 4)


def test_quote_covering_a_placeholder_covers_the_whole_value():
    text = "Proszę o kontakt pod numerem 601 234 567 lub mailem jan.kowalski@wp.pl dziś."
    masked = mask_personal_data(text)
    quote = "numerem [PHONE] lub"
    s = masked.text.index(quote)
    a, b = masked.to_original(s, s + len(quote))
    assert text[a:b] == "numerem 601 234 567 lub"
    phone = masked.spans[0]
    assert masked.to_original(phone.masked_start, phone.masked_end) == (phone.start, phone.end)
    # offsets inside a placeholder widen to the whole value
    assert masked.to_original(phone.masked_start + 2, phone.masked_end - 2) == (phone.start, phone.end)
    assert masked.to_original(phone.masked_start + 3, phone.masked_end + 4) == (phone.start, phone.end + 4)
    email = masked.spans[1]
    s = email.masked_start - len("mailem ")
    a, b = masked.to_original(s, email.masked_start + 1)
    assert text[a:b] == "mailem jan.kowalski@wp.pl"
    end = len(masked.text)
    assert masked.to_original(s, end) == (text.index("mailem"), len(text))


def test_to_original_rejects_ranges_outside_the_masked_text():
    masked = mask_personal_data("tel. 601 234 567")
    for start, end in ((-1, 2), (3, 2), (0, len(masked.text) + 1)):
        with pytest.raises(ValueError):
            masked.to_original(start, end)


def test_a_longer_match_wins_an_overlap():
    # The e-mail's local part is a phone-like run; the whole address wins.
    text = "Pisz na 601234567@sms.example.pl lub dzwoń."
    assert masked_values(mask_personal_data(text)) == [("EMAIL", "601234567@sms.example.pl")]
    # The PL-prefixed IBAN wins over the bare 26-digit account inside it.
    text = "Konto PL 61 1090 1014 0000 0712 1981 2874."
    assert masked_values(mask_personal_data(text)) == [("IBAN", "PL 61 1090 1014 0000 0712 1981 2874")]


# --- property-style ------------------------------------------------------------------------------------------------

# No id words ("order", "paczka"...): a grouped number right after one is an id by design, not a phone.
WORDS = ("dostawa nie dotarła na czas kurier był miły ale spóźniony proszę o pomoc dziękuję bardzo "
         "the courier left my stuff at wrong address please help thanks refund still waiting "
         "zwrot pieniędzy sklep aplikacja działa wolno bad service great price").split()


def random_personal(rng: random.Random) -> str:
    kind = rng.randrange(7)
    digits = lambda k: "".join(rng.choice("0123456789") for _ in range(k))  # noqa: E731
    if kind == 0:
        local = rng.choice(["jan.kowalski", "a_b+tag", "anna", "x.y.z", "mike77"]) + digits(2)
        return f"{local}@{rng.choice(['wp.pl', 'example.co.uk', 'gmail.com', 'firma.com.pl'])}"
    if kind == 1:
        mobile = rng.choice("45678") + digits(8)
        fmt = rng.choice(["{a} {b} {c}", "{a}-{b}-{c}", "+48 {a} {b} {c}", "+48{a}{b}{c}", "0048 {a} {b} {c}"])
        return fmt.format(a=mobile[:3], b=mobile[3:6], c=mobile[6:])
    if kind == 2:
        area, rest = rng.choice("23456789") + digits(2), digits(7)
        return rng.choice([f"+1 ({area}) {rest[:3]}-{rest[3:]}", f"{area}-{rest[:3]}-{rest[3:]}",
                           f"({area}) {rest[:3]} {rest[3:]}", f"+44 20 {rest[:4]} {rest[3:]}",
                           f"07{rest[:3]} {digits(6)}", f"(22) {rest[:3]} {rest[3:5]} {rest[5:]}"])
    if kind == 3:
        card = make_card(rng.choice(["4", "51", "55"]), 16, rng)
        return rng.choice([card, grouped(card), grouped(card, sep="-")])
    if kind == 4:
        iban = make_iban(rng.choice(["PL", "PL", "DE"]), digits(24))
        iban = iban if iban.startswith("PL") else make_iban("DE", digits(18))
        return rng.choice([iban, grouped(iban), iban[2:] if iban.startswith("PL") else grouped(iban)])
    if kind == 5:
        return f"{digits(2)}-{digits(3)}"  # a Polish postal code
    return make_pesel(rng.randrange(1900, 2030), rng.randrange(1, 13), rng.randrange(1, 29), digits(4))


def random_harmless(rng: random.Random) -> str:
    return rng.choice([
        f"#{rng.randrange(10**5, 10**6)}", f"zamówienie {rng.randrange(10**8, 10**9)}",
        f"{rng.randrange(1, 9)} {rng.randrange(100, 999)},{rng.randrange(10, 99)} zł",
        f"${rng.randrange(1, 9)},{rng.randrange(100, 999)}.99", f"{rng.randrange(1, 28):02d}.03.2024",
        f"2024-{rng.randrange(1, 12):02d}-12", f"{rng.randrange(0, 23):02d}:30", str(rng.randrange(1990, 2030)),
        f"{rng.randrange(1, 20)} szt.", f"UA {rng.randrange(1000, 9999)}", f"{rng.randrange(10, 99)}-950 zł",
    ])


def test_random_texts_hide_all_personal_data_and_keep_offsets():
    rng = random.Random(20240312)
    for _ in range(200):
        pieces, personal, harmless = [], [], []
        for _ in range(rng.randrange(1, 8)):
            pieces += rng.sample(WORDS, rng.randrange(1, 4))
            if rng.random() < 0.5:
                personal.append(random_personal(rng))
                pieces.append(personal[-1])
            else:
                harmless.append(random_harmless(rng))
                pieces.append(harmless[-1])
            pieces[-1] += rng.choice(["", "", ",", ".", ";", "!"])
        pieces += rng.sample(WORDS, rng.randrange(1, 3))
        text = " ".join(pieces)
        masked = mask_personal_data(text)
        for value in personal:
            assert value not in masked.text, (value, text, masked.text)
        for value in harmless:
            assert value in masked.text, (value, text, masked.text)
        assert len(masked.spans) == len(personal), (text, masked.text)
        assert_offsets_consistent(masked)
        for s, e in non_placeholder_segments(masked):
            a, b = masked.to_original(s, e)
            assert masked.original[a:b] == masked.text[s:e]
            for cut in range(s, e, 7):  # sub-quotes inside the segment too
                a, b = masked.to_original(cut, min(cut + 5, e))
                assert masked.original[a:b] == masked.text[cut:min(cut + 5, e)]
