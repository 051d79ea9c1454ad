"""Pain-point themes: the evidence quotes of complaints, clustered, so that recurring problems show up with
their words, and problems the taxonomy has no pain point for stand out as `unnamed` themes.

Inputs are the quotes of events that carry a pain point, plus, for negative items (sentiment < -0.25) that
carry none, their other quotes (or their whole text when the item has no event and `texts_by_item` has it).
Quotes are embedded with the offline `HashingEmbedding` (its taxonomy concepts put quotes about the same
problem close together across wordings and languages), extended by the pain points the extractor put on
them (with a modest weight: the extractor sees multi-word cues the embedding does not; words still decide
within and across pain points, and quotes without one fall together by their words alone), and clustered
with a seeded spherical k-means (k-means++ start, a few restarts, best kept). Inputs are sorted by a stable
key first, so the themes do not depend on the order of the records.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from ..errors import UsageError
from ..lexicons import LANGUAGES, load_lexicon
from ..textnorm import fold

NEGATIVE = -0.25
MIN_K, MAX_K = 3, 30
RESTARTS, MAX_ITER = 4, 100
KEYWORDS, QUOTES = 6, 3
EMBED_BATCH = 4000
LABEL_WEIGHT = 0.5  # how much a quote's own pain point counts next to its words (see `with_labels`)
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Quote:
    """One clustered quote: a span of an item's text and the pain points that item's events put on it."""

    item_id: str
    quote: str
    start: int | None = None
    end: int | None = None
    pain_points: tuple[str, ...] = ()
    lang: str | None = None

    @property
    def key(self) -> tuple:
        return (self.item_id, -1 if self.start is None else self.start, -1 if self.end is None else self.end,
                self.quote, self.pain_points)


@dataclass
class Theme:
    """One cluster of quotes."""

    size: int  # quotes
    items: int  # distinct items
    keywords: list[str]
    quotes: list[dict[str, str]]  # representative quotes: {"item_id", "quote"}, closest to the centre first
    pain_point: str | None  # the taxonomy pain point most members carry
    share: float  # share of members carrying it
    unnamed: bool  # most members carry no taxonomy pain point: a problem the taxonomy does not name
    unlabelled_share: float = 0.0  # share of members with no pain point
    pain_points: dict[str, int] = field(default_factory=dict)  # every pain point of the members, counted
    item_ids: list[str] = field(default_factory=list)
    cohesion: float = 0.0  # mean cosine similarity of the members to the centre

    def describe(self) -> str:
        if self.unnamed or self.pain_point is None:
            return "NEW: no taxonomy pain point"
        if self.share >= 0.5:
            return f"mostly `{self.pain_point}` ({self.share:.0%})"
        return f"mixed, most often `{self.pain_point}` ({self.share:.0%})"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# -- inputs -----------------------------------------------------------------------------------------------


def theme_quotes(records: Iterable[Mapping[str, Any]], texts_by_item: Mapping[str, str] | None = None) -> list[Quote]:
    """The quotes to cluster, one per distinct span of an item, sorted by a stable key."""
    spans: dict[tuple, tuple[set[str], str | None]] = {}  # (item_id, start, end, quote) -> (pain points, lang)
    for record in records:
        item_id, lang = str(record.get("item_id")), record.get("lang")
        events = [e for e in record.get("events") or ()
                  if isinstance(e, Mapping) and isinstance(e.get("evidence"), Mapping)]
        carries = any(e.get("pain_point") for e in events) or bool(record.get("pain_points"))
        if not carries and _sentiment(record) >= NEGATIVE:
            continue
        if not carries and not events:
            text = ((texts_by_item or {}).get(item_id) or "").strip()
            if text:
                spans.setdefault((item_id, None, None, text), (set(), lang))
            continue
        for event in events:
            pain = event.get("pain_point")
            quote = str(event["evidence"].get("quote") or "")
            if (carries and not pain) or not quote.strip():
                continue  # an item with pain points contributes only the quotes that carry them
            key = (item_id, _offset(event["evidence"].get("start")), _offset(event["evidence"].get("end")), quote)
            pains, _ = spans.setdefault(key, (set(), lang))
            if pain:
                pains.add(str(pain))
    quotes = [Quote(item_id, quote, start, end, tuple(sorted(pains)), lang)
              for (item_id, start, end, quote), (pains, lang) in spans.items()]
    return sorted(quotes, key=lambda q: q.key)


def _offset(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _sentiment(record: Mapping[str, Any]) -> float:
    try:
        return float(record.get("sentiment") or 0.0)
    except (TypeError, ValueError):
        return 0.0


# -- clustering -----------------------------------------------------------------------------------------


def auto_k(n: int, labels: int = 0) -> int:
    """About sqrt(n / 2) clusters, and at least one per pain point present plus one for unlabelled quotes;
    within 3..30 and never more than the quotes."""
    return max(1, min(n, MAX_K, max(MIN_K, round(math.sqrt(n / 2)), labels + 1)))


def _plus_plus(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ start on unit rows (distance: 1 - cosine)."""
    n = x.shape[0]
    centres = [int(rng.integers(n))]
    closest = np.clip(1.0 - x @ x[centres[0]], 0.0, None)
    for _ in range(1, k):
        total = float(closest.sum())
        pick = int(rng.choice(n, p=closest / total)) if total > 1e-12 else int(rng.integers(n))
        centres.append(pick)
        closest = np.minimum(closest, np.clip(1.0 - x @ x[pick], 0.0, None))
    return x[centres].copy()


def _normalise(c: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(c, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return c / norms


def _cluster_sums(x: np.ndarray, labels: np.ndarray, k: int, chunk: int = 16384) -> tuple[np.ndarray, np.ndarray]:
    """Per-cluster sums of the rows (one-hot matrix products, a chunk of rows at a time) and cluster sizes."""
    sums = np.zeros((k, x.shape[1]), dtype=np.float64)
    for r0 in range(0, x.shape[0], chunk):
        part = labels[r0:r0 + chunk]
        onehot = np.zeros((k, part.size), dtype=x.dtype)
        onehot[part, np.arange(part.size)] = 1.0
        sums += onehot @ x[r0:r0 + chunk]
    return sums.astype(x.dtype), np.bincount(labels, minlength=k)


def spherical_kmeans(x: np.ndarray, k: int, seed: int = 0, restarts: int = RESTARTS,
                     max_iter: int = MAX_ITER) -> tuple[np.ndarray, np.ndarray]:
    """(labels, unit centres) of the restart with the highest total cosine similarity to the centres."""
    rng = np.random.default_rng(seed)
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    for _ in range(restarts):
        centres = _plus_plus(x, k, rng)
        labels = np.full(x.shape[0], -1)
        for _ in range(max_iter):
            sims = x @ centres.T
            new = sims.argmax(axis=1)
            if np.array_equal(new, labels):
                break
            labels = new
            sums, counts = _cluster_sums(x, labels, k)
            if (counts == 0).any():  # an empty cluster restarts at the point worst served by its centre
                served = sims[np.arange(x.shape[0]), labels]
                for c in np.flatnonzero(counts == 0).tolist():
                    movable = (counts[labels] > 1) & np.isfinite(served)
                    if not movable.any():
                        break
                    worst = int(np.argmin(np.where(movable, served, np.inf)))
                    counts[labels[worst]] -= 1
                    sums[labels[worst]] -= x[worst]
                    sums[c], labels[worst], counts[c], served[worst] = x[worst], c, 1, np.inf
            centres = _normalise(sums)
        score = float((x * centres[labels]).sum())
        if best is None or score > best[0] + 1e-9:
            best = (score, labels, centres)
    assert best is not None
    return best[1], best[2]


# -- describing ----------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    words: set[str] = set()
    for lang in LANGUAGES:
        words |= {fold(w) for w in load_lexicon(lang).stopwords}
    return frozenset(words)


def _words(text: str) -> set[str]:
    stop = _stopwords()
    return {w for w in _WORD.findall(fold(text)) if len(w) > 2 and w not in stop}


def _keywords(members: Sequence[int], words: Sequence[set[str]], overall: Counter, n: int) -> list[str]:
    """The content words frequent in the cluster and rarer elsewhere (quote frequency x log lift)."""
    local = Counter(w for m in members for w in words[m])
    size = len(members)
    floor = 2 if size >= 4 else 1
    scored = []
    for word, count in local.items():
        if count < floor:
            continue
        lift = (count / size) / (overall[word] / n)
        scored.append((-(count * math.log1p(lift)), word))
    return [w for _, w in sorted(scored)[:KEYWORDS]]


def _representatives(members: np.ndarray, sims: np.ndarray, quotes: Sequence[Quote]) -> list[dict[str, str]]:
    chosen: list[dict[str, str]] = []
    seen: set[str] = set()
    for m in sorted(members.tolist(), key=lambda i: (-round(float(sims[i]), 6), i)):
        text = " ".join(quotes[m].quote.split())
        if text.lower() in seen:
            continue
        seen.add(text.lower())
        chosen.append({"item_id": quotes[m].item_id, "quote": text})
        if len(chosen) == QUOTES:
            break
    return chosen


def _describe(members: np.ndarray, sims: np.ndarray, quotes: Sequence[Quote], words: Sequence[set[str]],
              overall: Counter) -> Theme:
    size = int(members.size)
    pains = Counter(p for m in members.tolist() for p in quotes[m].pain_points)
    unlabelled = sum(1 for m in members.tolist() if not quotes[m].pain_points)
    top, top_n = (min(pains.items(), key=lambda kv: (-kv[1], kv[0])) if pains else (None, 0))
    items = sorted({quotes[m].item_id for m in members.tolist()})
    return Theme(size=size, items=len(items), keywords=_keywords(members.tolist(), words, overall, len(quotes)),
                 quotes=_representatives(members, sims, quotes), pain_point=top,
                 share=round(top_n / size, 4), unnamed=unlabelled * 2 > size,
                 unlabelled_share=round(unlabelled / size, 4),
                 pain_points=dict(sorted(pains.items(), key=lambda kv: (-kv[1], kv[0]))), item_ids=items,
                 cohesion=round(float(sims[members].mean()), 4))


def embed_quotes(quotes: Sequence[Quote], embedding: Callable[[list[str]], Any] | None = None) -> np.ndarray:
    """The quotes' unit vectors (float32), embedded in batches."""
    if embedding is None:
        from ..store.embedding import HashingEmbedding

        embedding = HashingEmbedding()
    parts = [np.asarray(embedding([q.quote for q in quotes[i:i + EMBED_BATCH]]), dtype=np.float32)
             for i in range(0, len(quotes), EMBED_BATCH)]
    return _normalise(np.concatenate(parts)) if parts else np.zeros((0, 1), dtype=np.float32)


def with_labels(x: np.ndarray, quotes: Sequence[Quote], weight: float) -> np.ndarray:
    """The quote vectors extended by their pain points (one dimension per id, `weight` in total), unit length."""
    ids = sorted({p for q in quotes for p in q.pain_points})
    if not ids:
        return x
    column = {p: i for i, p in enumerate(ids)}
    labels = np.zeros((x.shape[0], len(ids)), dtype=np.float32)
    for row, q in enumerate(quotes):
        for p in q.pain_points:
            labels[row, column[p]] = weight / math.sqrt(len(q.pain_points))
    return _normalise(np.hstack([x, labels]))


def themes(records: Iterable[Mapping[str, Any]], texts_by_item: Mapping[str, str] | None = None,
           k: int | None = None, seed: int = 0, *, min_size: int = 1,
           embedding: Callable[[list[str]], Any] | None = None, label_weight: float = LABEL_WEIGHT) -> list[Theme]:
    """Pain-point themes of records, largest first (see the module docstring). `k=None` picks k from the
    number of quotes; themes smaller than `min_size` quotes are left out; `label_weight=0` clusters on the
    quotes' words alone."""
    if k is not None and k < 1:
        raise UsageError(f"k must be at least 1, not {k}")
    quotes = theme_quotes(records, texts_by_item)
    if not quotes:
        return []
    x = embed_quotes(quotes, embedding)
    keep = np.flatnonzero(np.linalg.norm(x, axis=1) > 0)  # a quote of stop words only has no direction
    quotes, x = [quotes[i] for i in keep.tolist()], x[keep]
    if not quotes:
        return []
    if label_weight > 0:
        x = with_labels(x, quotes, label_weight)
    present = len({p for q in quotes for p in q.pain_points})
    labels, centres = spherical_kmeans(x, min(k or auto_k(len(quotes), present), len(quotes)), seed)
    sims = (x * centres[labels]).sum(axis=1)
    words = [_words(q.quote) for q in quotes]
    overall = Counter(w for ws in words for w in ws)
    found = [_describe(np.flatnonzero(labels == c), sims, quotes, words, overall) for c in range(centres.shape[0])]
    found = [t for t in found if t.size >= max(1, min_size)]
    found.sort(key=lambda t: (-t.size, t.item_ids[0], t.quotes[0]["quote"] if t.quotes else ""))
    return found


# -- reading records files --------------------------------------------------------------------------------


