"""Recorded model answers (vcrpy cassettes): a team records once with a key, CI replays them with no network.

Requests match on method, path, and the body's model, messages (the prompt and the items) and temperature (a
failed repair is asked afresh with the same messages at the repair temperature), not on the host, so a cassette
recorded against one server replays for any --base-url. The authorization header and API keys are
never written to a cassette. A cassette whose name ends in .gz is read and written gzip-compressed: a recording
repeats the same instructions in every request, so it shrinks twentyfold."""

from __future__ import annotations

import gzip
import json
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from ...errors import UsageError

RECORD_MODES = ("none", "once", "new_episodes", "all")
SECRET_HEADERS = ["authorization", "api-key", "openai-api-key", "openai-organization", "openai-project", "cookie",
                  "x-api-key"]


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """Drop response headers that name the account (organization, project, cookies)."""
    headers = response.get("headers") or {}
    for name in list(headers):
        if name.lower() in ("openai-organization", "openai-project", "set-cookie"):
            del headers[name]
    return response


def _body_key(request: Any) -> Any:
    body = request.body
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    try:
        data = json.loads(body) if body else None
    except ValueError:
        return body
    if isinstance(data, dict) and "messages" in data:
        return {"model": data.get("model"), "messages": data.get("messages"), "temperature": data.get("temperature")}
    return data


class _Persister:
    """vcrpy's file persister, gzip-compressed for paths ending in .gz (written with no timestamp, so the same
    recording gives the same bytes)."""

    @classmethod
    def load_cassette(cls, cassette_path: Any, serializer: Any) -> Any:
        from vcr.persisters.filesystem import CassetteNotFoundError, FilesystemPersister
        from vcr.serialize import deserialize

        path = Path(cassette_path)
        if path.suffix != ".gz":
            return FilesystemPersister.load_cassette(path, serializer)
        if not path.is_file():
            raise CassetteNotFoundError()
        with gzip.open(path, "rt", encoding="utf-8") as f:
            data = f.read()
        if not data.strip():
            raise CassetteNotFoundError()
        return deserialize(data, serializer)

    @staticmethod
    def save_cassette(cassette_path: Any, cassette_dict: Any, serializer: Any) -> None:
        from vcr.persisters.filesystem import FilesystemPersister
        from vcr.serialize import serialize

        path = Path(cassette_path)
        if path.suffix != ".gz":
            FilesystemPersister.save_cassette(path, cassette_dict, serializer)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        data = serialize(cassette_dict, serializer).encode("utf-8")
        path.write_bytes(gzip.compress(data, mtime=0))


def model_and_messages(r1: Any, r2: Any) -> None:
    """vcrpy matcher: the same model, messages and temperature (AssertionError otherwise, as vcrpy expects)."""
    assert _body_key(r1) == _body_key(r2), "different model, messages or temperature"


@contextmanager
def cassette(path: Path, record_mode: str = "none") -> Iterator[Any]:
    """Every model request inside the block is answered from (or recorded into) the cassette at `path`."""
    if record_mode not in RECORD_MODES:
        raise UsageError(f"--record-mode {record_mode!r}: choose one of {', '.join(RECORD_MODES)}")
    if record_mode == "none" and not path.is_file():
        raise UsageError(f"--cassette {path}: no such file. Record it once with a key: add --record-mode once "
                         "(OPENAI_API_KEY set), then commit the file")
    try:
        import vcr
    except ImportError:  # pragma: no cover - vcrpy is a dependency
        raise UsageError("replaying cassettes needs vcrpy: pip install 'vcrpy>=9.4.2'") from None
    recorder = vcr.VCR(record_mode=record_mode, decode_compressed_response=True, filter_headers=SECRET_HEADERS,
                       filter_query_parameters=["api-key", "key"], match_on=["method", "path", "model_and_messages"],
                       before_record_response=_scrub_response)
    recorder.register_matcher("model_and_messages", model_and_messages)
    recorder.register_persister(_Persister)
    path.parent.mkdir(parents=True, exist_ok=True)
    with recorder.use_cassette(str(path), allow_playback_repeats=True) as tape:
        if record_mode != "none":
            _save_as_recorded(tape)
        yield tape


def _save_as_recorded(tape: Any) -> None:
    """Write the cassette after every recorded answer, not only at the end: a long recording against a slow model
    that is interrupted keeps what it got, and `--record-mode new_episodes` goes on from there (the recorded
    answers replay, so the same requests are packed again)."""
    append = tape.append

    def append_and_save(request: Any, response: Any) -> None:
        append(request, response)
        tape._save(force=True)
        for _, recorded in tape.data:  # saving turns the bodies into text in place; played back later in this
            body = recorded.get("body")  # run (a request asked again), httpx wants bytes
            if isinstance(body, dict) and isinstance(body.get("string"), str):
                body["string"] = body["string"].encode("utf-8")

    tape.append = append_and_save
