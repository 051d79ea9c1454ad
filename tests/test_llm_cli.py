"""`journey extract/eval --extractor llm` as a user runs them: a real stand-in server process, the real command,
committed cassettes replayed with the network blocked."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli import app

from .conftest import ROOT, journey_cmd, run_journey
from .standin.fixture import control, reset, standin_server, stats

TICKETS = str(ROOT / "corpora" / "tickets.jsonl")
REVIEWS = str(ROOT / "corpora" / "reviews.csv")
OWN_GOLD = [str(ROOT / "evals" / "gold" / "en.jsonl"), str(ROOT / "evals" / "gold" / "pl.jsonl")]
CASSETTE = ROOT / "evals" / "cassettes" / "standin-own.yaml"
RECORDED_MASK = "email,phone,card,iban,pesel"  # the kinds masked when the cassette was recorded (Makefile)
CLOSED = "http://127.0.0.1:9/v1"  # nothing listens there: a request that is not replayed fails


@pytest.fixture
def llm_env(base, tmp_path, monkeypatch):
    reset(base)
    for key, value in {"OPENAI_BASE_URL": base, "OPENAI_API_KEY": "test", "JOURNEY_LLM_CACHE": str(tmp_path / "cache"),
                       "JOURNEY_STORE": str(tmp_path / "no-store")}.items():
        monkeypatch.setenv(key, value)
    return base


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def origins(*paths: Path) -> list[str]:
    found = []
    for path in paths:
        if path.exists():
            found += [r.get("origin") or f"{r['file']}:{r['line']}" for r in lines(path)]
    return found


def count_inputs() -> int:
    tickets = sum(1 for line in Path(TICKETS).read_text(encoding="utf-8").splitlines() if line.strip())
    return tickets


def test_extract_labels_every_item_and_a_rerun_sends_nothing(llm_env, tmp_path):
    out = tmp_path / "records.jsonl"
    done = run_journey("extract", TICKETS, "--extractor", "llm", "--out", str(out))
    assert done.returncode == 0, done.stderr
    records = lines(out)
    assert len(records) == count_inputs() and 0 < stats(llm_env)["chat"] <= len(records) // 10
    assert {r["extractor"] for r in records} == {"llm"} and {r["llm"]["outcome"] for r in records} == {"answered"}
    assert "requests" in done.stderr and "answered" in done.stderr
    sent = stats(llm_env)["chat"]
    again = run_journey("extract", TICKETS, "--extractor", "llm", "--out", str(out))
    assert again.returncode == 0 and stats(llm_env)["chat"] == sent
    assert f"{len(records):,} from the answer cache" in again.stderr
    assert lines(out) == records


def test_dry_run_estimates_and_sends_nothing(llm_env, tmp_path):
    done = run_journey("extract", TICKETS, REVIEWS, "--extractor", "llm", "--dry-run", "--out", str(tmp_path / "r.jsonl"))
    assert done.returncode == 0, done.stderr
    assert "dry run, nothing sent" in done.stderr and "requests to gpt-4o-mini" in done.stderr and "$" in done.stderr
    assert stats(llm_env)["chat"] == 0 and not (tmp_path / "r.jsonl").exists()


def test_a_context_crowded_by_the_instructions_gets_advice_and_a_roomy_one_does_not(llm_env, tmp_path):
    # Ollama's default context is 4,096 tokens: the default prompt's instructions take most of it
    args = ["extract", TICKETS, "--extractor", "llm", "--out", str(tmp_path / "r.jsonl")]
    crowded = run_journey(*args, "--dry-run", "--context-window", "4096")
    assert crowded.returncode == 0, crowded.stderr
    assert "of the model's 4,096-token context" in crowded.stderr and "OLLAMA_CONTEXT_LENGTH" in crowded.stderr
    roomy = run_journey(*args, "--dry-run", "--context-window", "65536")
    assert roomy.returncode == 0 and "OLLAMA_CONTEXT_LENGTH" not in roomy.stderr
    ran = run_journey(*args, "--context-window", "4096", "--items-per-request", "4")
    assert ran.returncode == 0, ran.stderr
    assert "of the model's 4,096-token context" in ran.stderr and len(lines(tmp_path / "r.jsonl")) == count_inputs()


def test_no_mask_with_a_mask_list_is_a_usage_error_not_a_traceback(llm_env, tmp_path):
    done = run_journey("extract", TICKETS, "--extractor", "llm", "--no-mask", "--mask", "email", "--dry-run")
    assert done.returncode == 2 and "--no-mask and --mask email" in done.stderr and "Traceback" not in done.stderr


def test_max_cost_stops_cleanly_and_resume_finishes_without_duplicates(llm_env, tmp_path):
    out = tmp_path / "records.jsonl"
    args = ["extract", TICKETS, "--extractor", "llm", "--out", str(out), "--concurrency", "1",
            "--price-input", "1000", "--price-output", "1000"]
    stopped = run_journey(*args, "--max-cost", "5")
    assert stopped.returncode == 3, stopped.stderr
    assert "--max-cost 5.0 reached" in stopped.stderr and "--resume" in stopped.stderr
    partial = len(lines(out))
    assert 0 < partial < count_inputs()
    finished = run_journey(*args, "--resume")
    assert finished.returncode == 0, finished.stderr
    seen = origins(out)
    assert len(seen) == len(set(seen)) == count_inputs()


def ctrl_c_as_in_a_terminal() -> None:
    """Give the child SIGINT's default action: a test run started in the background (`cmd &` in a script) inherits
    an ignored SIGINT, and Python then never raises KeyboardInterrupt, so Ctrl-C could not be tested."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_leaves_complete_lines_and_resume_continues(llm_env, tmp_path):
    control(llm_env, latency=0.3)
    out = tmp_path / "records.jsonl"
    cmd = journey_cmd() + ["extract", TICKETS, "--extractor", "llm", "--out", str(out), "--concurrency", "1",
                           "--items-per-request", "4"]
    proc = subprocess.Popen(cmd, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=ctrl_c_as_in_a_terminal)
    deadline = time.time() + 60
    while time.time() < deadline and stats(llm_env)["chat"] < 18:  # past the first batch of 64 rows (16 requests)
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "--resume" in err and "Traceback" not in err
    first = origins(out)
    assert 0 < len(first) < count_inputs()
    control(llm_env, latency=0.0)
    done = run_journey("extract", TICKETS, "--extractor", "llm", "--out", str(out), "--resume")
    assert done.returncode == 0, done.stderr
    seen = origins(out)
    assert len(seen) == len(set(seen)) == count_inputs()


def test_without_a_key_the_error_says_what_to_set(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    done = run_journey("extract", TICKETS, "--extractor", "llm", "--out", str(tmp_path / "r.jsonl"))
    assert done.returncode == 2 and "OPENAI_API_KEY" in done.stderr and "Traceback" not in done.stderr


# -- replay ---------------------------------------------------------------------------------------------------------


def replay(*args: str, monkeypatch) -> object:
    monkeypatch.setenv("OPENAI_BASE_URL", CLOSED)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    return CliRunner().invoke(app, ["eval", *args], catch_exceptions=False)


@pytest.mark.block_network
def test_eval_replays_the_committed_cassette_with_the_network_blocked(tmp_path, monkeypatch):
    report = tmp_path / "llm.json"
    result = replay(*OWN_GOLD, "--extractor", "llm", "--model", "standin", "--concurrency", "1",
                    "--cassette", str(CASSETTE),
                    "--mask", RECORDED_MASK, "--json", str(report), "--min", "evidence_grounded=1.0", "--quiet",
                    monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    figures = json.loads(report.read_text(encoding="utf-8"))
    assert figures["extractor"] == "llm" and figures["n"] > 400 and figures["evidence_grounded"] == 1.0


def test_a_request_missing_from_the_cassette_fails_loudly(tmp_path, monkeypatch):
    gold = tmp_path / "gold.jsonl"
    rows = [json.loads(line) for line in Path(OWN_GOLD[0]).read_text(encoding="utf-8").splitlines()[:5]]
    rows[0]["text"] += " Changed."
    gold.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    monkeypatch.setenv("OPENAI_BASE_URL", CLOSED)
    done = run_journey("eval", str(gold), "--extractor", "llm", "--model", "standin", "--cassette", str(CASSETTE),
                       "--quiet")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "has no recording in the cassette" in done.stderr and "--record-mode new_episodes" in done.stderr
    missing = run_journey("eval", str(gold), "--extractor", "llm", "--cassette", str(tmp_path / "none.yaml"))
    assert missing.returncode == 2 and "--record-mode once" in missing.stderr


@pytest.mark.parametrize("name", ["ours.yaml", "ours.yaml.gz"])
def test_a_team_records_once_and_replays_offline(base, tmp_path, monkeypatch, name):
    reset(base)
    cassette = tmp_path / name
    gold = OWN_GOLD[1]
    monkeypatch.setenv("OPENAI_BASE_URL", base)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-test-key")
    recorded = run_journey("eval", gold, "--extractor", "llm", "--cassette", str(cassette), "--record-mode", "once",
                           "--json", str(tmp_path / "a.json"), "--quiet")
    assert recorded.returncode == 0, recorded.stderr
    sent = stats(base)["chat"]
    text = gzip.decompress(cassette.read_bytes()).decode() if name.endswith(".gz") else cassette.read_text("utf-8")
    assert sent > 0 and "sk-secret-test-key" not in text and "interactions:" in text
    monkeypatch.setenv("OPENAI_BASE_URL", CLOSED)
    replayed = run_journey("eval", gold, "--extractor", "llm", "--cassette", str(cassette),
                           "--json", str(tmp_path / "b.json"), "--quiet")
    assert replayed.returncode == 0, replayed.stderr
    assert stats(base)["chat"] == sent
    a, b = (json.loads((tmp_path / n).read_text(encoding="utf-8")) for n in ("a.json", "b.json"))
    assert a["stage"]["accuracy"] == b["stage"]["accuracy"] and a["n"] == b["n"]


def test_a_recording_survives_a_request_asked_again_and_replays_it(base, tmp_path, monkeypatch):
    # a failed repair is asked afresh: the same messages at the repair temperature. Recording such a run once
    # crashed (vcrpy played the first answer back, as text, inside the recording); replayed, the fresh ask got the
    # first answer instead of its own.
    reset(base)
    control(base, faults=["bad_quote"] * 3)  # the answer, its repair and the fresh ask all fail
    cassette = tmp_path / "again.yaml"
    src = tmp_path / "one.jsonl"
    src.write_text(json.dumps({"id": "a", "text": "The parcel was late and the courier was rude."}) + "\n",
                   encoding="utf-8")
    monkeypatch.setenv("OPENAI_BASE_URL", base)
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    monkeypatch.setenv("JOURNEY_STORE", str(tmp_path / "no-store"))
    args = ["extract", str(src), "--extractor", "llm", "--prompt", "journey-batch.v2", "--few-shot", "0",
            "--no-cache", "--cassette", str(cassette)]
    recorded = run_journey(*args, "--record-mode", "once", "--out", str(tmp_path / "a.jsonl"))
    assert recorded.returncode == 0 and "Traceback" not in recorded.stderr, recorded.stderr
    assert stats(base)["chat"] == 3
    monkeypatch.setenv("OPENAI_BASE_URL", CLOSED)
    replayed = run_journey(*args, "--out", str(tmp_path / "b.jsonl"))
    assert replayed.returncode == 0, replayed.stderr
    a, b = (json.loads((tmp_path / n).read_text(encoding="utf-8")) for n in ("a.jsonl", "b.jsonl"))
    assert a["llm"]["outcome"] == b["llm"]["outcome"] == "fallback"
    assert a["llm"]["problems"] == b["llm"]["problems"]


def test_batch_api_fills_the_records_at_half_price_and_resumes_after_ctrl_c(tmp_path, monkeypatch):
    with standin_server(batch_polls=40) as url:
        for key, value in {"OPENAI_BASE_URL": url, "OPENAI_API_KEY": "test",
                           "JOURNEY_LLM_CACHE": str(tmp_path / "cache"), "JOURNEY_STORE": str(tmp_path / "none")}.items():
            monkeypatch.setenv(key, value)
        out = tmp_path / "records.jsonl"
        state = tmp_path / "records.jsonl.batch.json"
        cmd = journey_cmd() + ["extract", TICKETS, "--extractor", "llm", "--out", str(out), "--batch-api",
                               "--batch-poll", "0.05"]
        proc = subprocess.Popen(cmd, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                preexec_fn=ctrl_c_as_in_a_terminal)
        deadline = time.time() + 30
        while time.time() < deadline and not state.exists():
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 130 and "keeps running on the server" in err and "Traceback" not in err, err
        assert stats(url)["batches"] == 1 and stats(url)["chat"] == 0

        done = run_journey(*cmd[1:])
        assert done.returncode == 0, done.stderr
        assert "resuming batch" in done.stderr and "half price" in done.stderr
        assert stats(url)["batches"] == 1 and stats(url)["chat"] == 0  # one batch in all, nothing sent live
        records = lines(out)
        assert len(records) == count_inputs() and {r["llm"]["outcome"] for r in records} == {"answered"}

        again = run_journey(*cmd[1:])
        assert again.returncode == 0 and "nothing to send" in again.stderr and stats(url)["batches"] == 1
