"""Shared fixtures: the project root, the shared data folder, and a way to run the real `journey` command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
DATA = Path(__file__).resolve().parent / "data"


def pytest_configure(config):
    # server stores keep a local copy of their items in the user's cache (extractor/store/mirror.py): the tests'
    # copies go to a folder of their own, which the `journey` commands they run inherit
    if "JOURNEY_CACHE" not in os.environ:
        import atexit
        import shutil
        import tempfile

        os.environ["JOURNEY_CACHE"] = tempfile.mkdtemp(prefix="journey-test-cache-")
        atexit.register(shutil.rmtree, os.environ["JOURNEY_CACHE"], True)


def pytest_addoption(parser):
    parser.addoption("--live", action="store_true", default=False,
                     help="also run the live tier: real model requests with OPENAI_API_KEY (costs money; never in CI)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--live"):
        return
    skip = pytest.mark.skip(reason="live tier: needs --live and OPENAI_API_KEY")
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip)


def journey_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("journey")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "extractor"]


def run_journey(*args: str, input: bytes | str | None = None, cwd: Path | None = None,
                timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the installed `journey` command as a user would; returns the finished process (text mode)."""
    env = dict(os.environ, COLUMNS="120", NO_COLOR="1")
    env.pop("JOURNEY_DEBUG", None)
    return subprocess.run(journey_cmd() + list(args), input=input, cwd=cwd, env=env, capture_output=True,
                          text=not isinstance(input, bytes), timeout=timeout)


@pytest.fixture(scope="session")
def mini_taxonomy_path() -> Path:
    return DATA / "mini_taxonomy.json"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip("../shared/data is not beside the project")
    return path


@pytest.fixture(scope="module")
def base():
    """A stand-in OpenAI-compatible server process on loopback, one per test module; its base URL."""
    from .standin.fixture import standin_server

    with standin_server(batch_polls=2) as url:
        yield url


@pytest.fixture(autouse=True)
def fresh_standin(request):
    """Every test that uses the stand-in starts from its clean state (counters, faults, captured requests)."""
    if "base" in request.fixturenames:
        from .standin.fixture import reset

        reset(request.getfixturevalue("base"))
