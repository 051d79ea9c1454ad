"""What differs between OpenAI-compatible servers: the parameter that caps the answer, the structured-output form
they take, their context window and how to find it out, and which models refuse a temperature.

Detected from the base URL and, for local servers, from the server itself where it says (llama.cpp `/props`, vLLM
`/v1/models` `max_model_len`, Ollama `/api/show`, LM Studio `/api/v0/models`); `--provider` (setting `provider`)
names it instead. Facts as each provider documents them (see the README's provider table):

- OpenAI and Azure OpenAI read `max_completion_tokens`; reasoning models (o1, o3, o4-mini, the gpt-5 family but
  gpt-5-chat) refuse any temperature but the default and take `reasoning_effort`; their reasoning counts against
  the cap. Azure names deployments, not models; its v1 endpoint is `https://NAME.openai.azure.com/openai/v1/`.
- Ollama's OpenAI endpoint reads `max_tokens` only and its context is 4,096 tokens unless the server runs with
  `OLLAMA_CONTEXT_LENGTH` or the model's Modelfile sets `num_ctx`; a longer prompt is silently truncated.
- vLLM and llama.cpp's `llama-server` answer 400 when the prompt plus the cap exceed the context window; both read
  `max_tokens`. llama-cpp-python's own server takes `response_format` only as `{"type": "json_object", "schema":
  ...}`; the others take `{"type": "json_schema", ...}`.
"""

from __future__ import annotations

import json
import re
import urllib.request
from dataclasses import dataclass, replace
from typing import Any, Literal
from urllib.parse import urlsplit

ProviderName = Literal["openai", "azure", "ollama", "vllm", "llamacpp", "llama-cpp-python", "lmstudio", "other"]
PROVIDERS: tuple[str, ...] = ("openai", "azure", "ollama", "vllm", "llamacpp", "llama-cpp-python", "lmstudio",
                              "other")


# How fast a small model on a laptop's CPU reads and writes, at worst (this project's 2 cores: 13-18 tokens a second
# read, 4-6 written): a server whose answers may fill its context gets this long for a context's worth.
CPU_TOKENS_PER_SECOND = 5.0


@dataclass(frozen=True)
class Provider:
    """How to talk to one kind of server."""

    name: str
    max_tokens_param: Literal["max_tokens", "max_completion_tokens"]
    schema_form: Literal["json_schema", "json_object", "grammar"]  # json_object = {"type": "json_object", "schema":
    # ...} (llama-cpp-python); grammar = the schema as a compact GBNF grammar in the request's `grammar` (llama.cpp)
    context_window: int  # tokens, when the server does not say
    max_output_tokens: int  # the default cap of one answer
    detected_context: bool = False  # True when context_window came from the server itself
    timeout: float = 900.0  # seconds for one answer: a model on a laptop's CPU writes ~10-30 tokens a second
    schema_in_prompt: bool = False  # OpenAI and Azure count the response schema as prompt tokens; grammar-based
    # local servers (llama.cpp, vLLM, Ollama, LM Studio) constrain decoding with it instead
    bounded: bool = False  # the schema may carry maxItems/maxLength (llama.cpp's grammar honours them; OpenAI's
    # strict mode refuses them): an item's answer cannot run on, event after event, as small models' answers do
    answer_fills_context: bool = False  # the server caps an answer only by its context (llama-server's default
    # n_predict of -1), so a request's answer may take whatever its prompt leaves

    def answer_timeout(self, context: int) -> float:
        """Seconds to wait for one answer in a context of this many tokens: where an answer may fill the context,
        long enough for a CPU to read and write a context's worth."""
        return max(self.timeout, context / CPU_TOKENS_PER_SECOND) if self.answer_fills_context else self.timeout

    def answer_cap(self, context: int) -> int:
        """The cap of one answer in a context of this many tokens."""
        return context if self.answer_fills_context else min(self.max_output_tokens, context)

    def with_context(self, tokens: int | None) -> "Provider":
        if not tokens:
            return self
        return replace(self, context_window=int(tokens), max_output_tokens=min(self.max_output_tokens, int(tokens)),
                       detected_context=True)


KNOWN: dict[str, Provider] = {
    "openai": Provider("openai", "max_completion_tokens", "json_schema", 128_000, 16_384, timeout=120.0,
                       schema_in_prompt=True),
    "azure": Provider("azure", "max_completion_tokens", "json_schema", 128_000, 16_384, timeout=120.0,
                      schema_in_prompt=True),
    "ollama": Provider("ollama", "max_tokens", "json_schema", 4_096, 2_048, bounded=True),
    "vllm": Provider("vllm", "max_tokens", "json_schema", 8_192, 4_096),
    "llamacpp": Provider("llamacpp", "max_tokens", "grammar", 4_096, 4_096, bounded=True, answer_fills_context=True),
    "llama-cpp-python": Provider("llama-cpp-python", "max_tokens", "json_object", 2_048, 1_024, bounded=True),
    "lmstudio": Provider("lmstudio", "max_tokens", "json_schema", 4_096, 2_048, bounded=True),
    "other": Provider("other", "max_tokens", "json_schema", 8_192, 4_096),
}

_REASONING = re.compile(r"^(o\d|gpt-5)(?!-chat)", re.IGNORECASE)


def is_reasoning_model(model: str) -> bool:
    """o1/o3/o4-mini and the gpt-5 family (not gpt-5-chat): no temperature but the default; reasoning_effort."""
    return bool(_REASONING.match(model.rsplit("/", 1)[-1]))


def guess_from_url(base_url: str | None) -> str | None:
    """The provider a base URL names by itself, or None when only the server can tell."""
    if not base_url:
        return "openai"
    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower()
    if host == "api.openai.com":
        return "openai"
    if host.endswith((".openai.azure.com", ".cognitiveservices.azure.com", ".services.ai.azure.com")):
        return "azure"
    if parts.port == 11434:
        return "ollama"
    if parts.port == 1234:
        return "lmstudio"
    return None


def _root(base_url: str) -> str:
    base = base_url.rstrip("/")
    return base[: -len("/v1")] if base.endswith("/v1") else base


def _get(url: str, timeout: float, method: str = "GET", body: dict | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({})) if _loopback(url) else \
        urllib.request.build_opener()
    with opener.open(request, timeout=timeout) as response:
        return json.loads(response.read(1_000_000))


def _loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in ("localhost", "127.0.0.1", "::1") or host.startswith("127.")


def probe(base_url: str, model: str, timeout: float = 3.0) -> Provider:
    """Ask a local or self-hosted server what it is and how large its context is (nothing is sent to OpenAI)."""
    named = guess_from_url(base_url)
    root = _root(base_url)
    for name, ask in (("ollama", _probe_ollama), ("lmstudio", _probe_lmstudio)):
        if named in (name, None):
            found = ask(root, model, timeout)
            if found is not None or named == name:
                return found or KNOWN[name]
    try:
        props = _get(root + "/props", timeout)
    except Exception:  # noqa: BLE001 - not llama.cpp
        props = None
    if isinstance(props, dict):
        settings = props.get("default_generation_settings") or {}
        n_ctx = settings.get("n_ctx") or props.get("n_ctx")
        found = KNOWN["llamacpp"].with_context(_int(n_ctx))
        n_predict = _int((settings.get("params") or {}).get("n_predict") or settings.get("n_predict"))
        if n_predict:  # started with --n-predict: that caps every answer
            found = replace(found, max_output_tokens=min(n_predict, found.context_window), answer_fills_context=False)
        return found
    try:
        models = _get(base_url.rstrip("/") + "/models", timeout)
    except Exception:  # noqa: BLE001 - unknown server: the generic defaults
        return KNOWN["other"]
    for entry in (models or {}).get("data") or []:
        if isinstance(entry, dict) and entry.get("max_model_len"):
            if entry.get("id") == model or len(models["data"]) == 1:
                return KNOWN["vllm"].with_context(_int(entry["max_model_len"]))
    if (models or {}).get("object") == "list" and any(
            isinstance(e, dict) and e.get("owned_by") == "llama-cpp-python" for e in models.get("data") or []):
        return KNOWN["llama-cpp-python"]
    return KNOWN["other"]


def _probe_ollama(root: str, model: str, timeout: float) -> Provider | None:
    try:
        shown = _get(root + "/api/show", timeout, "POST", {"model": model})
    except Exception:  # noqa: BLE001 - not Ollama, or no such model
        return None
    if not isinstance(shown, dict):
        return None
    # The runtime context is num_ctx when the Modelfile sets it, else the server's default (4,096, or
    # OLLAMA_CONTEXT_LENGTH, which the API does not report): never the model's trained maximum.
    match = re.search(r"(?m)^\s*num_ctx\s+(\d+)", str(shown.get("parameters") or ""))
    return KNOWN["ollama"].with_context(int(match.group(1)) if match else None)


def _probe_lmstudio(root: str, model: str, timeout: float) -> Provider | None:
    try:
        listed = _get(root + "/api/v0/models", timeout)
    except Exception:  # noqa: BLE001 - not LM Studio
        return None
    for entry in (listed or {}).get("data") or []:
        if isinstance(entry, dict) and (entry.get("id") == model or len(listed["data"]) == 1):
            return KNOWN["lmstudio"].with_context(_int(entry.get("loaded_context_length")
                                                       or entry.get("max_context_length")))
    return KNOWN["lmstudio"]


def _int(value: object) -> int | None:
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def resolve_provider(name: str, base_url: str | None, model: str, *, detect: bool = True) -> Provider:
    """The provider named (`auto` = from the URL, then by asking the server)."""
    if name != "auto":
        provider = KNOWN[name]
        if detect and base_url and name in ("llamacpp", "vllm", "ollama", "lmstudio"):
            probed = probe(base_url, model)
            if probed.name == name:
                return probed
        return provider
    named = guess_from_url(base_url)
    if named in ("openai", "azure"):
        return KNOWN[named]
    if not detect or not base_url:
        return KNOWN[named or "other"]
    return probe(base_url, model)


# Bounds of one item's answer where the provider's grammar takes them: lists (events, touchpoints, pain points) and
# free strings (quotes, goals). Gold items have 0-3 events; a quote is a clause or a sentence.
MAX_LISTED = 4
MAX_STRING = 200


def bounded(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with maxItems on every list but the request's own `items` and maxLength on free strings."""
    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(x) for x in node]
        if not isinstance(node, dict):
            return node
        out = {k: walk(v) for k, v in node.items()}
        if out.get("type") == "array":
            out.setdefault("maxItems", MAX_LISTED)
        if out.get("type") == "string" and "enum" not in out:
            out.setdefault("maxLength", MAX_STRING)
        return out

    result = walk(schema)
    items = result.get("properties", {}).get("items")
    if isinstance(items, dict):
        items.pop("maxItems", None)
    return result


def unbounded(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema without `minItems` and `maxItems` (an item's moments, journey-batch.v3 and v4), for servers that
    refuse list bounds."""
    if "minItems" not in json.dumps(schema) and "maxItems" not in json.dumps(schema):
        return schema

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(x) for x in node]
        if not isinstance(node, dict):
            return node
        return {k: walk(v) for k, v in node.items() if not (k in ("minItems", "maxItems") and isinstance(v, int))}

    return walk(schema)


def response_format(provider: Provider, name: str, schema: dict[str, Any], count: int | None = None
                    ) -> dict[str, Any]:
    """The `response_format` this provider takes for a strict JSON schema (bounded where its grammar allows, and
    then holding the answer to `count` entries, one per item asked)."""
    if provider.bounded:
        schema = bounded(schema)
        items = schema.get("properties", {}).get("items")
        if count and isinstance(items, dict):
            items["minItems"] = items["maxItems"] = count
    else:  # OpenAI's strict mode takes no list bounds; the answer's checks hold the lower ones (compact.py)
        schema = unbounded(schema)
    if provider.schema_form == "json_object":
        return {"type": "json_object", "schema": schema}
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": True,
                                                   "description": "Journey labels for every item of the request"}}
