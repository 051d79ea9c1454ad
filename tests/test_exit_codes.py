"""Exit codes are typed errors: each outcome's class carries its code and the message the user reads, and the one
catch of the `journey` command (extractor/cli/__init__.py) prints it and exits with it."""

from __future__ import annotations

import pytest

from extractor import cli
from extractor.errors import (BudgetReached, CheckFailed, InputFileError, Interrupted, JourneyError, ResumeError,
                              RunStopped, TaxonomyError, UsageError)
from extractor.extractors.llm.batchapi import BatchError, BatchPending


@pytest.mark.parametrize(("error", "code"), [
    (JourneyError("store unreachable"), 1), (BatchError("upload failed"), 1), (CheckFailed(""), 1),
    (UsageError("bad option"), 2), (InputFileError("no such file"), 2), (ResumeError("not a record"), 2),
    (TaxonomyError("t.json", ["no stages"]), 2), (BudgetReached("Stopped"), 3),
    (BatchPending("batch_1", "in_progress", 3, 10), 75), (Interrupted("Interrupted"), 130)])
def test_each_outcome_has_its_documented_exit_code(error, code):
    assert error.exit_code == code
    import extractor.errors

    documented = next(c for c in type(error).__mro__ if f"| `{c.__name__}`" in extractor.errors.__doc__)
    assert f"| {code} | `{documented.__name__}`" in extractor.errors.__doc__  # the table names its class or a base


def test_errors_read_as_error_lines_and_stopped_runs_as_they_are():
    assert UsageError("--resume needs --out").message() == "Error: --resume needs --out"
    assert BudgetReached("Stopped: --max-cost 0.5 reached.").message() == "Stopped: --max-cost 0.5 reached."
    pending = BatchPending("batch_1", "in_progress", 3, 10)
    assert isinstance(pending, RunStopped) and pending.message().startswith("batch batch_1 is still in_progress")


def run_main(monkeypatch, error: JourneyError) -> int:
    def app() -> None:
        raise error

    monkeypatch.setattr(cli, "app", app)
    with pytest.raises(SystemExit) as done:
        cli.main()
    return done.value.code


@pytest.mark.parametrize(("error", "code", "stderr"), [
    (UsageError("--resume needs --out"), 2, "Error: --resume needs --out\n"),
    (JourneyError("store unreachable"), 1, "Error: store unreachable\n"),
    (BudgetReached("Stopped: --max-cost 1.0 reached."), 3, "Stopped: --max-cost 1.0 reached.\n"),
    (Interrupted("Interrupted: no batch was created."), 130, "Interrupted: no batch was created.\n"),
    (BatchPending("batch_1", "in_progress", 3, 10), 75, "batch batch_1 is still in_progress (3/10 requests done); "
     "it keeps running on the server: resume it with --batch-id batch_1\n"),
    (CheckFailed(""), 1, "")])
def test_the_one_catch_prints_the_message_and_exits_with_the_code(monkeypatch, capsys, error, code, stderr):
    monkeypatch.delenv("JOURNEY_DEBUG", raising=False)
    assert run_main(monkeypatch, error) == code
    assert capsys.readouterr().err == stderr


def test_journey_debug_reraises_errors_but_not_stopped_runs(monkeypatch):
    monkeypatch.setenv("JOURNEY_DEBUG", "1")
    assert run_main(monkeypatch, BudgetReached("Stopped")) == 3
    monkeypatch.setattr(cli, "app", lambda: (_ for _ in ()).throw(UsageError("bad")))
    with pytest.raises(UsageError):
        cli.main()
