"""The feedback store against a real Chroma, no mocks: an embedded `PersistentClient` folder and a real
`chroma run` server, the `journey ingest` / `journey search` commands, and search quality on real data.

Every test here runs with the network blocked except loopback (pytest-recording's `block_network` marker):
the default, embedded path must work offline, and the server mode only ever talks to 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest

from extractor.schema import FeedbackItem
from extractor.store.embedding import DEFAULT_DIM, HashingEmbedding
from extractor.store.store import FeedbackStore, StoreError, filters
from extractor.store.items import FILENAME

from .conftest import ROOT, SHARED, run_journey
from .processes import stop_process

LOOPBACK = [r"127\.\d+\.\d+\.\d+$", r"::1$", r"localhost$"]
pytestmark = pytest.mark.block_network(allowed_hosts=LOOPBACK)

CHROMA = Path(sys.executable).with_name("chroma")
SERVER_START_TIMEOUT = 60.0


# -- where the store lives: an embedded folder or a real Chroma server ----------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _heartbeat(url: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through an HTTP(S)_PROXY
    try:
        with opener.open(f"{url}/api/v2/heartbeat", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory) -> Iterator[str]:
    """A real `chroma run` on a free loopback port for the whole session; its URL."""
    root = tmp_path_factory.mktemp("chroma-server")
    with running_chroma(root / "data", root / "server.log") as url:
        yield url


@contextlib.contextmanager
def running_chroma(data: Path, log_path: Path) -> Iterator[str]:
    """`chroma run --path DATA` on a free loopback port until the block ends; its URL."""
    if not CHROMA.exists():
        pytest.skip(f"server mode needs chromadb's `chroma` executable, and there is none at {CHROMA}")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:  # a file, not a pipe: a chatty server must never block on a full pipe
        proc = subprocess.Popen([str(CHROMA), "run", "--path", str(data), "--host", "127.0.0.1",
                                 "--port", str(port)], stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _heartbeat(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                state = (f"exited with code {proc.returncode}" if proc.poll() is not None
                         else f"did not answer {url}/api/v2/heartbeat within {SERVER_START_TIMEOUT:.0f} s")
                output = log_path.read_text(encoding="utf-8", errors="replace")[-4000:]
                pytest.fail(f"`chroma run` {state}; its output:\n{output}", pytrace=False)
            time.sleep(0.2)
        yield url
    finally:
        stop_process(proc)


@dataclass
class Location:
    """One store for one test: a fresh folder (embedded) or a fresh collection on the shared server."""

    mode: str
    path: Path | None
    url: str | None
    collection: str

    def open(self, **kwargs) -> FeedbackStore:
        return FeedbackStore.open(path=self.path, url=self.url, collection=self.collection, **kwargs)

    def cli_args(self) -> list[str]:
        where = ["--store", str(self.path)] if self.path else ["--chroma-url", str(self.url)]
        return where + ["--collection", self.collection]


@pytest.fixture(params=["embedded", "server", "server-direct"])
def location(request, tmp_path, monkeypatch) -> Location:
    """server: searches answered from the client's local copy (mirror.py); server-direct: by the server alone."""
    collection = f"t-{uuid.uuid4().hex[:12]}"
    if request.param == "embedded":
        return Location("embedded", tmp_path / "store", None, collection)
    if request.param == "server-direct":
        monkeypatch.setenv("JOURNEY_MIRROR", "off")  # read by FeedbackStore.open, here and in `journey` commands
    return Location("server", None, request.getfixturevalue("chroma_server"), collection)


# -- small corpora ---------------------------------------------------------------------------------------

TOPICS = {  # one ticket per topic, English and Polish
    "delivery-en": ("en", "My parcel never arrived and the courier did not even call me."),
    "billing-en": ("en", "I was charged twice for the same order on my credit card."),
    "login-en": ("en", "Cannot log in to the mobile app, the password reset email never comes."),
    "staff-en": ("en", "The staff in the shop were rude and ignored my questions."),
    "quality-en": ("en", "The blender broke after one week, the motor smells burnt."),
    "delivery-pl": ("pl", "Paczka nie dotarła, kurier nie zadzwonił, a status wciąż 'w drodze'."),
    "refund-pl": ("pl", "Zwróciłam buty dwa tygodnie temu i nadal nie dostałam zwrotu pieniędzy."),
    "app-pl": ("pl", "Aplikacja się zawiesza przy płatności, nie mogę złożyć zamówienia."),
}


def topic_items() -> list[FeedbackItem]:
    return [FeedbackItem(item_id=key, text=text, lang=lang, source="ticket") for key, (lang, text) in TOPICS.items()]


def ids_of(hits) -> list[str]:
    return [h.metadata["item_id"] for h in hits]


def record(stage: str, emotion: str, sentiment: float, touchpoints: list[str], pain_points: list[str]) -> dict:
    return {"stage": stage, "emotion": emotion, "sentiment": sentiment, "touchpoints": touchpoints,
            "pain_points": pain_points, "moment_of_truth": sentiment < -0.5, "extractor": "rules",
            "taxonomy_id": "default@1"}


LABELS = {
    "delivery-en": record("experience", "anger", -0.8, ["delivery", "phone"], ["delay", "fulfilment_error"]),
    "billing-en": record("decision", "frustration", -0.6, ["payment"], ["payment_issue"]),
    "login-en": record("experience", "frustration", -0.5, ["mobile_app", "email"], ["website_app_issue"]),
    "staff-en": record("decision", "anger", -0.7, ["physical_store"], ["customer_service"]),
    "delivery-pl": record("experience", "anger", -0.7, ["delivery", "phone"], ["delay"]),
    "refund-pl": record("loyalty", "disappointment", -0.4, ["payment"], ["returns_refund"]),
}


def run_python(code: str, *args: str, prefix: tuple[str, ...] = (), timeout: float = 120) -> dict:
    """Run `code` in a new Python process (from the project root); it prints one JSON object."""
    env = dict(os.environ)
    for key in ("JOURNEY_STORE", "JOURNEY_CHROMA_URL"):
        env.pop(key, None)
    result = subprocess.run([*prefix, sys.executable, "-c", textwrap.dedent(code), *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"the subprocess failed ({result.returncode}):\n{result.stderr[-4000:]}"
    return json.loads(result.stdout.strip().splitlines()[-1])


# -- ingest ----------------------------------------------------------------------------------------------


def test_ingest_counts_items_and_skips_the_ones_already_stored(location):
    store = location.open()
    items = topic_items()
    first = store.ingest(items)
    assert (first.read, first.added, first.present) == (len(items), len(items), 0)
    assert store.count() == len(items)

    again = location.open().ingest(topic_items())  # same ids and texts, reopened store
    assert again.added == 0 and again.present == len(items) and again.read == len(items)
    assert store.count() == len(items)

    edited = items[0].model_copy(update={"text": items[0].text + " Still waiting."})
    assert store.ingest([edited]).added == 1  # same item id, new text: a new version
    assert store.count() == len(items) + 1


def test_an_item_repeated_within_one_input_counts_once(location):
    items = topic_items()
    repeated = items + [items[2].model_copy(), items[5].model_copy(), items[2].model_copy()]
    stats = location.open().ingest(repeated, batch=3, parallel=True)  # small batches: the embedding process too
    assert stats.read == len(repeated)
    assert stats.added == len(items) and stats.present == 3
    assert location.open().count() == len(items)


def word(i: int) -> str:
    """A distinct made-up word per number (the hashing embedding ignores digits)."""
    syllables = "ba ke li mo nu ra se ti vo za".split()
    return "".join(syllables[int(d)] for d in str(i))


def test_batches_above_chromas_limit_are_split(tmp_path):
    """12,000 items in one call (Chroma refuses `add` batches above about 5,400)."""
    n = 12_000
    items = (FeedbackItem(item_id=f"S-{i}", text=f"Order {word(i)}: the parcel came {word(i * 7919 % n)} days late",
                          lang="en", source="ticket") for i in range(n))
    store = FeedbackStore.open(path=tmp_path / "store")
    stats = store.ingest(items, batch=6000)  # asks for more than Chroma takes: the store caps it
    assert stats.read == n and stats.added == n and stats.present == 0
    assert stats.batches >= 3
    assert store.count() == n
    hit = store.search(f"order {word(11_999)} parcel came {word(11_999 * 7919 % n)} days late", 1)[0]
    assert hit.metadata["item_id"] == "S-11999"
    assert sum(len(ids) for ids, _, _ in store.iter_vectors()) == n


# -- opening ---------------------------------------------------------------------------------------------

REOPEN = """
    import json, sys
    from extractor.store.store import FeedbackStore
    where, collection, query = sys.argv[1:4]
    kind = "url" if where.startswith("http") else "path"
    store = FeedbackStore.open(**{kind: where}, collection=collection, create=False)
    hits = store.search(query, 3)
    print(json.dumps({"embedding": type(store.embedding).__name__, "config": store.embedding.get_config(),
                      "count": store.count(), "top": hits[0].metadata["item_id"]}))
"""


def test_a_collection_reopens_in_a_new_process_with_its_embedding(location):
    made = HashingEmbedding()
    location.open(embedding=made).ingest(topic_items())
    where = str(location.path or location.url)
    seen = run_python(REOPEN, where, location.collection, "the delivery guy never came with my package")
    assert seen["embedding"] == "HashingEmbedding"
    assert seen["config"] == json.loads(json.dumps(made.get_config()))
    assert seen["count"] == len(TOPICS) and seen["top"] == "delivery-en"


def test_the_same_embedding_config_reopens(location):
    location.open(embedding=HashingEmbedding()).ingest(topic_items())
    store = location.open(embedding=HashingEmbedding())
    assert store.count() == len(TOPICS)
    assert ids_of(store.search("nie doszła paczka", 1)) == ["delivery-pl"]


def test_another_embedding_config_is_refused(location):
    location.open().ingest(topic_items())
    with pytest.raises(StoreError) as err:
        location.open(embedding=HashingEmbedding(dim=128))
    message = str(err.value)
    assert location.collection in message and str(DEFAULT_DIM) in message and "128" in message
    assert "another --collection" in message
    assert location.open().count() == len(TOPICS)  # nothing was changed


def test_texts_and_metadata_live_in_the_item_table_when_embedded_and_in_chroma_on_a_server(location):
    store = location.open()
    store.ingest(topic_items())
    if location.mode == "embedded":
        parts = store.partitions()  # one collection per language
        assert set(parts) == {lang for lang, _ in TOPICS.values()}
        for col in parts.values():  # Chroma gets ids and vectors only: its metadata slows ingest
            assert set(col.get(include=["metadatas"])["metadatas"]) == {None}
        assert (location.path / FILENAME).is_file()
    else:
        raw = store.collection.get(include=["metadatas"])
        assert {m["item_id"]: m["text"] for m in raw["metadatas"]} == {key: text for key, (_, text) in TOPICS.items()}
    reopened = location.open()  # a new handle finds texts and metadata where they were kept
    hits = reopened.search("parcel", len(TOPICS))
    assert {h.metadata["item_id"]: h.text for h in hits} == {key: text for key, (_, text) in TOPICS.items()}
    assert {h.metadata["item_id"]: h.metadata["lang"] for h in hits} == {key: lang for key, (lang, _) in TOPICS.items()}
    for ids, _, metas in reopened.iter_vectors(batch=3):
        assert all(m["text"] == TOPICS[m["item_id"]][1] for m in metas)


def test_an_embedded_collection_served_by_chroma_run_is_refused_with_the_way_out(tmp_path):
    folder = tmp_path / "store"
    FeedbackStore.open(path=folder, collection="shared-col").ingest(topic_items())
    with running_chroma(folder, tmp_path / "server.log") as url:
        with pytest.raises(StoreError) as err:
            FeedbackStore.open(url=url, collection="shared-col")
    assert "--store" in str(err.value) and FILENAME in str(err.value)
    assert FeedbackStore.open(path=folder, collection="shared-col").count() == len(TOPICS)


def test_the_same_language_weighs_in_but_concepts_still_cross_languages():
    embed = HashingEmbedding()
    en, pl, pl2 = (np.asarray(v) for v in embed([TOPICS["delivery-en"][1], TOPICS["delivery-pl"][1],
                                                  "Kurier nie przyjechał, przesyłka zaginęła."]))
    unrelated_en = np.asarray(embed([TOPICS["billing-en"][1]])[0])
    assert float(pl2 @ pl) > float(pl2 @ en) > float(pl2 @ unrelated_en)


# -- search ----------------------------------------------------------------------------------------------

PARAPHRASES = {
    "my package still hasn't shown up": "delivery-en",
    "charged two times on my card": "billing-en",
    "the app won't let me log in": "login-en",
    "rude employees in the store": "staff-en",
    "the mixer motor died after a week": "quality-en",
    "gdzie jest moja przesyłka, kurier nie przyjechał": "delivery-pl",
    "czekam na zwrot pieniędzy za zwrócone buty": "refund-pl",
}


def test_search_puts_the_most_similar_item_first(location):
    store = location.open()
    store.ingest(topic_items())
    for query, expected in PARAPHRASES.items():
        hits = store.search(query, 3)
        assert len(hits) == 3
        assert hits[0].metadata["item_id"] == expected, f"{query!r}: {[(h.metadata['item_id'], h.score) for h in hits]}"
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
        assert hits[0].text == TOPICS[expected][1] and "text" not in hits[0].metadata
    exact = store.search(TOPICS["app-pl"][1], 1)[0]
    assert exact.metadata["item_id"] == "app-pl" and exact.score == pytest.approx(1.0, abs=1e-4)
    assert len(store.search("parcel", 50)) == len(TOPICS)  # k above the count: every item, no error


def test_search_with_label_filters_returns_only_matching_items(location):
    store = location.open()
    items = {item.item_id: item for item in topic_items()}
    store.ingest(items.values())
    extra = FeedbackItem(item_id="delivery-extra", text="The courier left my parcel at the wrong address.",
                         lang="en", source="review")
    pairs = [(items[key], rec) for key, rec in LABELS.items()]
    pairs.append((extra, record("experience", "anger", -0.6, ["delivery"], ["fulfilment_error"])))
    assert store.update_labels(pairs) == len(pairs)
    assert store.count() == len(TOPICS) + 1  # an item not yet stored is added with its labels
    labelled = dict(LABELS, **{"delivery-extra": pairs[-1][1]})

    def matching(**flt) -> set[str]:
        keys = set()
        for key, rec in labelled.items():
            lang = items[key].lang if key in items else extra.lang
            source = items[key].source if key in items else extra.source
            if ((flt.get("stage") in (None, rec["stage"])) and (flt.get("emotion") in (None, rec["emotion"]))
                    and (flt.get("touchpoint") in (None, *rec["touchpoints"]))
                    and (flt.get("pain_point") in (None, *rec["pain_points"]))
                    and (flt.get("lang") in (None, lang)) and (flt.get("source") in (None, source))):
                keys.add(key)
        if not {"stage", "emotion", "touchpoint", "pain_point"} & set(flt):  # unlabelled items match too
            keys |= {k for k, it in items.items() if k not in labelled
                     and flt.get("lang") in (None, it.lang) and flt.get("source") in (None, it.source)}
        return keys

    cases = [dict(touchpoint="delivery"), dict(pain_point="delay"), dict(stage="decision"), dict(emotion="anger"),
             dict(lang="pl"), dict(source="review"), dict(touchpoint="delivery", lang="pl"),
             dict(stage="experience", pain_point="fulfilment_error"), dict(touchpoint="payment", emotion="anger")]
    for flt in cases:
        hits = store.search("parcel courier delivery late", 20, filters(**flt))
        assert set(ids_of(hits)) == matching(**flt), flt
    for h in store.search("parcel courier delivery late", 20, filters(touchpoint="delivery")):
        assert "delivery" in h.labels["touchpoints"] and h.metadata["extractor"] == "rules"
    top = store.search("the courier left the parcel somewhere else", 1, filters(touchpoint="delivery"))[0]
    assert top.metadata["item_id"] == "delivery-extra" and top.labels["pain_points"] == ["fulfilment_error"]
    assert top.metadata["sentiment"] == pytest.approx(-0.6) and top.metadata["taxonomy_id"] == "default@1"
    assert store.search("parcel", 5, filters(touchpoint="website")) == []
    assert store.search("parcel", 5, {"sentiment": {"$lt": -0.65}})  # numeric labels filter too


def test_a_filter_whose_matches_are_far_from_the_query_still_finds_them(location):
    """The unfiltered neighbours of an English delivery query hold no Polish billing items: the restricted
    query (embedded) or Chroma's filter (server) has to find them, and a filter nothing matches finds nothing.
    The Polish items share no feature with the query: Chroma's filtered HNSW search alone often returned only one
    of them; a filter matching few items is answered exactly."""
    store = location.open()
    english = [FeedbackItem(item_id=f"en-{n}", text=f"Parcel number {n} never arrived, the courier lost it.",
                            lang="en", source="review") for n in range(60)]
    polish = [FeedbackItem(item_id=f"pl-{n}", text=f"Faktura numer {n} ma zły NIP, proszę o korektę.",
                           lang="pl", source="ticket") for n in range(3)]
    store.ingest(english + polish)
    query = "parcel never arrived courier"
    assert all(h.metadata["lang"] == "en" for h in store.search(query, 20))  # the neighbours are English
    for flt in (filters(lang="pl"), filters(lang="pl", source="ticket"), {"lang": {"$in": ["pl"]}},
                {"$or": [{"item_id": "pl-1"}, {"item_id": "pl-2"}]}):
        hits = store.search(query, 2, flt)
        assert len(hits) == 2 and all(h.metadata["item_id"].startswith("pl-") for h in hits), flt
        assert all(h.text.startswith("Faktura numer") for h in hits)
    assert store.search(query, 2, filters(lang="pl", source="review")) == []
    assert [h.metadata["item_id"] for h in store.search(query, 5, {"item_id": "pl-2"})] == ["pl-2"]


def test_an_empty_query_is_refused(location):
    store = location.open()
    store.ingest(topic_items())
    for query in ("", "   ", "\n\t"):
        with pytest.raises(StoreError, match="empty query"):
            store.search(query, 3)


def test_relabelling_drops_labels_the_new_record_no_longer_has(tmp_path):
    store = FeedbackStore.open(path=tmp_path / "store")
    items = topic_items()
    store.ingest(items)
    store.update_labels([(items[0], LABELS["delivery-en"])])  # delivery, phone; delay, fulfilment_error
    store.update_labels([(items[0], record("experience", "neutral", 0.0, ["email"], []))])
    hit = store.search(items[0].text, 1)[0]
    assert hit.labels == {"stage": "experience", "emotion": "neutral", "touchpoints": ["email"], "pain_points": []}
    assert ids_of(store.search("parcel", 5, filters(touchpoint="email"))) == [items[0].item_id]
    assert store.search("parcel", 5, filters(touchpoint="delivery")) == []
    assert store.search("parcel", 5, filters(pain_point="delay")) == []


def test_similar_examples_returns_only_labelled_items(tmp_path):
    store = FeedbackStore.open(path=tmp_path / "store")
    items = {item.item_id: item for item in topic_items()}
    store.ingest(items.values())
    store.update_labels([(items["delivery-en"], LABELS["delivery-en"])])
    assert ids_of(store.similar_examples("parcel late", 4)) == ["delivery-en"]


# -- no network on the default path ------------------------------------------------------------------------


def _loopback(host) -> bool:
    host = host.decode() if isinstance(host, (bytes, bytearray)) else str(host)
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def test_these_tests_run_with_the_network_blocked_except_loopback():
    pytest.importorskip("pytest_recording", reason="the module-wide network block comes from pytest-recording")
    with pytest.raises(RuntimeError, match="Network is disabled"):
        socket.create_connection(("192.0.2.1", 80), timeout=1)  # TEST-NET-1, never routable
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        socket.create_connection(server.getsockname(), timeout=5).close()  # loopback stays open


def test_the_embedded_store_needs_no_network(tmp_path, monkeypatch):
    """Ingest and search with every non-loopback connection and name lookup refused, and none attempted."""
    attempts: list[str] = []
    connect, connect_ex, getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

    def guard(original):
        def guarded(self, address, *args, **kwargs):
            if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
                attempts.append(f"connect {address!r}")
                raise ConnectionRefusedError(f"network blocked by the test: {address!r}")
            return original(self, address, *args, **kwargs)
        return guarded

    def guarded_getaddrinfo(host, *args, **kwargs):
        if host is not None and not _loopback(host):
            attempts.append(f"getaddrinfo {host!r}")
            raise socket.gaierror(socket.EAI_NONAME, f"name lookup blocked by the test: {host!r}")
        return getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guard(connect))
    monkeypatch.setattr(socket.socket, "connect_ex", guard(connect_ex))
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    with pytest.raises((OSError, RuntimeError)):
        socket.create_connection(("192.0.2.1", 80), timeout=1)  # TEST-NET-1: the guard is in place
    attempts.clear()

    store = FeedbackStore.open(path=tmp_path / "store")
    stats = store.ingest(topic_items())
    assert stats.added == len(TOPICS)
    assert ids_of(store.search("nie doszła paczka", 1)) == ["delivery-pl"]
    assert ids_of(store.search("the app won't let me log in", 1, filters(lang="en"))) == ["login-en"]
    assert attempts == []


def _netns_prefix() -> tuple[str, ...] | None:
    unshare = shutil.which("unshare")
    if not unshare:
        return None
    for prefix in ((unshare, "-n"), (unshare, "-rn")):  # root; else a user namespace
        try:
            if subprocess.run([*prefix, "true"], capture_output=True, timeout=10).returncode == 0:
                return prefix
        except (OSError, subprocess.TimeoutExpired):
            continue
    return None


OFFLINE = """
    import json, sys
    from extractor.schema import FeedbackItem
    from extractor.store.store import FeedbackStore
    store = FeedbackStore.open(path=sys.argv[1])
    added = store.ingest([FeedbackItem(item_id=f"i{i}", text=t, lang="en", source="ticket") for i, t in
                          enumerate(["parcel never arrived", "charged twice on my card", "rude staff in the shop"])])
    print(json.dumps({"added": added.added, "top": store.search("my card was charged two times", 1)[0].text}))
"""


def test_the_embedded_store_works_in_a_process_without_any_network(tmp_path):
    """The same in a network namespace with no interface up: covers Chroma's native code too."""
    prefix = _netns_prefix()
    if prefix is None:
        pytest.skip("cannot make a network namespace here (`unshare -n` / `unshare -rn` unavailable)")
    seen = run_python(OFFLINE, str(tmp_path / "store"), prefix=prefix)
    assert seen == {"added": 3, "top": "charged twice on my card"}


# -- the command line ----------------------------------------------------------------------------------------

SUMMARY = re.compile(r"read ([\d,]+) items .*?: ([\d,]+) added, ([\d,]+) already in the store")


def ingest_summary(result) -> tuple[int, int, int]:
    assert result.returncode == 0, result.stderr
    found = SUMMARY.search(result.stderr)
    assert found, f"no summary line on stderr:\n{result.stderr}"
    return tuple(int(g.replace(",", "")) for g in found.groups())


def check_cli_round_trip(where: list[str]) -> None:
    n = sum(1 for line in (ROOT / "corpora" / "tickets.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip())
    assert ingest_summary(run_journey("ingest", "corpora/tickets.jsonl", *where, cwd=ROOT)) == (n, n, 0)
    assert ingest_summary(run_journey("ingest", "corpora/tickets.jsonl", *where, cwd=ROOT)) == (n, 0, n)

    result = run_journey("search", "paczka nie dotarła", *where, "--json", "-k", "3", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    hits = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert len(hits) == 3, result.stdout
    for hit in hits:
        assert {"id", "score", "text", "metadata"} <= set(hit)
        assert isinstance(hit["score"], float) and hit["text"] and hit["metadata"]["item_id"].startswith("TCK-")
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert re.search(r"paczk|przesył|kurier", hits[0]["text"], re.I), hits

    only_pl = run_journey("search", "parcel", *where, "--json", "-k", "5", "--lang", "pl", cwd=ROOT)
    assert only_pl.returncode == 0, only_pl.stderr
    assert {json.loads(line)["metadata"]["lang"] for line in only_pl.stdout.splitlines()} == {"pl"}


def test_cli_ingest_twice_then_search_embedded(tmp_path):
    check_cli_round_trip(["--store", str(tmp_path / "store")])


def test_cli_ingest_twice_then_search_on_a_server(chroma_server):
    check_cli_round_trip(["--chroma-url", chroma_server, "--collection", f"cli-{uuid.uuid4().hex[:12]}"])


def test_cli_search_without_a_store_is_a_clean_error(tmp_path):
    missing = tmp_path / "missingdir"
    result = run_journey("search", "x", "--store", str(missing))
    assert result.returncode == 2
    assert "Error:" in result.stderr and "Traceback" not in result.stderr and "journey ingest" in result.stderr
    assert not missing.exists()  # searching does not create an empty store


def test_cli_search_with_an_empty_query_is_a_clean_error(tmp_path):
    assert run_journey("ingest", "corpora/tickets.jsonl", "--store", str(tmp_path / "s"), "-q", cwd=ROOT).returncode == 0
    result = run_journey("search", "  ", "--store", str(tmp_path / "s"))
    assert result.returncode == 2 and "Error: empty query" in result.stderr and "Traceback" not in result.stderr


# -- acceptance on real data ---------------------------------------------------------------------------------

LUGGAGE = re.compile(r"bag|luggage|baggage", re.I)
PL_DELIVERY = re.compile(r"paczk|przesył|kurier|dostaw|dotar|doszł|wysył", re.I)


def read_data(path: Path, source: str):
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if row.get("text", "").strip():
                yield FeedbackItem(item_id=row["id"], text=row["text"], lang=row.get("lang"), source=source)


@pytest.fixture(scope="module")
def real_store(tmp_path_factory):
    """Airline tweets and Allegro reviews in one embedded store (ingested once for the module)."""
    data = SHARED / "data"
    if not (data / "airline_tweets.jsonl").is_file() or not (data / "allegro_reviews_pl.jsonl").is_file():
        pytest.skip(f"no real data at {data} (../shared/data beside the project)")
    store = FeedbackStore.open(path=tmp_path_factory.mktemp("real") / "store")
    tweets = store.ingest(read_data(data / "airline_tweets.jsonl", "social"))
    reviews = store.ingest(read_data(data / "allegro_reviews_pl.jsonl", "review"))
    assert tweets.added > 14_000 and reviews.added > 11_000
    assert store.count() == tweets.added + reviews.added
    return store


@pytest.fixture(scope="module")
def rules():
    from extractor.extractors import make_extractor
    from extractor.pipeline import label_item
    from extractor.taxonomy import default_taxonomy

    extractor = make_extractor("rules", default_taxonomy())

    def label(hit):
        md = hit.metadata
        return label_item(extractor, FeedbackItem(item_id=md["item_id"], text=hit.text, lang=md.get("lang"),
                                                  source=md.get("source", "other")))
    return label


def show(hits, records) -> str:
    return "\n".join(f"  {h.score:.3f} tp={r.touchpoints} pp={r.pain_points} sent={r.sentiment:+.2f} "
                     f"{h.text[:140]!r}" for h, r in zip(hits, records))


@pytest.mark.slow
def test_real_tweets_lost_my_bag_finds_luggage_complaints(real_store, rules):
    hits = real_store.search("lost my bag", 5)
    records = [rules(h) for h in hits]
    good = [bool(LUGGAGE.search(h.text)) and (bool(r.pain_points) or r.sentiment < 0) for h, r in zip(hits, records)]
    assert len(hits) == 5 and sum(good) >= 4, f"luggage complaints {sum(good)}/5:\n{show(hits, records)}"


@pytest.mark.slow
def test_real_polish_reviews_paczka_nie_dotarla_finds_delivery_complaints(real_store, rules):
    hits = real_store.search("paczka nie dotarła", 5, filters(lang="pl"))
    records = [rules(h) for h in hits]
    assert len(hits) == 5 and {h.metadata["lang"] for h in hits} == {"pl"}, show(hits, records)
    good = [bool(PL_DELIVERY.search(h.text))
            and ("delivery" in r.touchpoints or bool({"delay", "fulfilment_error"} & set(r.pain_points)))
            for h, r in zip(hits, records)]
    assert sum(good) >= 2, f"delivery complaints {sum(good)}/5:\n{show(hits, records)}"
