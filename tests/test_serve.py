"""`journey serve` as a real server process on loopback: the JSON API, its limits and errors, concurrency, the
access token beyond loopback, similar items from a store; and in-process, that no failure becomes a traceback."""

from __future__ import annotations

import json
import logging
import os
import queue
import re
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from extractor.ingest.fields import stable_id
from extractor.labelling.reviewed import ReviewedLog
from extractor.taxonomy import default_taxonomy

from .conftest import ROOT, journey_cmd, run_journey
from .processes import stop_process
from .standin.fixture import captured_requests
from .test_reviewed import reviewed

PL = "Paczka nie dotarła na czas, a infolinia nie odbiera telefonu. Nigdy więcej tu nie kupię."
EN = "The parcel arrived two weeks late and support never answered my emails."
TOKEN = "test-token-0123456789abcdef"
START_SECONDS = 60.0


@dataclass
class RunningServer:
    """A `journey serve` process: its address (always via 127.0.0.1) and everything it wrote to stderr."""

    url: str
    proc: subprocess.Popen
    cwd: Path
    lines: list[str] = field(default_factory=list)

    @property
    def stderr(self) -> str:
        return "".join(self.lines)

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, trust_env=False, timeout=30, **kwargs)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("JOURNEY_TOKEN", "JOURNEY_STORE", "JOURNEY_CHROMA_URL", "JOURNEY_DEBUG")}
    env.update(NO_COLOR="1", **extra)
    return env


@contextmanager
def journey_server(*args: str, cwd: Path, env: dict[str, str] | None = None,
                   headers: dict[str, str] | None = None) -> Iterator[RunningServer]:
    """Start `journey serve --port 0 ARGS` in `cwd`, wait until /healthz answers, stop it afterwards."""
    cmd = journey_cmd() + ["serve", "--port", "0", "--no-access-log", *args]
    proc = subprocess.Popen(cmd, cwd=cwd, env=env or _env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, encoding="utf-8")
    lines: list[str] = []
    first: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in proc.stderr:  # type: ignore[union-attr]
            if not lines:
                first.put(line)
            lines.append(line)
        first.put("")

    threading.Thread(target=read, daemon=True).start()
    try:
        try:
            line = first.get(timeout=START_SECONDS)
        except queue.Empty:
            pytest.fail(f"journey serve printed nothing in {START_SECONDS:.0f} s")
        found = re.search(r"journey serve: http://(\S+):(\d+)/", line)
        if found is None:
            proc.wait(timeout=10)
            pytest.fail(f"journey serve did not start: {''.join(lines)}")
        server = RunningServer(f"http://127.0.0.1:{found.group(2)}/", proc, cwd, lines)
        wait_healthy(server, headers or {})
        yield server
    finally:
        stop_process(proc)


def wait_healthy(server: RunningServer, headers: dict[str, str]) -> None:
    deadline = time.monotonic() + START_SECONDS
    with server.client(headers=headers) as client:
        while True:
            try:
                if client.get("/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if server.proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"journey serve is not answering /healthz: {server.stderr}")
            time.sleep(0.05)  # polling interval, not synchronisation


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[RunningServer]:
    """A loopback server with the rules extractor, no feedback store, and its own reviewed-items file."""
    cwd = tmp_path_factory.mktemp("serve")
    with journey_server("--reviewed", str(cwd / "reviewed.jsonl"), "--store", str(cwd / "no-store"), cwd=cwd) as s:
        yield s
    assert "Traceback" not in s.stderr, s.stderr


@pytest.fixture()
def client(server) -> Iterator[httpx.Client]:
    with server.client() as c:
        yield c


def extract_records(tmp_path: Path, rows: list[dict]) -> list[dict]:
    """The records `journey extract` writes for these JSON rows."""
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    result = run_journey("extract", str(src), "--out", str(tmp_path / "out.jsonl"), "--quiet", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return [json.loads(x) for x in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]


def without_origin(record: dict) -> dict:
    return {k: v for k, v in record.items() if k != "origin"}


# -- labelling ----------------------------------------------------------------------------------------------------


def test_label_returns_the_record_journey_extract_writes(client, tmp_path):
    rows = [{"text": PL, "source": "ticket"}, {"text": EN, "source": "review"}, {"text": EN, "lang": "en-GB"}]
    expected = extract_records(tmp_path, rows)
    for row, record in zip(rows, expected):
        response = client.post("/api/label", json=row if "source" in row else dict(row, source="other"))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        got = response.json()
        assert list(got) == list(record)  # same fields, same order
        assert without_origin(got) == without_origin(record)
        assert got["origin"] is None
    pl = client.post("/api/label", json={"text": PL}).json()  # defaults: source ticket, language detected
    assert pl["source"] == "ticket" and pl["lang"] == "pl" and pl["item_id"] == stable_id(PL)
    assert pl["pain_points"] and all(PL[e["evidence"]["start"]:e["evidence"]["end"]] == e["evidence"]["quote"]
                                     for e in pl["events"])


def test_batch_labels_each_item_as_the_single_endpoint_does(client):
    texts = [PL, EN, "Great shoes, fast delivery!"]
    response = client.post("/api/label/batch", json={"items": [{"text": t} for t in texts]})
    assert response.status_code == 200, response.text
    records = response.json()["records"]
    assert [r["item_id"] for r in records] == [stable_id(t) for t in texts]
    assert records == [client.post("/api/label", json={"text": t}).json() for t in texts]
    assert len(client.post("/api/label/batch", json={"items": [{"text": EN}] * 100}).json()["records"]) == 100


def test_taxonomy_health_and_the_openapi_docs(client):
    tax = default_taxonomy()
    taxonomy = client.get("/api/taxonomy").json()
    assert [s["id"] for s in taxonomy["stages"]] == tax.stage_ids()
    assert taxonomy["taxonomy_id"] == tax.taxonomy_id
    assert client.get("/healthz").json() == {"status": "ok", "extractor": "rules", "taxonomy_id": tax.ref,
                                              "store": False}
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/label", "/api/label/batch", "/api/taxonomy", "/api/reviewed", "/healthz"} <= set(paths)
    page = client.get("/docs")  # Swagger UI comes from this server, not a CDN
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(a.startswith("/") for a in assets), assets
    assert all(client.get(a).status_code == 200 for a in assets)


def test_fifty_concurrent_requests_all_succeed(server):
    texts = [f"{EN if n % 2 else PL} (ticket {n})" for n in range(50)]
    start = threading.Barrier(50)

    def post(text: str) -> httpx.Response:
        with server.client() as c:
            start.wait(timeout=30)
            return c.post("/api/label", json={"text": text})

    with ThreadPoolExecutor(max_workers=50) as pool:
        responses = list(pool.map(post, texts))
    assert [r.status_code for r in responses] == [200] * 50
    assert [r.json()["item_id"] for r in responses] == [stable_id(t) for t in texts]


# -- limits and bad input -----------------------------------------------------------------------------------------


def big_body() -> bytes:
    return json.dumps({"text": "late parcel " * 125_000}).encode()  # 1.5 MB


def test_bodies_over_one_megabyte_get_413_with_or_without_content_length(client):
    body = big_body()
    assert len(body) > 1_400_000
    declared = client.post("/api/label", content=body, headers={"content-type": "application/json"})
    chunks = (body[at:at + 65536] for at in range(0, len(body), 65536))
    streamed = client.post("/api/label", content=chunks, headers={"content-type": "application/json"})
    for response in (declared, streamed):
        assert response.status_code == 413, response.text
        assert "1,048,576 bytes" in response.json()["detail"]
    assert "content-length" not in {k.lower() for k in streamed.request.headers}
    batch = client.post("/api/label/batch", content=json.dumps({"items": [{"text": "x" * 20_000}] * 60}),
                        headers={"content-type": "application/json"})
    assert batch.status_code == 413
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize(("body", "reason"), [
    (b'{"text": "unfinished', "not valid JSON"),
    (b"{}", "text: Field required"),
    (b'{"text": ""}', "text: the text is empty"),
    (b'{"text": " \\n\\t "}', "text: the text is empty"),
    (b'{"text": 42}', "text: Input should be a valid string"),
    (b'["a list"]', "valid dictionary"),
    (b'{"text": "ok", "source": "fax"}', "source: Input should be"),
    (b'{"text": "ok", "colour": "red"}', "colour: Extra inputs are not permitted"),
    (b"", "the body must be a JSON object"),
])
def test_invalid_input_gets_422_with_the_reason(client, body, reason):
    response = client.post("/api/label", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert reason in response.json()["detail"]


def test_batch_limits_and_overlong_texts_get_422(client):
    over = client.post("/api/label/batch", json={"items": [{"text": "ok"}] * 101})
    assert over.status_code == 422 and "items: List should have at most 100 items" in over.json()["detail"]
    empty = client.post("/api/label/batch", json={"items": []})
    assert empty.status_code == 422 and "items" in empty.json()["detail"]
    bad_item = client.post("/api/label/batch", json={"items": [{"text": "ok"}, {"text": ""}]})
    assert bad_item.status_code == 422 and "items.1.text" in bad_item.json()["detail"]
    long = client.post("/api/label", json={"text": "a" * 100_001})
    assert long.status_code == 422 and "100,001 characters, over the limit of 100,000" in long.json()["detail"]


def test_odd_requests_never_make_a_traceback(server, client):
    broken_emoji = client.post("/api/label", content=b'{"text": "broken \\ud83d emoji, parcel late"}',
                               headers={"content-type": "application/json"})
    assert broken_emoji.status_code == 200  # an unpaired surrogate is replaced, as `journey extract` does
    assert broken_emoji.json()["item_id"] == stable_id("broken \ufffd emoji, parcel late")
    assert client.post("/api/label", content=b"text=hi", headers={"content-type": "text/plain"}).status_code == 422
    assert client.get("/api/nothing").status_code == 404 and client.get("/api/nothing").json()["detail"]
    assert client.get("/api/label").status_code == 405
    assert client.post("/api/label", content=b"\xff\xfe{", headers={"content-type": "application/json"}
                       ).status_code == 422
    with socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1].strip("/"))), timeout=10) as raw:
        raw.sendall(b"POST /api/label HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    b"Content-Length: lots\r\n\r\n{}")
        assert raw.recv(4096).split(b"\r\n", 1)[0].split(b" ")[1] in (b"400", b"413")
    assert client.get("/healthz").status_code == 200
    assert "Traceback" not in server.stderr, server.stderr


def test_a_failing_extractor_gives_a_short_json_500_and_a_one_line_log(caplog, tmp_path):
    from fastapi.testclient import TestClient

    from extractor.serve.app import create_app
    from extractor.serve.config import ServeConfig
    from extractor.serve.desk import SupportDesk
    from extractor.serve.extraction import DeskExtractor
    from extractor.labelling.reviewed import ReviewedLog
    from extractor.serve.similar import SimilarItems

    from extractor.extractors import OneByOne

    class Broken(OneByOne):
        name = "broken"

        def record_json(self, item):
            raise RuntimeError("the cue index is gone")

    desk = SupportDesk(ServeConfig(), default_taxonomy(), DeskExtractor(Broken()), SimilarItems(None, "", "no store"),
                       ReviewedLog(tmp_path / "r.jsonl"))
    app = TestClient(create_app(desk), base_url="http://127.0.0.1")
    with caplog.at_level(logging.ERROR, logger="journey.serve"), app as test_client:
        response = test_client.post("/api/label", json={"text": EN})
        assert test_client.get("/healthz").status_code == 200  # still serving
    assert response.status_code == 500
    assert "internal error" in response.json()["detail"] and "cue index" not in response.json()["detail"]
    failures = [r for r in caplog.records if r.name == "journey.serve"]
    assert [r.getMessage() for r in failures] == ["POST /api/label failed: RuntimeError: the cue index is gone"]
    assert failures[0].exc_info is None


# -- reviews ------------------------------------------------------------------------------------------------------


def review(text: str, reviewer: str = "anna", **corrected) -> dict:
    tax = default_taxonomy()
    original = {"stage": tax.stage_ids()[3], "touchpoints": [tax.touchpoint_ids()[0]], "emotion": tax.emotion_ids()[6],
                "sentiment": -0.8, "pain_points": [], "moment_of_truth": False}
    fixed = dict(original, sentiment=-1)
    fixed.update(corrected)
    return {"text": text, "reviewer": reviewer, "original": original, "corrected": fixed, "extractor": "rules"}


def test_reviews_are_saved_one_line_each_under_concurrency(server, client):
    tax = default_taxonomy()
    body = review(PL, pain_points=[tax.pain_point_ids()[0]])
    saved = client.post("/api/reviewed", json=body)
    assert saved.status_code == 201, saved.text
    assert saved.json()["changed"] == ["pain_points"] and saved.json()["lang"] == "pl"
    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(lambda n: server.client().post("/api/reviewed", json=review(f"{EN} #{n}", f"r{n}"))
                              .status_code, range(40)))
    assert codes == [201] * 40
    lines = (server.cwd / "reviewed.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    assert len(rows) >= 41 and {f"r{n}" for n in range(40)} <= {r["reviewer"] for r in rows}
    assert all(r["reviewed_at"].endswith("Z") for r in rows)


def test_reviews_with_unknown_labels_or_no_reviewer_get_422(client):
    unknown = client.post("/api/reviewed", json=review(EN, stage="teleportation"))
    assert unknown.status_code == 422 and "corrected.stage: unknown id 'teleportation'" in unknown.json()["detail"]
    nobody = client.post("/api/reviewed", json=review(EN, reviewer=" "))
    assert nobody.status_code == 422 and "reviewer" in nobody.json()["detail"]
    polarity = client.post("/api/reviewed", json=review(EN, sentiment=0.5))
    assert polarity.status_code == 422 and "corrected.sentiment" in polarity.json()["detail"]


# -- access ---------------------------------------------------------------------------------------------------------


def test_another_address_needs_a_token_on_every_request(tmp_path):
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    with journey_server("--host", "0.0.0.0", "--reviewed", str(tmp_path / "r.jsonl"), cwd=tmp_path,
                        env=_env(JOURNEY_TOKEN=TOKEN), headers=bearer) as s:
        with s.client() as anonymous:
            for method, path in (("GET", "/healthz"), ("GET", "/"), ("POST", "/api/label"), ("GET", "/docs")):
                denied = anonymous.request(method, path, json={"text": EN} if method == "POST" else None)
                assert denied.status_code == 401, path
                assert "token" in denied.json()["detail"] and denied.headers["www-authenticate"] == "Bearer"
            wrong = anonymous.post("/api/label", json={"text": EN}, headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401
        with s.client(headers=bearer) as api:
            assert api.post("/api/label", json={"text": EN}).json()["item_id"] == stable_id(EN)
        with s.client() as browser_like:
            opened = browser_like.get(f"/?token={TOKEN}")
            assert opened.status_code == 303 and opened.headers["location"] == "/"
            assert "HttpOnly" in opened.headers["set-cookie"] and "SameSite=Strict" in opened.headers["set-cookie"]
            page = browser_like.get("/")  # the cookie now carries the token
            assert page.status_code == 200 and 'id="ticket"' in page.text
            assert browser_like.post("/api/label", json={"text": EN}).status_code == 200
    assert TOKEN not in s.stderr and "Traceback" not in s.stderr


def test_starting_beyond_loopback_without_a_token_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("JOURNEY_TOKEN", raising=False)
    result = run_journey("serve", "--host", "0.0.0.0", "--port", "0")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("Error: --host 0.0.0.0 makes the page reachable") and "--token" in result.stderr
    short = run_journey("serve", "--host", "0.0.0.0", "--port", "0", "--token", "short")
    assert short.returncode == 2 and "at least 16 characters" in short.stderr


def test_a_loopback_server_refuses_other_host_names(client):
    assert client.get("/healthz", headers={"Host": "attacker.example"}).status_code == 403
    assert client.get("/healthz", headers={"Host": "localhost:8000"}).status_code == 200


# -- the page and similar items -------------------------------------------------------------------------------------


def test_the_page_needs_nothing_from_elsewhere(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page.text)
    assert "Ctrl" in page.text and "No feedback store" in client.post("/ui/card", json={"text": EN}).text


def test_similar_past_items_come_from_the_store(tmp_path):
    store = tmp_path / "store"
    tickets = ROOT / "corpora" / "tickets.jsonl"
    built = run_journey("extract", str(tickets), "--out", str(tmp_path / "r.jsonl"), "--store", str(store),
                        "--quiet")
    assert built.returncode == 0, built.stderr
    with journey_server("--store", str(store), "--reviewed", str(tmp_path / "rv.jsonl"), cwd=tmp_path) as s:
        with s.client() as c:
            assert c.get("/healthz").json()["store"] is True
            found = c.post("/api/similar", json={"text": "My parcel is late and the courier does not answer"}).json()
            assert found["store"] == str(store) and len(found["items"]) == 5
            assert all(0 < item["score"] <= 1 and item["text"] and item["stage"] for item in found["items"])
            first = json.loads(tickets.read_text(encoding="utf-8").splitlines()[0])["text"]
            again = c.post("/api/similar", json={"text": first}).json()["items"]
            assert first not in [item["text"] for item in again]  # the same ticket is not "similar"
            card = c.post("/ui/card", json={"text": "My parcel is late"}).text
            assert card.count("<li><p class=\"sim-text\">") == 5


def test_the_llm_extractor_serves_with_reviewed_examples_first(base, tmp_path):
    reviews = tmp_path / "reviewed.jsonl"
    ReviewedLog(reviews).append(reviewed("The courier lost my parcel and it is two weeks late."))
    env = _env(JOURNEY_LLM_CACHE=str(tmp_path / "cache"), OPENAI_API_KEY="test")
    with journey_server("--extractor", "llm", "--base-url", base, "--model", "standin", "--reviewed", str(reviews),
                        "--store", str(tmp_path / "no-store"), cwd=tmp_path, env=env) as s:
        with s.client() as c:
            record = c.post("/api/label", json={"text": EN}).json()
            assert record["extractor"] == "llm" and record["llm"]["outcome"] in ("answered", "repaired")
            assert all(EN[e["evidence"]["start"]:e["evidence"]["end"]] == e["evidence"]["quote"]
                       for e in record["events"])
            batch = c.post("/api/label/batch", json={"items": [{"text": PL}, {"text": EN}]}).json()["records"]
            assert [r["item_id"] for r in batch] == [stable_id(PL), stable_id(EN)]
    user = captured_requests(base)[0]["messages"][-1]["content"]
    assert "The courier lost my parcel and it is two weeks late." in user  # the review is a few-shot example
