"""The llm extractor: items are masked, looked up in the answer cache, packed several to a request behind one stable
system prefix, sent concurrently, checked item by item, repaired once, and otherwise labelled by the fallback
extractor. Every item gets a record, and the record says how it was made (`llm.outcome`)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Sequence

from ...privacy import Masked, mask_personal_data
from ...records import MadeBy, build_record
from ...schema import Evidence, FeedbackItem, JourneyEvent, JourneyRecord, LLMOutcome
from ...taxonomy import Taxonomy
from .cache import AnswerCache, cache_key
from .client import ChatModel, ModelRequestError, Reply, RequestRejected, Usage
from .cost import CACHE_MIN_TOKENS, CACHE_STEP, Estimate
from .examples import ExampleSource
from .injection import looks_like_instructions
from .prompt import JourneyPrompt, PromptItem
from .provider import Provider, resolve_provider
from .settings import LLMSettings
from .sizing import (ANSWER_PRIORS, CLAUSE_MARK_TOKENS, HEADROOM, ITEM_OVERHEAD, LEAN_ITEM_OVERHEAD, REQUEST_OVERHEAD,
                     Limits, RatesFile, TokenRates)
from .validate import Checked, check_reply

CONFIDENCE = {"answered": 0.8, "repaired": 0.7}  # not calibrated: a fixed level per outcome, below rules' best
# A request of at least UNIFORM_MIN_ITEMS items, whose texts differ, with UNIFORM_SHARE of its answers alike: the
# model copied one answer down the list. Qwen2.5-Coder 1.5B, asked many items at once, gave 48 of 48, 12 of 16 and
# 23 of 24 items the same labels; people labelling real items gave at most 42% of 12 random items of one gold set
# (the dev gold: 145 of 160 items in one stage) the same labels, 33% of 24. Its items are asked again one a request,
# and so is the rest of the run (a false alarm costs tokens, never labels).
UNIFORM_MIN_ITEMS, UNIFORM_SHARE = 12, 0.8


@dataclass
class Pending:
    """One item on its way: the item, its masked text, its cache key, and its check once answered."""

    item: FeedbackItem
    masked: Masked
    key: str
    checked: Checked | None = None
    outcome: str = "answered"
    problems: list[str] = field(default_factory=list)
    isolated: bool = False
    clauses: tuple[tuple[int, int], ...] = ()  # of the masked text, when the prompt numbers clauses

    def asked(self, number: int) -> PromptItem:
        return PromptItem(number, self.masked.text, self.item.lang, self.clauses)

    @property
    def lang(self) -> str | None:
        return self.item.lang


@dataclass
class Outcomes:
    answered: int = 0
    repaired: int = 0
    fallback: int = 0
    cached: int = 0
    unsent: int = 0
    isolated: int = 0
    split: int = 0  # requests split in two after a cut answer or a refused request
    uniform: int = 0  # requests whose answers were all alike, their items asked again one a request
    too_long: int = 0  # items too long for the model's context, never sent


class BudgetReached(Exception):
    """Internal: the run's cost reached --max-cost; the items not yet sent stay unlabelled."""


class LLMExtractor:
    """Labels items with an OpenAI-compatible chat model; see the module docstring."""

    name = "llm"
    batched = True  # extract_many sends several items a request

    def __init__(self, taxonomy: Taxonomy, settings: LLMSettings, *, fallback=None,
                 examples: ExampleSource | None = None, max_cost: float | None = None,
                 prompt: JourneyPrompt | None = None):
        self.taxonomy = taxonomy
        self.settings = settings
        self.prompt = prompt or JourneyPrompt(taxonomy, settings.prompt)
        self.prompt_id = self.prompt.prompt_id
        self.examples = examples if settings.few_shot else None
        self.max_cost = max_cost
        self.usage = Usage()
        self.outcomes = Outcomes()
        self.budget_reached = False
        self._fallback = fallback
        self._cache = AnswerCache(settings.cache_folder()) if settings.cache else None
        self._clauses_by = None
        self._model: ChatModel | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._provider: Provider | None = None
        self._rates_file = RatesFile(settings.cache_folder()) if settings.cache else None
        self._rates_key = f"{settings.model}|{self.prompt_id}"
        self.rates = self._rates_file.load(self._rates_key) if self._rates_file else TokenRates()
        self.rates.priors = dict(ANSWER_PRIORS[self.prompt.answer_format])
        self.batch_rows = max(64, settings.items_per_request * settings.concurrency)
        self.batch_usage: Usage | None = None  # what a Batch API run was billed (at half price), when it ran one
        self._settled: dict[str, str] = {}
        self._one_by_one = False  # set once the model answered a whole request alike: one item a request from then on
        self._system_estimate: int | None = None  # cache key -> why: labelled by the fallback, not sent

    def settle_as_fallback(self, reasons: dict[str, str]) -> None:
        """Items (by cache key) that must not be sent: the fallback labels them, and their records say why (a
        Batch API request that failed, with --batch-failed fallback)."""
        self._settled.update(reasons)

    @property
    def provider(self) -> Provider:
        """The kind of server, from the settings, the URL, or the server itself (asked once, on first use)."""
        if self._provider is None:
            detect = self.settings.context_window is None
            self._provider = resolve_provider(self.settings.provider, self.settings.base_url, self.settings.model,
                                              detect=detect)
        return self._provider

    @property
    def limits(self) -> Limits:
        provider = self.provider
        context = self.settings.context_window or provider.context_window
        output = self.settings.max_output_tokens or provider.answer_cap(context)
        return Limits(context, min(output, context))

    def fill_cache_by_batch(self, items: Sequence[FeedbackItem], **options: Any):
        """Answer `items` through one Batch API batch into the answer cache (batchapi.run_batch, whose options these
        are) and keep what it was billed, at half price, for the run's cost. Returns the batch's report."""
        from .batchapi import run_batch

        report = run_batch(self, items, **options)
        self.batch_usage = report.usage
        return report

    @property
    def answer_cache(self) -> AnswerCache | None:
        """The answer cache (None with --no-cache): what the Batch API path fills."""
        return self._cache

    def request_messages(self, request: Sequence[Pending]) -> tuple[list[dict[str, str]], int]:
        """The messages and the answer cap the live path would send for `request` (the Batch API sends the same)."""
        asked = [p.asked(n + 1) for n, p in enumerate(request)]
        messages = self.prompt.messages(asked, self._examples_for(list(request)))
        return messages, self._max_tokens(request, self._prompt_estimate(request))

    @property
    def prefix_share(self) -> float:
        """The share of the model's context the instructions take (estimated; every request sends them): near 1,
        few items fit a request and each pays for much of the prefix."""
        prefix = self._system_tokens() * self.rates.prompt_factor()
        return prefix / max(1, self.limits.context_window)

    # -- the Extractor protocol ------------------------------------------------------------------------------

    def warm_up(self) -> None:
        self.fallback.warm_up()

    def extract(self, item: FeedbackItem) -> JourneyRecord:
        record = self.extract_many([item])[0]
        if record is None:
            raise BudgetReached("--max-cost reached")
        return record

    def record_json(self, item: FeedbackItem) -> str:
        return self.extract(item).model_dump_json()

    @property
    def fallback(self):
        if self._fallback is None:
            from ..rules import RulesExtractor

            self._fallback = RulesExtractor(self.taxonomy)
        return self._fallback

    def close(self) -> None:
        if self._rates_file is not None and self.rates.measured_items():
            self._rates_file.save(self._rates_key, self.rates)
        if self._loop is not None:
            if self._model is not None:
                self._loop.run_until_complete(self._model.aclose())
                self._model = None
            pending = [t for t in asyncio.all_tasks(self._loop) if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self._loop.close()
            self._loop = None
        if self._cache is not None:
            self._cache.close()
            self._cache = None

    # -- many items ------------------------------------------------------------------------------------------

    def records_json(self, items: Sequence[FeedbackItem]) -> list[str | None]:
        return [None if record is None else record.model_dump_json() for record in self.extract_many(items)]

    def extract_many(self, items: Sequence[FeedbackItem]) -> list[JourneyRecord | None]:
        """One record per item, in order; None for items left unsent because --max-cost was reached."""
        pending = [self.pending_item(item) for item in items]
        todo = []
        for p in self._from_cache(pending):
            if p.key in self._settled:
                p.outcome, p.problems = "fallback", [self._settled[p.key]]
            else:
                todo.append(p)
        first: dict[str, Pending] = {}
        repeats: list[tuple[Pending, Pending]] = []
        for p in todo:
            original = first.setdefault(p.key, p)
            if original is not p:
                repeats.append((p, original))
        if first and not self.budget_reached:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(self._label(list(first.values())))
        for repeat, original in repeats:  # the same text twice in a batch is asked once
            repeat.checked, repeat.outcome, repeat.problems = original.checked, original.outcome, original.problems
        records: list[JourneyRecord | None] = []
        for p in pending:
            if p.checked is None and p.outcome != "fallback":
                self.outcomes.unsent += 1
                records.append(None)
            else:
                records.append(self._record(p))
        return records

    def estimate(self, items: Sequence[FeedbackItem], batch_api: bool = False) -> Estimate:
        """What labelling `items` would send (no request is made); cache hits send nothing."""
        estimate = Estimate(items=len(items))
        pending = [self.pending_item(item) for item in items]
        hits = self._cache.get_many([p.key for p in pending]) if self._cache is not None else {}
        todo = [p for p in pending if p.key not in hits]
        estimate.cached_items = len(pending) - len(todo)
        factor = self.rates.prompt_factor()
        prefix = round(self._system_tokens() * factor)  # byte-identical in every request of the run
        cacheable = prefix // CACHE_STEP * CACHE_STEP if prefix >= CACHE_MIN_TOKENS else 0
        repair_prompt, repair_answer = self.rates.repair_tokens()
        for request in self.pack(todo):
            if estimate.requests:  # the first request puts the prefix in the cache; the others read it
                estimate.cached_prompt_tokens += cacheable
            estimate.requests += 1
            estimate.prompt_tokens += round(self._prompt_estimate(request) * factor + repair_prompt * len(request))
            estimate.completion_tokens += round(self._answer_estimate(request) + repair_answer * len(request))
        estimate.too_long = self.outcomes.too_long
        estimate.measured_items = self.rates.measured_items()
        return estimate.priced(self.settings, batch_api)

    # -- steps -----------------------------------------------------------------------------------------------

    def pending_item(self, item: FeedbackItem) -> Pending:
        masked = mask_personal_data(item.text, self.settings.mask, item.lang)
        clauses = tuple(self._segmenter().clause_spans(masked.text, item.lang)) if self.prompt.numbered else ()
        return Pending(item, masked, cache_key(self.settings.model, self.prompt_id, item.lang, masked.text),
                       clauses=clauses)

    def _segmenter(self):
        """The rules extractor, whose clauses the clauses format numbers (whatever the fallback is)."""
        if self._clauses_by is None:
            from ..rules.extractor import RulesExtractor

            fallback = self._fallback
            self._clauses_by = fallback if isinstance(fallback, RulesExtractor) else RulesExtractor(self.taxonomy)
        return self._clauses_by

    def _from_cache(self, pending: list[Pending]) -> list[Pending]:
        if self._cache is None:
            return pending
        hits = self._cache.get_many([p.key for p in pending])
        todo = []
        for p in pending:
            hit = hits.get(p.key)
            if hit is not None:
                checked = self.prompt.check_item(1, hit["answer"], p.masked, p.clauses)
                if checked.answer is not None:
                    p.checked, p.outcome, p.problems = checked, hit["outcome"], list(hit.get("problems", []))
                    self.outcomes.cached += 1
                    continue
            todo.append(p)
        return todo

    def _system_tokens(self) -> int:
        """The instructions, and the answer schema where the provider counts it as prompt."""
        if self._system_estimate is None:
            schema = json.dumps(self.prompt.schema, separators=(",", ":")) if self.provider.schema_in_prompt else ""
            self._system_estimate = self.rates.text_tokens(self.prompt.system, "en") + \
                self.rates.text_tokens(schema, "en") // 2
        return self._system_estimate

    def _item_tokens(self, p: Pending) -> int:
        overhead = LEAN_ITEM_OVERHEAD if self.prompt.lean_items else ITEM_OVERHEAD
        return self.rates.text_tokens(p.masked.text, p.lang) + overhead + CLAUSE_MARK_TOKENS * len(p.clauses)

    def _prompt_estimate(self, request: Sequence[Pending]) -> int:
        """Raw estimate of a request's prompt tokens: instructions, few-shot examples, items."""
        shots = 0
        if self.examples is not None and not request[0].isolated:
            shots = 60 * self.settings.few_shot  # a masked example with its labels, at most
        return self._system_tokens() + REQUEST_OVERHEAD + shots + sum(self._item_tokens(p) for p in request)

    def _answer_estimate(self, request: Sequence[Pending]) -> float:
        return sum(self.rates.answer_tokens(p.lang) for p in request)

    def _fits(self, request: Sequence[Pending]) -> bool:
        """Whether a request's estimated prompt and answer (with headroom) fit the context and the answer cap."""
        limits = self.limits
        prompt = self._prompt_estimate(request) * self.rates.prompt_factor()
        answer = self._answer_estimate(request) * HEADROOM
        return answer <= limits.max_output_tokens and prompt + answer + 64 <= limits.context_window

    def pack(self, todo: list[Pending]) -> list[list[Pending]]:
        """Items packed into requests, in input order: up to `items_per_request` items or `request_chars` of text,
        and never more than the model's context and answer cap take (estimated, with headroom). An item that
        reads like instructions goes alone; an item that cannot fit even alone is marked too long and not sent."""
        requests: list[list[Pending]] = []
        current: list[Pending] = []
        chars = 0
        for p in todo:
            if not self._fits([p]):
                p.outcome = "fallback"
                p.problems = [f"too long for the model's context ({self.limits.context_window:,} tokens with "
                              f"{self.limits.max_output_tokens:,} for the answer): not sent"]
                self.outcomes.too_long += 1
                continue
            if looks_like_instructions(p.item.text):
                p.isolated = True
                requests.append([p])
                continue
            size = len(p.masked.text)
            if current and (len(current) >= self.settings.items_per_request
                            or chars + size > self.settings.request_chars or not self._fits(current + [p])):
                requests.append(current)
                current, chars = [], 0
            current.append(p)
            chars += size
        if current:
            requests.append(current)
        return requests

    async def _label(self, todo: list[Pending]) -> None:
        if self._model is None:
            self._model = ChatModel(self.settings, self.provider, self.prompt.schema, self.usage)
        gate = asyncio.Semaphore(self.settings.concurrency)
        requests = self.pack(todo)
        shots = [self._examples_for(r) for r in requests]
        await asyncio.gather(*(self._request(r, s, gate) for r, s in zip(requests, shots)))

    def _examples_for(self, request: list[Pending]):
        if self.examples is None or request[0].isolated:
            return []
        return self.examples.examples_for([p.item.text for p in request], self.settings.few_shot)

    def _over_budget(self) -> bool:
        if self.max_cost is None:
            return False
        cost = self.usage.cost(self.settings)
        if cost is not None and cost >= self.max_cost:
            self.budget_reached = True
        return self.budget_reached

    def _max_tokens(self, request: Sequence[Pending], prompt_estimate: int, generous: bool = False) -> int:
        """The answer cap of a request: room for its estimated answer with headroom (all the room the context
        leaves when `generous`), within the provider's cap."""
        limits = self.limits
        room = limits.answer_room(round(prompt_estimate * self.rates.prompt_factor()))
        if generous:
            return max(64, room)
        wanted = max(256, round(self._answer_estimate(request) * HEADROOM * 1.5))
        return max(64, min(room, wanted))

    async def _ask(self, request: Sequence[Pending], messages: list[dict[str, str]], prompt_estimate: int, *,
                   generous: bool = False, temperature: float | None = None,
                   ids: Sequence[int] | None = None) -> tuple[Reply, int]:
        max_tokens = self._max_tokens(request, prompt_estimate, generous)
        reserve = round(prompt_estimate * self.rates.prompt_factor()) + max_tokens
        reply = await self._model.ask(messages, max_tokens=max_tokens, temperature=temperature,  # type: ignore[union-attr]
                                      reserve=reserve, ids=ids or range(1, len(request) + 1),
                                      clauses=[len(p.clauses) for p in request] if self.prompt.numbered else None)
        return reply, max_tokens

    async def _request(self, request: list[Pending], examples, gate: asyncio.Semaphore, *,
                       generous: bool = False) -> None:
        if self._one_by_one and len(request) > 1:  # this model copies answers down a list
            await self._singly(request, examples, gate)
            return
        async with gate:
            if self._over_budget():
                return
            if not generous:
                self.outcomes.isolated += sum(p.isolated for p in request)
            asked = [p.asked(n + 1) for n, p in enumerate(request)]
            messages = self.prompt.messages(asked, examples)
            estimate = self._prompt_estimate(request)
            try:
                reply, max_tokens = await self._ask(request, messages, estimate, generous=generous)
            except RequestRejected as exc:
                reply, max_tokens, refused = None, 0, (exc.kind, exc.detail)
            except ModelRequestError as exc:
                for p in request:
                    p.outcome, p.problems = "fallback", [str(exc)]
                return
            else:
                refused = None
                if reply.refusal:
                    refused = ("refusal", reply.refusal)
                elif reply.finish_reason == "content_filter":
                    refused = ("content_filter", "the provider's content filter stopped the answer")
            uniform = False
            if reply is not None and refused is None and reply.finish_reason != "length":
                self._learn(request, estimate, reply)
                if await self._check(request, examples, reply):  # and its repair, in the same place
                    return
                uniform = True  # every item answered alike: asked again below, outside the gate, one a request
        if uniform:
            await self._singly(request, examples, gate)
            return
        # a cut, filtered or refused request: outside the gate, the halves take places of their own
        if refused is not None:
            await self._split_or_give_up(request, examples, gate, f"{refused[0]}: {refused[1]}"[:300])
            return
        assert reply is not None
        self._learn_cut(request, reply)
        if len(request) > 1:
            await self._split_or_give_up(request, examples, gate, "")
        elif not generous and self._max_tokens(request, estimate, True) > max_tokens:
            await self._request(request, examples, gate, generous=True)  # once more, with all the room there is
        else:
            request[0].outcome = "fallback"
            request[0].problems = [f"the answer was cut at {max_tokens:,} tokens (finish_reason length)"]

    async def _singly(self, request: list[Pending], examples, gate: asyncio.Semaphore) -> None:
        """The request's items asked one a request (outside the gate: each takes a place of its own)."""
        await asyncio.gather(*(self._request([p], examples, gate) for p in request))

    async def _check(self, request: list[Pending], examples, reply: Reply) -> bool:
        """The answer's items checked, the failed ones repaired, the good ones kept; False (nothing kept) when the
        model answered every item alike (`_uniform`): then this run asks one item a request from now on."""
        checks, general = check_reply(reply.content, [(n + 1, p.masked, p.clauses) for n, p in enumerate(request)],
                                      self.prompt.check_item)
        if _uniform(request, checks):
            self.outcomes.uniform += 1
            self._one_by_one = True
            return False
        failed = []
        for n, p in enumerate(request):
            p.checked = checks[n + 1]
            if p.checked.answer is None:
                p.problems = p.checked.problems + general
                failed.append((n + 1, p))
        if failed:
            await self._repair(request, examples, reply.content, failed)
        self._keep(request)
        return True

    async def _split_or_give_up(self, request: list[Pending], examples, gate: asyncio.Semaphore, why: str) -> None:
        """A cut, filtered or refused request: its halves are asked apart, until the item at fault is alone; that
        item ends as a fallback whose record says why."""
        if len(request) == 1:
            request[0].outcome = "fallback"
            request[0].problems = [f"the provider refused this item ({why})"]
            return
        self.outcomes.split += 1
        half = len(request) // 2
        await asyncio.gather(self._request(request[:half], examples, gate),
                             self._request(request[half:], examples, gate))

    def _repair_temperature(self) -> float | None:
        """None (the model's own) where no temperature is sent at all (`temperature = "none"`, e.g. an Azure
        deployment of a reasoning model under another name)."""
        return None if self.settings.temperature is None else self.settings.repair_temperature

    def _learn(self, request: Sequence[Pending], estimate: int, reply: Reply) -> None:
        prompt, completion = _counts(reply)
        self.rates.observe([p.lang for p in request], estimate, prompt, completion)

    def _learn_cut(self, request: Sequence[Pending], reply: Reply) -> None:
        """A cut answer says the items need more than it holds: count it as a lower bound."""
        completion = _counts(reply)[1]
        if completion:
            self.rates.observe([p.lang for p in request], 0, 0, completion)

    async def _repair(self, request: list[Pending], examples, content: str, failed: list[tuple[int, Pending]]
                      ) -> None:
        """A follow-up request for the failed items only (a narrower batch than the first), with the model's own
        answer for them and the validation errors, at the repair temperature (so the model can answer otherwise
        than a greedy decode repeats). Items that fail again are asked once more afresh, without their earlier
        answer or its errors, which a small model otherwise copies (Qwen2.5-Coder 1.5B repeated a clause it had
        invented word for word); what still fails falls back to the rules extractor."""
        problems = [problem for _, p in failed for problem in p.problems]
        asked = [p.asked(n) for n, p in failed]
        follow_up = self.prompt.messages(asked, examples) + [
            {"role": "assistant", "content": _entries_of(content, [n for n, _ in failed])},
            {"role": "user", "content": self.prompt.repair(problems, asked)}]
        extra = (len(follow_up[-1]["content"]) + len(follow_up[-2]["content"])) // 3
        checks, general = await self._ask_again(failed, follow_up, extra)
        again = [(n, p) for n, p in _settle(failed, checks, general, "after repair")
                 if not any(x.startswith("repair request:") for x in checks[n].problems)]
        if not again:
            return
        again = [(n, p) for n, (_, p) in enumerate(again, 1)]
        fresh = self.prompt.messages([p.asked(n) for n, p in again], examples)
        checks, general = await self._ask_again(again, fresh, 0)
        _settle(again, checks, general, "asked afresh")

    async def _ask_again(self, failed: list[tuple[int, Pending]], messages: list[dict[str, str]], extra: int
                         ) -> tuple[dict[int, Checked], list[str]]:
        """One repair request (`extra`: its estimated tokens beyond the items'), its answer checked leniently."""
        subset = [p for _, p in failed]
        try:
            if self._over_budget():
                raise ModelRequestError("--max-cost reached before the repair request")
            reply, _ = await self._ask(subset, messages, self._prompt_estimate(subset) + extra,
                                       temperature=self._repair_temperature(), ids=[n for n, _ in failed])
            self.rates.observe_repair(*_counts(reply))
            if reply.refusal or reply.finish_reason in ("length", "content_filter"):
                why = reply.refusal or f"finish_reason {reply.finish_reason}"
                raise ModelRequestError(f"the repair was not answered ({why})"[:300])
            return check_reply(reply.content, [(n, p.masked, p.clauses) for n, p in failed], self.prompt.check_item,
                               lenient=True)
        except (ModelRequestError, RequestRejected) as exc:
            return {n: Checked(problems=[f"repair request: {exc}"]) for n, _ in failed}, []

    def _keep(self, request: list[Pending]) -> None:
        if self._cache is None:
            return
        self._cache.put_many({p.key: {"answer": p.checked.raw, "outcome": p.outcome, "problems": p.problems}
                              for p in request if p.checked is not None and p.checked.answer is not None})

    def _record(self, p: Pending) -> JourneyRecord:
        item = p.item
        if p.outcome == "fallback" or p.checked is None or p.checked.answer is None:
            self.outcomes.fallback += 1
            record = self.fallback.extract(item)
            return record.model_copy(update={"llm": LLMOutcome(outcome="fallback", problems=p.problems[:6],
                                                               model=self.settings.model, prompt_id=self.prompt_id)})
        if p.outcome == "repaired":
            self.outcomes.repaired += 1
        else:
            self.outcomes.answered += 1
        a: dict[str, Any] = p.checked.answer
        events = [JourneyEvent(stage=e["stage"], touchpoint=e["touchpoint"], emotion=e["emotion"],
                               pain_point=e["pain_point"], evidence=Evidence(quote=q, start=s, end=t))
                  for e, (q, s, t) in zip(a["events"], p.checked.evidence)]
        labels = {**a, "touchpoints": _unique([*a["touchpoints"], *self.taxonomy.source_touchpoints(item.source)]),
                  "pain_points": _unique(a["pain_points"])}
        goal = (self.taxonomy.goal_of(a["events"], a["stage"], item.lang) if self.prompt.goal_from_labels
                else _goal(a["customer_goal"]))
        made_by = MadeBy(self.name, self.taxonomy.ref, self.settings.model, self.prompt_id)
        return build_record(item, labels, made_by, events=events, confidence=CONFIDENCE[p.outcome],
                            customer_goal=goal, llm=LLMOutcome(outcome=p.outcome, problems=p.problems[:6],
                                                               model=self.settings.model, prompt_id=self.prompt_id))


def _settle(failed: list[tuple[int, Pending]], checks: dict[int, Checked], general: list[str], said: str
            ) -> list[tuple[int, Pending]]:
    """Each failed item repaired by its check, or a fallback with the check's problems; returns those still failing."""
    still = []
    for n, p in failed:
        checked = checks[n]
        if checked.answer is not None:
            p.checked, p.outcome = checked, "repaired"
            p.problems = (p.problems + checked.problems)[:6]
        else:
            p.checked, p.outcome = None, "fallback"
            p.problems = (p.problems + [f"{said}: {x}" for x in checked.problems + general])[:6]
            still.append((n, p))
    return still


def _uniform(request: Sequence[Pending], checks: dict[int, Checked]) -> bool:
    """Whether a request of UNIFORM_MIN_ITEMS or more items, whose texts differ, got one answer (the same labels and
    clause numbers) for UNIFORM_SHARE of them or more."""
    if len(request) < UNIFORM_MIN_ITEMS or len({p.masked.text for p in request}) == 1:
        return False
    answers = Counter(json.dumps({k: v for k, v in (checks[n].raw or {}).items() if k != "id"}, sort_keys=True)
                      for n in range(1, len(request) + 1) if checks[n].answer is not None)
    return bool(answers) and answers.most_common(1)[0][1] >= UNIFORM_SHARE * len(request)


def _counts(reply: Reply) -> tuple[int, int]:
    """The prompt and answer tokens a reply's usage reports (0 where it says nothing)."""
    usage = reply.usage or {}
    return (int(usage.get("input_tokens") or usage.get("prompt_tokens") or 0),
            int(usage.get("output_tokens") or usage.get("completion_tokens") or 0))


def _entries_of(content: str, ids: list[int]) -> str:
    """The model's earlier answer for these items only (the whole answer, shortened, when it is not JSON)."""
    try:
        data = json.loads(content)
        entries = [e for e in data.get("items", []) if isinstance(e, dict) and e.get("id") in ids]
    except (ValueError, AttributeError):
        return content[:4000]
    return json.dumps({"items": entries}, ensure_ascii=False)


def _unique(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(i for i in ids if i))


def _goal(goal: str | None) -> str | None:
    goal = (goal or "").strip()
    return goal[:200] or None
