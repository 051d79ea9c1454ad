"""Probe for issue 19 (a learned extractor): what spaCy's bag-of-words `textcat` reaches from labels.

    nice -n 10 .venv/bin/python benchmarks/learn_probe.py [--data ../shared/data] [--json FILE]

Measures, with spaCy only (numpy for the arithmetic; no scikit-learn), seeds fixed:

1. Polarity by stratified 5-fold cross-validation on the dev halves of ../shared/data (read by path,
   never copied): airline_tweets.jsonl sentiment (rows with a unanimous crowd label,
   labels.sentiment_conf == 1.0: negative / neutral / positive), macro-F1; allegro_reviews_pl.jsonl
   polarity (non-empty text, rating 1-2 -> negative, 4-5 -> positive, 3 excluded: the same rows and
   mapping as benchmarks/external_checks.py), accuracy.
2. Journey stage on gold (../shared/gold/dev.jsonl + evals/gold/en.jsonl + evals/gold/pl.jsonl):
   5-fold CV macro-F1 of `stage`, next to the rules extractor's stage on the same test items.
3. Speed: seconds to train on 10,000 dev items (airline + Allegro, one multilingual model) and
   items/s of prediction with nlp.pipe against spacy.blank("en") + sentencizer over the same texts:
   the rules extraction alone, the textcat on raw texts (spaCy's tokenizer), the textcat with its
   features from cold caches (rules analysis included; `hits+rules` runs the rules twice, once for
   the hits and once for the record), and the textcat alone over docs already built.
   Without the airline task, --config/--epochs name the model that checks 3 and 4 use.
4. Calibration: expected calibration error (10 equal-width bins of the top-class probability) of the
   airline model on the held-out folds, and after temperature scaling fitted on a calibration split
   held out from the training folds.

Learner: spacy.blank(lang) + textcat, spacy.TextCatBOW.v3, exclusive classes, ngram_size 1/2/3,
trained with nlp.update (Adam defaults, minibatches of BATCH, dropout DROPOUT, EPOCHS epochs, scored
at each epoch in CHECKPOINTS; stage: STAGE_CHECKPOINTS). Docs are built from the words of the rules
extractor's tokenizer (the one tokenizer pass a learned extractor would share with the rules).
Feature variants, appended to the words as whole tokens:
- `text`: none;
- `hits`: one pseudo-word per rules cue hit (__pos__, __neg__, __emotion_anger__, __not_pain_point_delay__);
- `hits+rules`: also the rules record's own stage and polarity (__rules_stage_X__, __rules_sent_-1__).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from extractor.extractors import make_extractor  # noqa: E402  (imports spaCy lean, before spacy below)
from extractor.evaluation.metrics import accuracy, macro_f1  # noqa: E402
from extractor.learning.train import stratified_folds as train_folds  # noqa: E402
from extractor.pipeline import label_item  # noqa: E402
from extractor.schema import FeedbackItem, polarity  # noqa: E402
from extractor.taxonomy import default_taxonomy  # noqa: E402

import spacy  # noqa: E402
from spacy.tokens import Doc  # noqa: E402
from spacy.training import Example  # noqa: E402
from spacy.util import fix_random_seed, minibatch  # noqa: E402
from spacy.vocab import Vocab  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"
DEFAULT_GOLD = [ROOT.parent / "shared" / "gold" / "dev.jsonl", ROOT / "evals" / "gold" / "en.jsonl",
                ROOT / "evals" / "gold" / "pl.jsonl"]
SEED = 0
FOLDS = 5
NGRAMS = (1, 2, 3)
VARIANTS = ("text", "hits", "hits+rules")
EPOCHS = 9
CHECKPOINTS = (3, 6, 9)
STAGE_CHECKPOINTS = (10, 20, 30)  # 510 training items a fold: more passes than the 4,000-item tasks
BATCH = 32
DROPOUT = 0.2
BOW_LENGTH = 262144  # hashed n-gram table rows (spaCy's default for TextCatBOW.v3)
ECE_BINS = 10
ECE_TARGET = 0.05
SPEED_ITEMS = 10_000
POLARITY_NAME = {-1: "negative", 0: "neutral", 1: "positive"}
ALLEGRO_POLARITY = {1.0: "negative", 2.0: "negative", 4.0: "positive", 5.0: "positive"}
ALLEGRO_SPEED_CLASS = {**ALLEGRO_POLARITY, 3.0: "neutral"}


@dataclass
class Item:
    text: str
    lang: str
    label: str
    source: str = "review"
    origin: str = ""
    id: str = ""


@dataclass
class Featurer:
    """Rules-extractor features of a text, cached by (text, lang)."""

    extractor: object = field(default_factory=lambda: make_extractor("rules", default_taxonomy()))
    cache: dict = field(default_factory=dict)

    def analysis(self, text: str, lang: str) -> tuple[list[str], list[str]]:
        """The text's words as the rules tokenizer cuts them, and one pseudo-word per cue hit (one pass)."""
        key = ("analysis", text, lang)
        if key not in self.cache:
            an = self.extractor.analyse(text, lang)
            words = [text[o:o + n] for o, n in zip(an.offsets, an.lengths)]
            self.cache[key] = (words, [hit_word(h.kind, h.label, h.value) for h in an.hits])
        return self.cache[key]

    def rules_words(self, item: Item) -> list[str]:
        key = ("rules", item.text, item.lang, item.source)
        if key not in self.cache:
            rec = label_item(self.extractor, FeedbackItem(item_id=item.id or "x", text=item.text, lang=item.lang,
                                                          source=item.source))
            self.cache[key] = [f"__rules_stage_{rec.stage}__", f"__rules_sent_{polarity(rec.sentiment)}__"]
        return self.cache[key]

    def words(self, item: Item, variant: str) -> list[str]:
        if variant == "text":
            return []
        extra = self.analysis(item.text, item.lang)[1]
        return extra + self.rules_words(item) if variant == "hits+rules" else extra

    def rules_stage(self, item: Item) -> str:
        return self.rules_words(item)[0][len("__rules_stage_"):-2]


def hit_word(kind: str, label: str | None, value: float) -> str:
    """One cue hit as a pseudo-word: polarity by its sign, other cues by kind and label (negated: __not_)."""
    if kind == "polarity":
        return "__pos__" if value > 0 else "__neg__"
    return f"__{'not_' if value < 0 else ''}{kind}_{label}__"


# -- data -------------------------------------------------------------------------------------------

def read_jsonl(path: Path) -> Iterable[dict]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def dev_rows(path: Path) -> Iterable[dict]:
    return (r for r in read_jsonl(path) if r.get("split") == "dev" and (r.get("text") or "").strip())


def airline_items(data: Path) -> list[Item]:
    return [Item(r["text"], "en", r["labels"]["sentiment"], "social", id=r["id"])
            for r in dev_rows(data / "airline_tweets.jsonl")
            if r["labels"].get("sentiment_conf") == 1.0 and r["labels"].get("sentiment") in POLARITY_NAME.values()]


def allegro_items(data: Path, mapping: dict[float, str] = ALLEGRO_POLARITY) -> list[Item]:
    return [Item(r["text"], "pl", mapping[r["labels"]["rating"]], "review", id=r["id"])
            for r in dev_rows(data / "allegro_reviews_pl.jsonl") if r["labels"].get("rating") in mapping]


def gold_items(paths: Sequence[Path]) -> list[Item]:
    return [Item(r["text"], r.get("lang") or "en", r["stage"], r.get("source") or "review",
                 f"{p.parent.parent.name}/{p.parent.name}/{p.stem}", r.get("id", ""))
            for p in paths for r in read_jsonl(p)]


def speed_items(data: Path) -> list[Item]:
    """10,000 dev items: every airline tweet with a sentiment label, then Allegro reviews (3 stars: neutral)."""
    air = [Item(r["text"], "en", r["labels"]["sentiment"], "social", id=r["id"])
           for r in dev_rows(data / "airline_tweets.jsonl") if r["labels"].get("sentiment") in POLARITY_NAME.values()]
    return (air + allegro_items(data, ALLEGRO_SPEED_CLASS))[:SPEED_ITEMS]


# -- docs, folds, training --------------------------------------------------------------------------

class DocMaker:
    """Docs in one shared, attribute-free vocab: the words of the rules tokenizer (the one tokenizer pass a
    learned extractor would share with the rules), then the feature pseudo-words as whole tokens."""

    def __init__(self, featurer: Featurer):
        self.vocab = Vocab()
        self.featurer = featurer

    def doc(self, item: Item, variant: str) -> Doc:
        words = self.featurer.analysis(item.text, item.lang)[0]
        return Doc(self.vocab, words=words + self.featurer.words(item, variant))


def stratified_folds(labels: Sequence[str], k: int = FOLDS, seed: int = SEED) -> np.ndarray:
    """Fold number of each item: each class shuffled and dealt round-robin over k folds (journey train's)."""
    return train_folds(labels, k, seed)


def new_model(lang: str, vocab: Vocab, classes: Sequence[str], ngram: int):
    nlp = spacy.blank(lang, vocab=vocab)
    textcat = nlp.add_pipe("textcat", config={"model": {
        "@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True, "ngram_size": ngram,
        "no_output_layer": False, "length": BOW_LENGTH}})
    for cls in classes:
        textcat.add_label(cls)
    return nlp, textcat


def train(lang: str, vocab: Vocab, docs: Sequence[Doc], labels: Sequence[str], classes: Sequence[str], ngram: int,
          epochs: int = EPOCHS, on_epoch: Callable[[int, object], None] | None = None):
    """spaCy's own loop: nlp.update over shuffled minibatches; on_epoch(epoch, textcat) after each epoch."""
    fix_random_seed(SEED)
    nlp, textcat = new_model(lang, vocab, classes, ngram)
    examples = [Example.from_dict(d, {"cats": {c: float(c == y) for c in classes}}) for d, y in zip(docs, labels)]
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(SEED)
    for epoch in range(1, epochs + 1):
        rng.shuffle(examples)
        for batch in minibatch(examples, size=BATCH):
            nlp.update(batch, drop=DROPOUT, sgd=optimizer)
        if on_epoch:
            on_epoch(epoch, textcat)
    return nlp, textcat


def cross_validate(lang: str, vocab: Vocab, docs: list[Doc], labels: list[str], classes: list[str], ngram: int,
                   folds: np.ndarray, checkpoints: Sequence[int] = CHECKPOINTS) -> dict[int, np.ndarray]:
    """Out-of-fold class probabilities (items x classes) at each checkpoint epoch."""
    probs = {e: np.zeros((len(docs), len(classes))) for e in checkpoints}
    for k in range(folds.max() + 1):
        test = np.flatnonzero(folds == k)
        train_idx = np.flatnonzero(folds != k)
        test_docs = [docs[i] for i in test]

        def score(epoch: int, textcat) -> None:
            if epoch in probs:
                probs[epoch][test] = textcat.predict(test_docs)

        train(lang, vocab, [docs[i] for i in train_idx], [labels[i] for i in train_idx], classes, ngram,
              max(checkpoints), score)
    return probs


# -- calibration ------------------------------------------------------------------------------------

def ece(probs: np.ndarray, gold: np.ndarray, bins: int = ECE_BINS) -> float:
    """Expected calibration error over equal-width bins of the top-class probability."""
    conf = probs.max(1)
    right = probs.argmax(1) == gold
    which = np.minimum((conf * bins).astype(int), bins - 1)
    return float(sum(abs(conf[which == b].mean() - right[which == b].mean()) * (which == b).sum()
                     for b in range(bins) if (which == b).any()) / len(gold))


def temper(probs: np.ndarray, t: float) -> np.ndarray:
    logits = np.log(np.clip(probs, 1e-12, 1.0)) / t
    logits -= logits.max(1, keepdims=True)
    e = np.exp(logits)
    return e / e.sum(1, keepdims=True)


def fit_temperature(probs: np.ndarray, gold: np.ndarray) -> float:
    """The temperature (grid 0.2-5, log-spaced) with the lowest negative log-likelihood."""
    grid = np.exp(np.linspace(np.log(0.2), np.log(5.0), 161))
    nll = [-np.log(np.clip(temper(probs, t)[np.arange(len(gold)), gold], 1e-12, 1)).mean() for t in grid]
    return float(grid[int(np.argmin(nll))])


# -- the checks -------------------------------------------------------------------------------------

def score_probs(probs: np.ndarray, labels: list[str], classes: list[str]) -> dict:
    pred = [classes[i] for i in probs.argmax(1)]
    return {"macro_f1": round(macro_f1(labels, pred), 4), "accuracy": round(accuracy(labels, pred), 4)}


def polarity_task(name: str, lang: str, items: list[Item], maker: DocMaker, log: Callable) -> dict:
    """Every ngram x feature variant by stratified CV; figures at each checkpoint epoch."""
    labels = [it.label for it in items]
    classes = sorted(set(labels))
    folds = stratified_folds(labels)
    out = {"items": len(items), "classes": {c: labels.count(c) for c in classes}, "runs": {}}
    for variant in VARIANTS:
        docs = [maker.doc(it, variant) for it in items]
        for ngram in NGRAMS:
            t0 = time.perf_counter()
            probs = cross_validate(lang, maker.vocab, docs, labels, classes, ngram, folds)
            key = f"ngram{ngram}/{variant}"
            out["runs"][key] = {str(e): score_probs(p, labels, classes) for e, p in probs.items()}
            out["runs"][key]["seconds"] = round(time.perf_counter() - t0, 1)
            log(f"{name} {key}: {out['runs'][key]}")
    return out


def rules_polarity_scores(items: list[Item], featurer: Featurer) -> dict:
    labels = [it.label for it in items]
    pred = [POLARITY_NAME[int(featurer.rules_words(it)[1][len("__rules_sent_"):-2])] for it in items]
    return {"macro_f1": round(macro_f1(labels, pred), 4), "accuracy": round(accuracy(labels, pred), 4)}


def stage_task(items: list[Item], maker: DocMaker, log: Callable) -> dict:
    """Stage by CV on the gold sets (one multilingual model), next to the rules on the same items."""
    labels = [it.label for it in items]
    classes = sorted(set(labels))
    folds = stratified_folds(labels)
    rules = [maker.featurer.rules_stage(it) for it in items]
    origins = sorted(set(it.origin for it in items))
    out = {"items": len(items), "classes": {c: labels.count(c) for c in classes}, "runs": {},
           "rules": subset_scores(items, labels, rules, folds, origins)}
    for variant in VARIANTS:
        docs = [maker.doc(it, variant) for it in items]
        for ngram in NGRAMS:
            probs = cross_validate("xx", maker.vocab, docs, labels, classes, ngram, folds, STAGE_CHECKPOINTS)
            key = f"ngram{ngram}/{variant}"
            out["runs"][key] = {str(e): subset_scores(items, labels, [classes[i] for i in p.argmax(1)], folds, origins)
                                for e, p in probs.items()}
            log(f"stage {key}: { {e: r['all'] for e, r in out['runs'][key].items()} }")
    return out


def subset_scores(items: list[Item], gold: list[str], pred: list[str], folds: np.ndarray, origins: list[str]) -> dict:
    """Pooled out-of-fold macro-F1 over all items and per gold file, plus the mean of the per-fold macro-F1."""
    def mf1(idx: Iterable[int]) -> float:
        idx = list(idx)
        return round(macro_f1([gold[i] for i in idx], [pred[i] for i in idx]), 4)
    out = {"all": mf1(range(len(items))),
           "fold_mean": round(float(np.mean([mf1(np.flatnonzero(folds == k)) for k in range(folds.max() + 1)])), 4)}
    for origin in origins:
        out[origin] = mf1(i for i, it in enumerate(items) if it.origin == origin)
    return out


def calibration_task(items: list[Item], maker: DocMaker, variant: str, ngram: int, epochs: int) -> dict:
    """ECE of the held-out folds; temperature fitted per fold on a 20% calibration split of the training folds
    (the model for that check trained on the other 80%), applied to that model's test-fold probabilities."""
    labels = [it.label for it in items]
    classes = sorted(set(labels))
    gold = np.array([classes.index(y) for y in labels])
    docs = [maker.doc(it, variant) for it in items]
    folds = stratified_folds(labels)
    raw = cross_validate("en", maker.vocab, docs, labels, classes, ngram, folds, (epochs,))[epochs]
    split_raw, split_cal, temps = np.zeros_like(raw), np.zeros_like(raw), []
    for k in range(FOLDS):
        test, train_idx = np.flatnonzero(folds == k), np.flatnonzero(folds != k)
        inner = stratified_folds([labels[i] for i in train_idx], 5, SEED + 1 + k)
        fit_idx, cal_idx = train_idx[inner != 0], train_idx[inner == 0]
        _, textcat = train("en", maker.vocab, [docs[i] for i in fit_idx], [labels[i] for i in fit_idx], classes,
                           ngram, epochs)
        t = fit_temperature(textcat.predict([docs[i] for i in cal_idx]), gold[cal_idx])
        temps.append(round(t, 3))
        split_raw[test] = textcat.predict([docs[i] for i in test])
        split_cal[test] = temper(split_raw[test], t)
    return {"model": f"ngram{ngram}/{variant}, {epochs} epochs", "ece_raw": round(ece(raw, gold), 4),
            "ece_raw_80pct_model": round(ece(split_raw, gold), 4),
            "ece_temperature_80pct_model": round(ece(split_cal, gold), 4), "temperatures": temps,
            "ece_raw_with_fold_temperature": round(ece(np.vstack([temper(raw[folds == k], temps[k])
                                                                   for k in range(FOLDS)]), np.concatenate(
                [gold[folds == k] for k in range(FOLDS)])), 4),
            "macro_f1_80pct_model": score_probs(split_raw, labels, classes)["macro_f1"],
            "reliability": reliability(raw, gold)}


def reliability(probs: np.ndarray, gold: np.ndarray, bins: int = ECE_BINS) -> list[dict]:
    conf, right = probs.max(1), probs.argmax(1) == gold
    which = np.minimum((conf * bins).astype(int), bins - 1)
    return [{"bin": f"{b / bins:.1f}-{(b + 1) / bins:.1f}", "n": int((which == b).sum()),
             "confidence": round(float(conf[which == b].mean()), 3),
             "accuracy": round(float(right[which == b].mean()), 3)}
            for b in range(bins) if (which == b).any()]


def speed_task(items: list[Item], featurer: Featurer, variant: str, ngram: int, epochs: int) -> dict:
    """Train one multilingual model on 10,000 items from scratch (fresh caches) and time prediction."""
    texts = [it.text for it in items]
    maker = DocMaker(Featurer())  # cold caches: features and tokens are part of the training time
    maker.featurer.extractor = featurer.extractor  # the rules' cue index is already built (warm-up excluded)
    t0 = time.perf_counter()
    docs = [maker.doc(it, variant) for it in items]
    t1 = time.perf_counter()
    labels = [it.label for it in items]
    nlp, _ = train("xx", maker.vocab, docs, labels, sorted(set(labels)), ngram, epochs)
    t2 = time.perf_counter()
    base = spacy.blank("en")
    base.add_pipe("sentencizer")
    cold = DocMaker(Featurer())  # cold caches again: the rules analysis is part of prediction
    cold.vocab, cold.featurer.extractor = nlp.vocab, featurer.extractor
    rates = {"blank_en_sentencizer": rate(lambda: list(base.pipe(texts, batch_size=256)), len(texts)),
             "rules_extract_only": rate(lambda: [label_item(featurer.extractor, FeedbackItem(
                 item_id=it.id, text=it.text, lang=it.lang, source=it.source)) for it in items], len(texts)),
             "textcat_spacy_tokenizer_text_only": rate(lambda: list(nlp.pipe(texts, batch_size=256)), len(texts)),
             f"textcat_rules_tokens_{variant}": rate(lambda: list(nlp.pipe((cold.doc(it, variant) for it in items),
                                                                             batch_size=256)), len(texts))}
    built = [cold.doc(it, variant) for it in items]  # the textcat's own share: over docs already built
    rates["textcat_only_on_built_docs"] = rate(lambda: list(nlp.pipe(built, batch_size=256)), len(texts))
    return {"items": len(items), "model": f"xx, ngram{ngram}/{variant}, {epochs} epochs",
            "docs_and_features_s": round(t1 - t0, 2), "training_s": round(t2 - t1, 2),
            "total_train_s": round(t2 - t0, 2), "predict_items_per_s": rates,
            "ratio_vs_blank": {k: round(v / rates["blank_en_sentencizer"], 2) for k, v in rates.items()}}


def rate(run: Callable[[], object], n: int) -> float:
    t = time.perf_counter()
    run()
    return round(n / (time.perf_counter() - t), 1)


# -- table, JSON, main ------------------------------------------------------------------------------

def best(runs: dict, metric: str) -> tuple[str, str, float]:
    """(config, epoch, figure) of the best run by `metric` (a figure or a per-subset dict's "all")."""
    cands = [(cfg, e, r[metric] if isinstance(r.get(metric), float) else r["all"])
             for cfg, by_epoch in runs.items() for e, r in by_epoch.items() if e != "seconds"]
    return max(cands, key=lambda c: c[2])


def render(report: dict) -> str:
    lines = [f"learn_probe: spaCy {spacy.__version__}, TextCatBOW.v3, {FOLDS}-fold stratified CV, seed {SEED}, "
             f"batch {BATCH}, dropout {DROPOUT}, epochs scored at {list(report['checkpoints'])}"]
    for name, metric in (("airline", "macro_f1"), ("allegro", "accuracy")):
        task = report.get(name)
        if not task:
            continue
        lines.append(f"\n== {name} ({task['items']} items {task['classes']}): {metric} (rules: "
                     f"{task['rules'][metric]}) ==")
        lines.append(f"{'config':<22}" + "".join(f"{'ep' + e:>9}" for e in map(str, report["checkpoints"]))
                     + f"{'seconds':>9}")
        for cfg, by_epoch in task["runs"].items():
            lines.append(f"{cfg:<22}" + "".join(f"{by_epoch[str(e)][metric]:>9.4f}" for e in report["checkpoints"])
                         + f"{by_epoch['seconds']:>9}")
    stage = report.get("stage")
    if stage:
        subsets = [k for k in stage["rules"] if k != "fold_mean"]
        lines.append(f"\n== stage on gold ({stage['items']} items), macro-F1 pooled out-of-fold ==")
        lines.append(f"{'config':<26}" + "".join(f"{s:>20}" for s in subsets + ["fold_mean"]))
        lines.append(f"{'rules':<26}" + "".join(f"{stage['rules'][s]:>20.4f}" for s in subsets + ["fold_mean"]))
        for cfg, by_epoch in stage["runs"].items():
            for e, r in by_epoch.items():
                lines.append(f"{cfg + ' ep' + e:<26}" + "".join(f"{r[s]:>20.4f}" for s in subsets + ["fold_mean"]))
    for key in ("calibration", "speed"):
        if report.get(key):
            lines.append(f"\n== {key} ==")
            lines += [f"{k}: {v}" for k, v in report[key].items()]
    lines.append(f"\nwinners: {report.get('winners')}; total {report['seconds']} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    global NGRAMS, VARIANTS
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--tasks", default="airline,allegro,stage,calibration,speed")
    ap.add_argument("--ngrams", default=",".join(map(str, NGRAMS)))
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--config", default="ngram2/hits+rules", help="model of calibration/speed without airline task")
    ap.add_argument("--epochs", type=int, default=3, help="its epochs")
    args = ap.parse_args(argv)
    NGRAMS, VARIANTS = tuple(int(n) for n in args.ngrams.split(",")), tuple(args.variants.split(","))
    tasks = args.tasks.split(",")
    start = time.perf_counter()
    log = lambda msg: print(f"[{time.perf_counter() - start:6.0f}s] {msg}", file=sys.stderr, flush=True)  # noqa: E731
    featurer = Featurer()
    maker = DocMaker(featurer)
    report: dict = {"checkpoints": list(CHECKPOINTS), "winners": {}}
    airline = airline_items(args.data)
    for name, items, lang, metric in (("airline", airline, "en", "macro_f1"),
                                      ("allegro", allegro_items(args.data), "pl", "accuracy")):
        if name in tasks:
            report[name] = polarity_task(name, lang, items, maker, log)
            report[name]["rules"] = rules_polarity_scores(items, featurer)
            report["winners"][name] = best(report[name]["runs"], metric)
    if "stage" in tasks:
        report["stage"] = stage_task(gold_items(DEFAULT_GOLD), maker, log)
        report["winners"]["stage"] = best(report["stage"]["runs"], "all")
    cfg, epoch, _ = report["winners"].get("airline", (args.config, str(args.epochs), 0))
    ngram, variant = int(cfg.split("/")[0][len("ngram"):]), cfg.split("/")[1]
    if "calibration" in tasks:
        report["calibration"] = calibration_task(airline, maker, variant, ngram, int(epoch))
        log(f"calibration: {report['calibration']}")
    if "speed" in tasks:
        report["speed"] = speed_task(speed_items(args.data), featurer, variant, ngram, int(epoch))
        log(f"speed: {report['speed']}")
    report["seconds"] = round(time.perf_counter() - start, 1)
    print(render(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
