"""Reviewed items: appended safely, read back (latest review of a text wins), exported as a gold file that
`journey eval` accepts, and used first as the llm extractor's few-shot examples."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from extractor.extractors.llm import LLMExtractor, LLMSettings
from extractor.extractors.llm.examples import ReviewedExamples, StoreExamples, few_shot_source
from extractor.privacy import KINDS
from extractor.schema import FeedbackItem
from extractor.labelling.reviewed import (ExtractedLabels, ReviewedError, ReviewedItem, ReviewedLabels, ReviewedLog,
                                      changed_labels, export_gold, latest_per_text, read_reviewed)
from extractor.store.store import Hit
from extractor.taxonomy import default_taxonomy

from .conftest import run_journey
from .standin.fixture import captured_requests

TAX = default_taxonomy()
STAGES, TOUCHPOINTS, EMOTIONS, PAINS = TAX.stage_ids(), TAX.touchpoint_ids(), TAX.emotion_ids(), TAX.pain_point_ids()
PARCEL = "My parcel is two weeks late and the courier never answers the phone."
PACZKA = "Paczka spóźnia się dwa tygodnie, a kurier nie odbiera telefonu."


def reviewed(text: str, *, at: str = "2025-05-01T10:00:00Z", reviewer: str = "anna", stage: str | None = None,
             pains: tuple[str, ...] = (), lang: str = "en") -> ReviewedItem:
    original = ExtractedLabels(stage=STAGES[3], touchpoints=[TOUCHPOINTS[0]], emotion=EMOTIONS[6], sentiment=-0.7,
                               pain_points=[], moment_of_truth=False)
    corrected = ReviewedLabels(stage=stage or STAGES[3], touchpoints=[TOUCHPOINTS[0]], emotion=EMOTIONS[6],
                               sentiment=-1, pain_points=list(pains), moment_of_truth=False)
    return ReviewedItem(item_id=f"id-{abs(hash(text)) % 10**8}", text=text, lang=lang, source="ticket",
                        original=original, corrected=corrected, changed=changed_labels(original, corrected),
                        reviewer=reviewer, reviewed_at=at, extractor="rules", taxonomy_id=TAX.ref)


def test_changed_labels_compare_sets_and_sentiment_polarity():
    item = reviewed(PARCEL, pains=(PAINS[0],))
    assert item.changed == ["pain_points"]  # -0.7 and -1 are the same polarity
    same_order = ExtractedLabels(stage=STAGES[0], touchpoints=TOUCHPOINTS[:2], emotion=EMOTIONS[0], sentiment=0.1)
    flipped = ReviewedLabels(stage=STAGES[0], touchpoints=TOUCHPOINTS[:2][::-1], emotion=EMOTIONS[0], sentiment=1)
    assert changed_labels(same_order, flipped) == ["sentiment"]


def test_concurrent_appends_from_two_logs_never_interleave(tmp_path):
    path = tmp_path / "deep" / "reviewed.jsonl"
    logs = [ReviewedLog(path), ReviewedLog(path)]  # two writers: only the file lock keeps them apart
    text = "x" * 20_000  # lines longer than a pipe buffer

    def write(n: int) -> None:
        for k in range(25):
            logs[n % 2].append(reviewed(f"{text} {n}-{k}", reviewer=f"r{n}"))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    read = read_reviewed(path)
    assert read.skipped == [] and len(read.items) == 200
    assert {i.text.rsplit(" ", 1)[1] for i in read.items} == {f"{n}-{k}" for n in range(8) for k in range(25)}


def test_a_line_cut_by_a_killed_writer_is_skipped_and_named(tmp_path):
    path = tmp_path / "reviewed.jsonl"
    log = ReviewedLog(path)
    log.append(reviewed(PARCEL))
    with path.open("a", encoding="utf-8") as f:
        f.write('{"item_id": "half", "text": "cut o')
    log.append(reviewed(PACZKA, lang="pl"))
    read = read_reviewed(path)
    assert [i.text for i in read.items] == [PARCEL, PACZKA]
    assert len(read.skipped) == 1 and read.skipped[0].startswith(f"{path}:2: not JSON")
    assert read_reviewed(tmp_path / "missing.jsonl").items == []


def test_the_latest_review_of_a_text_wins():
    first = reviewed(PARCEL, at="2025-05-01T10:00:00Z", pains=(PAINS[0],))
    later = reviewed(PARCEL, at="2025-05-02T09:00:00Z", pains=(PAINS[1],), reviewer="piotr")
    same_second = reviewed(PACZKA, at="2025-05-01T10:00:00Z", stage=STAGES[1], lang="pl")
    saved_after = reviewed(PACZKA, at="2025-05-01T10:00:00Z", stage=STAGES[2], lang="pl")
    latest = latest_per_text([later, same_second, first, saved_after])
    assert [(i.text, i.reviewer, i.corrected.stage) for i in latest] == [
        (PARCEL, "piotr", STAGES[3]), (PACZKA, "anna", STAGES[2])]


def test_export_writes_gold_that_journey_eval_accepts(tmp_path):
    path = tmp_path / "reviewed.jsonl"
    log = ReviewedLog(path)
    log.append(reviewed(PARCEL, at="2025-05-01T10:00:00Z", pains=(PAINS[0],)))
    log.append(reviewed(PACZKA, lang="pl"))
    log.append(reviewed(PARCEL, at="2025-05-03T10:00:00Z", pains=(PAINS[0], PAINS[9])))
    row = json.loads(path.read_text(encoding="utf-8").splitlines()[1])
    row["corrected"]["stage"] = "teleportation"  # a label another taxonomy had
    row["text"] = "An item labelled with another taxonomy."
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(row) + "\n")
    gold = tmp_path / "gold" / "reviewed-gold.jsonl"
    result = run_journey("reviewed", "export", "--gold", str(gold), "--reviewed", str(path))
    assert result.returncode == 0, result.stderr
    assert "2 gold items from 4 reviews" in result.stderr and "1 earlier reviews of the same texts replaced" \
        in result.stderr
    assert "skipped" in result.stderr and "unknown stage 'teleportation'" in result.stderr
    rows = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines()]
    assert [list(r) for r in rows] == [["id", "text", "lang", "source", "stage", "touchpoints", "emotion",
                                        "sentiment", "pain_points", "moment_of_truth"]] * 2
    by_text = {r["text"]: r for r in rows}
    assert by_text[PARCEL]["pain_points"] == [PAINS[0], PAINS[9]] and by_text[PARCEL]["sentiment"] == -1
    assert by_text[PACZKA]["lang"] == "pl"
    scored = run_journey("eval", str(gold), "--json", str(tmp_path / "scores.json"), "--quiet")
    assert scored.returncode == 0, scored.stderr
    assert json.loads((tmp_path / "scores.json").read_text(encoding="utf-8"))["n"] == 2


def test_export_without_reviews_is_a_clear_error(tmp_path):
    result = run_journey("reviewed", "export", "--gold", "g.jsonl", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no reviewed items at .journey/reviewed.jsonl" in result.stderr
    with pytest.raises(ReviewedError, match="no review fits"):
        (tmp_path / "bad.jsonl").write_text("not json\n", encoding="utf-8")
        export_gold(tmp_path / "bad.jsonl", tmp_path / "g.jsonl", TAX)


# -- few-shot examples ----------------------------------------------------------------------------------------------


class FakeStore:
    """A feedback store's few-shot side: labelled items, most similar first."""

    def __init__(self, *texts: str):
        self.texts = texts

    def similar_examples(self, text: str, k: int) -> list[Hit]:
        return [Hit(f"s{n}", 0.9, t, {"stage": STAGES[3], "emotion": EMOTIONS[6], "touchpoints": TOUCHPOINTS[0]})
                for n, t in enumerate(self.texts)][:k]


def test_reviewed_items_come_first_then_the_store_masked_and_never_the_asked_text(tmp_path):
    path = tmp_path / "reviewed.jsonl"
    log = ReviewedLog(path)
    log.append(reviewed("The parcel is late again, the courier lost it. Write to jan.kowalski@example.com",
                        pains=(PAINS[0],)))
    log.append(reviewed(PARCEL))
    log.append(reviewed("Lovely fabric, the dress fits perfectly.", stage=STAGES[4]))
    source = ReviewedExamples(path, mask=KINDS, then=StoreExamples(FakeStore("Store item about a late delivery.")))
    examples = source.examples_for([PARCEL], 3)
    texts = [e.text for e in examples]
    assert PARCEL not in texts  # the item itself is never its own example
    assert texts[0].startswith("The parcel is late again") and "jan.kowalski@example.com" not in texts[0]
    assert texts[-1] == "Store item about a late delivery."
    assert "Lovely fabric" not in " ".join(texts)  # not similar enough to be shown before a store item
    assert examples[0].labels == {"stage": STAGES[3], "touchpoints": [TOUCHPOINTS[0]], "emotion": EMOTIONS[6],
                                  "sentiment": -1, "pain_points": [PAINS[0]], "moment_of_truth": False}


def test_a_new_review_is_used_from_the_next_request_on(tmp_path):
    path = tmp_path / "reviewed.jsonl"
    source = ReviewedExamples(path, mask=())
    assert source.examples_for([PARCEL], 2) == []  # no file yet
    ReviewedLog(path).append(reviewed("Courier lost my parcel, it is weeks late.", pains=(PAINS[0],)))
    assert [e.text for e in source.examples_for([PARCEL], 2)] == ["Courier lost my parcel, it is weeks late."]
    ReviewedLog(path).append(reviewed("Courier lost my parcel, it is weeks late.", pains=(PAINS[1],)))
    assert source.examples_for([PARCEL], 2)[0].labels["pain_points"] == [PAINS[1]]  # the latest review


def test_few_shot_source_and_the_extractor_wiring(tmp_path, monkeypatch):
    from extractor.cli.llm import LLMFlags, extractor_from_flags

    store = FakeStore("x")
    assert few_shot_source(None, None) is None
    assert isinstance(few_shot_source(store, None), StoreExamples)
    assert isinstance(few_shot_source(None, tmp_path / "r.jsonl"), ReviewedExamples)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    flags = LLMFlags(base_url="http://127.0.0.1:9/v1", few_shot=2)
    assert extractor_from_flags("llm", TAX, flags).examples is None  # no reviews file, no store: no examples, as before
    ReviewedLog(Path(".journey") / "reviewed.jsonl").append(reviewed(PARCEL))
    engine = extractor_from_flags("llm", TAX, flags, store)
    assert isinstance(engine.examples, ReviewedExamples) and isinstance(engine.examples.then, StoreExamples)
    replay = LLMFlags(base_url="http://127.0.0.1:9/v1", few_shot=2, cassette=tmp_path / "c.yaml")
    assert isinstance(extractor_from_flags("llm", TAX, replay, store).examples, StoreExamples)  # a replay's prompts stay
    assert extractor_from_flags("llm", TAX, LLMFlags(base_url="http://127.0.0.1:9/v1", few_shot=0)).examples is None


def test_the_model_sees_the_reviewed_example_before_the_store_one(base, tmp_path):
    path = tmp_path / "reviewed.jsonl"
    ReviewedLog(path).append(reviewed("The courier lost my parcel and it is weeks late.", pains=(PAINS[0],)))
    settings = LLMSettings(base_url=base, api_key="test", cache_dir=tmp_path / "cache", backoff=0.01, few_shot=2)
    engine = LLMExtractor(TAX, settings, examples=ReviewedExamples(
        path, then=StoreExamples(FakeStore("Store: my late parcel never came."))))
    try:
        engine.extract_many([FeedbackItem(item_id="q", lang="en", text=PARCEL)])
    finally:
        engine.close()
    user = captured_requests(base)[0]["messages"][-1]["content"]
    reviewed_at, store_at = user.find("The courier lost my parcel"), user.find("Store: my late parcel")
    assert 0 <= reviewed_at < store_at < user.find(PARCEL)
