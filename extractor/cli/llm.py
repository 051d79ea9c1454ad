"""The llm extractor's command-line options (shared by extract, eval and label), its set-up and its run summary."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any, Iterator, Optional

import typer

from ..errors import UsageError

PANEL = "LLM extractor (--extractor llm)"

ModelOpt = Annotated[Optional[str], typer.Option(
    "--model", help="Chat model name (default $JOURNEY_LLM_MODEL, journey.toml, or gpt-4o-mini).",
    rich_help_panel=PANEL, show_default=False)]
BaseUrlOpt = Annotated[Optional[str], typer.Option(
    "--base-url", help="OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 for Ollama (default "
    "$OPENAI_BASE_URL, else OpenAI). The key comes from $OPENAI_API_KEY.", rich_help_panel=PANEL, show_default=False)]
LLMConfigOpt = Annotated[Optional[Path], typer.Option(
    "--llm-config", help="TOML file with an [llm] table of settings (default ./journey.toml if present).",
    rich_help_panel=PANEL, show_default=False)]
ItemsPerRequestOpt = Annotated[Optional[int], typer.Option(
    "--items-per-request", min=1, max=100, help="Most items labelled by one request (default 48; a request also "
    "closes at 16,000 characters of text): the instructions and taxonomy are sent once per request.",
    rich_help_panel=PANEL, show_default=False)]
ConcurrencyOpt = Annotated[Optional[int], typer.Option(
    "--concurrency", min=1, max=256, help="Requests in flight at once (default 4, which a new OpenAI account's "
    "limits take; raise it for a local server with parallel slots or a higher tier).", rich_help_panel=PANEL,
    show_default=False)]
RpmOpt = Annotated[Optional[float], typer.Option(
    "--rpm", min=0.1, help="Client-side limit of requests per minute (default: the limit the provider reports in "
    "its x-ratelimit headers, once seen; 429s are retried).", rich_help_panel=PANEL, show_default=False)]
TpmOpt = Annotated[Optional[float], typer.Option(
    "--tpm", min=1, help="Client-side limit of tokens per minute, counting each request's prompt and answer cap as "
    "providers do (default: the provider's reported limit, once seen).", rich_help_panel=PANEL, show_default=False)]
ProviderOpt = Annotated[Optional[str], typer.Option(
    "--provider", help="The kind of server: openai, azure, ollama, vllm, llamacpp, llama-cpp-python, lmstudio, "
    "other (default auto: from the URL, then by asking the server). Decides the answer-cap parameter, the "
    "structured-output form and the default context window.", rich_help_panel=PANEL, show_default=False)]
ContextWindowOpt = Annotated[Optional[int], typer.Option(
    "--context-window", min=512, help="Tokens of prompt + answer the model takes (default: what the server reports "
    "(llama.cpp, vLLM, Ollama, LM Studio), else the provider's default). Requests are sized to fit it.",
    rich_help_panel=PANEL, show_default=False)]
PromptOpt = Annotated[Optional[str], typer.Option(
    "--prompt", help="Prompt version: journey-batch.v16 (items split into numbered clauses, evidence by clause "
    "number, one moment an item, worked examples in the cached prefix: about 42 answer tokens an item) or "
    "journey-batch.v1 (labels by id, each event with its verbatim quote: 250-300). Default: $JOURNEY_LLM_PROMPT, "
    "journey.toml, else journey-batch.v16 (journey-batch.v1 for a taxonomy with other stages than the default's).",
    rich_help_panel=PANEL, show_default=False)]
MaxOutputOpt = Annotated[Optional[int], typer.Option(
    "--max-output-tokens", min=64, help="Most tokens one answer may take (default: the provider's).",
    rich_help_panel=PANEL, show_default=False)]
BatchFailedOpt = Annotated[str, typer.Option(
    "--batch-failed", help="With --batch-api: what happens to the items of requests the batch failed: live (send "
    "them again, live) or fallback (label them with rules; their records name the batch's error).",
    rich_help_panel=PANEL)]
FewShotOpt = Annotated[Optional[int], typer.Option(
    "--few-shot", min=0, max=20, help="Similar labelled items from the store shown as examples (default 4; "
    "0 = off).", rich_help_panel=PANEL, show_default=False)]
NoMaskOpt = Annotated[bool, typer.Option(
    "--no-mask", help="Send the text as written: no personal data masked (the same as --mask none).",
    rich_help_panel=PANEL)]
MaskOpt = Annotated[Optional[str], typer.Option(
    "--mask", metavar="KINDS", help="Kinds of personal data replaced by placeholders before any text is sent "
    "(default all): email, phone, card, iban, pesel, name, address, postal_code; a comma list, 'none', or 'all,-name' "
    "to keep one. `journey mask FILE` shows what would be masked.", rich_help_panel=PANEL, show_default=False)]
NoCacheOpt = Annotated[bool, typer.Option(
    "--no-cache", help="Neither read nor write the answer cache (~/.cache/journey-extractor/llm).",
    rich_help_panel=PANEL)]
MaxCostOpt = Annotated[Optional[float], typer.Option(
    "--max-cost", min=0.0, metavar="USD", help="Stop cleanly once the run has cost this much (list price or "
    "--price-input/--price-output); --resume continues.", rich_help_panel=PANEL, show_default=False)]
PriceInputOpt = Annotated[Optional[float], typer.Option(
    "--price-input", min=0.0, metavar="USD", help="Price per 1M prompt tokens, for models without a list price.",
    rich_help_panel=PANEL, show_default=False)]
PriceOutputOpt = Annotated[Optional[float], typer.Option(
    "--price-output", min=0.0, metavar="USD", help="Price per 1M completion tokens.", rich_help_panel=PANEL,
    show_default=False)]
PriceCachedOpt = Annotated[Optional[float], typer.Option(
    "--price-cached", min=0.0, metavar="USD", help="Price per 1M prompt tokens read from the provider's prompt cache "
    "(default: the model's list price, else --price-input).", rich_help_panel=PANEL, show_default=False)]
DryRunOpt = Annotated[bool, typer.Option(
    "--dry-run", help="Estimate requests, tokens and cost, send nothing.", rich_help_panel=PANEL)]
CassetteOpt = Annotated[Optional[Path], typer.Option(
    "--cassette", help="Replay (or record) the model's answers from this vcrpy cassette: no network when "
    "replaying.", rich_help_panel=PANEL, show_default=False)]
RecordModeOpt = Annotated[str, typer.Option(
    "--record-mode", help="With --cassette: none (replay only, fail on a missing recording), once (record a new "
    "cassette), new_episodes (add missing recordings).", rich_help_panel=PANEL)]


BatchApiOpt = Annotated[bool, typer.Option(
    "--batch-api", help="Send the items through the OpenAI Batch API (half price, answers within 24 h), then write "
    "the records; re-running the same command resumes the batch. Needs --out.", rich_help_panel=PANEL)]
BatchIdOpt = Annotated[Optional[str], typer.Option(
    "--batch-id", help="With --batch-api: resume this batch instead of creating one (default: the unfinished batch "
    "named in OUT.batch.json).", rich_help_panel=PANEL, show_default=False)]
BatchPollOpt = Annotated[float, typer.Option(
    "--batch-poll", min=0.01, help="With --batch-api: seconds between status checks.", rich_help_panel=PANEL)]


@dataclass
class LLMFlags:
    """The llm options as given on the command line (None = not given)."""

    model: str | None = None
    base_url: str | None = None
    config: Path | None = None
    items_per_request: int | None = None
    concurrency: int | None = None
    requests_per_minute: float | None = None
    few_shot: int | None = None
    no_mask: bool = False
    no_cache: bool = False
    max_cost: float | None = None
    price_input: float | None = None
    price_output: float | None = None
    cassette: Path | None = None
    record_mode: str = "none"
    provider: str | None = None
    context_window: int | None = None
    max_output_tokens: int | None = None
    tokens_per_minute: float | None = None
    prompt: str | None = None
    mask: str | None = None
    price_cached: float | None = None

    def settings(self):
        from ..extractors.llm import resolve_settings

        flags: dict[str, Any] = {k: v for k, v in asdict(self).items()
                                 if k not in ("config", "no_mask", "no_cache", "max_cost", "cassette", "record_mode")}
        if self.no_mask:
            if self.mask not in (None, "none"):
                raise UsageError(f"--no-mask and --mask {self.mask}: give one of them")
            flags["mask"] = "none"
        if self.no_cache:
            flags["cache"] = False
        return resolve_settings(flags, self.config)


def extractor_from_flags(name: str, tax, flags: LLMFlags | None, store=None, dry_run: bool = False,
                         reviewed: Path | None = None, learned_model: Path | None = None):
    """The library's `make_extractor` with the command's flags: the llm settings they give (a cassette run reads
    no answer cache), and ./.journey/reviewed.jsonl as the reviewed items when it exists."""
    from ..extractors import make_extractor

    if name != "llm":
        return make_extractor(name, tax, learned_model=learned_model)
    from ..labelling.reviewed import DEFAULT_REVIEWED

    flags = flags or LLMFlags()
    settings = flags.settings()
    if flags.cassette is not None:  # every answer from (or into) the cassette, none from the answer cache
        settings = settings.model_copy(update={"cache": False, "api_key": settings.api_key or "replay"})
    if reviewed is None and flags.cassette is None and DEFAULT_REVIEWED.is_file():  # replayed prompts stay as recorded
        reviewed = DEFAULT_REVIEWED
    return make_extractor(name, tax, settings, store=store, reviewed=reviewed, max_cost=flags.max_cost,
                          dry_run=dry_run, learned_model=learned_model)


@contextmanager
def model_session(extractor, flags: LLMFlags | None) -> Iterator[None]:
    """Around a run: the cassette (when asked) and closing the extractor's connections and cache."""
    try:
        if flags is not None and flags.cassette is not None and extractor.name == "llm":
            from ..extractors.llm.replay import cassette

            with cassette(flags.cassette, flags.record_mode):
                yield
        else:
            yield
    finally:
        extractor.close()


def default_store(store: Path | None, chroma_url: str | None, collection: str):
    """The store for few-shot examples: the one named, else the default one when it exists, else None."""
    from ..store.store import StoreError, resolve_location
    from .store import open_store

    kind, where = resolve_location(store, chroma_url)
    if kind == "path" and not (Path(where) / "chroma.sqlite3").exists():
        return None
    try:
        return open_store(store, chroma_url, collection, create=False)
    except StoreError:  # few-shot is optional: a default store without the collection means no examples
        if store is not None or chroma_url is not None:
            raise
        return None


def print_usage(extractor) -> None:
    """The run's llm figures: outcomes, requests, tokens, cost."""
    outcomes, usage = extractor.outcomes, extractor.usage
    total = outcomes.answered + outcomes.repaired + outcomes.fallback
    lines = [f"llm {extractor.settings.model} ({extractor.prompt_id}): {total:,} items: {outcomes.answered:,} answered, "
             f"{outcomes.repaired:,} repaired, {outcomes.fallback:,} labelled by rules after a failed answer; "
             f"{outcomes.cached:,} from the answer cache"]
    cached = f" ({usage.cached_tokens / usage.prompt_tokens:.0%} read from the provider's prompt cache)" \
        if usage.prompt_tokens and usage.cached_tokens else ""
    lines.append(f"  {usage.requests:,} requests, {usage.retries:,} retries, {usage.prompt_tokens:,} prompt tokens"
                 f"{cached}, {usage.completion_tokens:,} completion tokens")
    provider, limits = extractor.provider, extractor.limits
    sized = f"  server: {provider.name}, context {limits.context_window:,} tokens" + (
        " (reported by the server)" if provider.detected_context and not extractor.settings.context_window else "")
    if outcomes.split:
        sized += f"; {outcomes.split:,} requests split after a cut, filtered or refused answer"
    if outcomes.too_long:
        sized += f"; {outcomes.too_long:,} items too long for the context, labelled by rules"
    if outcomes.uniform:
        sized += (f"; the model gave most items of {outcomes.uniform:,} request(s) one and the same answer, so "
                  "their items and the rest of the run went one a request (--items-per-request 1 saves those "
                  "requests)")
    lines.append(sized)
    if usage.faults:
        lines.append("  faults retried: " + ", ".join(f"{k} x{v}" for k, v in sorted(usage.faults.items())))
    cost = usage.cost(extractor.settings)
    batch = extractor.batch_usage
    if cost is not None:
        discount = 0.5 * (batch.cost(extractor.settings) or 0.0) if batch is not None else 0.0
        lines.append(f"  cost about ${cost - discount:,.4f} at list price, cached prompt tokens at the cached price"
                     + (" (the Batch API's tokens at half price)" if discount else ""))
    if outcomes.isolated:
        lines.append(f"  {outcomes.isolated:,} items that read like instructions to the model were sent alone")
    advice = context_advice(extractor)
    if advice:
        lines.append(f"  {advice}")
    typer.echo("\n".join(lines), err=True)


# From this share of the context taken by the instructions on, a run sends few items a request and says what to do.
CROWDED_CONTEXT = 0.5


def context_advice(extractor) -> str | None:
    """What to do when the prompt's instructions crowd the model's context (Ollama's 4,096-token default)."""
    share = extractor.prefix_share
    if share < CROWDED_CONTEXT:
        return None
    context = extractor.limits.context_window
    return (f"note: the prompt's instructions take about {share:.0%} of the model's {context:,}-token context, so few "
            "items fit a request and each pays for much of them: give the server a larger context (Ollama: "
            "OLLAMA_CONTEXT_LENGTH=16384 or num_ctx in the Modelfile; llama-server: -c 16384; then --context-window "
            "if the server does not report it), or choose a shorter prompt (--prompt journey-batch.v13 shows no "
            "worked examples)")


def print_estimate(estimate, settings, batch_api: bool = False, advice: str | None = None) -> None:
    cost = "unknown (no list price: give --price-input/--price-output)" if estimate.cost is None \
        else f"about ${estimate.cost:,.4f}" + (" (Batch API: half price)" if batch_api else "")
    cached = (f" (about {estimate.cached_prompt_tokens:,} of them the instructions' prefix, read from the provider's "
              "prompt cache where it keeps one)") if estimate.cached_prompt_tokens else ""
    typer.echo(f"dry run, nothing sent: {estimate.items:,} items ({estimate.cached_items:,} in the answer cache) "
               f"-> {estimate.requests:,} requests to {settings.model}, about {estimate.prompt_tokens:,} prompt"
               f"{cached} and {estimate.completion_tokens:,} completion tokens; cost {cost}", err=True)
    learnt = (f"answer length learnt from {estimate.measured_items:,} items answered by this model and prompt"
              if estimate.measured_items else "answer length not yet measured for this model and prompt: "
              "estimated from the format's typical answers (a first run corrects it)")
    typer.echo(f"  {learnt}" + (f"; {estimate.too_long:,} items too long for the model's context would be labelled "
                                "by rules" if estimate.too_long else ""), err=True)
    if advice:
        typer.echo(f"  {advice}", err=True)
