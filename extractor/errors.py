"""Typed errors. The library raises these; only the CLI turns them into messages and exit codes."""


class JourneyError(Exception):
    """Base class for every error this package raises on purpose."""


class UsageError(JourneyError):
    """The user asked for something that cannot work as given (bad option, missing file...)."""


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
