"""evals/local_model/setup.py: a llama-server built from other sources or flags (an AMX build from before
2026-12-06, which dies on virtual Sapphire Rapids machines) is rebuilt, a matching one is kept."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def setup_module():
    spec = importlib.util.spec_from_file_location("local_model_setup", ROOT / "evals" / "local_model" / "setup.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fake_build(cache: Path, stamp: str | None) -> Path:
    binary = cache / "build" / "bin" / "llama-server"
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    if stamp is not None:
        (cache / "build" / "journey-build.json").write_text(stamp)
    (cache / "src").mkdir()
    (cache / "src" / "CMakeLists.txt").write_text("")
    return binary


def test_the_build_flags_leave_amx_out(setup_module):
    flags = " ".join(setup_module.CMAKE_FLAGS)
    assert "-DGGML_NATIVE=ON" in flags
    for flag in ("-DCMAKE_C_FLAGS=", "-DCMAKE_CXX_FLAGS="):
        assert any(f.startswith(flag) and "-mno-amx-int8" in f and "-mno-amx-tile" in f
                   for f in setup_module.CMAKE_FLAGS), flag


def test_a_matching_build_is_kept(setup_module, tmp_path, monkeypatch):
    stamp = json.dumps({"sdist": setup_module.SDIST[3], "cmake": setup_module.CMAKE_FLAGS})
    binary = fake_build(tmp_path, stamp)
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("rebuilt a matching build"))
    assert setup_module.build_server(tmp_path) == binary


@pytest.mark.parametrize("stamp", [None, json.dumps({"sdist": "other", "cmake": []})])
def test_a_build_from_other_flags_is_redone(setup_module, tmp_path, monkeypatch, stamp):
    fake_build(tmp_path, stamp)
    commands: list[list[str]] = []

    def run(cmd, **kwargs):
        commands.append(cmd)
        if "--build" in cmd:
            fake = tmp_path / "build" / "bin" / "llama-server"
            fake.parent.mkdir(parents=True, exist_ok=True)
            fake.write_text("rebuilt")
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(setup_module.subprocess, "run", run)
    monkeypatch.setattr(setup_module.shutil, "which", lambda tool: "/usr/bin/" + tool)
    binary = setup_module.build_server(tmp_path)
    assert [c[1] for c in commands] == ["-S", "--build"]
    assert binary.read_text() == "rebuilt"
    assert json.loads((tmp_path / "build" / "journey-build.json").read_text())["cmake"] == setup_module.CMAKE_FLAGS
