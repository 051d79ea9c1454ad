"""`--extractor learned` (issue 19, build points 2 and 6): the records a learned model makes on extract, label, eval
and serve, what it keeps from the rules, its evidence and confidences, the errors a user reads, and the
distillation loop end to end. The model is trained once per module on a sample of the gold files (seconds)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import httpx
import pytest

from extractor.extractors import make_extractor
from extractor.extractors.learned import LearnedExtractor, LearnedModel, LearnedModelError
from extractor.extractors.learned.model import target_of
from extractor.schema import LABEL_FIELDS, LIST_FIELDS, FeedbackItem
from extractor.taxonomy import default_taxonomy, load_taxonomy

from .conftest import ROOT, run_journey
from .test_learning import FAST, assert_user_error, card_of, gold_rows, read_jsonl, write_jsonl
from .test_serve import journey_server

TAX = default_taxonomy()
AIRLINE = ROOT / "corpora" / "taxonomies" / "airline.json"
TICKETS = ROOT / "corpora" / "tickets.jsonl"
PL = "Paczka nie dotarła na czas, a infolinia nie odbiera telefonu. Nigdy więcej tu nie kupię."
EVENT_KEY = {"touchpoints": "touchpoint", "pain_points": "pain_point"}


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    """A model folder `journey train` wrote from every fourth row of both gold files."""
    tmp = tmp_path_factory.mktemp("learned")
    done = run_journey("train", str(write_jsonl(tmp / "train.jsonl", gold_rows())), "--out", str(tmp / "model"),
                       *FAST, "--quiet")
    assert done.returncode == 0, done.stderr
    assert card_of(tmp / "model")["fields"]
    return tmp / "model"


@pytest.fixture(scope="module")
def unseen(tmp_path_factory) -> Path:
    """Gold rows the model was not trained on, as a feedback export (no labels)."""
    rows = [{k: r[k] for k in ("id", "text", "lang", "source")} for r in gold_rows(offset=2)]
    return write_jsonl(tmp_path_factory.mktemp("unseen") / "feedback.jsonl", rows)


def extract(tmp_path: Path, inputs: Path, *args: str, name: str = "records.jsonl") -> list[dict]:
    out = tmp_path / name
    done = run_journey("extract", str(inputs), "--out", str(out), "--quiet", *args)
    assert done.returncode == 0, done.stderr
    return read_jsonl(out)


def texts_of(feedback: Path) -> dict[str, str]:
    return {r["id"]: r["text"] for r in read_jsonl(feedback)}


def assert_learned_records(records: list[dict], rules: list[dict], texts: dict[str, str], card: dict) -> None:
    """What every record of the learned extractor promises (issue 19, build point 2), given the rules' records
    and the texts of the same items."""
    by_id = {r["item_id"]: r for r in rules}
    assert [r["item_id"] for r in records] == list(by_id)
    for record in records:
        assert record["extractor"] == "learned" and record["model"] == record["learned"]["model"] == card["id"]
        confidences = record["learned"]["fields"]
        assert set(confidences) == set(card["fields"]) and all(0 <= c <= 1 for c in confidences.values())
        assert math.isclose(record["confidence"], sum(confidences.values()) / len(confidences), abs_tol=1e-3)
        for name in set(LABEL_FIELDS) - set(card["fields"]):
            assert record[name] == by_id[record["item_id"]][name], name
        text = texts[record["item_id"]]
        for event in record["events"]:
            span = event["evidence"]
            assert text[span["start"]:span["end"]] == span["quote"]
        for name in LIST_FIELDS:
            if name in card["fields"]:
                shown = {event[EVENT_KEY[name]] for event in record["events"]}
                assert set(record[name]) <= shown, (name, record[name], record["events"])


def agreement(name: str, records: list[dict], others: list[dict]) -> int:
    """How many records give the same label as the others (sentiment: the same polarity; lists: the same set)."""
    return sum(target_of(name, a[name]) == target_of(name, b[name]) for a, b in zip(records, others))


# -- extract, label, eval, serve ----------------------------------------------------------------------------------


def test_extract_learned_records_keep_the_rules_fields_the_model_did_not_learn(model, unseen, tmp_path):
    rules = extract(tmp_path, unseen, name="rules.jsonl")
    learned = extract(tmp_path, unseen, "-x", "learned", "--learned-model", str(model))
    card = card_of(model)
    assert_learned_records(learned, rules, texts_of(unseen), card)
    differs = {name for name in card["fields"] for a, b in zip(learned, rules) if a[name] != b[name]}
    assert differs, "a learned field never differs from the rules' label: the model is not used"


def test_the_library_gives_the_records_the_command_writes(model, unseen, tmp_path):
    extractor = make_extractor("learned", TAX, learned_model=model)
    assert isinstance(extractor, LearnedExtractor) and extractor.extract_many([]) == []
    rows = read_jsonl(unseen)[:20]
    items = [FeedbackItem(item_id=r["id"], text=r["text"], lang=r["lang"], source=r["source"]) for r in rows]
    written = extract(tmp_path, write_jsonl(tmp_path / "some.jsonl", rows), "-x", "learned", "--learned-model",
                      str(model))
    one_by_one = [json.loads(extractor.record_json(item)) for item in items]
    together = [r.model_dump(mode="json") for r in extractor.extract_many(items)]
    strip = lambda r: {k: v for k, v in r.items() if k != "origin"}  # noqa: E731
    assert [strip(r) for r in written] == [strip(r) for r in one_by_one] == [strip(r) for r in together]
    unseen_items = [FeedbackItem(item_id=r["id"], text=r["text"], lang=r["lang"], source=r["source"])
                    for r in read_jsonl(unseen)]
    assert extractor.records_json(unseen_items) == [r.model_dump_json() for r in extractor.extract_many(unseen_items)]


def test_label_prints_the_record_extract_writes(model, tmp_path):
    done = run_journey("label", PL, "-x", "learned", "--learned-model", str(model), "--json")
    assert done.returncode == 0, done.stderr
    labelled = json.loads(done.stdout)
    from_file = extract(tmp_path, write_jsonl(tmp_path / "one.jsonl", [{"id": labelled["item_id"], "text": PL,
                                                                     "source": labelled["source"]}]),
                        "-x", "learned", "--learned-model", str(model))[0]
    keep = set(LABEL_FIELDS) | {"extractor", "model", "learned", "confidence", "events"}
    assert {k: labelled[k] for k in keep} == {k: from_file[k] for k in keep}
    assert labelled["learned"]["model"] == card_of(model)["id"]


def test_eval_scores_the_learned_model(model, tmp_path):
    gold = model.parent / "train.jsonl"
    reports = {}
    for name, args in {"rules": (), "learned": ("-x", "learned", "--learned-model", str(model))}.items():
        done = run_journey("eval", str(gold), *args, "--json", str(tmp_path / f"{name}.json"), "--quiet")
        assert done.returncode == 0, done.stderr
        reports[name] = json.loads((tmp_path / f"{name}.json").read_text(encoding="utf-8"))
    learned, rules = reports["learned"], reports["rules"]
    assert learned["extractor"] == "learned" and learned["n"] == rules["n"] and learned["evidence_grounded"] == 1.0
    for name in card_of(model)["fields"]:  # on the items it was trained on, the model fits the labels better
        figure = "micro_f1" if name in LIST_FIELDS else "macro_f1" if name != "moment_of_truth" else "f1"
        assert learned[name][figure] > rules[name][figure], name


def test_serve_labels_with_the_learned_model(model, tmp_path):
    args = ("-x", "learned", "--learned-model", str(model), "--store", str(tmp_path / "no-store"),
            "--reviewed", str(tmp_path / "reviewed.jsonl"))
    with journey_server(*args, cwd=tmp_path) as server, server.client() as client:
        assert client.get("/healthz").json()["extractor"] == "learned"
        response = client.post("/api/label", json={"text": PL})
        assert response.status_code == 200, response.text
        record = response.json()
    assert "Traceback" not in server.stderr
    assert record["extractor"] == "learned" and record["learned"]["model"] == card_of(model)["id"]
    assert set(record["learned"]["fields"]) == set(card_of(model)["fields"])


# -- errors as a user reads them ----------------------------------------------------------------------------------


def test_a_missing_model_folder_is_an_error(tmp_path):
    done = run_journey("label", PL, "-x", "learned", "--learned-model", str(tmp_path / "nope"))
    assert_user_error(done, str(tmp_path / "nope"), "no such model folder", "journey train")


def test_a_folder_that_is_not_a_model_is_an_error(tmp_path):
    done = run_journey("extract", str(TICKETS), "-x", "learned", "--learned-model", str(tmp_path),
                       "--out", str(tmp_path / "r.jsonl"))
    assert_user_error(done, str(tmp_path), "not a learned model folder")
    assert not (tmp_path / "r.jsonl").exists()


def test_a_model_of_another_taxonomy_is_an_error(model):
    done = run_journey("label", PL, "-x", "learned", "--learned-model", str(model), "--taxonomy", str(AIRLINE))
    assert_user_error(done, card_of(model)["id"], TAX.ref, load_taxonomy(AIRLINE).ref, "--taxonomy")
    with pytest.raises(LearnedModelError, match="trained with the taxonomy"):
        LearnedExtractor(load_taxonomy(AIRLINE), LearnedModel.load(model))


def test_learned_model_with_another_extractor_is_an_error(model):
    done = run_journey("label", PL, "-x", "rules", "--learned-model", str(model))
    assert_user_error(done, "--learned-model is for --extractor learned")


# -- the distillation loop ----------------------------------------------------------------------------------------


def test_distillation_loop_llm_records_train_a_learned_extractor(base, tmp_path, monkeypatch):
    """The distillation loop of issue 19, as a CX team runs it:

    1. `journey extract feedback --extractor llm --out records.jsonl`: a model labels the items (here the stand-in
       OpenAI-compatible server the llm tests use; in production a paid or local model, e.g. via the Batch API);
    2. `journey train records.jsonl --inputs feedback --out MODEL`: the records (which hold no text) are joined with
       the feedback they were made from by item id, and the learner is trained on the llm's labels;
    3. `journey extract feedback --extractor learned --learned-model MODEL`: the fast offline extractor labels
       (here the same items; in production, millions) with no model server.
    """
    for key, value in {"OPENAI_API_KEY": "test", "JOURNEY_LLM_CACHE": str(tmp_path / "cache"),
                       "JOURNEY_STORE": str(tmp_path / "no-store")}.items():
        monkeypatch.setenv(key, value)
    llm = extract(tmp_path, TICKETS, "--extractor", "llm", "--base-url", base, name="llm.jsonl")
    assert len(llm) == len(read_jsonl(TICKETS)) and {r["extractor"] for r in llm} == {"llm"}

    folder = tmp_path / "distilled"
    done = run_journey("train", str(tmp_path / "llm.jsonl"), "--inputs", str(TICKETS), "--out", str(folder), *FAST)
    assert done.returncode == 0, done.stderr
    card = card_of(folder)
    assert card["examples"] == len(llm) and card["fields"]
    assert all(field["examples"] == len(llm) for field in card["fields"].values())
    assert card["fields"]["sentiment"]["cv"]["learned"] > card["fields"]["sentiment"]["cv"]["rules"]

    monkeypatch.delenv("OPENAI_API_KEY")  # the learned extractor needs no model server
    learned = extract(tmp_path, TICKETS, "--extractor", "learned", "--learned-model", str(folder))
    assert [r["item_id"] for r in learned] == [r["item_id"] for r in llm]
    assert {r["model"] for r in learned} == {card["id"]} and {r["extractor"] for r in learned} == {"learned"}
    rules = extract(tmp_path, TICKETS, name="rules.jsonl")
    assert_learned_records(learned, rules, texts_of(TICKETS), card)
    # it learned the llm's labels: on the items it was distilled from it agrees with the llm more than the rules do
    for name in card["fields"]:
        assert agreement(name, learned, llm) > agreement(name, rules, llm), name


def test_a_learned_list_label_no_rules_clause_shows_is_quoted_from_the_clause_that_supports_it(tmp_path):
    """Touchpoints only invented words give away: the rules find no clause for them, the model's event quotes the
    clause with the word."""
    words = {"glorbex": "delivery", "frindle": "website"}
    rows = [{"id": f"w{i}", "text": f"I wrote to you on day {i}. Then the {word} was slow again.", "lang": "en",
             "touchpoints": [words[word]]} for i in range(60) for word in [list(words)[i % 2]]]
    done = run_journey("train", str(write_jsonl(tmp_path / "train.jsonl", rows)), "--out", str(tmp_path / "m"),
                       *FAST, "--quiet")
    assert done.returncode == 0, done.stderr
    assert list(card_of(tmp_path / "m")["fields"]) == ["touchpoints"]
    extractor = make_extractor("learned", TAX, learned_model=tmp_path / "m")
    for word, touchpoint in words.items():
        text = f"I wrote to you on day 99. Then the {word} was slow again."
        record = extractor.extract(FeedbackItem(item_id=word, text=text, lang="en"))
        assert touchpoint in record.touchpoints
        quotes = [e.evidence.quote for e in record.events if e.touchpoint == touchpoint]
        assert quotes and all(word in q and "day 99" not in q for q in quotes), record.events


def test_labelling_many_items_does_not_grow_the_model_vocabulary(model):
    """A server or a run over millions of items meets new words (order numbers, names) all the time: the model's
    string store must not keep every one of them."""
    extractor = make_extractor("learned", TAX, learned_model=model)
    items = [FeedbackItem(item_id=str(n), text=f"Order {n * 7919} (code X{n}Q) arrived late.", lang="en")
             for n in range(300)]
    extractor.extract_many(items[:10])
    before = len(extractor.model.vocab.strings)
    records = extractor.extract_many(items[10:])
    assert len(extractor.model.vocab.strings) - before < 50
    assert [r.item_id for r in records] == [item.item_id for item in items[10:]]
    assert extractor.extract_many(items[10:]) == records  # words forgotten between batches change no label


def test_a_broken_model_card_is_one_line_that_says_what_to_do(model, tmp_path):
    (tmp_path / "model.json").write_text("{not json", encoding="utf-8")
    done = run_journey("label", PL, "-x", "learned", "--learned-model", str(tmp_path))
    assert_user_error(done, str(tmp_path / "model.json"), "not a model card", "journey train")
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


SHIPPABLE = {"evals/gold/en.jsonl", "evals/gold/pl.jsonl"}  # our own gold (evals/learn/shipped.py says why only it)


def test_the_shipped_model_is_the_default_and_was_trained_only_on_shippable_text(tmp_path):
    shipped = ROOT / "extractor" / "extractors" / "learned" / "shipped"
    card = card_of(shipped)
    assert set(card["inputs"]) <= SHIPPABLE and card["taxonomy_id"] == TAX.ref
    assert all(f["cv"]["learned"] > f["cv"]["rules"] for f in card["fields"].values())
    done = run_journey("label", PL, "-x", "learned", "--json")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["model"] == record["learned"]["model"] == card["id"]
    assert set(record["learned"]["fields"]) == set(card["fields"])
    rules = json.loads(run_journey("label", PL, "--json").stdout)
    assert all(record[f] == rules[f] for f in LABEL_FIELDS if f not in card["fields"])
