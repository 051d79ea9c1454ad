"""The `journey` command. Thin: parse options, call the library, render; heavy imports stay inside commands."""

from __future__ import annotations

import os
import sys

import typer

from ..errors import JourneyError, RunStopped

app = typer.Typer(
    name="journey",
    help="Turn customer feedback (reviews, tickets, surveys, posts) into customer-journey records.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)



def _show_version(value: bool) -> None:
    if value:
        import extractor

        from ..build import build_description

        typer.echo(f"journey-extractor {extractor.__version__}, python {sys.version.split()[0]}: "
                   f"{build_description()}")
        raise typer.Exit()


@app.callback()
def _options(
    version: bool = typer.Option(False, "--version", callback=_show_version, is_eager=True,
                                 help="Show the version and whether the rules extractor runs compiled, and exit."),
) -> None:
    """Turn customer feedback (reviews, tickets, surveys, posts) into customer-journey records."""


from . import agree as _agree  # noqa: E402,F401  (registers commands)
from . import eval as _eval  # noqa: E402,F401
from . import export as _export  # noqa: E402,F401
from . import extract as _extract  # noqa: E402,F401
from . import label as _label  # noqa: E402,F401
from . import labelstudio as _labelstudio  # noqa: E402,F401
from . import map as _map  # noqa: E402,F401
from . import mask as _mask  # noqa: E402,F401
from . import reviewed as _reviewed  # noqa: E402,F401
from . import serve as _serve  # noqa: E402,F401
from . import summary as _summary  # noqa: E402,F401
from . import store as _store  # noqa: E402,F401
from . import taxonomy as _taxonomy  # noqa: E402,F401
from . import themes as _themes  # noqa: E402,F401
from . import train as _train  # noqa: E402,F401


def main() -> None:
    """Entry point: the one catch. Every typed error becomes its message on stderr and its exit code (errors.py
    lists them); with JOURNEY_DEBUG=1 errors other than a stopped run are re-raised with their traceback."""
    try:
        app()
    except JourneyError as exc:
        if os.environ.get("JOURNEY_DEBUG") and not isinstance(exc, RunStopped):
            raise
        message = exc.message()
        if message:
            print(message, file=sys.stderr)
        sys.exit(exc.exit_code)
