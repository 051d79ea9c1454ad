"""The distillation loop with the real local model, replayed: Qwen2.5-Coder 1.5B's recorded answers (llama-server,
prompt journey-batch.v16, our gold's seeded 160-item sample: evals/cassettes/qwen-own-journey-batch.v16.yaml.gz)
become llm records, a learned model is trained on them, and both are scored on the gold items outside the sample.

    .venv/bin/python evals/learn/distill_replay.py OUT_DIR

Writes OUT_DIR/qwen-records.jsonl (the llm records, sent exactly as `make eval`'s replay sends them),
feedback.jsonl (their items), heldout-gold.jsonl and sample-gold.jsonl, then runs
`journey train qwen-records.jsonl --inputs feedback.jsonl --out qwen-model` and `journey eval` of the rules, the
teacher and the distilled model, and prints a table (issue 19's closing note has the figures).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from extractor.cli.llm import LLMFlags, extractor_from_flags, model_session  # noqa: E402
from extractor.labelling.gold import read_gold, sample_gold  # noqa: E402
from extractor.pipeline import label_batches  # noqa: E402
from extractor.taxonomy import default_taxonomy  # noqa: E402

GOLD = [ROOT / "evals" / "gold" / "en.jsonl", ROOT / "evals" / "gold" / "pl.jsonl"]
CASSETTE = ROOT / "evals" / "cassettes" / "qwen-own-journey-batch.v16.yaml.gz"
FIELDS = {"stage": "macro_f1", "touchpoints": "micro_f1", "emotion": "macro_f1", "sentiment": "macro_f1",
          "pain_points": "micro_f1", "moment_of_truth": "f1"}
JOURNEY = str(Path(sys.executable).with_name("journey"))


def write(path: Path, rows) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def replay(out: Path) -> None:
    """The teacher's records of the sample, and the gold split into the sample and the rest."""
    tax = default_taxonomy()
    sample = sample_gold(read_gold(GOLD, tax), 160, 0)
    flags = LLMFlags(model="qwen", provider="llamacpp", context_window=4096, items_per_request=1,
                     prompt="journey-batch.v16", mask="email,phone,card,iban,pesel", cassette=CASSETTE,
                     record_mode="none", few_shot=0)
    extractor = extractor_from_flags("llm", tax, flags)
    with model_session(extractor, flags):
        records = [r for batch in label_batches(extractor, (g.to_item() for g in sample)) for _, r in batch]
    (out / "qwen-records.jsonl").write_text("".join(r.model_dump_json() + "\n" for r in records), encoding="utf-8")
    write(out / "feedback.jsonl", ({"id": g.id, "text": g.text, "lang": g.lang, "source": g.source} for g in sample))
    ids = {g.id for g in sample}
    rows = [json.loads(line) for f in GOLD for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    write(out / "heldout-gold.jsonl", (r for r in rows if r["id"] not in ids))
    write(out / "sample-gold.jsonl", (r for r in rows if r["id"] in ids))


def evaluate(out: Path, gold: str, *args: str) -> dict:
    subprocess.run([JOURNEY, "eval", str(out / gold), *args, "--quiet", "--json", str(out / "eval.json")], check=True)
    report = json.loads((out / "eval.json").read_text(encoding="utf-8"))
    return {f: round(report[f][k], 3) for f, k in FIELDS.items()}


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "distill-replay")
    out.mkdir(parents=True, exist_ok=True)
    replay(out)
    subprocess.run([JOURNEY, "train", str(out / "qwen-records.jsonl"), "--inputs", str(out / "feedback.jsonl"),
                    "--out", str(out / "qwen-model")], check=True)
    rows = {"teacher (qwen) on its 160": evaluate(out, "sample-gold.jsonl", "--records", str(out / "qwen-records.jsonl")),
            "rules on those 160": evaluate(out, "sample-gold.jsonl"),
            "rules on the other 317": evaluate(out, "heldout-gold.jsonl"),
            "distilled on the other 317": evaluate(out, "heldout-gold.jsonl", "-x", "learned", "--learned-model",
                                                   str(out / "qwen-model"))}
    print(f"{'':28}" + "".join(f"{f[:12]:>13}" for f in FIELDS))
    for name, scores in rows.items():
        print(f"{name:28}" + "".join(f"{scores[f]:>13.3f}" for f in FIELDS))


if __name__ == "__main__":
    main()
