"""The store with OpenAI-compatible embeddings: against a real stand-in server process on loopback, and replayed
from a vcrpy cassette with the network blocked (the stand-in's vectors say nothing about any model's quality)."""

from __future__ import annotations

import json
import os

import pytest

from .conftest import ROOT, run_journey
from .standin.fixture import standin_server

# Where the cassette was recorded from: re-record with
#   JOURNEY_TEST_OPENAI_BASE=http://127.0.0.1:PORT/v1 pytest tests/test_store_openai.py --record-mode=rewrite
# (a stand-in started with `python tests/standin/openai_server.py`, or a real endpoint and key).
RECORDED_BASE = os.environ.get("JOURNEY_TEST_OPENAI_BASE", "http://127.0.0.1:9/v1")
TEXTS = ["Paczka nie dotarła, kurier nie odbiera.", "The parcel never arrived and support ignores me."]


@pytest.fixture(scope="module")
def vcr_config():
    return {"match_on": ["method", "path", "body"], "filter_headers": ["authorization"],
            "decode_compressed_response": True}


def test_ingest_search_and_reopen_with_openai_embeddings_against_a_server_process(tmp_path, monkeypatch):
    store = tmp_path / "store"
    with standin_server() as base:
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        monkeypatch.setenv("OPENAI_BASE_URL", base)
        survey = str(ROOT / "corpora" / "survey.csv")
        first = run_journey("ingest", survey, "--store", str(store), "--embedding", "openai")
        assert first.returncode == 0, first.stderr
        assert "55 added" in first.stderr
        again = run_journey("ingest", survey, "--store", str(store))  # reopens with the stored embedding
        assert again.returncode == 0 and "0 added, 55 already" in again.stderr, again.stderr
        wrong = run_journey("ingest", survey, "--store", str(store), "--embedding", "hashing")
        assert wrong.returncode == 2 and "was embedded with 'openai'" in wrong.stderr
        found = run_journey("search", "dostawa", "--store", str(store), "--json", "-k", "3")
        assert found.returncode == 0, found.stderr
        assert len(found.stdout.splitlines()) == 3 and json.loads(found.stdout.splitlines()[0])["score"] > 0
    monkeypatch.delenv("OPENAI_API_KEY")
    no_key = run_journey("search", "dostawa", "--store", str(store))
    assert no_key.returncode == 2 and "OPENAI_API_KEY" in no_key.stderr and "Traceback" not in no_key.stderr


@pytest.mark.vcr
@pytest.mark.block_network
def test_openai_embeddings_replay_from_cassette(monkeypatch):
    from chromadb.utils.embedding_functions import OpenAIEmbeddingFunction

    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    fn = OpenAIEmbeddingFunction(model_name="text-embedding-3-small", api_key_env_var="OPENAI_API_KEY",
                                 api_base=RECORDED_BASE)
    vectors = fn(TEXTS)
    assert len(vectors) == 2 and len(vectors[0]) == 64
    assert abs(sum(float(v) * float(v) for v in vectors[0]) - 1.0) < 1e-5
