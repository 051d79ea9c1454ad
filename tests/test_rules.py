"""The offline rules extractor, on a real spaCy tokenizer: cues, negation, inflection, intensity, evidence."""

from __future__ import annotations

import pytest

from extractor.extractors.rules import RulesExtractor
from extractor.pipeline import label_item
from extractor.schema import FeedbackItem
from extractor.taxonomy import default_taxonomy, load_taxonomy


@pytest.fixture(scope="module")
def mini(mini_taxonomy_path) -> RulesExtractor:
    return RulesExtractor(load_taxonomy(mini_taxonomy_path))


@pytest.fixture(scope="module")
def rules() -> RulesExtractor:
    return RulesExtractor(default_taxonomy())


def label(extractor, text: str, source: str = "review", lang: str | None = None):
    record = label_item(extractor, FeedbackItem(item_id="t", text=text, source=source, lang=lang))
    for event in record.events:
        assert text[event.evidence.start:event.evidence.end] == event.evidence.quote
    return record


def test_negation_cancels_a_cue_and_negated_cues_match_only_negated(mini):
    assert "delay" not in label(mini, "The parcel was not late at all.").pain_points
    assert "delay" in label(mini, "The parcel was late.").pain_points
    assert "delay" in label(mini, "Paczka nie dotarła.").pain_points
    assert "delay" not in label(mini, "Paczka dotarła wczoraj.").pain_points


def test_stems_cover_inflections_and_diacritics_are_folded(mini):
    for text in ("Kurier zgubił paczkę", "Nie mam jeszcze paczki", "paczka nie dotarla"):
        assert "delivery" in label(mini, text, lang="pl").touchpoints, text
    assert "delivery" in label(mini, "It was delivered on Monday").touchpoints


def test_english_contractions_are_negations(mini):
    record = label(mini, "The app doesn't work since Monday.")
    assert "product_quality" in record.pain_points
    assert "product_quality" not in label(mini, "Nothing ever broke.").pain_points


def test_sentiment_polarity_negation_and_intensity(mini):
    good, bad = label(mini, "Good product."), label(mini, "Bad product.")
    assert good.sentiment > 0.25 and bad.sentiment < -0.25
    assert label(mini, "Not good.").sentiment < 0
    assert label(mini, "Very good product.").sentiment > good.sentiment
    assert label(mini, "GOOD product!!!").sentiment > good.sentiment
    assert label(mini, "The order number is 1234.").sentiment == 0


def test_contrast_makes_the_clause_after_but_count_more(mini):
    assert label(mini, "The courier was good, but the quality is terrible").sentiment < 0
    assert label(mini, "The quality is bad, but the courier was excellent").sentiment > 0


def test_several_touchpoints_make_several_events_with_clause_evidence(mini):
    text = "Fast delivery, but the zip broke after a week. Still waiting for customer service."
    record = label(mini, text)
    assert {"delivery", "customer_service"} <= set(record.touchpoints)
    assert {"product_quality", "delay"} <= set(record.pain_points)
    quotes = {e.evidence.quote for e in record.events}
    assert "Fast delivery" in quotes
    assert any(q.startswith("Still waiting") for q in quotes)
    assert len(record.events) >= 3


def test_stage_moment_of_truth_and_emotion_from_the_taxonomy(mini):
    record = label(mini, "Paczka nie dotarła, obsługa klienta nie odpowiada. Nigdy więcej!", lang="pl")
    assert record.moment_of_truth and record.stage == "loyalty"
    assert record.emotion == "frustration"  # the pain points' emotion hint, no emotion cue present
    assert record.events[0].stage == "experience"  # an event keeps its own stage
    assert label(mini, "I love it").emotion == "delight"
    assert label(mini, "Nothing to say.").stage == "experience"


def test_source_implies_touchpoints_and_default_touchpoint_for_judgements(mini):
    assert label(mini, "@brand thanks, great!", source="social").touchpoints == ["product", "social_media"]
    assert label(mini, "Super, polecam!", lang="pl").touchpoints == ["product"]
    assert label(mini, "Order 1234.").touchpoints == []


def test_records_name_extractor_and_taxonomy(mini):
    record = label(mini, "late again")
    assert (record.extractor, record.taxonomy_id, record.model, record.prompt_id) == ("rules", "mini@1", None, None)
    assert 0 <= record.confidence <= 1


@pytest.mark.parametrize("text", [
    "", " ", "\n\n", "!!!", "😀😀 great", "a\r\nb\tc", "x" * 20000, "..., ;; -- ()", "NOT NOT not late",
    "Zażółć gęślą jaźń. ĄĘ", "good.bad,late;broke:love", "http://example.com/late?x=1 late",
])
def test_any_text_gives_a_valid_record_with_exact_evidence(rules, text):
    record = label(rules, text)
    assert -1 <= record.sentiment <= 1
    tax = default_taxonomy()
    assert record.stage in tax.stage_ids() and record.emotion in tax.emotion_ids()
    assert set(record.touchpoints) <= set(tax.touchpoint_ids())
    assert set(record.pain_points) <= set(tax.pain_point_ids())


def test_default_taxonomy_on_typical_complaints(rules):
    pl = label(rules, "Paczka nie dotarła na czas, a infolinia nie odbiera telefonu.", source="ticket")
    assert pl.lang == "pl" and "delivery" in pl.touchpoints and "delay" in pl.pain_points
    assert pl.sentiment < -0.25
    en = label(rules, "The parcel arrived two weeks late and customer service never answered my emails.",
               source="ticket")
    assert en.lang == "en" and "delay" in en.pain_points and "customer_service" in en.pain_points
    assert "delay" not in label(rules, "Delivery was not late this time, thanks!").pain_points
    assert label(rules, "Świetny produkt, bardzo polecam!").sentiment > 0.25


def test_batch_json_shortcut_writes_exactly_the_validated_record(rules):
    from extractor.ingest import ReadOptions, open_readers
    from extractor.pipeline import with_language
    from extractor.schema import JourneyRecord

    from .conftest import ROOT

    corpus = [str(p) for p in sorted((ROOT / "corpora").glob("*.jsonl"))] + [str(ROOT / "corpora" / "reviews.csv")]
    items = [row for reader in open_readers(corpus, ReadOptions()) for row in reader if isinstance(row, FeedbackItem)]
    assert len(items) > 200
    for item in items:
        item = with_language(item)
        line = rules.record_json(item)
        assert line == rules.extract(item).model_dump_json()
        assert JourneyRecord.model_validate_json(line).item_id == item.item_id


def test_lean_spacy_import_skips_the_cli_but_leaves_it_importable():
    """The extractor imports spaCy without `spacy.cli` (startup time); spaCy stays whole afterwards."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import extractor.extractors.rules\n"
        "assert 'spacy' in sys.modules and 'spacy.cli' not in sys.modules, sorted(m for m in sys.modules if 'cli' in m)\n"
        "import spacy, spacy.cli\n"
        "assert hasattr(spacy.cli, 'download') and spacy.cli.__file__\n"
        "assert callable(spacy.info) and spacy.blank('en')('a b').text == 'a b'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_anchor_words_do_not_change_what_multiword_cues_match(rules):
    """Cues are indexed by their rarest word ("stock" in "out of stock"), yet a hit starts at the cue's first
    word and negation counts from there."""
    from extractor.extractors.rules.cues import CueIndex, Target
    from extractor.extractors.rules.tokenizer import lean_tokenizer

    index = CueIndex(lambda: lean_tokenizer("en"), ["not"], ["the", "my"])
    index.add("where is my parcel", Target("pain_point", "x"))
    index.add("liczył* na", Target("emotion", "y"))
    anchors = {c.text: c.words[c.anchor][0] for cues in index._exact.values() for c in cues}
    anchors.update({c.text: c.words[c.anchor][0] for cues in index._stems.values() for c in cues})
    assert anchors == {"where is my parcel": "parcel", "liczył* na": "liczyl"}

    hits = rules.analyse("The item was out of stock.", "en").hits
    assert [(h.kind, h.start) for h in hits if h.kind == "pain_point"] == [("pain_point", 3)]
    assert not [h for h in rules.analyse("The item was not out of stock.", "en").hits if h.kind == "pain_point"]
