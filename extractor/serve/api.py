"""The JSON API: label one item or a batch, the taxonomy, similar past items, saving a review, health."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse, Response
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from starlette.concurrency import run_in_threadpool

from ..ingest.fields import clean_text
from ..pipeline import with_language
from ..schema import FeedbackItem, JourneyRecord, Source
from .config import MAX_BATCH_ITEMS, MAX_TEXT_CHARS, SIMILAR_ITEMS
from .desk import SupportDesk
from .extraction import feedback_item
from ..labelling.reviewed import ExtractedLabels, ReviewedItem, ReviewedLabels, changed_labels, label_problems, now_utc


def _whole_characters(text: Any) -> Any:
    """Unpaired surrogates (broken emoji in JSON escapes) become U+FFFD, as `journey extract` reads them."""
    return clean_text(text) if isinstance(text, str) else text


def _labellable(text: str) -> str:
    if not text.strip():
        raise ValueError("the text is empty")
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError(f"the text has {len(text):,} characters, over the limit of {MAX_TEXT_CHARS:,} "
                         "(as `journey extract --max-chars`)")
    return text


# What the validators enforce, declared in the OpenAPI document too (not checked twice: the messages stay ours).
# Not blank: a character that str.strip() keeps (spelled out, for JSON Schema's \s is not Python's: \x1c-\x1f, \x85).
NOT_BLANK = {"minLength": 1,
             "pattern": "[^\\t\\n\\x0b\\x0c\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"}
TicketText = Annotated[str, BeforeValidator(_whole_characters), AfterValidator(_labellable),
                       Field(json_schema_extra={**NOT_BLANK, "maxLength": MAX_TEXT_CHARS})]


class ErrorIssue(BaseModel):
    """One invalid field: where (the path into the body), what is wrong, and pydantic's error type."""

    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    """Every error the API sends: one line a person can act on, and for invalid input each field's problem."""

    detail: str
    errors: list[ErrorIssue] = Field(default_factory=list)


INVALID = {422: {"model": ErrorBody, "description": "invalid input: `detail` says what to fix, `errors` lists each "
                 "field's problem"},
           413: {"model": ErrorBody, "description": "the body is over the size limit (1 MB by default)"}}


class LabelRequest(BaseModel):
    """One item to label; `lang` is detected when not given, `source` defaults to ticket (as `journey label`)."""

    model_config = ConfigDict(extra="forbid")

    text: TicketText = Field(description="the feedback text, as the customer wrote it")
    lang: str | None = Field(default=None, max_length=35, description="language code (en, pl); default: detected")
    source: Source = "ticket"
    id: str | None = Field(default=None, max_length=200, description="the item's id; default: a hash of the text")

    def item(self) -> FeedbackItem:
        return feedback_item(self.text, lang=self.lang, source=self.source, item_id=self.id)


class BatchRequest(BaseModel):
    """Items labelled in one request, in order."""

    model_config = ConfigDict(extra="forbid")

    items: list[LabelRequest] = Field(min_length=1, max_length=MAX_BATCH_ITEMS,
                                      description=f"1 to {MAX_BATCH_ITEMS} items, labelled in order")


class BatchResponse(BaseModel):
    records: list[JourneyRecord]


class SimilarRequest(BaseModel):
    """A text to find similar stored items for."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    k: int = Field(default=SIMILAR_ITEMS, ge=1, le=20)


class ReviewRequest(BaseModel):
    """An agent's review of one item: the labels shown (`original`) and the labels saved (`corrected`)."""

    model_config = ConfigDict(extra="forbid")

    text: TicketText
    lang: str | None = Field(default=None, max_length=35)
    source: Source = "ticket"
    id: str | None = Field(default=None, max_length=200)
    reviewer: str = Field(max_length=100, description="who reviewed it (a name or initials)",
                          json_schema_extra=NOT_BLANK)
    original: ExtractedLabels
    corrected: ReviewedLabels
    extractor: str | None = Field(default=None, max_length=50)
    taxonomy_id: str | None = Field(default=None, max_length=100)

    @field_validator("reviewer")
    @classmethod
    def _named(cls, reviewer: str) -> str:
        if not reviewer.strip():
            raise ValueError("must not be empty: say who reviewed the item")
        return reviewer.strip()

    def reviewed_item(self) -> ReviewedItem:
        item = with_language(feedback_item(self.text, lang=self.lang, source=self.source, item_id=self.id))
        return ReviewedItem(item_id=item.item_id, text=item.text, lang=item.lang, source=item.source,
                            original=self.original, corrected=self.corrected,
                            changed=changed_labels(self.original, self.corrected), reviewer=self.reviewer,
                            reviewed_at=now_utc(), extractor=self.extractor, taxonomy_id=self.taxonomy_id)


def json_text_response(body: str) -> Response:
    """JSON the extractor already wrote (records are serialised once, as `journey extract` writes them)."""
    return Response(content=body.encode("utf-8"), media_type="application/json")


def api_router(desk: SupportDesk) -> APIRouter:
    router = APIRouter()

    @router.get("/healthz", tags=["service"])
    async def healthz() -> dict[str, Any]:
        """The server is up: its extractor, taxonomy and whether a feedback store is open."""
        return {"status": "ok", "extractor": desk.extractor.name, "taxonomy_id": desk.taxonomy.ref,
                "store": desk.similar.available}

    @router.get("/api/taxonomy", tags=["labels"])
    async def taxonomy() -> dict[str, Any]:
        """The taxonomy in use (stages in journey order, touchpoints, emotions, pain points, with names)."""
        return desk.taxonomy.model_dump(mode="json")

    @router.post("/api/label", tags=["labels"], response_model=JourneyRecord, responses=INVALID)
    async def label(request: LabelRequest) -> Response:
        """One item's JourneyRecord, exactly as `journey extract` writes it for the same text (`origin` is null)."""
        return json_text_response(await desk.extractor.label(request.item()))

    @router.post("/api/label/batch", tags=["labels"], response_model=BatchResponse, responses=INVALID)
    async def label_batch(request: BatchRequest) -> Response:
        """Up to 100 items; their records in the same order."""
        lines = await desk.extractor.label_many([r.item() for r in request.items])
        return json_text_response('{"records":[' + ",".join(lines) + "]}")

    @router.post("/api/similar", tags=["store"], responses=INVALID)
    async def similar(request: SimilarRequest) -> dict[str, Any]:
        """The stored items most similar to the text (none when there is no feedback store)."""
        found = await desk.similar.find_async(request.text, request.k)
        return {"store": found.store, "problem": found.problem, "items": [i.to_json() for i in found.items]}

    @router.post("/api/reviewed", tags=["reviews"], status_code=201, response_model=ReviewedItem, responses=INVALID)
    async def reviewed(review: ReviewRequest) -> JSONResponse:
        """Save an agent's review: appended to the reviewed-items file, exported by `journey reviewed export`."""
        problems = (label_problems(review.original, desk.taxonomy, "original")
                    + label_problems(review.corrected, desk.taxonomy, "corrected"))
        if problems:
            raise HTTPException(422, "; ".join(problems))
        item = review.reviewed_item()
        await run_in_threadpool(desk.reviewed.append, item)
        return JSONResponse(item.model_dump(mode="json"), status_code=201)

    return router
