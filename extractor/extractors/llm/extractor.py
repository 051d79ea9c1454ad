"""The llm extractor: items are masked, looked up in the answer cache, packed several to a request behind one stable
system prefix, sent concurrently, checked item by item, repaired once, and otherwise labelled by the fallback
extractor. Every item gets a record, and the record says how it was made (`llm.outcome`)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Sequence

from ...privacy import Masked, mask_personal_data
from ...schema import Evidence, FeedbackItem, JourneyEvent, JourneyRecord, LLMOutcome
from ...taxonomy import Taxonomy
from .cache import AnswerCache, cache_key
from .client import ChatModel, ModelRequestError, Usage
from .cost import ANSWER_TOKENS_PER_ITEM, Estimate, tokens_of
from .examples import ExampleSource
from .injection import looks_like_instructions
from .prompt import JourneyPrompt, PromptItem
from .settings import LLMSettings
from .validate import Checked, check_reply

CONFIDENCE = {"answered": 0.8, "repaired": 0.7}  # not calibrated: a fixed level per outcome, below rules' best


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


@dataclass
class Outcomes:
    answered: int = 0
    repaired: int = 0
    fallback: int = 0
    cached: int = 0
    unsent: int = 0
    isolated: int = 0


class BudgetReached(Exception):
    """Internal: the run's cost reached --max-cost; the items not yet sent stay unlabelled."""


class LLMExtractor:
    """Labels items with an OpenAI-compatible chat model; see the module docstring."""

    name = "llm"

    def __init__(self, taxonomy: Taxonomy, settings: LLMSettings, *, fallback=None,
                 examples: ExampleSource | None = None, max_cost: float | None = None,
                 prompt: JourneyPrompt | None = None):
        self.taxonomy = taxonomy
        self.settings = settings
        self.prompt = prompt or JourneyPrompt(taxonomy)
        self.prompt_id = self.prompt.prompt_id
        self.examples = examples if settings.few_shot else None
        self.max_cost = max_cost
        self.usage = Usage()
        self.outcomes = Outcomes()
        self.budget_reached = False
        self._fallback = fallback
        self._cache = AnswerCache(settings.cache_folder()) if settings.cache else None
        self._model: ChatModel | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.batch_rows = max(64, settings.items_per_request * settings.concurrency)

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

    def extract_many(self, items: Sequence[FeedbackItem]) -> list[JourneyRecord | None]:
        """One record per item, in order; None for items left unsent because --max-cost was reached."""
        pending = [self._pending(item) for item in items]
        todo = self._from_cache(pending)
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
        pending = [self._pending(item) for item in items]
        hits = self._cache.get_many([p.key for p in pending]) if self._cache is not None else {}
        todo = [p for p in pending if p.key not in hits]
        estimate.cached_items = len(pending) - len(todo)
        system = tokens_of(self.prompt.system)
        for request in self._requests(todo):
            estimate.requests += 1
            asked = [PromptItem(n + 1, p.masked.text, p.item.lang) for n, p in enumerate(request)]
            estimate.prompt_tokens += system + tokens_of(self.prompt.user(asked)) + 8
            if self.examples is not None:
                estimate.prompt_tokens += 40 * self.settings.few_shot
            estimate.completion_tokens += ANSWER_TOKENS_PER_ITEM * len(request)
        return estimate.priced(self.settings, batch_api)

    # -- steps -----------------------------------------------------------------------------------------------

    def _pending(self, item: FeedbackItem) -> Pending:
        masked = mask_personal_data(item.text) if self.settings.mask_personal_data else Masked(item.text, item.text, ())
        return Pending(item, masked, cache_key(self.settings.model, self.prompt_id, item.lang, masked.text))

    def _from_cache(self, pending: list[Pending]) -> list[Pending]:
        if self._cache is None:
            return pending
        hits = self._cache.get_many([p.key for p in pending])
        todo = []
        for p in pending:
            hit = hits.get(p.key)
            if hit is not None:
                from .validate import check_item

                checked = check_item(1, hit["answer"], p.masked, self.prompt.item_model)
                if checked.answer is not None:
                    p.checked, p.outcome, p.problems = checked, hit["outcome"], list(hit.get("problems", []))
                    self.outcomes.cached += 1
                    continue
            todo.append(p)
        return todo

    def _requests(self, todo: list[Pending]) -> list[list[Pending]]:
        """Items packed into requests, in input order, up to `items_per_request` items or `request_chars` of text
        (short items share the instructions with many others, long ones with fewer, so the tokens sent per item
        stay within about twice the item's own plus its answer); an item that reads like instructions goes alone."""
        requests: list[list[Pending]] = []
        current: list[Pending] = []
        chars = 0
        for p in todo:
            if looks_like_instructions(p.item.text):
                p.isolated = True
                requests.append([p])
                continue
            size = len(p.masked.text)
            if current and (len(current) >= self.settings.items_per_request
                            or chars + size > self.settings.request_chars):
                requests.append(current)
                current, chars = [], 0
            current.append(p)
            chars += size
        if current:
            requests.append(current)
        return requests

    async def _label(self, todo: list[Pending]) -> None:
        if self._model is None:
            self._model = ChatModel(self.settings, self.prompt.schema, self.usage)
        gate = asyncio.Semaphore(self.settings.concurrency)
        requests = self._requests(todo)
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

    async def _request(self, request: list[Pending], examples, gate: asyncio.Semaphore) -> None:
        async with gate:
            if self._over_budget():
                return
            self.outcomes.isolated += sum(p.isolated for p in request)
            asked = [PromptItem(n + 1, p.masked.text, p.item.lang) for n, p in enumerate(request)]
            messages = self.prompt.messages(asked, examples)
            try:
                reply = await self._model.ask(messages)  # type: ignore[union-attr]
                checks, general = check_reply(reply.content, [(n + 1, p.masked) for n, p in enumerate(request)],
                                              self.prompt.item_model)
            except ModelRequestError as exc:
                for p in request:
                    p.outcome, p.problems = "fallback", [str(exc)]
                return
            failed = []
            for n, p in enumerate(request):
                p.checked = checks[n + 1]
                if p.checked.answer is None:
                    p.problems = p.checked.problems + general
                    failed.append((n + 1, p))
            if failed:
                await self._repair(messages, reply.content, failed)
            self._keep(request)

    async def _repair(self, messages: list[dict[str, str]], content: str, failed: list[tuple[int, Pending]]) -> None:
        """One follow-up request with the validation errors, for the failed items only; then the fallback."""
        problems = [problem for _, p in failed for problem in p.problems]
        follow_up = messages + [{"role": "assistant", "content": content[:20_000]},
                                {"role": "user", "content": self.prompt.repair(
                                    problems, [PromptItem(n, p.masked.text, p.item.lang) for n, p in failed])}]
        try:
            if self._over_budget():
                raise ModelRequestError("--max-cost reached before the repair request")
            reply = await self._model.ask(follow_up)  # type: ignore[union-attr]
            checks, general = check_reply(reply.content, [(n, p.masked) for n, p in failed], self.prompt.item_model)
        except ModelRequestError as exc:
            checks, general = {n: Checked(problems=[f"repair request: {exc}"]) for n, _ in failed}, []
        for n, p in failed:
            checked = checks[n]
            if checked.answer is not None:
                p.checked, p.outcome = checked, "repaired"
            else:
                p.checked, p.outcome = None, "fallback"
                p.problems = p.problems + [f"after repair: {x}" for x in checked.problems + general][:6]

    def _keep(self, request: list[Pending]) -> None:
        if self._cache is None:
            return
        self._cache.put_many({p.key: {"answer": p.checked.answer, "outcome": p.outcome, "problems": p.problems}
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
        return JourneyRecord(
            item_id=item.item_id, source=item.source, lang=item.lang, customer_id=item.customer_id, segment=item.segment,
            created_at=item.created_at, stage=a["stage"], touchpoints=_unique(a["touchpoints"]), emotion=a["emotion"],
            sentiment=round(a["sentiment"], 3), pain_points=_unique(a["pain_points"]),
            moment_of_truth=a["moment_of_truth"], events=events, customer_goal=_goal(a["customer_goal"]),
            confidence=CONFIDENCE[p.outcome], extractor=self.name, model=self.settings.model, prompt_id=self.prompt_id,
            taxonomy_id=self.taxonomy.ref, origin=item.origin,
            llm=LLMOutcome(outcome=p.outcome, problems=p.problems[:6], model=self.settings.model,
                           prompt_id=self.prompt_id))


def _unique(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(i for i in ids if i))


def _goal(goal: str | None) -> str | None:
    goal = (goal or "").strip()
    return goal[:200] or None
