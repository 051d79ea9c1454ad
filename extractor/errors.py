"""Typed errors. The library raises these; only the CLI turns them into messages and exit codes.

The exit codes of `journey`, each one an error class's `exit_code` (the one catch in cli/__init__.py prints the
error's `message()` to stderr and exits with it):

| code | error | when |
| --- | --- | --- |
| 0 | (none) | the command did what it was asked |
| 1 | `JourneyError` | a failure: a store, a model, a file, a batch that failed, a bug caught on purpose |
| 1 | `CheckFailed` | a check the user asked for failed: a quality gate of `journey eval`, `--strict` |
| 2 | `UsageError` | the command cannot work as given: a bad option or combination, a missing or bad input file |
| 3 | `BudgetReached` | `--max-cost` was reached: the records written are complete, `--resume` labels the rest |
| 75 | `BatchPending` (extractors/llm/batchapi.py) | a Batch API batch still runs on the server; re-run to collect it |
| 130 | `Interrupted` | Ctrl-C: what was written is complete; the message says how to continue |

Errors print as one `Error: ...` line; a `RunStopped` (the run ended early, on purpose or on request) prints its
message as it is.
"""


class JourneyError(Exception):
    """Base class for every error this package raises on purpose."""

    exit_code = 1

    def message(self) -> str:
        """What the user reads on stderr."""
        return f"Error: {self}"


class UsageError(JourneyError):
    """The user asked for something that cannot work as given (bad option, missing file...)."""

    exit_code = 2


class TaxonomyError(UsageError):
    """A taxonomy file is missing, malformed or inconsistent."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        listed = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: invalid taxonomy ({len(problems)} problem(s)):\n{listed}")


class InputFileError(UsageError):
    """An input file cannot be read at all (missing, unknown format, unreadable)."""


class ResumeError(UsageError):
    """--resume cannot continue the output it was pointed at."""


class RunStopped(JourneyError):
    """The run ended early, on purpose or on request: not a fault, so the message is printed as it is (no
    `Error:`), and JOURNEY_DEBUG=1 does not turn it into a traceback. An empty message prints nothing."""

    def message(self) -> str:
        return str(self)


class CheckFailed(RunStopped):
    """A check the user asked for failed (a quality gate, --strict); what failed is already printed or is the
    message."""


class BudgetReached(RunStopped):
    """--max-cost was reached: the records written are complete; --resume with a higher budget continues."""

    exit_code = 3


class Interrupted(RunStopped):
    """The user pressed Ctrl-C; the message says what was kept and how to continue."""

    exit_code = 130
