"""A loopback stand-in for an OpenAI-compatible server, for tests only (never a measure of model quality).

    python tests/standin/openai_server.py [--port 0] [--latency SECONDS] [--batch-polls N]

Prints `PORT <n>` once listening. Stdlib only, so it starts fast. Routes (the /v1 prefix is optional everywhere):

    POST /v1/embeddings            deterministic vectors (a hash of each input's words: similar texts, similar vectors)
    POST /v1/chat/completions      a naive, deterministic answer to the items of the last user message, following the
                                   request's `response_format` JSON schema (plumbing, not a model)
    POST /v1/files, GET /v1/files/{id}, GET /v1/files/{id}/content
    POST /v1/batches, GET /v1/batches/{id}, POST /v1/batches/{id}/cancel     (the OpenAI Batch API)
    GET  /stats, GET /requests, POST /control, POST /reset                   (test controls)

POST /control takes {"latency": float, "faults": [kind, ...], "retry_after": float, "triggers": {"WORD": kind},
"context": int} (all optional): faults queue up first-in first-out and each chat completion request takes at most
one; a trigger gives its fault to every request whose items contain WORD (a fault that follows an item). Kinds:
"429", "429_reset" (x-ratelimit-reset-* headers, no retry-after), "500", "503", "timeout", "timeout:SECONDS",
"reset", "truncated" (finish_reason length), "invalid_json", "unknown_id", "bad_quote", "missing_item",
"content_filter_400" (Azure's prompt filter), "content_filter" (finish_reason content_filter), "refusal",
"context_length" (400 context_length_exceeded), "bad_request" (400 unsupported parameter), "format_500"
(llama-cpp-python's 500 for a response_format it does not take), "uniform" (every item of a request of more than
one gets the first item's answer, as a small model asked many items at once does). Latency applies to answered requests only.
Batches ignore queued faults and latency; a batch line gets a 400 in the output file for a temperature sent
to a reasoning model (as OpenAI's) and for a content_filter_400 trigger word.

Like a real server, an answer longer than the request's `max_tokens` / `max_completion_tokens` is cut
(finish_reason length), and with `--context N` (or "context" in /control) a request whose prompt plus that cap
exceeds N tokens gets vLLM's 400; GET /v1/models then reports `max_model_len` as vLLM does.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import math
import re
import socket
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

DIM = 64
_WORD = re.compile(r"\w+")
ITEMS_MARK = re.compile(r'\{"items":\s?\[')  # as json.dumps writes it, with or without spaces
NEGATIVE_WORDS = frozenset("not never no bad worst late broken nie zły źle brak reklamacja".split())
FAULT_KINDS = ("429", "429_reset", "500", "503", "timeout", "reset", "truncated", "invalid_json", "unknown_id",
               "bad_quote", "missing_item", "content_filter_400", "content_filter", "refusal", "context_length",
               "bad_request", "format_500", "uniform")
REFUSAL = "I'm sorry, but I can't help with that request."
MAX_CAPTURED = 5000
QUOTE_MAX = 120
TIMEOUT_FAULT_SECONDS = 30.0
DEFAULT_RETRY_AFTER = 0.2


class State:
    """Everything the server remembers; one lock guards it all."""

    def __init__(self, latency: float = 0.0, batch_polls: int = 2) -> None:
        self.lock = threading.RLock()  # reentrant: a batch completes under it
        self.base_latency = latency
        self.base_context: int | None = None
        self.batch_polls = batch_polls
        self.files: dict[str, dict] = {}
        self.batches: dict[str, dict] = {}
        self.reset()

    def reset(self) -> None:
        self.latency = self.base_latency
        self.context = self.base_context
        self.retry_after = DEFAULT_RETRY_AFTER
        self.triggers: dict[str, str] = {}
        self.faults: collections.deque[str] = collections.deque()
        self.captured: collections.deque[dict] = collections.deque(maxlen=MAX_CAPTURED)
        self.seen_system: set[str] = set()
        self.stats: dict = getattr(self, "stats", {})
        self.stats.clear()  # in place: REQUESTS stays the same dict
        self.stats.update({"embeddings": 0, "chat": 0, "chat_items": 0, "faults": {}, "prompt_tokens": 0,
                      "completion_tokens": 0, "cached_tokens": 0, "batches": 0, "batch_requests": 0})

    def snapshot(self) -> dict:
        with self.lock:
            return json.loads(json.dumps(self.stats))


STATE = State()
REQUESTS = STATE.stats  # the old name: the counters served by GET /stats


def embed(text: str, dim: int = DIM) -> list[float]:
    vector = [0.0] * dim
    for word in _WORD.findall(text.lower()):
        h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "big")
        vector[h % dim] += 1.0 if h & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


# ---------------------------------------------------------------------------------------------------------------
# The naive answer


def _text_of(content: object) -> str:
    """A message's text: a string, or the text parts of a list of content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text") or "") for p in content if isinstance(p, dict))
    return ""


def _tokens(chars: int) -> int:
    return math.ceil(chars / 4)


def _resolve(node: object, root: dict) -> dict:
    """Follow `$ref`s (JSON pointers into the root schema) and pick the non-null branch of anyOf/oneOf."""
    for _ in range(32):
        if not isinstance(node, dict):
            return {}
        if isinstance(node.get("$ref"), str) and node["$ref"].startswith("#"):
            target: object = root
            for part in node["$ref"][1:].split("/"):
                if part:
                    part = part.replace("~1", "/").replace("~0", "~")
                    target = target.get(part, {}) if isinstance(target, dict) else {}
            node = target
            continue
        branches = node.get("anyOf") or node.get("oneOf")
        if isinstance(branches, list) and "enum" not in node and "properties" not in node:
            real = [b for b in branches if not (isinstance(b, dict) and b.get("type") == "null")]
            node = real[0] if real else {"type": "null"}
            continue
        return node
    return {}


def _enum(node: object, root: dict) -> list | None:
    """The allowed values of a (string) property: a list, [] when only null is allowed, None when unconstrained."""
    node = _resolve(node, root)
    if "enum" in node:
        return [v for v in node["enum"] if v is not None]
    if node.get("type") == "null":
        return []
    return None


class Labels:
    """The label ids allowed by a request's answer schema (None: the schema does not say)."""

    def __init__(self, schema: object) -> None:
        root = schema if isinstance(schema, dict) else {}
        batch = _resolve(root, root)
        item = _resolve(_resolve(batch.get("properties", {}).get("items"), root).get("items"), root)
        props = item.get("properties", {})
        self.stage = _enum(props.get("stage"), root)
        self.emotion = _enum(props.get("emotion"), root)
        self.touchpoints = _enum(_resolve(props.get("touchpoints"), root).get("items"), root)
        self.pain_points = _enum(_resolve(props.get("pain_points"), root).get("items"), root)
        event = _resolve(_resolve(props.get("events"), root).get("items"), root).get("properties", {})
        self.event_stage = _enum(event.get("stage"), root)
        self.event_touchpoint = _enum(event.get("touchpoint"), root)
        self.event_emotion = _enum(event.get("emotion"), root)
        self.event_pain_point = _enum(event.get("pain_point"), root)


def _mentions(label: str, text: str) -> bool:
    """True when every word of 4+ letters of the label id (split on "_") appears in the text (its first 5 letters)."""
    words = [w for w in label.lower().split("_") if len(w) >= 4]
    return bool(words) and all(w[:5] in text for w in words)


def _pick(allowed: list | None, preferred: str) -> str | None:
    if allowed is None:
        return preferred
    if preferred in allowed:
        return preferred
    return allowed[0] if allowed else None


def _is_negative(text: str) -> bool:
    return "!" in text or any(w in NEGATIVE_WORDS for w in _WORD.findall(text.lower()))


def _first_sentence(text: str) -> str:
    """The text's first sentence (through the first . ! or ?), at most QUOTE_MAX characters: a verbatim substring."""
    start = len(text) - len(text.lstrip())
    end = len(text)
    for i in range(start, len(text)):
        if text[i] in ".!?":
            end = i + 1
            break
    return text[start:min(end, start + QUOTE_MAX)].rstrip()


def _answer_item(item: dict, labels: Labels) -> dict:
    text = str(item.get("text") or "")
    low = text.lower()
    negative = _is_negative(text)
    stages = labels.stage
    stage = next((s for s in stages or [] if _mentions(s, low)), None) or _pick(stages, "experience")
    touchpoints = [t for t in labels.touchpoints or [] if _mentions(t, low)]
    pain_points = [p for p in labels.pain_points or [] if _mentions(p, low)]
    frustrated = negative and (labels.emotion is None or "frustration" in labels.emotion)
    emotion = _pick(labels.emotion, "frustration" if frustrated else "neutral")

    def event_value(allowed: list | None, value: object) -> object:
        return value if allowed is None or value in allowed else None

    # one event per touchpoint and pain point (paired in order), so every listed label is carried by an event
    events = []
    for n in range(max(1, len(touchpoints), len(pain_points))):
        events.append({
            "stage": event_value(labels.event_stage, stage) or _pick(labels.event_stage, "experience"),
            "touchpoint": event_value(labels.event_touchpoint, touchpoints[n] if n < len(touchpoints) else None),
            "emotion": event_value(labels.event_emotion, emotion),
            "pain_point": event_value(labels.event_pain_point, pain_points[n] if n < len(pain_points) else None),
            "quote": _first_sentence(text)})
    return {"id": item.get("id"), "stage": stage, "touchpoints": touchpoints, "emotion": emotion,
            "sentiment": -0.6 if negative else 0.3, "pain_points": pain_points, "moment_of_truth": False,
            "customer_goal": None, "events": events}


_CLAUSE = re.compile(r"\[(\d+)\]")
_KEY_LINE = re.compile(r"^- (\S+): (.+)$", re.MULTILINE)
_SECTIONS = {"s": "Stages ({}):", "t": "Touchpoints ({}):", "e": "Emotions ({}):", "p": "Problems ({}):"}
_NAMED = {"s": "stage", "t": "touchpoint", "e": "emotion", "p": "problem"}  # journey-batch.v4's section keys
_PLURAL = {"p": "problems"}  # journey-batch.v5's


def _keyed(system: str) -> dict[str, dict[str, str]]:
    """journey-batch.v2's label keys per section from its system message: {"t": {"de": "delivery", ...}} (v4's keys
    are the ids themselves: {"t": {"delivery": "delivery", ...}})."""
    found: dict[str, dict[str, str]] = {}
    for field, pattern in _SECTIONS.items():
        named = pattern.format(field) not in system
        heading = pattern.format(_NAMED[field] if named else field)
        if named and heading not in system and field in _PLURAL:
            heading = pattern.format(_PLURAL[field])
        at = system.find(heading)
        block = system[at + len(heading):].strip("\n").split("\n\n", 1)[0] if at >= 0 else ""
        found[field] = {m.group(1): m.group(1) if named else m.group(2).split(".")[0].lower().replace(" ", "_")
                        for m in _KEY_LINE.finditer(block)}
        listed = re.search(rf"(?m)^{_SECTIONS[field].split(' ')[0]}: (\S.*)$", system)  # the lean versions' id lines
        if not found[field] and listed:
            found[field] = {key: key for key in listed.group(1).split(", ")}
    return found


def _answer_compact(item: dict, keys: dict[str, dict[str, str]]) -> dict:
    """A naive answer in journey-batch.v2's compact format: one event per mentioned touchpoint and problem, on the
    first clause that mentions it."""
    text = str(item.get("text") or "")
    low = text.lower()
    clauses = [(int(m.group(1)), m.end()) for m in _CLAUSE.finditer(text)] or [(1, 0)]
    negative = _is_negative(text)

    def clause_of(name: str) -> int:
        words = [w[:5] for w in name.split("_") if len(w) >= 4]
        for (n, start), nxt in zip(clauses, clauses[1:] + [(0, len(text))]):
            if words and all(w in low[start:nxt[1]] for w in words):
                return n
        return clauses[0][0]

    def key_for(field: str, preferred: str) -> str:
        pool = keys.get(field) or {}
        return next((k for k, name in pool.items() if name == preferred), next(iter(pool), preferred))

    stage = key_for("s", "experience")
    touchpoints = [k for k, name in (keys.get("t") or {}).items() if _mentions(name, low)]
    problems = [k for k, name in (keys.get("p") or {}).items() if _mentions(name, low)]
    events = []
    for n in range(max(len(touchpoints), len(problems))):
        t = touchpoints[n] if n < len(touchpoints) else None
        p = problems[n] if n < len(problems) else None
        named = (keys["t"].get(t) if t else None) or (keys["p"].get(p) if p else "")
        events.append({"c": clause_of(named), "s": stage, "t": t, "p": p})
    return {"id": item.get("id"), "s": stage, "e": key_for("e", "frustration" if negative else "neutral"),
            "v": -1 if negative else 1, "m": False, "g": None, "ev": events}


def _fitted(entry: dict, schema: object) -> dict:
    """A compact answer in the shape the request's schema asks: journey-batch.v3's has no item stage and at least
    one moment (the item's stage is its first moment's); v4's has keys as words and moments without a stage."""
    root = schema if isinstance(schema, dict) else {}
    item = _resolve(_resolve(_resolve(root, root).get("properties", {}).get("items"), root).get("items"), root)
    if "events" in item.get("properties", {}):  # journey-batch.v4: keys as words, moments without a stage
        events = entry["ev"] or [{"c": 1, "t": None, "p": None}]
        moment = _resolve(item["properties"]["events"].get("items", {}), root)
        if "problems" in moment.get("properties", {}):  # v5: a moment's problems as a list
            moments = [{"clause": e["c"], "touchpoint": e["t"], "problems": [e["p"]] if e["p"] else []}
                       for e in events]
        else:
            moments = [{"clause": e["c"], "touchpoint": e["t"], "problem": e["p"]} for e in events]
        named = {"id": entry["id"], "stage": entry["s"], "emotion": entry["e"], "sentiment": entry["v"],
                 "moment_of_truth": entry["m"], "goal": entry["g"], "events": moments}
        return {k: named[k] for k in item["properties"] if k in named}
    if not item.get("properties") or "s" in item["properties"]:
        return entry
    events = entry["ev"] or [{"c": 1, "s": entry["s"], "t": None, "p": None}]
    return {k: v for k, v in dict(entry, ev=events).items() if k != "s"}


def request_items(body: dict) -> list[dict]:
    """The items of the last user message: the JSON object that starts at its first `{"items": [` (or, compact,
    `{"items":[`)."""
    messages = body.get("messages") if isinstance(body.get("messages"), list) else []
    users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    if not users:
        return []
    text = _text_of(users[-1].get("content"))
    mark = ITEMS_MARK.search(text)
    if mark is None:
        return []
    at = mark.start()
    try:
        found, _ = json.JSONDecoder().raw_decode(text, at)
    except ValueError:
        return []
    items = found.get("items") if isinstance(found, dict) else None
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _schema_of(body: dict) -> object:
    fmt = body.get("response_format")
    if isinstance(fmt, dict) and isinstance(fmt.get("json_schema"), dict):
        return fmt["json_schema"].get("schema")
    if isinstance(fmt, dict) and isinstance(fmt.get("schema"), dict):  # llama-cpp-python's json_object + schema
        return fmt["schema"]
    return None


def max_tokens_of(body: dict) -> int | None:
    for key in ("max_completion_tokens", "max_tokens"):
        if isinstance(body.get(key), int) and body[key] > 0:
            return body[key]
    return None


def prompt_tokens_of(body: dict) -> int:
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    return _tokens(sum(len(_text_of(m.get("content"))) for m in messages))


def chat_completion(body: dict, fault: str | None = None) -> dict:
    """The chat.completion answering a request body (content faults applied), and the usage counted in the stats."""
    items = request_items(body)
    system_text = next((_text_of(m.get("content")) for m in body.get("messages") or []
                        if isinstance(m, dict) and m.get("role") in ("system", "developer")), "")
    clauses = any(f"Problems ({key}):" in system_text for key in ("p", "problem", "problems")) or \
        re.search(r"(?m)^Problems: \S", system_text) is not None  # the lean versions (v17, v19) list ids on a line
    if clauses:  # v2 on: clause numbers
        keys = _keyed(system_text)
        answer = {"items": [_answer_compact(item, keys) for item in items]}
        if fault == "bad_quote" and answer["items"]:
            answer["items"][0]["ev"] = [{"c": 999, "s": answer["items"][0]["s"], "t": None, "p": None}]
            fault = None
        elif fault == "unknown_id" and answer["items"]:
            answer["items"][0]["s"] = "not_a_stage"
            fault = None
        answer["items"] = [_fitted(entry, _schema_of(body)) for entry in answer["items"]]
    else:
        answer = {"items": [_answer_item(item, Labels(_schema_of(body))) for item in items]}
    if fault == "uniform" and len(answer["items"]) > 1:
        first = {k: v for k, v in answer["items"][0].items() if k != "id"}
        answer["items"] = [dict(first, id=entry.get("id")) if "id" in entry else dict(first)
                           for entry in answer["items"]]
    if fault == "unknown_id" and answer["items"]:
        answer["items"][0]["stage"] = "not_a_stage"
    elif fault == "bad_quote" and answer["items"]:
        answer["items"][0]["events"][0]["quote"] = "a sentence that is not in the text"
    elif fault == "missing_item" and answer["items"]:
        answer["items"].pop()
    content = json.dumps(answer, ensure_ascii=False)
    finish, refusal = "stop", None
    cap = max_tokens_of(body)
    if fault == "invalid_json":
        content = '{"items": [oops'
    elif fault == "truncated":
        content, finish = content[: len(content) // 2], "length"
    elif fault == "content_filter":
        content, finish = "", "content_filter"
    elif fault == "refusal":
        content, refusal = None, REFUSAL
    if content and cap is not None and _tokens(len(content)) > cap:  # a real server stops at the cap
        content, finish = content[: cap * 4], "length"

    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    prompt = prompt_tokens_of(body)
    system = next((_text_of(m.get("content")) for m in messages if m.get("role") in ("system", "developer")), None)
    cached = 0
    with STATE.lock:
        if system is not None:
            if system in STATE.seen_system:
                cached = _tokens(len(system)) // 128 * 128
            STATE.seen_system.add(system)
        completion = _tokens(len(content or refusal or ""))
        STATE.stats["prompt_tokens"] += prompt
        STATE.stats["completion_tokens"] += completion
        STATE.stats["cached_tokens"] += cached
    return {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion", "created": int(time.time()),
            "model": str(body.get("model") or "standin"), "system_fingerprint": "standin",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "refusal": refusal},
                         "logprobs": None, "finish_reason": finish}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
                      "prompt_tokens_details": {"cached_tokens": cached},
                      "completion_tokens_details": {"reasoning_tokens": 0}}}


# ---------------------------------------------------------------------------------------------------------------
# Files and batches

def _error(message: str, kind: str = "invalid_request_error", code: str | None = None) -> dict:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def _new_file(content: bytes, filename: str, purpose: str) -> dict:
    meta = {"id": f"file-{uuid.uuid4().hex[:24]}", "object": "file", "bytes": len(content),
            "created_at": int(time.time()), "filename": filename, "purpose": purpose, "status": "processed",
            "status_details": None, "expires_at": None}
    with STATE.lock:
        STATE.files[meta["id"]] = {"meta": meta, "content": content}
    return meta


_REASONING = re.compile(r"^(o\d|gpt-5)(?!-chat)")


def _batch_refusal(body: dict) -> dict | None:
    """The error body OpenAI gives a batch line it refuses: a temperature for a reasoning model, or (by trigger
    word) Azure's content filter."""
    if _REASONING.match(str(body.get("model") or "")) and body.get("temperature") not in (None, 1):
        return _error(f"Unsupported value: 'temperature' does not support {body['temperature']} with this model. "
                      "Only the default (1) value is supported.", code="unsupported_value")
    with STATE.lock:
        triggers = dict(STATE.triggers)
    texts = " ".join(str(i.get("text") or "") for i in request_items(body))
    if any(word in texts and kind == "content_filter_400" for word, kind in triggers.items()):
        return _error("The response was filtered due to the prompt triggering Azure OpenAI's content management "
                      "policy.", code="content_filter")
    return None


def _run_batch(batch: dict) -> None:
    """Answer every line of the batch's input file (no faults, no latency) into its output and error files."""
    content = STATE.files[batch["input_file_id"]]["content"]
    output, errors, usage = [], [], {"input": 0, "cached": 0, "output": 0}
    for line in content.decode("utf-8", "replace").splitlines():
        if not line.strip():
            continue
        request_id = f"batch_req_{uuid.uuid4().hex[:24]}"
        try:
            request = json.loads(line)
        except ValueError:
            request = None
        problem = None
        if not isinstance(request, dict):
            problem = "the line is not a JSON object"
        elif not isinstance(request.get("custom_id"), str) or not request["custom_id"]:
            problem = "the line has no custom_id"
        elif not isinstance(request.get("body"), dict):
            problem = "the line has no body"
        elif request.get("url", batch["endpoint"]) != batch["endpoint"]:
            problem = f"the line's url is not {batch['endpoint']}"
        elif str(request.get("method", "POST")).upper() != "POST":
            problem = "the line's method is not POST"
        if problem:
            custom_id = request.get("custom_id") if isinstance(request, dict) else None
            errors.append({"id": request_id, "custom_id": custom_id, "response": None,
                           "error": {"code": "invalid_request", "message": problem}})
            continue
        refused = _batch_refusal(request["body"])
        if refused is not None:
            output.append({"id": request_id, "custom_id": request["custom_id"],
                           "response": {"status_code": 400, "request_id": uuid.uuid4().hex, "body": refused},
                           "error": None})
            continue
        answer = chat_completion(request["body"])
        usage["input"] += answer["usage"]["prompt_tokens"]
        usage["cached"] += answer["usage"]["prompt_tokens_details"]["cached_tokens"]
        usage["output"] += answer["usage"]["completion_tokens"]
        output.append({"id": request_id, "custom_id": request["custom_id"],
                       "response": {"status_code": 200, "request_id": uuid.uuid4().hex, "body": answer},
                       "error": None})
    with STATE.lock:
        STATE.stats["batch_requests"] += len(output)

    def jsonl(rows: list[dict]) -> bytes:
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()

    now = int(time.time())
    if output:
        batch["output_file_id"] = _new_file(jsonl(output), f"{batch['id']}_output.jsonl", "batch_output")["id"]
    if errors:
        batch["error_file_id"] = _new_file(jsonl(errors), f"{batch['id']}_error.jsonl", "batch_output")["id"]
    batch["request_counts"] = {"total": len(output) + len(errors), "completed": len(output), "failed": len(errors)}
    batch["usage"] = {"input_tokens": usage["input"], "input_tokens_details": {"cached_tokens": usage["cached"]},
                      "output_tokens": usage["output"], "output_tokens_details": {"reasoning_tokens": 0},
                      "total_tokens": usage["input"] + usage["output"]}
    batch.update(status="completed", finalizing_at=now, completed_at=now)


def _advance(batch: dict) -> None:
    """One retrieve: validating -> in_progress -> completed after `batch_polls` retrieves; cancelling -> cancelled."""
    now = int(time.time())
    if batch["status"] == "cancelling":
        batch.update(status="cancelled", cancelled_at=now)
        return
    if batch["status"] in ("completed", "cancelled", "failed", "expired"):
        return
    batch["_polls"] += 1
    if batch["_polls"] >= STATE.batch_polls:
        _run_batch(batch)
    elif batch["status"] == "validating":
        batch.update(status="in_progress", in_progress_at=now)


def _public(batch: dict) -> dict:
    return {k: v for k, v in batch.items() if not k.startswith("_")}


def parse_multipart(content_type: str, data: bytes) -> dict[str, tuple[str | None, bytes]]:
    """multipart/form-data fields: name -> (filename or None, bytes)."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise ValueError("no multipart boundary")
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in data.split(b"--" + match.group(1).encode())[1:]:
        if part.startswith(b"--"):
            break
        head, _, value = part.partition(b"\r\n\r\n")
        if value.endswith(b"\r\n"):
            value = value[:-2]
        headers = head.decode("utf-8", "replace")
        name = re.search(r'\bname="([^"]*)"', headers)
        filename = re.search(r'\bfilename="([^"]*)"', headers)
        if name:
            fields[name.group(1)] = (filename.group(1) if filename else None, value)
    return fields


# ---------------------------------------------------------------------------------------------------------------
# HTTP


class Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    def _send(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        self._send_bytes(status, json.dumps(body, ensure_ascii=False).encode(), "application/json", headers)

    def _send_bytes(self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-request-id", f"req_{uuid.uuid4().hex[:24]}")
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:  # the client went away (e.g. it timed out first)
            self.close_connection = True

    def _route(self) -> list[str]:
        """The path's parts without a leading "v1": "/v1/batches/x/cancel" -> ["batches", "x", "cancel"]."""
        parts = [p for p in urlsplit(self.path).path.split("/") if p]
        return parts[1:] if parts[:1] == ["v1"] else parts

    def _not_found(self) -> None:
        self._send(404, _error(f"no route {self.command} {self.path}", code="unknown_url"))

    def do_GET(self) -> None:  # noqa: N802
        route = self._route()
        if route == ["stats"]:
            self._send(200, STATE.snapshot())
        elif route == ["requests"]:
            with STATE.lock:
                captured = list(STATE.captured)
            self._send(200, captured)
        elif route == ["models"] and STATE.context:  # as vLLM reports its context window
            self._send(200, {"object": "list", "data": [{"id": "standin", "object": "model", "owned_by": "vllm",
                                                         "max_model_len": STATE.context}]})
        elif len(route) in (2, 3) and route[0] == "files" and route[2:] in ([], ["content"]):
            with STATE.lock:
                found = STATE.files.get(route[1])
            if found is None:
                self._send(404, _error(f"No such File object: {route[1]}", code="not_found"))
            elif len(route) == 3:
                self._send_bytes(200, found["content"], "application/octet-stream")
            else:
                self._send(200, found["meta"])
        elif len(route) == 2 and route[0] == "batches":
            with STATE.lock:
                batch = STATE.batches.get(route[1])
                if batch is not None:
                    _advance(batch)
                    batch = _public(batch)
            if batch is None:
                self._send(404, _error(f"No such Batch object: {route[1]}", code="not_found"))
            else:
                self._send(200, batch)
        else:
            self._not_found()

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        route = self._route()
        if route == ["files"]:
            self._upload(raw)
            return
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._send(400, _error("invalid JSON"))
            return
        if not isinstance(body, dict):
            self._send(400, _error("the body is not a JSON object"))
        elif route[-1:] == ["embeddings"]:
            self._embeddings(body)
        elif route[-2:] == ["chat", "completions"]:
            self._chat(body)
        elif route == ["control"]:
            self._control(body)
        elif route == ["reset"]:
            with STATE.lock:
                STATE.reset()
            self._send(200, {"ok": True})
        elif route == ["batches"]:
            self._create_batch(body)
        elif len(route) == 3 and route[0] == "batches" and route[2] == "cancel":
            self._cancel_batch(route[1])
        else:
            self._not_found()

    def _embeddings(self, body: dict) -> None:
        with STATE.lock:
            STATE.stats["embeddings"] += 1
        inputs = body.get("input")
        inputs = [inputs] if isinstance(inputs, str) else list(inputs or [])
        dim = int(body.get("dimensions") or DIM)
        data = [{"object": "embedding", "index": i, "embedding": embed(str(t), dim)} for i, t in enumerate(inputs)]
        tokens = sum(len(_WORD.findall(str(t))) for t in inputs)
        self._send(200, {"object": "list", "data": data, "model": body.get("model", "standin"),
                         "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})

    def _control(self, body: dict) -> None:
        faults = body.get("faults") or []
        if not isinstance(faults, list) or any(str(f).split(":")[0] not in FAULT_KINDS for f in faults):
            self._send(400, _error(f"faults must be a list of {', '.join(FAULT_KINDS)} (or timeout:SECONDS)"))
            return
        triggers = body.get("triggers") or {}
        if not isinstance(triggers, dict) or any(str(k) not in FAULT_KINDS for k in triggers.values()):
            self._send(400, _error(f"triggers must map words to one of {', '.join(FAULT_KINDS)}"))
            return
        try:
            context = int(body["context"]) if body.get("context") is not None else None
            latency = float(body["latency"]) if body.get("latency") is not None else None
            retry_after = float(body["retry_after"]) if body.get("retry_after") is not None else None
            for fault in faults:
                if ":" in str(fault):
                    float(str(fault).split(":", 1)[1])
        except (TypeError, ValueError):
            self._send(400, _error("latency, retry_after and timeout:SECONDS must be numbers"))
            return
        with STATE.lock:
            STATE.triggers.update({str(k): str(v) for k, v in triggers.items()})
            if context is not None:
                STATE.context = context or None
            if latency is not None:
                STATE.latency = latency
            if retry_after is not None:
                STATE.retry_after = retry_after
            STATE.faults.extend(str(f) for f in faults)
            state = {"latency": STATE.latency, "retry_after": STATE.retry_after, "faults": list(STATE.faults)}
        self._send(200, state)

    def _chat(self, body: dict) -> None:
        items = request_items(body)
        with STATE.lock:
            STATE.stats["chat"] += 1
            STATE.stats["chat_items"] += len(items)
            STATE.captured.append(body)
            fault = STATE.faults.popleft() if STATE.faults else None
            if fault is None and STATE.triggers:
                texts = " ".join(str(i.get("text") or "") for i in items)
                fault = next((kind for word, kind in STATE.triggers.items() if word in texts), None)
            kind = fault.split(":")[0] if fault else None
            context = STATE.context
            if kind:
                STATE.stats["faults"][kind] = STATE.stats["faults"].get(kind, 0) + 1
            latency, retry_after = STATE.latency, STATE.retry_after
        if kind == "429":
            self._send(429, _error("Rate limit reached (stand-in fault)", "rate_limit_exceeded", "rate_limit_exceeded"),
                       {"retry-after-ms": str(int(round(retry_after * 1000))),
                        "retry-after": str(max(0, math.ceil(retry_after)))})
            return
        if kind == "429_reset":
            self._send(429, _error("Rate limit reached for requests (stand-in fault)", "requests", "rate_limit_exceeded"),
                       {"x-ratelimit-limit-requests": "60", "x-ratelimit-remaining-requests": "0",
                        "x-ratelimit-reset-requests": f"{int(round(retry_after * 1000))}ms",
                        "x-ratelimit-limit-tokens": "200000", "x-ratelimit-remaining-tokens": "150000",
                        "x-ratelimit-reset-tokens": "7.5s"})
            return
        if kind in ("500", "503"):
            self._send(int(kind), _error(f"The server had an error (stand-in fault {kind})", "server_error"))
            return
        if kind == "format_500":  # what llama-cpp-python's server answers to a json_schema response_format
            self._send(500, _error("response_format.type must be 'text' or 'json_object'", "server_error"))
            return
        if kind == "content_filter_400":  # Azure OpenAI's prompt filter
            self._send(400, {"error": {
                "message": "The response was filtered due to the prompt triggering Azure OpenAI's content management "
                           "policy. Please modify your prompt and retry.", "type": None, "param": "prompt",
                "code": "content_filter", "status": 400,
                "innererror": {"code": "ResponsibleAIPolicyViolation",
                               "content_filter_result": {"violence": {"filtered": True, "severity": "high"}}}}})
            return
        if kind == "bad_request":
            self._send(400, _error("Unsupported parameter: 'temperature' is not supported with this model.",
                                   code="unsupported_parameter"))
            return
        cap = max_tokens_of(body) or 0
        prompt = prompt_tokens_of(body)
        if kind == "context_length" or (context and prompt + cap > context):
            limit = context or 8192
            self._send(400, _error(f"This model's maximum context length is {limit} tokens. However, you requested "
                                   f"{prompt + cap} tokens ({prompt} in the messages, {cap} in the completion). "
                                   "Please reduce the length of the messages or completion.",
                                   code="context_length_exceeded"))
            return
        if kind == "reset":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if body.get("stream"):
            self._send(400, _error("the stand-in does not stream"))
            return
        if kind == "timeout":
            time.sleep(float(fault.split(":", 1)[1]) if ":" in fault else TIMEOUT_FAULT_SECONDS)
        if latency > 0:
            time.sleep(latency)
        self._send(200, chat_completion(body, kind))

    def _upload(self, raw: bytes) -> None:
        try:
            fields = parse_multipart(self.headers.get("Content-Type") or "", raw)
        except ValueError as exc:
            self._send(400, _error(str(exc)))
            return
        if "file" not in fields or "purpose" not in fields:
            self._send(400, _error("multipart fields `file` and `purpose` are required"))
            return
        filename, content = fields["file"]
        self._send(200, _new_file(content, filename or "upload", fields["purpose"][1].decode()))

    def _create_batch(self, body: dict) -> None:
        endpoint = body.get("endpoint")
        if endpoint != "/v1/chat/completions":
            self._send(400, _error(f"unsupported endpoint {endpoint!r}: only /v1/chat/completions"))
            return
        with STATE.lock:
            found = STATE.files.get(str(body.get("input_file_id")))
        if found is None:
            self._send(404, _error(f"No such File object: {body.get('input_file_id')}", code="not_found"))
            return
        total = sum(1 for line in found["content"].splitlines() if line.strip())
        now = int(time.time())
        batch = {"id": f"batch_{uuid.uuid4().hex[:24]}", "object": "batch", "endpoint": endpoint,
                 "input_file_id": body["input_file_id"], "completion_window": body.get("completion_window", "24h"),
                 "status": "validating", "output_file_id": None, "error_file_id": None, "created_at": now,
                 "in_progress_at": None, "expires_at": now + 86400, "finalizing_at": None, "completed_at": None,
                 "failed_at": None, "expired_at": None, "cancelling_at": None, "cancelled_at": None,
                 "request_counts": {"total": total, "completed": 0, "failed": 0}, "errors": None,
                 "metadata": body.get("metadata"), "_polls": 0}
        with STATE.lock:
            STATE.batches[batch["id"]] = batch
            STATE.stats["batches"] += 1
            if STATE.batch_polls <= 0:
                _run_batch(batch)
            public = _public(batch)
        self._send(200, public)

    def _cancel_batch(self, batch_id: str) -> None:
        with STATE.lock:
            batch = STATE.batches.get(batch_id)
            status = batch["status"] if batch else None
            if status in ("validating", "in_progress"):
                batch.update(status="cancelling", cancelling_at=int(time.time()))
            public = _public(batch) if batch else None
        if batch is None:
            self._send(404, _error(f"No such Batch object: {batch_id}", code="not_found"))
        elif status not in ("validating", "in_progress", "cancelling", "cancelled"):
            self._send(400, _error(f"Cannot cancel a batch with status {status!r}"))
        else:
            self._send(200, public)


class Server(ThreadingHTTPServer):
    request_queue_size = 1024
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """A client that gave up (a timeout fault, a cancelled run) is normal here: no traceback for it."""
        error = sys.exc_info()[1]
        if not isinstance(error, (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)



def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--latency", type=float, default=0.0, help="seconds every chat completion waits (default 0)")
    ap.add_argument("--batch-polls", type=int, default=2, help="retrieves until a batch completes (default 2)")
    ap.add_argument("--context", type=int, default=None, help="context window in tokens: longer requests get a 400")
    args = ap.parse_args()
    STATE.base_latency, STATE.latency, STATE.batch_polls = args.latency, args.latency, args.batch_polls
    STATE.base_context = STATE.context = args.context
    server = Server(("127.0.0.1", args.port), Handler)
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
