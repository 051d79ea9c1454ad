"""The OpenAPI document keeps its word: schemathesis, every check, against a real `journey serve`.

Schema-valid requests must be accepted, schema-violating ones refused, and every response (422 bodies included)
must match what the document declares. tests/schemathesis.toml sets the one allowance (413 for a body over the
size limit counts as a refusal) and the run has a fixed seed, so CI repeats it exactly."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .test_serve import journey_server

ST = Path(sys.executable).with_name("st")
CONFIG = Path(__file__).with_name("schemathesis.toml")


def schemathesis(url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [str(ST), "--no-color", "--config-file", str(CONFIG), "run", url + "openapi.json", "--checks", "all",
           "--max-examples", "40", "--seed", "17", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=cwd)  # its example store goes there


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    if not ST.exists() and shutil.which("st") is None:
        pytest.fail("schemathesis is not installed: pip install -e '.[test]'")
    cwd = tmp_path_factory.mktemp("openapi")
    with journey_server("--reviewed", str(cwd / "reviewed.jsonl"), "--store", str(cwd / "no-store"), cwd=cwd) as s:
        yield s
    assert "Traceback" not in s.stderr, s.stderr


def test_schemathesis_finds_no_failure_with_every_check(served):
    done = schemathesis(served.url, served.cwd)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "No issues found" in done.stdout
    assert "Tested: 6" in done.stdout  # every operation: label, batch, similar, reviewed, taxonomy, health


def test_the_document_declares_what_the_server_enforces(served):
    with served.client() as client:
        spec = client.get("/openapi.json").json()
        schemas = spec["components"]["schemas"]
        # the 422 body that is sent: one line, and each field's problem
        for path in ("/api/label", "/api/label/batch", "/api/similar", "/api/reviewed"):
            declared = spec["paths"][path]["post"]["responses"]["422"]["content"]["application/json"]["schema"]
            assert declared == {"$ref": "#/components/schemas/ErrorBody"}
        sent = client.post("/api/label", json={"text": " \x1c "}).json()
        assert set(sent) == {"detail", "errors"} and isinstance(sent["detail"], str)
        assert sent["errors"][0]["loc"] == ["text"]
        # blank texts and reviewers, and labels outside the served taxonomy, are declared invalid
        text = schemas["LabelRequest"]["properties"]["text"]
        assert text["minLength"] == 1 and "pattern" in text
        assert "pattern" in schemas["ReviewRequest"]["properties"]["reviewer"]
        taxonomy = client.get("/api/taxonomy").json()
        stages = [s["id"] for s in taxonomy["stages"]]
        assert schemas["ReviewedLabels"]["properties"]["stage"]["enum"] == stages
        assert schemas["ExtractedLabels"]["properties"]["touchpoints"]["items"]["enum"] == \
            [t["id"] for t in taxonomy["touchpoints"]]
