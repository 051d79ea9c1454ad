"""`journey train` (issue 19, build point 1) as a user runs it and as a library caller: the model folder and its
card, which fields are learned and why the others are not, partial label files, records joined with their texts,
and the errors a user reads. Every model here is trained on a hundred-odd rows with small settings (seconds)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from extractor.extractors.learned import LearnedModel, ModelCard
from extractor.extractors.learned.model import CARD, WEIGHTS
from extractor.extractors.rules import RulesExtractor
from extractor.labelling.labelled import read_labelled
from extractor.learning import TrainingError, TrainSettings, train
from extractor.learning.classifier import ClassifierSettings
from extractor.learning.train import data_hash
from extractor.schema import LABEL_FIELDS, FeedbackItem, polarity
from extractor.taxonomy import default_taxonomy

from .conftest import ROOT, run_journey

TAX = default_taxonomy()
GOLD = [ROOT / "evals" / "gold" / "en.jsonl", ROOT / "evals" / "gold" / "pl.jsonl"]
FAST = ("--folds", "2", "--workers", "1", "--epochs", "3", "--hash-rows", "4096", "--min-examples", "10")
SETTINGS = TrainSettings(folds=2, workers=1, min_examples=10, classifier=ClassifierSettings(epochs=3, hash_rows=4096))
# words no lexicon knows: only a learner that reads the text can tell these items' sentiment
GOOD, BAD = ("zorbly", "quintary"), ("blimfy", "draxen")


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def gold_rows(every: int = 4, offset: int = 0) -> list[dict]:
    """Every `every`-th gold row of each language (a spread of stages, both languages)."""
    return [row for path in GOLD for row in read_jsonl(path)[offset::every]]


def invented_rows(n: int = 60) -> list[dict]:
    """Texts whose sentiment only an invented word gives away, labelled with a sentiment score alone."""
    rows = []
    for i in range(n):
        good = i % 2 == 0
        word = (GOOD if good else BAD)[(i // 2) % 2]
        rows.append({"id": f"inv-{i}", "text": f"Ticket {i}: the courier was {word} today.", "lang": "en",
                     "sentiment": round(0.6 + 0.01 * (i % 30), 2) * (1 if good else -1)})
    return rows


def train_cli(tmp_path: Path, *labelled: Path, out: str = "model", extra: tuple[str, ...] = ()):
    done = run_journey("train", *map(str, labelled), "--out", str(tmp_path / out), *FAST, *extra)
    return done, tmp_path / out


def card_of(folder: Path) -> dict:
    return json.loads((folder / CARD).read_text(encoding="utf-8"))


def assert_user_error(done, *phrases: str) -> None:
    """Exit code 2, one `Error:` line that says what is wrong, no traceback."""
    assert done.returncode == 2, (done.stdout, done.stderr)
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "Traceback" not in done.stderr, done.stderr
    for phrase in phrases:
        assert phrase in errors[0], errors[0]


@pytest.fixture(scope="module")
def gold_model(tmp_path_factory):
    """One model trained by `journey train` on a sample of each gold file: (its two training files, folder, run)."""
    tmp = tmp_path_factory.mktemp("gold-model")
    files = [write_jsonl(tmp / f"sample-{path.name}", read_jsonl(path)[::4]) for path in GOLD]
    done, folder = train_cli(tmp, *files)
    assert done.returncode == 0, done.stderr
    return files, folder, done


# -- the model folder and its card ------------------------------------------------------------------------------


def test_train_writes_a_model_folder_whose_card_says_what_was_learned_from_what(gold_model):
    files, folder, done = gold_model
    rows = [row for path in files for row in read_jsonl(path)]
    card = card_of(folder)
    assert (folder / WEIGHTS).is_dir() and card["taxonomy_id"] == TAX.ref
    assert card["examples"] == len(rows) and card["inputs"] == [str(path) for path in files]
    assert card["fields"], "the gold sample teaches at least one field better than the rules"
    assert set(card["fields"]) | set(card["not_learned"]) == set(LABEL_FIELDS)
    assert not set(card["fields"]) & set(card["not_learned"])
    for name, field in card["fields"].items():
        values = [v for row in rows for v in (row[name] if isinstance(row[name], list) else [row[name]])]
        expected = Counter(str(polarity(v)) if name == "sentiment" else str(v).lower() if isinstance(v, bool)
                           else str(v) for v in values)
        assert field["examples"] == len(rows)
        assert {k: n for k, n in field["per_label"].items() if n} == dict(expected)
        cv = field["cv"]
        assert cv["items"] == len(rows) and cv["learned"] > cv["rules"] and 0 <= cv["ece"] <= 1
        assert {k: v["items"] for k, v in cv["by_input"].items()} == {str(p): len(read_jsonl(p)) for p in files}
    assert LearnedModel.load(folder).card == ModelCard.model_validate(card)
    table = done.stdout.splitlines()
    for name in LABEL_FIELDS:  # the summary has a row per field, saying which extractor keeps it
        row = next(line for line in table if line.startswith(f"{name} "))
        assert row.rstrip().endswith("learned") == (name in card["fields"])
    assert f"model {card['id']} written to" in done.stderr


def test_the_data_hash_follows_the_data_and_not_the_file(gold_model, tmp_path):
    files, folder, _ = gold_model
    rows = [row for path in files for row in read_jsonl(path)]
    assert card_of(folder)["data_sha256"] == data_hash(read_labelled(files, TAX))
    copy = write_jsonl(tmp_path / "elsewhere.jsonl", rows)
    assert data_hash(read_labelled([copy], TAX)) == card_of(folder)["data_sha256"]
    relabelled = [dict(rows[0], stage=next(s for s in TAX.stage_ids() if s != rows[0]["stage"])), *rows[1:]]
    changed = write_jsonl(tmp_path / "relabelled.jsonl", relabelled)
    assert data_hash(read_labelled([changed], TAX)) != card_of(folder)["data_sha256"]
    shorter = write_jsonl(tmp_path / "shorter.jsonl", rows[:-1])
    assert data_hash(read_labelled([shorter], TAX)) != card_of(folder)["data_sha256"]


def test_training_the_same_data_twice_gives_the_same_model_on_one_process_or_two():
    labelled = read_labelled([GOLD[0]], TAX)
    labelled.texts = labelled.texts[::3]
    first, second = (train(labelled, TAX, ["gold"], "m", replace(SETTINGS, workers=workers)).card
                     for workers in (1, 2))
    assert first.data_sha256 == second.data_sha256
    assert first.fields == second.fields and first.not_learned == second.not_learned


# -- which fields are learned ------------------------------------------------------------------------------------


def test_a_partial_file_of_sentiment_scores_trains_sentiment_only(tmp_path):
    rows = [{"text": r["text"], "sentiment": r["sentiment"]} for r in invented_rows()]
    done, folder = train_cli(tmp_path, write_jsonl(tmp_path / "sentiment.jsonl", rows))
    assert done.returncode == 0, done.stderr
    card = card_of(folder)
    assert list(card["fields"]) == ["sentiment"] and card["fields"]["sentiment"]["examples"] == len(rows)
    assert card["fields"]["sentiment"]["per_label"] == {"-1": 30, "0": 0, "1": 30}
    assert card["fields"]["sentiment"]["cv"]["learned"] >= 0.9
    for name in set(LABEL_FIELDS) - {"sentiment"}:
        assert card["not_learned"][name] == "no labelled item"


def test_a_field_with_too_few_labels_is_not_trained_and_the_summary_says_why(tmp_path):
    rows = invented_rows()
    for row in rows[:6]:
        row["stage"] = "experience"
    done, folder = train_cli(tmp_path, write_jsonl(tmp_path / "few-stages.jsonl", rows))
    assert done.returncode == 0, done.stderr
    card = card_of(folder)
    assert "stage" not in card["fields"] and card["not_learned"]["stage"] == "6 labelled items, fewer than 10"
    stage_row = next(line for line in done.stdout.splitlines() if line.startswith("stage "))
    assert "rules: 6 labelled items, fewer than 10" in stage_row


def test_a_field_the_rules_beat_by_cross_validation_stays_with_the_rules(tmp_path):
    """Emotion labelled with the rules' own emotion: no model can score higher than the rules on it."""
    rules = RulesExtractor(TAX)
    rows = []
    for row in gold_rows():
        item = FeedbackItem(item_id=row["id"], text=row["text"], lang=row["lang"], source=row["source"])
        rows.append({"text": row["text"], "lang": row["lang"], "source": row["source"], "stage": row["stage"],
                     "emotion": rules.extract(item).emotion})
    done, folder = train_cli(tmp_path, write_jsonl(tmp_path / "rules-emotion.jsonl", rows))
    assert done.returncode == 0, done.stderr
    card = card_of(folder)
    assert "stage" in card["fields"] and "emotion" not in card["fields"]
    assert card["cv_only"]["emotion"]["rules"] == 1.0
    assert card["not_learned"]["emotion"].startswith("the rules score higher or the same by cross-validation")
    emotion_row = next(line for line in done.stdout.splitlines() if line.startswith("emotion "))
    assert emotion_row.rstrip().endswith("rules")


def test_when_the_rules_win_every_field_the_library_raises_and_writes_nothing(tmp_path):
    rules = RulesExtractor(TAX)
    rows = [{"text": row["text"], "lang": row["lang"],
             "sentiment": rules.extract(FeedbackItem(item_id=row["id"], text=row["text"], lang=row["lang"])).sentiment}
            for row in gold_rows()]
    labelled = read_labelled([write_jsonl(tmp_path / "rules-sentiment.jsonl", rows)], TAX)
    with pytest.raises(TrainingError, match="the rules extractor does as well as a learned model"):
        train(labelled, TAX, ["rules-sentiment.jsonl"], "m", SETTINGS)
    done, folder = train_cli(tmp_path, tmp_path / "rules-sentiment.jsonl")
    assert_user_error(done, "sentiment: the rules score higher or the same")
    assert not folder.exists()


# -- records files and their texts ------------------------------------------------------------------------------


@pytest.fixture
def distilled(tmp_path) -> tuple[Path, Path, list[dict]]:
    """A feedback export and a records file made from it (in another order), labelled with sentiment only."""
    rows = invented_rows()
    feedback = write_jsonl(tmp_path / "feedback.jsonl", [{"id": r["id"], "text": r["text"]} for r in rows])
    records = [{"item_id": r["id"], "extractor": "llm", "taxonomy_id": TAX.ref, "sentiment": r["sentiment"]}
               for r in reversed(rows)]
    return feedback, write_jsonl(tmp_path / "records.jsonl", records), records


def test_a_records_file_needs_the_inputs_it_was_made_from(distilled, tmp_path):
    feedback, records, _ = distilled
    done, folder = train_cli(tmp_path, records)
    assert_user_error(done, f"{records}:1", "pass the input file")
    assert not folder.exists()


def test_records_are_joined_with_their_texts_by_item_id(distilled, tmp_path):
    feedback, records, rows = distilled
    done, folder = train_cli(tmp_path, records, extra=("--inputs", str(feedback)))
    assert done.returncode == 0, done.stderr
    card = card_of(folder)
    assert card["examples"] == len(rows) and list(card["fields"]) == ["sentiment"]
    # the records run in the other order: only texts joined by id let the words predict the labels
    assert card["fields"]["sentiment"]["cv"]["learned"] >= 0.9


# -- errors as a user reads them ----------------------------------------------------------------------------------


def test_a_file_without_any_usable_label_is_an_error(tmp_path):
    data = write_jsonl(tmp_path / "texts.jsonl", [{"text": f"Just a text {n}."} for n in range(20)])
    done, folder = train_cli(tmp_path, data)
    assert_user_error(done, str(data), "no line with a usable label", "no label field")
    assert not folder.exists()


def test_an_unknown_field_is_named(gold_model, tmp_path):
    files, _, _ = gold_model
    done, folder = train_cli(tmp_path, *files, extra=("--fields", "stage,mood"))
    assert_user_error(done, "--fields: mood is not a label field", "stage, touchpoints")
    assert not folder.exists()


def test_fields_limits_what_is_learned(gold_model, tmp_path):
    files, full, _ = gold_model
    learned = list(card_of(full)["fields"])
    done, folder = train_cli(tmp_path, *files, extra=("--fields", learned[0]))
    assert done.returncode == 0, done.stderr
    card = card_of(folder)
    assert list(card["fields"]) == learned[:1]
    assert all(card["not_learned"][name] == "not asked for (--fields)" for name in LABEL_FIELDS if name != learned[0])


def test_an_out_that_is_a_file_is_an_error_before_training(gold_model, tmp_path):
    files, _, _ = gold_model
    (tmp_path / "model").write_text("not a folder", encoding="utf-8")
    done, folder = train_cli(tmp_path, *files)
    assert_user_error(done, f"--out {folder}", "folder")
    assert "cross-validating" not in done.stderr and folder.read_text(encoding="utf-8") == "not a folder"
