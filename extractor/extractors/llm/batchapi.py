"""The OpenAI Batch API as a pre-fill of the answer cache: half the price, answers within 24 hours.

The items' cache misses are packed into requests exactly as the live path packs them (masked, few-shot, the same
system prefix and strict schema), written one request to a JSON Lines line, uploaded, and run as one batch. Each
answer that passes the per-item check is stored in the answer cache like a live answer; a request that failed or an
item whose answer is unusable is simply not stored, so the normal live run that follows sends it (with the usual
repair and fallback) and labels everything else from the cache.

A request's `custom_id` hashes the cache keys of its items, so re-reading the same input maps a resumed batch
(`batch_id=`) back to its items. Ids (files, batch) are only ever taken from the server's responses, so a recorded
cassette replays. The state file beside the output names the batch, so an interrupted run can say how to resume."""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from ...errors import JourneyError, RunStopped, UsageError
from ...schema import FeedbackItem
from .client import ReplayMissingError, Usage, replay_missing, short_error, key_refused, request_params
from .extractor import LLMExtractor, Pending
from .validate import check_reply

if TYPE_CHECKING:  # pragma: no cover
    import openai

ENDPOINT = "/v1/chat/completions"
COMPLETION_WINDOW = "24h"
MAX_REQUESTS = 50_000  # the Batch API's limits for one input file
MAX_BYTES = 200 * 1024 * 1024
DONE = ("completed", "failed", "expired", "cancelled")
STATE_VERSION = 1

Progress = Callable[[int, int], None]  # (completed requests, total requests), after every poll


class BatchError(JourneyError):
    """A Batch API call failed (upload, create, poll, download) after the client's retries."""


class BatchPending(BatchError, RunStopped):
    """`max_wait` ran out while the batch was still running: it keeps running; resume it with its id. Not a
    fault: the CLI prints the message as it is and exits 75 (EX_TEMPFAIL: try again later)."""

    exit_code = 75

    def __init__(self, batch_id: str, status: str, completed: int, total: int):
        self.batch_id, self.status = batch_id, status
        super().__init__(f"batch {batch_id} is still {status} ({completed}/{total} requests done); it keeps running "
                         f"on the server: resume it with --batch-id {batch_id}")


class BatchFailed(BatchError):
    """The batch ended failed, expired or cancelled. The answers it did return are already in the cache
    (`report.answered_items`); the other items are answered by a live run, or by a new batch."""

    def __init__(self, batch_id: str, status: str, report: "BatchReport", errors: Sequence[str] = ()):
        self.batch_id, self.status, self.report, self.errors = batch_id, status, report, list(errors)
        why = f": {'; '.join(self.errors[:3])}" if self.errors else ""
        super().__init__(f"batch {batch_id} {status}{why}. {report.answered_items} item(s) answered by it are cached; "
                         "the rest are sent live now (or labelled by rules with --batch-failed fallback)")


@dataclass
class BatchReport:
    """What one batch did. `answered_items` were stored in the cache; the rest of the misses go live."""

    batch_id: str | None
    items: int = 0
    cached_before: int = 0
    requests: int = 0
    answered_items: int = 0
    invalid_items: int = 0
    failed_requests: int = 0
    unmatched_requests: int = 0
    failures: dict[str, str] = field(default_factory=dict)  # custom_id -> the error the batch gave for it
    failed_keys: dict[str, str] = field(default_factory=dict)  # cache key of each item of a failed request -> error
    status: str = "nothing to send"
    input_file_id: str | None = None
    seconds: float = 0.0
    usage: Usage = field(default_factory=Usage)


# -- the state file -------------------------------------------------------------------------------------------------


def read_state(path: Path) -> dict[str, Any] | None:
    """The state file's content, or None when there is none (or it is unreadable)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("batch_id"), str) else None


def pending_batch_id(path: Path) -> str | None:
    """The id of the batch a state file names when its answers were not harvested yet (a run to resume)."""
    state = read_state(path)
    return state["batch_id"] if state is not None and not state.get("harvested") else None


def _write_state(path: Path | None, state: dict[str, Any]) -> None:
    if path is None:
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(path.name + ".tmp")
    scratch.write_text(json.dumps(state, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(scratch, path)


# -- requests -------------------------------------------------------------------------------------------------------


def custom_id(request: Sequence[Pending]) -> str:
    """A request's id within a batch: a hash of its items' cache keys (model, prompt, language, masked text)."""
    return "req-" + hashlib.sha256("\n".join(p.key for p in request).encode("ascii")).hexdigest()[:16]


def request_line(extractor: LLMExtractor, request: Sequence[Pending]) -> dict[str, Any]:
    """One line of the batch input file: the chat completion body the live path would send for `request`."""
    settings = extractor.settings
    messages, max_tokens = extractor.request_messages(request)
    body = {"model": settings.model, "messages": messages,
            **request_params(settings, extractor.provider, extractor.prompt.schema, max_tokens, settings.temperature)}
    return {"custom_id": custom_id(request), "method": "POST", "url": ENDPOINT, "body": body}


def _unique_misses(extractor: LLMExtractor, pending: list[Pending], hits: dict[str, Any]) -> list[Pending]:
    """The items to send: not in the cache, and each text (cache key) once."""
    seen: set[str] = set()
    todo = []
    for p in pending:
        if p.key not in hits and p.key not in seen:
            seen.add(p.key)
            todo.append(p)
    return todo


def _index(requests: Iterable[list[Pending]]) -> dict[str, list[Pending]]:
    return {custom_id(r): r for r in requests}


# -- the run --------------------------------------------------------------------------------------------------------


def make_client(extractor: LLMExtractor) -> "openai.OpenAI":
    """The sync OpenAI client for the extractor's settings."""
    import openai

    s = extractor.settings
    return openai.OpenAI(api_key=s.api_key or "not-needed", base_url=s.base_url, max_retries=3, timeout=s.timeout or 120.0)


def run_batch(extractor: LLMExtractor, items: Sequence[FeedbackItem], *, batch_id: str | None = None,
              state_path: Path | None = None, progress: Progress | None = None, poll_interval: float = 30.0,
              max_wait: float | None = None, client: "openai.OpenAI | None" = None) -> BatchReport:
    """Fill the extractor's answer cache for `items` through one Batch API batch, and wait for it.

    batch_id: resume that batch (no upload, no new batch) and map its answers back to `items` (the same input).
    state_path: a JSON file that names the batch once created (see `pending_batch_id`). progress: called with
    (completed, total) requests after every poll. max_wait: seconds to wait before raising BatchPending (the batch
    keeps running). Raises BatchFailed (after storing what it returned) when the batch failed, expired or was
    cancelled, BatchError when the server cannot be reached or refuses a call."""
    started = time.monotonic()
    cache = extractor.answer_cache
    if cache is None:
        raise UsageError("the Batch API fills the answer cache: it cannot run with the cache off (--no-cache)")
    pending = [extractor.pending_item(item) for item in items]
    hits = cache.get_many([p.key for p in pending])
    report = BatchReport(batch_id=batch_id, items=len(pending), cached_before=sum(p.key in hits for p in pending))
    todo = _unique_misses(extractor, pending, hits)
    requests = extractor.pack(todo)
    report.requests = len(requests)
    if batch_id is None and not requests:
        report.seconds = time.monotonic() - started
        return report
    api = client or make_client(extractor)
    state: dict[str, Any]
    if batch_id is None:
        batch, state = _create(extractor, api, requests, report)
        _write_state(state_path, state)
    else:
        batch = _call(api, lambda: api.batches.retrieve(batch_id), f"retrieve batch {batch_id}")
        known = read_state(state_path) if state_path is not None else None
        if known is not None and known.get("batch_id") == batch.id:
            state = known
        else:
            state = _state_of(extractor, batch, requests=_total(batch) or len(requests))
            _write_state(state_path, state)
        report.input_file_id = batch.input_file_id
    report.batch_id = batch.id
    batch = _wait(api, batch, progress, poll_interval, max_wait)
    report.status = batch.status
    if batch_id is not None:
        report.requests = _total(batch) or report.requests

    def as_if_uncached() -> dict[str, list[Pending]]:  # the cache changed since the batch was made
        return _index(extractor.pack(_unique_misses(extractor, [extractor.pending_item(i) for i in items], {})))

    _harvest(extractor, api, batch, _index(requests), as_if_uncached, hits, report)
    state.update(status=batch.status, harvested=True, answered_items=report.answered_items)
    _write_state(state_path, state)
    report.seconds = time.monotonic() - started
    if batch.status != "completed":
        raise BatchFailed(batch.id, batch.status, report, _batch_errors(batch))
    return report


def _create(extractor: LLMExtractor, api: "openai.OpenAI", requests: list[list[Pending]],
            report: BatchReport) -> tuple[Any, dict[str, Any]]:
    if len(requests) > MAX_REQUESTS:
        raise UsageError(f"{len(requests)} requests are more than one batch takes ({MAX_REQUESTS}): run the Batch "
                         "API over fewer items at a time")
    data = "".join(json.dumps(request_line(extractor, r), ensure_ascii=False) + "\n" for r in requests).encode()
    if len(data) > MAX_BYTES:
        raise UsageError(f"the batch input would be {len(data) / 2**20:.0f} MiB, more than one batch takes "
                         f"({MAX_BYTES // 2**20} MiB): run the Batch API over fewer items at a time")
    uploaded = _call(api, lambda: api.files.create(file=("journey-batch.jsonl", data), purpose="batch"),
                     "upload the batch input")
    report.input_file_id = uploaded.id
    batch = _call(api, lambda: api.batches.create(input_file_id=uploaded.id, endpoint=ENDPOINT,
                                                  completion_window=COMPLETION_WINDOW,
                                                  metadata={"prompt_id": extractor.prompt_id[:512]}),
                  "create the batch")
    return batch, _state_of(extractor, batch, requests=len(requests))


def _state_of(extractor: LLMExtractor, batch: Any, requests: int) -> dict[str, Any]:
    created = datetime.fromtimestamp(batch.created_at, timezone.utc).isoformat() if batch.created_at else None
    return {"version": STATE_VERSION, "batch_id": batch.id, "input_file_id": batch.input_file_id,
            "created_at": batch.created_at, "created": created, "requests": requests, "model": extractor.settings.model,
            "prompt_id": extractor.prompt_id, "status": batch.status, "harvested": False}


def _total(batch: Any) -> int:
    counts = getattr(batch, "request_counts", None)
    return int(getattr(counts, "total", 0) or 0)


def _wait(api: "openai.OpenAI", batch: Any, progress: Progress | None, poll_interval: float,
          max_wait: float | None) -> Any:
    """Poll until the batch is done (or max_wait runs out)."""
    started = time.monotonic()
    while True:
        counts = getattr(batch, "request_counts", None)
        completed = int(getattr(counts, "completed", 0) or 0) + int(getattr(counts, "failed", 0) or 0)
        if progress is not None:
            progress(completed, _total(batch))
        if batch.status in DONE:
            return batch
        if max_wait is not None and time.monotonic() - started + poll_interval > max_wait:
            raise BatchPending(batch.id, batch.status, completed, _total(batch))
        time.sleep(poll_interval)
        batch = _call(api, lambda: api.batches.retrieve(batch.id), f"poll batch {batch.id}")


def _harvest(extractor: LLMExtractor, api: "openai.OpenAI", batch: Any, index: dict[str, list[Pending]],
             widen: Callable[[], dict[str, list[Pending]]], hits: dict[str, Any], report: BatchReport) -> None:
    """Check every returned answer and store the usable items in the cache, in one write."""
    keep: dict[str, dict[str, Any]] = {}
    failed: set[str] = set()
    widened = False
    for row in _lines(api, getattr(batch, "output_file_id", None)):
        cid = str(row.get("custom_id"))
        request = index.get(cid)
        if request is None and not widened:  # an id the current misses do not make: pack all items, once
            index, widened = {**widen(), **index}, True
            request = index.get(cid)
        if request is None:
            report.unmatched_requests += 1
            continue
        response = row.get("response") or {}
        body = response.get("body") if isinstance(response, dict) else None
        if row.get("error") or not isinstance(body, dict) or response.get("status_code") != 200:
            failed.add(cid)
            _fail(report, cid, request, row)
            continue
        extractor.usage.requests += 1
        report.usage.requests += 1
        extractor.usage.add(body.get("usage"))
        report.usage.add(body.get("usage"))
        content = _content(body)
        if content is None:
            failed.add(cid)
            _fail(report, cid, request, row)
            continue
        checks, _ = check_reply(content, [(n + 1, p.masked, p.clauses) for n, p in enumerate(request)],
                                extractor.prompt.check_item)
        for n, p in enumerate(request):
            checked = checks[n + 1]
            if checked.answer is None:
                report.invalid_items += 1
            elif p.key not in hits:
                keep[p.key] = {"answer": checked.raw, "outcome": "answered", "problems": []}
    for row in _lines(api, getattr(batch, "error_file_id", None)):
        cid = str(row.get("custom_id"))
        failed.add(cid)
        _fail(report, cid, index.get(cid) or [], row)
    if keep:
        extractor.answer_cache.put_many(keep)  # type: ignore[union-attr]
    report.answered_items = len(keep)
    report.failed_requests = len(failed)


def _fail(report: BatchReport, cid: str, request: Sequence[Pending], row: dict[str, Any]) -> None:
    """Note why a request of the batch failed, for it and for each of its items."""
    why = error_of(row)
    report.failures[cid] = why
    for p in request:
        report.failed_keys[p.key] = why


def error_of(row: dict[str, Any]) -> str:
    """The message a batch output or error line gives for a failed request."""
    error = row.get("error")
    response = row.get("response") if isinstance(row.get("response"), dict) else {}
    body = response.get("body") if isinstance(response.get("body"), dict) else {}
    for found in (error, body.get("error")):
        if isinstance(found, dict) and (found.get("message") or found.get("code")):
            code = f" ({found['code']})" if found.get("code") and found.get("message") else ""
            return str(found.get("message") or found.get("code"))[:300] + code
    choices = body.get("choices") if isinstance(body.get("choices"), list) else []
    if choices and isinstance(choices[0], dict):
        finish = choices[0].get("finish_reason")
        refusal = (choices[0].get("message") or {}).get("refusal")
        if refusal:
            return f"refusal: {str(refusal)[:300]}"
        if finish and finish != "stop":
            return f"finish_reason {finish}"
    status = response.get("status_code")
    return f"HTTP {status}" if status and status != 200 else "no answer"


def _content(body: dict[str, Any]) -> str | None:
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return None
    if choices[0].get("finish_reason") in ("length", "content_filter"):
        return None  # cut or filtered: error_of() says which
    content = (choices[0].get("message") or {}).get("content")
    return content if isinstance(content, str) and content else None


def _lines(api: "openai.OpenAI", file_id: str | None) -> Iterable[dict[str, Any]]:
    if not file_id:
        return []
    text = _call(api, lambda: api.files.content(file_id).text, f"download {file_id}")
    rows = []
    for line in text.splitlines():
        try:
            row = json.loads(line) if line.strip() else None
        except ValueError:
            continue
        if isinstance(row, dict):
            rows.append(row)
    return rows


def _batch_errors(batch: Any) -> list[str]:
    errors = getattr(getattr(batch, "errors", None), "data", None) or []
    return [str(getattr(e, "message", None) or getattr(e, "code", None) or e) for e in errors]


def _call(api: Any, do: Callable[[], Any], what: str) -> Any:
    """One Batch API call (the client retries transient faults itself), its faults as typed errors."""
    import openai

    try:
        return do()
    except openai.APIStatusError as exc:
        if exc.status_code in (401, 403):
            raise key_refused(exc.status_code) from None
        if exc.status_code == 404:
            raise BatchError(f"cannot {what}: the server does not know it (404): {short_error(exc)}; the Batch API "
                             "needs OpenAI or a server that implements /v1/files and /v1/batches") from None
        raise BatchError(f"cannot {what}: the server answered {exc.status_code}: {short_error(exc)}") from None
    except openai.APIError as exc:
        missing = replay_missing(exc)
        if missing is not None:
            raise ReplayMissingError(missing) from None
        raise BatchError(f"cannot {what} at {getattr(api, 'base_url', 'the server')}: {short_error(exc)}") from None
    except Exception as exc:  # vcrpy's refusal of an unrecorded call comes through the sync client unwrapped
        missing = replay_missing(exc)
        if missing is None:
            raise
        raise ReplayMissingError(missing) from None
