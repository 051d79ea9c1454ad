"""The journey map report's number formats in English and Polish, its words (from `extractor.texts`, the one
table per language the support desk page uses too), and the names of the labels a map mentions.

Label names (stages, touchpoints, emotions, pain points) are not in the texts: the JourneyMap already carries them in
the report's language; `LabelNames` only indexes them so a renderer can name the ids a journey step holds."""

from __future__ import annotations

from dataclasses import dataclass

from ..texts import table
from .model import JourneyMap, MapMeta


def ui(lang: str) -> dict[str, str]:
    """The report's words in this language; English for a language it does not have."""
    return table(lang)


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


# -- notes ---------------------------------------------------------------------------------------------------------

def learned_note(meta: MapMeta, lang: str) -> str | None:
    """The trust note's sentence on the records a learned model labelled: its calibrated confidence per field, as
    the expected share of right labels (None when no record was labelled by one)."""
    learned = meta.learned
    if learned is None:
        return None
    fields = ", ".join(f"{word(lang, name, name.replace('_', ' ')).lower()} {fmt_pct(share, lang)}"
                       for name, share in learned.fields.items())
    return ui(lang)["confidence_learned"].format(model=", ".join(learned.models),
                                                 records=fmt_records(learned.records, lang), fields=fields)


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
