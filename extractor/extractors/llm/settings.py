"""The llm extractor's settings: a command-line flag wins over an environment variable, which wins over the config
file (`journey.toml` in the working folder, or `--llm-config FILE`, table `[llm]`), which wins over the default."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ...errors import UsageError
from ...privacy import KINDS, parse_kinds

CONFIG_FILE = "journey.toml"
DEFAULT_MODEL = "gpt-4o-mini"

# setting -> environment variable (the OpenAI ones are the names every OpenAI-compatible tool reads)
ENV = {
    "model": "JOURNEY_LLM_MODEL",
    "api_key": "OPENAI_API_KEY",
    "base_url": "OPENAI_BASE_URL",
    "items_per_request": "JOURNEY_LLM_ITEMS_PER_REQUEST",
    "request_chars": "JOURNEY_LLM_REQUEST_CHARS",
    "concurrency": "JOURNEY_LLM_CONCURRENCY",
    "requests_per_minute": "JOURNEY_LLM_RPM",
    "timeout": "JOURNEY_LLM_TIMEOUT",
    "max_retries": "JOURNEY_LLM_MAX_RETRIES",
    "cache_dir": "JOURNEY_LLM_CACHE",
    "few_shot": "JOURNEY_LLM_FEW_SHOT",
    "mask": "JOURNEY_LLM_MASK",
    "price_input": "JOURNEY_LLM_PRICE_INPUT",
    "price_output": "JOURNEY_LLM_PRICE_OUTPUT",
    "price_cached": "JOURNEY_LLM_PRICE_CACHED",
    "max_output_tokens": "JOURNEY_LLM_MAX_OUTPUT_TOKENS",
    "context_window": "JOURNEY_LLM_CONTEXT_WINDOW",
    "provider": "JOURNEY_LLM_PROVIDER",
    "tokens_per_minute": "JOURNEY_LLM_TPM",
    "reasoning_effort": "JOURNEY_LLM_REASONING_EFFORT",
    "temperature": "JOURNEY_LLM_TEMPERATURE",
    "prompt": "JOURNEY_LLM_PROMPT",
}


class LLMSettings(BaseModel):
    """Everything the llm extractor needs to talk to an OpenAI-compatible chat model."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str = DEFAULT_MODEL
    prompt: str | None = Field(default=None, description="prompt version, e.g. journey-batch.v2 (default: the "
                               "extractor's default)")
    api_key: str | None = Field(default=None, repr=False)
    base_url: str | None = None
    items_per_request: int = Field(default=48, ge=1, le=100, description="most items labelled by one request")
    request_chars: int = Field(default=16000, ge=500, description="a request closes at this much item text")
    concurrency: int = Field(default=4, ge=1, le=256, description="requests in flight at once")
    requests_per_minute: float | None = Field(default=None, gt=0, description="client-side rate limit")
    tokens_per_minute: float | None = Field(default=None, gt=0, description="client-side limit of prompt + answer "
                                            "tokens a minute (the provider counts the cap asked, not the answer)")
    timeout: float | None = Field(default=None, gt=0, description="seconds to wait for one answer (default 120 for "
                                  "OpenAI and Azure, 900 for a local server, which may be slow on a CPU)")
    max_retries: int = Field(default=5, ge=0, le=20, description="retries of a failed request (429, 5xx, ...)")
    backoff: float = Field(default=1.0, ge=0, description="first retry wait in seconds, doubled each time")
    cache_dir: Path | None = Field(default=None, description="answer cache folder; default ~/.cache/journey-extractor")
    cache: bool = True
    few_shot: int = Field(default=4, ge=0, le=20, description="similar labelled examples from the store; 0 = off")
    mask: frozenset[str] = Field(default=frozenset(KINDS), description="kinds of personal data masked before "
                                 "sending: all (default), none, or a comma list such as 'all,-name'")
    price_input: float | None = Field(default=None, ge=0, description="USD per 1M prompt tokens")
    price_output: float | None = Field(default=None, ge=0, description="USD per 1M completion tokens")
    price_cached: float | None = Field(default=None, ge=0, description="USD per 1M prompt tokens read from the "
                                       "provider's prompt cache (default: the list price, else --price-input)")
    provider: Literal["auto", "openai", "azure", "ollama", "vllm", "llamacpp", "llama-cpp-python", "lmstudio",
                      "other"] = Field(default="auto", description="the kind of server (auto: from the URL and the "
                                       "server itself)")
    context_window: int | None = Field(default=None, ge=512, description="tokens of prompt + answer the model "
                                       "takes (default: what the server reports, else the provider's default)")
    max_output_tokens: int | None = Field(default=None, ge=64, description="the cap of one answer (default: the "
                                          "provider's)")
    temperature: float | None = Field(default=0.0, ge=0, le=2, description="ignored for reasoning models")
    repair_temperature: float = Field(default=0.7, ge=0, le=2, description="a repair at another temperature can "
                                      "change an answer that the same temperature would repeat")
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high"] | None = Field(
        default=None, description="for reasoning models (o-series, gpt-5); default: the model's own")

    def cache_folder(self) -> Path:
        if self.cache_dir is not None:
            return self.cache_dir
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        return Path(base) / "journey-extractor" / "llm"


def _config_table(path: Path | None) -> tuple[dict[str, Any], str | None]:
    explicit = path is not None
    path = path or Path(CONFIG_FILE)
    if not path.is_file():
        if explicit:
            raise UsageError(f"--llm-config {path}: no such file")
        return {}, None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: not a readable TOML file: {exc}") from None
    table = data.get("llm", {})
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [llm] must be a table of settings")
    return table, str(path)


def resolve_settings(flags: Mapping[str, Any] | None = None, config: Path | None = None,
                     environ: Mapping[str, str] | None = None) -> LLMSettings:
    """The settings from flags (None = not given), then the environment, then the config file, then defaults."""
    environ = os.environ if environ is None else environ
    merged, where = _config_table(config)
    source = {key: where or "config" for key in merged}
    for key, var in ENV.items():
        value = environ.get(var)
        if value not in (None, ""):
            merged[key] = value
            source[key] = f"${var}"
    for key, value in (flags or {}).items():
        if value is not None:
            merged[key] = value
            source[key] = "--" + key.replace("_", "-")
    if str(merged.get("temperature", "")).lower() in ("none", "default"):  # send none: the model's own default
        merged["temperature"] = None
    mask = merged.get("mask")
    if isinstance(mask, bool) or str(mask).lower() in ("0", "false", "no", "off", "1", "true", "yes", "on"):
        merged["mask"] = "all" if str(mask).lower() in ("1", "true", "yes", "on") else "none"
    if isinstance(merged.get("mask"), (str, list, tuple)):
        try:
            merged["mask"] = parse_kinds(merged["mask"])
        except ValueError as exc:
            raise UsageError(f"llm setting 'mask' (from {source.get('mask', 'defaults')}): {exc}") from None
    try:
        return LLMSettings.model_validate(merged)
    except ValidationError as exc:
        e = exc.errors()[0]
        key = str(e["loc"][0]) if e["loc"] else "?"
        raise UsageError(f"llm setting {key!r} (from {source.get(key, 'defaults')}): {e['msg']}") from None
