"""The journey map report's own words (section titles, headings, notes) in English and Polish, and the number
formats of each language.

Label names (stages, touchpoints, emotions, pain points) are not here: the JourneyMap already carries them in the
report's language; `LabelNames` only indexes them so a renderer can name the ids a journey step holds."""

from __future__ import annotations

from dataclasses import dataclass

from .model import JourneyMap

EN: dict[str, str] = {
    "default_title": "Customer journey map",
    "generated": "Generated",
    "contents": "Contents",
    # sections
    "sec_meta": "About this map",
    "sec_map": "Journey map",
    "sec_emotion_curve": "Emotion curve",
    "sec_pareto": "Pain points: Pareto",
    "sec_heatmap": "Stages × touchpoints",
    "sec_pain_points": "Pain points and barriers",
    "sec_opportunities": "Opportunities to act",
    "sec_moments_of_truth": "Moments of truth",
    "sec_journeys": "Customer journeys",
    # swimlanes of the map
    "lane_stages": "Stages",
    "lane_goals": "Customer goals",
    "lane_touchpoints": "Touchpoints",
    "lane_emotions": "Emotions",
    "lane_pain_points": "Pain points and barriers",
    "lane_moments": "Moments of truth",
    "lane_opportunities": "Opportunities",
    "lane_quotes": "Quotes",
    "stage_goal": "Stage goal",
    "stated_goals": "Customers say they want to",
    "dominant": "Dominant",
    "dominant_emotion": "Dominant emotion",
    "more": "+{n} more",
    # column headings
    "col_rank": "#",
    "col_count": "Records",
    "col_share": "Share",
    "col_negativity": "Negativity",
    "col_sentiment": "Mean sentiment",
    "col_cumulative": "Cumulative share",
    "col_trend": "Trend by month",
    "col_quotes": "Quotes",
    "col_score": "Score",
    "col_stage": "Stage",
    "col_touchpoint": "Touchpoint",
    "col_pain_point": "Pain point",
    "col_where": "Where",
    "col_customer": "Customer",
    "col_ending": "Ending",
    "col_open_pains": "Open pain points",
    "col_steps": "Steps",
    "col_period": "Period",
    "col_value": "Value",
    "col_from_to": "From \\ to",
    # values
    "record": "record",
    "records": "records",
    "none": "none",
    "all": "All",
    "no_data": "No data",
    "no_records": "No records in scope: the map is empty.",
    "no_stage_records": "No records at this stage",
    "no_pain_points": "No pain points in these records.",
    "no_opportunities": "No opportunities: no pain point comes with negative sentiment.",
    "no_moments": "No moments of truth in these records.",
    "no_matrix": "No touchpoints in these records.",
    "no_flagged": "No journey ends in churn or an unresolved problem.",
    "no_transitions": "No customer has two or more records.",
    "trend_rising": "rising",
    "trend_falling": "falling",
    "trend_flat": "flat",
    "trend_unknown": "not enough dates",
    "ending_churn": "churn",
    "ending_unresolved": "unresolved",
    "ending_resolved": "resolved",
    "ending_ok": "no problem",
    "ending_open": "open",
    "positive": "positive",
    "negative": "negative",
    "by_stage": "By stage",
    # notes
    "note_map": "Stages of the journey as columns; under each, what customers want, where they meet the brand, how "
                "they feel, what goes wrong, the decisive moments, and where to act. Colours show mean sentiment: "
                "red negative, grey neutral, green positive.",
    "note_emotion_curve": "Mean sentiment per stage, from -1 (very negative) to +1 (very positive). Each point names "
                          "the stage's dominant emotion and the number of records.",
    "note_pareto": "Pain points by number of records (bars, left axis) and cumulative share of all pain-point "
                   "mentions (line, right axis). The dashed line marks 80%: the few pain points left of it cause "
                   "most of the trouble.",
    "note_heatmap": "Records per stage and touchpoint. Colour: mean sentiment (red negative, grey neutral, green "
                    "positive); the stronger the colour, the more records.",
    "note_pain_points": "Share: of all records in scope. Negativity: how negative its records are on average "
                        "(0 none, 1 very negative). Trend: the pain point's share of each month's records.",
    "note_opportunities": "Pain points ranked by score = records × negativity: acting on the top ones helps the "
                          "most customers the most. Stage and touchpoint: where it is reported most often.",
    "note_moments": "Decisive moments that make or break the relationship (\"never again\", "
                    "\"you saved my day\").",
    "note_journeys": "Customers whose records carry a customer id, each customer's records in time order.",
    "note_transitions": "Rows: stage of a record; columns: stage of the same customer's next record.",
    "customers": "Customers",
    "multi_step": "With two or more records",
    "steps": "Records",
    "transitions": "Transitions between stages",
    "endings": "How journeys end",
    "flagged": "Journeys ending badly",
    "all_journeys": "All multi-step journeys",
    "truncated": "Only the first {n} journeys are listed; all are counted.",
    # metadata and confidence
    "meta_records": "Records",
    "meta_records_detail": "{read} read, {out} filtered out",
    "meta_inputs": "Inputs",
    "meta_extractors": "Extractors",
    "meta_models": "Models",
    "meta_prompts": "Prompts",
    "meta_taxonomies": "Taxonomies",
    "meta_languages": "Languages",
    "meta_sources": "Sources",
    "meta_segments": "Segments",
    "meta_dates": "Dates",
    "meta_dated": "{n} records dated",
    "meta_filters": "Filters",
    "filter_sources": "sources",
    "filter_langs": "languages",
    "filter_segments": "segments",
    "filter_since": "since",
    "filter_until": "until",
    "confidence_title": "How far to trust the labels",
    "confidence_mean": "Mean label confidence: {mean}.",
    "confidence_low": "Confidence below 0.5: {n} records ({share} of all).",
    "confidence_llm": "LLM answers: {outcomes}.",
    "outcome_answered": "answered",
    "outcome_repaired": "repaired",
    "outcome_fallback": "fell back to rules",
    "confidence_note": "The labels (stage, touchpoints, emotion, sentiment, pain points, moments of truth) were "
                       "assigned automatically by the extractors listed above, not by a person. Read the quotes "
                       "before acting on a number. To measure how accurate the labels are on your own feedback, "
                       "label a sample by hand and score the extractor against it with `journey eval GOLD.jsonl`.",
}

PL: dict[str, str] = {
    "default_title": "Mapa podróży klienta",
    "generated": "Wygenerowano",
    "contents": "Spis treści",
    "sec_meta": "O tej mapie",
    "sec_map": "Mapa podróży",
    "sec_emotion_curve": "Krzywa emocji",
    "sec_pareto": "Punkty bólu: analiza Pareto",
    "sec_heatmap": "Etapy × punkty styku",
    "sec_pain_points": "Punkty bólu i bariery",
    "sec_opportunities": "Szanse / możliwości działania",
    "sec_moments_of_truth": "Momenty prawdy",
    "sec_journeys": "Ścieżki klientów",
    "lane_stages": "Etapy",
    "lane_goals": "Cele klienta",
    "lane_touchpoints": "Punkty styku",
    "lane_emotions": "Emocje",
    "lane_pain_points": "Punkty bólu i bariery",
    "lane_moments": "Momenty prawdy",
    "lane_opportunities": "Szanse / możliwości działania",
    "lane_quotes": "Cytaty",
    "stage_goal": "Cel etapu",
    "stated_goals": "Klienci chcą",
    "dominant": "Dominująca",
    "dominant_emotion": "Dominująca emocja",
    "more": "+{n} więcej",
    "col_rank": "#",
    "col_count": "Rekordy",
    "col_share": "Udział",
    "col_negativity": "Negatywność",
    "col_sentiment": "Średni sentyment",
    "col_cumulative": "Udział skumulowany",
    "col_trend": "Trend miesięczny",
    "col_quotes": "Cytaty",
    "col_score": "Wynik",
    "col_stage": "Etap",
    "col_touchpoint": "Punkt styku",
    "col_pain_point": "Punkt bólu",
    "col_where": "Gdzie",
    "col_customer": "Klient",
    "col_ending": "Zakończenie",
    "col_open_pains": "Nierozwiązane punkty bólu",
    "col_steps": "Kroki",
    "col_period": "Okres",
    "col_value": "Wartość",
    "col_from_to": "Z \\ do",
    "record": "rekord",
    "records_few": "rekordy",
    "records": "rekordów",
    "none": "brak",
    "all": "Wszystkie",
    "no_data": "Brak danych",
    "no_records": "Brak rekordów w zakresie: mapa jest pusta.",
    "no_stage_records": "Brak rekordów na tym etapie",
    "no_pain_points": "Brak punktów bólu w tych rekordach.",
    "no_opportunities": "Brak szans: żaden punkt bólu nie wiąże się z negatywnym sentymentem.",
    "no_moments": "Brak momentów prawdy w tych rekordach.",
    "no_matrix": "Brak punktów styku w tych rekordach.",
    "no_flagged": "Żadna ścieżka nie kończy się odejściem klienta ani nierozwiązanym problemem.",
    "no_transitions": "Żaden klient nie ma dwóch lub więcej rekordów.",
    "trend_rising": "rośnie",
    "trend_falling": "maleje",
    "trend_flat": "bez zmian",
    "trend_unknown": "za mało dat",
    "ending_churn": "odejście",
    "ending_unresolved": "nierozwiązany problem",
    "ending_resolved": "problem rozwiązany",
    "ending_ok": "bez problemów",
    "ending_open": "otwarta",
    "positive": "pozytywne",
    "negative": "negatywne",
    "by_stage": "Według etapów",
    "note_map": "Etapy podróży klienta w kolumnach; pod każdym: czego klienci chcą, gdzie stykają się z marką, co "
                "czują, co idzie nie tak, chwile decydujące i gdzie działać. Kolory oznaczają średni sentyment: "
                "czerwony – negatywny, szary – neutralny, zielony – pozytywny.",
    "note_emotion_curve": "Średni sentyment na każdym etapie, od -1 (bardzo negatywny) do +1 (bardzo pozytywny). "
                          "Przy każdym punkcie: dominująca emocja etapu i liczba rekordów.",
    "note_pareto": "Punkty bólu według liczby rekordów (słupki, lewa oś) i skumulowany udział we wszystkich "
                   "wzmiankach o punktach bólu (linia, prawa oś). Linia przerywana oznacza 80%: nieliczne punkty "
                   "bólu na lewo od niej odpowiadają za większość problemów.",
    "note_heatmap": "Liczba rekordów według etapu i punktu styku. Kolor: średni sentyment (czerwony – negatywny, "
                    "szary – neutralny, zielony – pozytywny); im intensywniejszy kolor, tym więcej rekordów.",
    "note_pain_points": "Udział: we wszystkich rekordach w zakresie. Negatywność: jak bardzo negatywne są średnio "
                        "rekordy z tym punktem bólu (0 – wcale, 1 – bardzo). Trend: udział punktu bólu w rekordach "
                        "z każdego miesiąca.",
    "note_opportunities": "Punkty bólu uszeregowane według wyniku = liczba rekordów × negatywność: działania przy "
                          "pierwszych z nich pomogą najbardziej największej liczbie klientów. Etap i punkt styku: "
                          "gdzie zgłaszano go najczęściej.",
    "note_moments": "Chwile, które przesądzają o relacji z marką („nigdy więcej”, „uratowaliście "
                    "mi dzień”).",
    "note_journeys": "Klienci, których rekordy mają identyfikator klienta; rekordy każdego klienta w kolejności "
                     "czasowej.",
    "note_transitions": "Wiersze: etap rekordu; kolumny: etap następnego rekordu tego samego klienta.",
    "customers": "Klienci",
    "multi_step": "Z co najmniej dwoma rekordami",
    "steps": "Rekordy",
    "transitions": "Przejścia między etapami",
    "endings": "Jak kończą się ścieżki",
    "flagged": "Ścieżki, które kończą się źle",
    "all_journeys": "Wszystkie ścieżki wieloetapowe",
    "truncated": "Pokazane ścieżki: {n} (policzono wszystkie).",
    "meta_records": "Rekordy",
    "meta_records_detail": "wczytano {read}, odfiltrowano {out}",
    "meta_inputs": "Pliki wejściowe",
    "meta_extractors": "Ekstraktory",
    "meta_models": "Modele",
    "meta_prompts": "Prompty",
    "meta_taxonomies": "Taksonomie",
    "meta_languages": "Języki",
    "meta_sources": "Źródła",
    "meta_segments": "Segmenty",
    "meta_dates": "Zakres dat",
    "meta_dated": "rekordy z datą: {n}",
    "meta_filters": "Filtry",
    "filter_sources": "źródła",
    "filter_langs": "języki",
    "filter_segments": "segmenty",
    "filter_since": "od",
    "filter_until": "do",
    "confidence_title": "Na ile ufać etykietom",
    "confidence_mean": "Średnia pewność etykiet: {mean}.",
    "confidence_low": "Pewność poniżej 0,5: {n} ({share} wszystkich rekordów).",
    "confidence_llm": "Odpowiedzi modelu LLM: {outcomes}.",
    "outcome_answered": "poprawne",
    "outcome_repaired": "naprawione",
    "outcome_fallback": "zastąpione regułami",
    "confidence_note": "Etykiety (etap, punkty styku, emocja, sentyment, punkty bólu, momenty prawdy) zostały "
                       "nadane automatycznie przez wymienione wyżej ekstraktory, a nie przez człowieka. Zanim "
                       "oprzesz decyzję na liczbie, przeczytaj cytaty. Aby zmierzyć trafność etykiet na własnych "
                       "opiniach, oznacz ręcznie próbkę i oceń na niej ekstraktor poleceniem "
                       "`journey eval GOLD.jsonl`.",
}

_LANGS = {"en": EN, "pl": PL}


def ui(lang: str) -> dict[str, str]:
    """The report's words in this language; English for a language it does not have."""
    return _LANGS.get(lang, EN)


def word(lang: str, key: str, fallback: str) -> str:
    """One word of the report, or the fallback (an id the dictionary does not know, such as a new ending)."""
    return ui(lang).get(key, fallback)


# -- numbers ---------------------------------------------------------------------------------------------------

def _decimal(text: str, lang: str) -> str:
    return text.replace(".", ",") if lang == "pl" else text


def fmt_int(n: int, lang: str) -> str:
    """12,345 in English, 12 345 in Polish (a no-break space, so a number never wraps)."""
    text = f"{n:,}"
    return text.replace(",", "\u00a0") if lang == "pl" else text


def fmt_pct(share: float, lang: str, digits: int = 0) -> str:
    """A 0..1 share as a percentage: 12% / 12,5%."""
    return _decimal(f"{share * 100:.{digits}f}%", lang)


def fmt_num(x: float, lang: str, digits: int = 2) -> str:
    return _decimal(f"{x:.{digits}f}", lang)


def fmt_sentiment(x: float | None, lang: str) -> str:
    """Sentiment with its sign (+0.42, -0.80), a dash when there is none."""
    if x is None:
        return "–"
    return _decimal(f"{x:+.2f}", lang) if round(x, 2) != 0 else _decimal("0.00", lang)


def fmt_records(n: int, lang: str) -> str:
    """'1 record', '3 records'; Polish has three forms: 1 rekord, 3 rekordy, 5 rekordów."""
    words = ui(lang)
    if n == 1:
        form = "record"
    elif lang == "pl" and n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        form = "records_few"
    else:
        form = "records"
    return f"{fmt_int(n, lang)} {words.get(form, words['records'])}"


# -- label names -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LabelNames:
    """Names of the labels a JourneyMap mentions, by id; an id the map never names is shown as it is."""

    stages: dict[str, str]
    touchpoints: dict[str, str]
    emotions: dict[str, str]
    pain_points: dict[str, str]

    @classmethod
    def of(cls, m: JourneyMap) -> LabelNames:
        emotions: dict[str, str] = {}
        pains: dict[str, str] = {p.id: p.name for p in m.pain_points}
        for column in m.stages:
            emotions.update((e.id, e.name) for e in column.emotions)
            pains.update((p.id, p.name) for p in column.pain_points)
        for point in m.emotion_curve:
            if point.dominant_emotion and point.dominant_emotion_name:
                emotions[point.dominant_emotion] = point.dominant_emotion_name
        touchpoints = dict(m.touchpoint_names)
        for column in m.stages:
            touchpoints.update((t.id, t.name) for t in column.touchpoints)
        return cls(stages={s.id: s.name for s in m.stages}, touchpoints=touchpoints, emotions=emotions,
                   pain_points=pains)

    def stage(self, label_id: str) -> str:
        return self.stages.get(label_id, label_id)

    def touchpoint(self, label_id: str) -> str:
        return self.touchpoints.get(label_id, label_id)

    def emotion(self, label_id: str) -> str:
        return self.emotions.get(label_id, label_id)

    def pain_point(self, label_id: str) -> str:
        return self.pain_points.get(label_id, label_id)
