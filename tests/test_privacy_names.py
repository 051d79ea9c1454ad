"""Masking person names, street addresses and postal codes: English and Polish (with case forms), the brands and
ordinary words that look like names and must survive, the numbers that only look like postal codes, the kinds a
user turns off, and offsets that lead back to the original."""

from __future__ import annotations

import pytest

from extractor.privacy import KINDS, mask_personal_data, parse_kinds
from extractor.privacy.names import polish_forms
from extractor.privacy.polish import foreign_bases


def found(text: str, lang: str | None = None, kinds=KINDS) -> list[tuple[str, str]]:
    masked = mask_personal_data(text, kinds, lang)
    return [(s.kind, text[s.start:s.end]) for s in masked.spans]


NAMES = [
    ("en", "Thanks to Jessica at the gate, she rebooked us in minutes.", ["Jessica"]),
    ("en", "Mr. Smithers at the Leeds branch refused the refund.", ["Smithers"]),
    ("en", "Dr Okonkwo was kind but the clinic lost my file.", ["Okonkwo"]),
    ("en", "Your agent Maria Gonzalez hung up on me twice.", ["Maria Gonzalez"]),
    ("en", "Hi Grace, the order is still missing.", ["Grace"]),
    ("en", "Still waiting for the refund.\n\nKind regards,\nTom Baxter", ["Tom Baxter"]),
    ("en", "Sarah's team fixed it the same day.", ["Sarah"]),
    ("pl", "Dziękuję Pani Ani z działu reklamacji za pomoc.", ["Ani"]),
    ("pl", "Polecam doktora Nowaka, a dr Kowalska też była super.", ["Nowaka", "Kowalska"]),
    ("pl", "Rozmawiałem z Tomkiem i z Pawłem, nikt nie pomógł.", ["Tomkiem", "Pawłem"]),
    ("pl", "Kurier Krzysztof Wiśniewski zostawił paczkę pod drzwiami.", ["Krzysztof Wiśniewski"]),
    ("pl", "Reklamację przyjęła pani Katarzyna, bardzo miła.", ["Katarzyna"]),
    ("pl", "Nie polecam, obsługa fatalna. Pozdrawiam, Marek Zieliński", ["Marek Zieliński"]),
    ("pl", "Lekarz Lewandowski mnie zbadał i od razu skierował dalej.", ["Lewandowski"]),
    ("pl", "Kasia z infolinii oddzwoniła po godzinie.", ["Kasia"]),
    # names that are also words ("Mark", "Frank", "Bill", "Terry") with weaker hints
    ("en", "The refund finally came through, thanks for sorting it, Mark!", ["Mark"]),
    ("en", "Sorry for the wait, a new card is on its way. - Terry", ["Terry"]),
    ("en", "@AirCo your Mike was a star at the desk today", ["Mike"]),
    ("en", "Frank D. at the counter was rude to everyone.", ["Frank D"]),
    ("en", "Thank you so much Frank, the bag arrived.", ["Frank"]),
    ("en", "Your Terry is a hero. Terry (#1234) you rock!", ["Terry", "Terry"]),
    # support agents' signatures at the end of a message
    ("en", "We have sent you a DM with the next steps ^Mike", ["Mike"]),
    ("en", "Let us know if the app still freezes. *DanielleP", ["DanielleP"]),
    ("en", "We would love to help, please check your inbox.\nRegards,zoomzoom", ["zoomzoom"]),
    # roles and relatives
    ("en", "Our waiter, Bartholomeo, was lovely all evening.", ["Bartholomeo"]),
    ("en", "The gate agent Frank rebooked all of us.", ["Frank"]),
    ("en", "My husband Bill called twice and nobody answered.", ["Bill"]),
    ("pl", "Odwiedziliśmy wujka Haralda i ciocię Brendę w Gdyni.", ["Haralda", "Brendę"]),
    ("pl", "Obsłużył nas manager hotelu Steve bardzo uprzejmie.", ["Steve"]),
    # @handles are no names, the name after them is
    ("en", "@SkyAirline @Jessica_Smith Donna at gate 4 was amazing", ["Donna"]),
    # an initial glued to a surname; a surname before the first name in a list's header
    ("pl", "Reklamację złożył J.Wiśniewski, bez odpowiedzi.", ["J.Wiśniewski"]),
    ("pl", "Kowalczyk Agnieszka , dr inż .\nwykłady były ciekawe", ["Kowalczyk Agnieszka"]),
    # a name joined by "and" to a name, abbreviated jobs, a surname that is also a word after a first name
    ("en", "A great flight with Clarence and Frank, both so kind.", ["Clarence", "Frank"]),
    ("en", "Thx Svc Agt. Frank and FA Will for the help", ["Frank", "Will"]),
    ("pl", "Wizyta u Pana Doktora Tomasza Marka była krótka .", ["Tomasza Marka"]),
    ("pl", "Dziękuję za nowe kolano . Marek K .", ["Marek K"]),
    # a person after an institution's name, in the nominative
    ("pl", "Jak powiedział rzecznik Fundacji Rozwoju Nauki Tadeusz Wrzos , wyniki są dobre .", ["Tadeusz Wrzos"]),
    # foreign names declined the Polish way, a family in the plural
    ("pl", "Zainspirował go tekst podróżnika Eberharda Hendersona z 1801 roku .", ["Eberharda Hendersona"]),
    ("pl", "W filmie kolega Jamesa odwiedza Freddiego w szpitalu .", ["Jamesa", "Freddiego"]),
    ("pl", "Na święta przyjechali Hendersonowie . Hendersonowie zostali tydzień .", ["Hendersonowie", "Hendersonowie"]),
    ("pl", "Dziękujemy za opiekę nad tatą . Kowalscy z Radomia", ["Kowalscy"]),
    ("pl", "Zdaniem Thompsona ceny spadną , a według Hendersona nie .", ["Thompsona", "Hendersona"]),
    # a surname in lower case after a first name, a name greeted with the time of day
    ("en", "@AirCo Brandon mcallister, seat 12 please", ["Brandon mcallister"]),
    ("en", "@AirCo my wife Linda holloway did also call but nobody answered", ["Linda holloway"]),
    ("pl", "Reklamację przyjęła Joanna kowalska , bardzo miła .", ["Joanna kowalska"]),
    ("en", "@Shop @123 @456 Good morning Will - your parcel is on its way!", ["Will"]),
    ("pl", "Pan Artur twierdził , że to nic .", ["Artur"]),
    # a first name that is also a word, with its surname of no list in the same case; "this" before one name
    ("pl", "Hotel należy do wspólnika spółki - Marka Pietraszewy .", ["Marka Pietraszewy"]),
    ("en", "@AirCo This Gary rep at the call center must be investigated", ["Gary"]),
    # addressed in lower case, greeted with a comma, in capitals after a title, an initial and a surname
    ("en", "@GroceryCo Thanks kevin. Still no refund", ["kevin"]),
    ("en", "@PowerCo my name is laura brennan, account closed twice", ["laura brennan"]),
    ("en", "@ShopCo Hello Okafor, Do you have my order?", ["Okafor"]),
    ("pl", "Bilety u Pani KAROLINY - BIURO PODRÓŻY , tanio .", ["KAROLINY"]),
    ("pl", "Leki źle dobrane . P . Zawadzki nie słuchał .", ["P . Zawadzki"]),
    ("pl", "Dziękuję Panu dr K . Wrzosowatek , był cierpliwy .", ["K . Wrzosowatek"]),
    ("pl", "Ewelina i Aga z obsługi nie pomogły .", ["Ewelina", "Aga"]),
    ("en", "Our party member Tariq Olumide delayed the flight", ["Tariq Olumide"]),
    ("pl", "Nocowaliśmy w hotelu . Bogdan R .", ["Bogdan R"]),
    # an initial before a verb, a particle in a surname, a signature glued to the last sentence, a signed clinic
    ("en", "@AirCo Nina K is great, the other agent not so much", ["Nina K"]),
    ("en", "huge thanks to Carlo De Amicis for the upgrade", ["Carlo De Amicis"]),
    ("en", "It keeps the kids safe and that is priceless.Mark Tallowen", ["Mark Tallowen"]),
    ("pl", "Wizyta u kardiologa , Pani dr . Iwona Grabska Przychodnia Rodzinna .", ["Iwona Grabska"]),
]


@pytest.mark.parametrize("lang,text,names", NAMES)
def test_person_names_are_masked(lang, text, names):
    assert found(text, lang) == [("NAME", n) for n in names]


SURVIVE = [
    ("en", "I asked Alexa to play music on my Echo Dot and it froze."),
    ("en", "My new Jordans from Nike fell apart, Victoria's Secret was better."),
    ("en", "Chase charged me a fee and Wells Fargo did the same."),
    ("en", "Delta lost my bag, then Virgin America was fine."),
    ("en", "Apple replaced the screen; Dell never answered."),
    ("en", "Will you refund me? Mark my words, I hope you do."),
    ("en", "It came in May, the grace period was over by June."),
    ("en", "The Nova Pro and the Aira 5 both ship without a charger."),
    ("en", "Wendy's was closed and Dr. Martens boots arrived late."),
    ("en", "The manual is in German only."),
    ("pl", "Kupiłem na Allegro, a Ceneo pokazało niższą cenę."),
    ("pl", "Paczka z InPost dotarła do Żabka na czas."),
    ("pl", "Proszę o kontakt. Marzenie o szybkiej dostawie się nie spełniło."),
    ("pl", "Jakość kiepska. Proszę o zwrot pieniędzy."),
    # places, handles, products, institutions, venues, firms and epithets that hold a name
    ("en", "I need to transfer money from France to my account in China."),
    ("en", "@Jessica_Smith @MarkTwain_fan #ThanksMike the flight was fine"),
    ("en", "Love, Love, Love this blender"),
    ("en", "I use my Alexa daily and Alex reads me the news."),
    ("en", "As a frequent flyer, I'd expect better. My Father Co-signed the loan."),
    ("en", "Little Mr. Persistence now climbs the stairs alone."),
    ("en", "I was contacted by Peter J. Harlow, Attorneys at Law, about the debt."),
    ("en", "Dinner at Rosie's Diner near Tompkins Square was great."),
    ("en", "The Gregory Dr store never has my order ready."),
    ("en", "Windows Server Enterprise 2003 runs on it."),
    ("pl", "Studiowałem na Uniwersytecie Kardynała Tadeusza Nowaka w Lublinie."),
    ("pl", "Leżałem w Szpitalu im. Jana Pawła II i w szpitalu św. Łukasza."),
    ("pl", "Mam robot Zosia w kuchni i polecam każdemu Zosię."),
    ("pl", "Pan Sz. zajął się tym szybko, a pani dr. Na wizycie nic."),
    ("pl", "Pilot Ok, ergonomiczny. Dyrektora Orbisu nie było, rezydenci Itaka też nie."),
    ("en", "Call Echo or Alexa and ask for Jordan shoes."),
    ("en", "My driver was late and Hope steward knows it."),
    # towns in the locative, discoverers' names in the names of illnesses and methods, nations
    ("pl", "Pracowałem w Lubinie , potem pod Bostonem , a w całym Bemowie nie ma sklepu ."),
    ("pl", "Mama ma chorobę Parkinsona , badanie metodą Holtera nic nie dało ."),
    ("pl", "Na cukrzycę choruje wielu Polaków . Polscy lekarze to wiedzą ."),
    ("pl", "Poduszki typu Ikea , a pokój jak u Kellia ."),
    ("pl", "Filtr tańszy niż oryginalne końcówki Hoovera , a Moduł Peltiera grzeje ."),
    # doubled words, courtesy roles after "Pani"
    ("pl", "Lepiej pachniał Toi - Toi przy plaży niż Bora-Bora w katalogu ."),
    ("pl", "Byłam u Pani Kardiolog i pani Rejestratorka , obie miłe ."),
    # things named like people: after a determiner, before a model word, short of a brand's letter, English titles
    ("en", "I have given this Les Paul a try; my Les Paul Standard stays home. The Diaper Genie smells."),
    ("en", "Easy to set up, it connects to the smart plug. The kids think Alex is cool!"),
    ("en", "I ordered from Sam Ash and the cable came in a day."),
    ("pl", "W pracy \" Holly Market \" opisano wyniki , a Marka Samsung rośnie ."),
    ("pl", "Opowiadał jak sołtys gościom z Sowiej Wólki ."),
    # declined and slashed brands, a product's noun after, an institution's adjective, a firm after its acronym
    ("pl", "Body Canona i obiektyw Canon'a , ogniwa Sony/Takara działają ."),
    ("en", "I put it in the guest room.Dot speaker is weaker; the Tiny Range Monitor works."),
    ("pl", "Lekarze Miejskiego Szpitala pomogli , a strategia KLM Gromada się zmieniła ."),
    ("pl", "Sprzęt robiony dla zwykłego Kowalskiego , a nie dla profesjonalisty ."),
    # a firm after its group's word, a mortgage firm named like a person, streets and towns after "na", "w", a show
    ("pl", "Inwestorem jest spółka - córka Grupy Roma , a kołki Fischera trzymają ."),
    ("en", "When I called Mr Cooper about the escrow they hung up."),
    ("pl", "Klinika na Borowskiej jest czysta , a w Szklarskiej padało ."),
    ("en", "All I wanted was to watch Bob's Burgers in Monte Carlo."),
]


@pytest.mark.parametrize("lang,text", SURVIVE)
def test_brands_products_and_ordinary_words_survive(lang, text):
    assert found(text, lang) == []


def test_a_name_next_to_a_brand_is_masked_and_the_brand_kept():
    assert found("Jessica from Chase called me about the Alexa order.", "en") == [("NAME", "Jessica")]


ADDRESSES = [
    ("pl", "Proszę wysłać na ul. Lipowa 12/4, 31-512 Kraków.", [("ADDRESS", "ul. Lipowa 12/4"),
                                                              ("POSTAL_CODE", "31-512")]),
    ("pl", "Mieszkam na os. Tysiąclecia 3 m. 7 w Katowicach.", [("ADDRESS", "os. Tysiąclecia 3 m. 7")]),
    ("pl", "Sklep przy al. Jana Pawła II 5 był zamknięty.", [("ADDRESS", "al. Jana Pawła II 5")]),
    ("pl", "Adres: ulica 3 Maja 15, 00-950 Warszawa", [("ADDRESS", "ulica 3 Maja 15"), ("POSTAL_CODE", "00-950")]),
    ("pl", "Sklep przy ulicy Brzozowej 2a, 15-100 Białystok", [("ADDRESS", "ulicy Brzozowej 2a"),
                                                             ("POSTAL_CODE", "15-100")]),
    ("pl", "Hotel przy ul . Długa 5 , 80 - 827 Gdańsk .", [("ADDRESS", "ul . Długa 5"),
                                                          ("POSTAL_CODE", "80 - 827")]),
    ("en", "Send it to 221B Baker Street, London NW1 6XE.", [("ADDRESS", "221B Baker Street"),
                                                          ("POSTAL_CODE", "NW1 6XE")]),
    ("en", "I live at 1600 Pennsylvania Ave NW, Washington, DC 20500.", [("ADDRESS", "1600 Pennsylvania Ave NW"),
                                                                       ("POSTAL_CODE", "20500")]),
    ("en", "Ship to 42 Oak Rd., Apt 4B, Springfield, IL 62704", [("ADDRESS", "42 Oak Rd., Apt 4B"),
                                                               ("POSTAL_CODE", "62704")]),
    ("en", "my zip code is 94105 and the store never called", [("POSTAL_CODE", "94105")]),
    ("en", "Returns go to P.O. Box 1234, nobody answers.", [("ADDRESS", "P.O. Box 1234")]),
    ("pl", "Proszę o zwrot na ul. Kwiatowa7, Lublin.", [("ADDRESS", "ul. Kwiatowa7")]),
    ("pl", "Adres do zwrotu: Zalesie Małe 14, 21-345 Borki", [("ADDRESS", "Zalesie Małe 14"),
                                                             ("POSTAL_CODE", "21-345")]),
    ("pl", "Piszę z Nowa Wieś 8, 62-001 Gniezno", [("ADDRESS", "Nowa Wieś 8"), ("POSTAL_CODE", "62-001")]),
    ("pl", "Odbiór: Sosnowa 3 / 2 , 44 - 100 gliwice", [("ADDRESS", "Sosnowa 3 / 2"), ("POSTAL_CODE", "44 - 100")]),
    ("en", "the package went to 4410 w cedar ln, not my house", [("ADDRESS", "4410 w cedar ln")]),
    ("en", "we are at 77 maple grove rd, springfield il 62704 now", [("ADDRESS", "77 maple grove rd"),
                                                                   ("POSTAL_CODE", "62704")]),
    ("en", "Mailing address: 88 E 21 Terr  Topeka KS 66604", [("ADDRESS", "88 E 21 Terr"), ("POSTAL_CODE", "66604")]),
    ("en", "I checked stores near zipcode-30301 and none had it.", [("POSTAL_CODE", "30301")]),
    ("pl", "Kod 43 - 210 wpisałem źle , paczka wróciła .", [("POSTAL_CODE", "43 - 210")]),
    ("pl", "Paczkomat przy 31-512, szybko.", [("POSTAL_CODE", "31-512")]),
    ("en", "We moved to Dayton, Ohio 45402 last year.", [("POSTAL_CODE", "45402")]),
    ("en", "Ship it to New Mexico, 87501 please", [("POSTAL_CODE", "87501")]),
    ("en", "Our office: Leeds LS1 4AP, then Manchester M1 1AE.", [("POSTAL_CODE", "LS1 4AP"), ("POSTAL_CODE", "M1 1AE")]),
    ("en", "bill goes to 12 oak st, spfld,62704. it doubled", [("ADDRESS", "12 oak st"), ("POSTAL_CODE", "62704")]),
    ("pl", "Przyjmowała na Kwiatowskiej 3 , potem przy Sadowej 12 / 4 .", [("ADDRESS", "Kwiatowskiej 3"),
                                                                        ("ADDRESS", "Sadowej 12 / 4")]),
]


@pytest.mark.parametrize("lang,text,expected", ADDRESSES)
def test_street_addresses_and_postal_codes_are_masked(lang, text, expected):
    assert found(text, lang) == expected


NOT_POSTAL = [
    "Cena od 10-100 zł, dostawa 5-10 dni.",
    "Cena od 10 - 100 zł , dostawa 5 - 10 dni .",
    "Zamówienie 12-345 nie dotarło.",
    "Cart ID 88213 would not check out.",
    "Order #55-123 and 3 bags of 20 kg.",
    "Dostawa 12.03.2024, wizyta 12-03-2024 o 12:30.",
    "We waited 45 minutes at gate 12, then 2 more hours.",
    "Obiektyw 70-200 jest ostry, a 16-80 DX VR też daje radę.",
    "Z zoomem 24-105 i lampą, do tego 55-250, 50mm też.",
    "Częstotliwość 40-862 MHz, temperatura 40-100*C.",
    "Ogniwa typu 18650 3.7V, razem 12960mAh.",
    "Było od 10 - 100 osób , ocena 70 - 100 pkt , wiek 18-100 .",
    "Mam model XR 12-345 i typ 55-123, wynik 85-100 punktów.",
    "Bought a PS4 1TB and an X1 8GB card.",
]


@pytest.mark.parametrize("text", NOT_POSTAL)
def test_numbers_that_only_look_like_postal_codes_survive(text):
    assert found(text) == []


def test_a_us_state_without_a_comma_is_read_in_english_only():
    assert found("Kod 12345 mi nic nie mówi, pa 12345 też nie.", "pl") == []
    assert found("Ship it to Dayton oh 45402 or Austin TX 78701.", "en") == [("POSTAL_CODE", "78701")]


NOT_ADDRESSES = [
    ("pl", "Przychodnia przy ulicy Słonecznej jest czysta, a lekarz na ul. Ogrodowej miły."),
    ("pl", "Po 6h pani dr w końcu przyszła, 3 lata temu przez dr Nowaka to samo."),
    ("en", "It was an 8 hour drive, then 40 min road work and 2 miles down the road."),
    ("en", "The 256 GB hard drive died; 5 stars all the way, by the way."),
    ("pl", "Hotel przy placu Zielonym 5 min pieszo od Rynku , Wojewódzkiej 10 km dalej , Polskiej 2,5 mln ."),
]


@pytest.mark.parametrize("lang,text", NOT_ADDRESSES)
def test_streets_without_a_number_and_sentences_that_end_in_a_street_word_are_no_address(lang, text):
    assert [k for k, _ in found(text, lang)] in ([], ["NAME"])


def test_offsets_lead_back_to_the_original_name_and_address():
    text = "Pozdrawiam, Anna Nowak, ul. Lipowa 12/4, 31-512 Kraków"
    masked = mask_personal_data(text, lang="pl")
    assert masked.text == "Pozdrawiam, [NAME], [ADDRESS], [POSTAL_CODE] Kraków"
    start = masked.text.index("[NAME]")
    a, b = masked.to_original(start, start + len("[NAME], [ADDRESS]"))
    assert text[a:b] == "Anna Nowak, ul. Lipowa 12/4"


def test_each_kind_can_be_turned_off():
    text = "Jessica said call 601 234 567 or write to 12 Oak Street, Leeds LS1 4AP."
    assert {k for k, _ in found(text, "en")} == {"NAME", "PHONE", "ADDRESS", "POSTAL_CODE"}
    assert {k for k, _ in found(text, "en", parse_kinds("all,-name"))} == {"PHONE", "ADDRESS", "POSTAL_CODE"}
    assert found(text, "en", parse_kinds("name")) == [("NAME", "Jessica")]
    assert found(text, "en", parse_kinds("none")) == []


def test_mask_kinds_parse_and_unknown_kinds_are_named():
    assert parse_kinds(None) == frozenset(KINDS) == parse_kinds("all")
    assert parse_kinds("email, postal-code") == {"EMAIL", "POSTAL_CODE"}
    assert parse_kinds("all,-name,-address") == frozenset(KINDS) - {"NAME", "ADDRESS"}
    with pytest.raises(ValueError, match="unknown kind of personal data: nmae .*known: all, none, email"):
        parse_kinds("email,nmae")


@pytest.mark.parametrize("name,surname,forms", [
    ("anna", False, {"anny", "annie", "annę", "anną"}),
    ("marta", False, {"marty", "marcie"}),
    ("agnieszka", False, {"agnieszki", "agnieszce", "agnieszkę"}),
    ("marek", False, {"marka", "markowi", "markiem"}),
    ("paweł", False, {"pawła", "pawłem", "pawle"}),
    ("piotr", False, {"piotra", "piotrowi", "piotrze"}),
    ("jerzy", False, {"jerzego", "jerzemu", "jerzym"}),
    ("kowalski", True, {"kowalskiego", "kowalskiemu", "kowalskim"}),
    ("kowalska", True, {"kowalskiej", "kowalską"}),
    ("kowalski", True, {"kowalscy", "kowalskich"}),
    ("nowak", True, {"nowakowie"}),
])
def test_polish_case_forms(name, surname, forms):
    assert forms <= polish_forms(name, surname)


@pytest.mark.parametrize("word,lemma", [("hendersona", "henderson"), ("freddiego", "freddie"), ("harry'ego", "harry"),
                                       ("thompsonowie", "thompson"), ("peterze", "peter"), ("robercie", "robert")])
def test_bases_of_foreign_names_declined_in_polish(word, lemma):
    assert lemma in foreign_bases(word)


@pytest.mark.parametrize("text,lang,names", [
    ("Zadzwoń do mnie. Paul Garrison 850.266.3576", "en", ["Paul Garrison"]),  # a phone number is no model number
    ("Call Dana Whitfield 415-555-0199 today", "en", ["Dana Whitfield"]),
    ("Oddałem do serwisu RTV AGD Tomasz Kowalczyk w Radomiu.", "pl", ["Tomasz Kowalczyk"]),  # a sole trader
    ("NIE POLECAM PANA MARKA, ZERO KONTAKTU.", "pl", ["MARKA"]),  # a title and a name, both shouted
    ("Obsługa super, polecam ! Ola . W", "pl", ["Ola . W"]),  # a tokenised signature with an initial
])
def test_names_next_to_phone_numbers_firms_shouted_titles_and_initials(text, lang, names):
    assert [w for kind, w in found(text, lang) if kind == "NAME"] == names


@pytest.mark.parametrize("text,lang", [
    ("The Stella 5 stroller folds flat", "en"),  # a model's number still ends a product
    ("Kupiłem w PKP Intercity bilet.", "pl"),  # a firm after an acronym
    ("MS OFFICE nie działa", "pl"),  # a shouted short acronym is no title
])
def test_firms_models_and_acronyms_stay(text, lang):
    assert [w for kind, w in found(text, lang) if kind == "NAME"] == []


def test_rarer_us_first_names_count_in_english_text_only():
    assert found("Thank you Jayden, will it ship today?", "en") == [("NAME", "Jayden")]
    assert found("Prostownica Remington S9500 i suszarka Jayden działają.", "pl") == []


@pytest.mark.parametrize("text", ["We moved to Dayton, Ohio last year.", "Ship it to Marion, IN by Friday.",
                                  "Our store in Tyler tx 75701 is closed."])
def test_a_us_city_before_its_state_is_no_person(text):
    assert [w for kind, w in found(text, "en") if kind == "NAME"] == []
