"""The `journey` command as a user runs it: label cards, extraction, and every kind of bad input."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import ROOT, run_journey


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_help_lists_the_commands():
    result = run_journey("--help")
    assert result.returncode == 0
    for command in ("extract", "label", "summary", "taxonomy"):
        assert command in result.stdout


def test_label_card_shows_labels_and_evidence():
    text = "Paczka nie dotarła na czas, a infolinia nie odbiera telefonu."
    result = run_journey("label", text)
    assert result.returncode == 0, result.stderr
    assert "Etap" in result.stdout and "Doświadczenie" in result.stdout  # Polish labels for a Polish text
    assert "Opóźnienie" in result.stdout and "“Paczka nie dotarła na czas" in result.stdout
    english = run_journey("label", text, "--labels", "en")
    assert "Stage" in english.stdout and "Delay" in english.stdout


def test_label_json_from_stdin_and_argument_agree():
    text = "The parcel arrived late and support never answered."
    from_arg = json.loads(run_journey("label", text, "--json").stdout)
    from_stdin = json.loads(run_journey("label", "--json", input=text).stdout)
    dash = json.loads(run_journey("label", "-", "--json", input=text).stdout)
    assert from_arg == from_stdin == dash
    for event in from_arg["events"]:
        assert text[event["evidence"]["start"]:event["evidence"]["end"]] == event["evidence"]["quote"]


def test_label_rejects_empty_text_without_traceback():
    result = run_journey("label", "--json", input="   \n")
    assert result.returncode == 2 and "Error: no text to label" in result.stderr and "Traceback" not in result.stderr


def extract(tmp_path: Path, *inputs: str, extra: tuple[str, ...] = ()) -> tuple:
    out = tmp_path / "records.jsonl"
    result = run_journey("extract", *inputs, "--out", str(out), *extra, cwd=tmp_path)
    return result, read_jsonl(out), read_jsonl(tmp_path / "records.errors.jsonl")


def test_extract_writes_one_record_per_item_and_a_summary(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps({"id": f"r{i}", "text": t}) for i, t in enumerate(
        ["Great shoes, fast delivery!", "Paczka nie dotarła.", "The app crashes at checkout."])) + "\n",
        encoding="utf-8")
    result, records, errors = extract(tmp_path, str(src))
    assert result.returncode == 0, result.stderr
    assert [r["item_id"] for r in records] == ["r0", "r1", "r2"] and errors == []
    assert [r["origin"] for r in records] == [f"{src}:1", f"{src}:2", f"{src}:3"]
    assert "read 3 items" in result.stderr and "3 records, 0 errors" in result.stderr
    assert not (tmp_path / "records.errors.jsonl").exists()


def test_extract_to_stdout_from_stdin():
    result = run_journey("extract", "-", "--quiet", input='{"text": "late parcel"}\n{"text": "love it"}\n')
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert result.returncode == 0 and len(lines) == 2 and result.stderr == ""


def test_bad_inputs_each_get_a_clear_message_and_nothing_is_lost(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "binary.jsonl").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "pl.csv").write_bytes("id;opinia\n1;Zażółć gęślą jaźń, przesyłka dotarła\n2;Świetna obsługa\n"
                                      .encode("cp1250"))
    (tmp_path / "quote.csv").write_text('id,text\n1,"fine product\n2,second row is fine\n3,third row\n',
                                        encoding="utf-8")
    (tmp_path / "lines.jsonl").write_text('{"text": "ok one"}\n{"text": broken\n{"text": "ok three"}\n',
                                          encoding="utf-8")
    (tmp_path / "big.jsonl").write_text(json.dumps({"text": "late " * 1_100_000}) + "\n", encoding="utf-8")
    inputs = ["empty.csv", "binary.jsonl", "pl.csv", "quote.csv", "lines.jsonl", "big.jsonl"]
    result, records, errors = extract(tmp_path, *inputs)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    by_file: dict[str, list] = {}
    for e in errors:
        by_file.setdefault(e["file"], []).append(e)
    assert [e["line"] for e in by_file["empty.csv"]] == [None]
    assert "empty" in by_file["empty.csv"][0]["reason"]
    assert "binary" in by_file["binary.jsonl"][0]["reason"]
    pl = [r for r in records if r["origin"].startswith("pl.csv")]
    assert len(pl) == 2 and "pl.csv" not in by_file
    assert [e["line"] for e in by_file["lines.jsonl"]] == [2]
    assert len([r for r in records if r["origin"].startswith("lines.jsonl")]) == 2
    assert "100,000" in by_file["big.jsonl"][0]["reason"]
    quote_rows = [r for r in records if r["origin"].startswith("quote.csv")]
    assert len(quote_rows) + len(by_file.get("quote.csv", [])) == 3 and len(quote_rows) >= 2
    bigger = run_journey("extract", "big.jsonl", "--max-chars", "6000000", "--quiet", cwd=tmp_path)
    assert bigger.returncode == 0 and len(bigger.stdout.splitlines()) == 1


def test_cp1250_text_is_read_exactly(tmp_path):
    text = "Zażółć gęślą jaźń, przesyłka dotarła"
    (tmp_path / "pl.csv").write_bytes(f"id;opinia\n1;{text}\n".encode("cp1250"))
    out = run_journey("extract", "pl.csv", "--quiet", cwd=tmp_path)
    record = json.loads(out.stdout)
    assert record["lang"] == "pl"
    assert all(text[e["evidence"]["start"]:e["evidence"]["end"]] == e["evidence"]["quote"] for e in record["events"])


def test_missing_file_and_unknown_extension_stop_before_any_work(tmp_path):
    (tmp_path / "a.xlsx").write_bytes(b"PK\x03\x04")
    for args, needle in ((["nope.csv"], "nope.csv"), (["a.xlsx"], ".xlsx")):
        result = run_journey("extract", *args, "--out", "r.jsonl", cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith("Error:") and needle in result.stderr and "Traceback" not in result.stderr
        assert not (tmp_path / "r.jsonl").exists()


def test_bad_options_are_usage_errors(tmp_path):
    result = run_journey("extract", "x.jsonl", "--resume")
    assert result.returncode == 2 and "--resume needs --out" in result.stderr
    result = run_journey("extract", "-", "--source", "blog", input="hi\n")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    result = run_journey("extract", "-", "--extractor", "magic", input="hi\n")
    assert result.returncode == 2 and "unknown extractor 'magic'" in result.stderr


def test_summary_counts_records(tmp_path):
    src = ROOT / "corpora" / "social.jsonl"
    out = tmp_path / "r.jsonl"
    assert run_journey("extract", str(src), "--out", str(out), "--quiet").returncode == 0
    result = run_journey("summary", str(out))
    n = len(read_jsonl(out))
    assert result.returncode == 0 and f"{n:,} records" in result.stdout and "stage" in result.stdout
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"item_id": "a", "stage": "experience"}\nnot json\n', encoding="utf-8")
    bad = run_journey("summary", str(broken))
    assert bad.returncode == 2 and f"{broken}:2" in bad.stderr


def test_label_interactive_prompt_reads_a_pasted_ticket_until_ctrl_d():
    import os
    import pty
    import select
    import subprocess

    from .conftest import journey_cmd

    master, slave = pty.openpty()
    env = dict(os.environ, COLUMNS="100", NO_COLOR="1")
    proc = subprocess.Popen(journey_cmd() + ["label", "--labels", "en"], stdin=slave, stdout=slave, stderr=slave,
                            env=env, close_fds=True)
    os.close(slave)
    output = b""

    def read_until(needle: bytes, timeout: float = 30) -> None:
        nonlocal output
        import time

        end = time.time() + timeout
        while needle not in output and time.time() < end:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    output += os.read(master, 4096)
                except OSError:
                    break

    read_until(b"Ctrl-D")
    os.write(master, "Kurier zgubił moją paczkę.\nNikt nie odbiera infolinii.\n".encode())
    os.write(master, b"\x04")
    read_until(b"Evidence")
    read_until(b"\xe2\x95\xaf", timeout=10)  # the card's bottom corner
    proc.wait(timeout=30)
    os.close(master)
    text = output.decode("utf-8", "replace")
    assert proc.returncode == 0, text
    assert "Paste the feedback" in text and "Delivery" in text and "Kurier zgubił moją paczkę" in text
