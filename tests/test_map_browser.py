"""The journey map page in a real browser: opened from a file with the network cut, it requests nothing, logs no
error, shows every section, draws its charts, and fits a 1400 px screen. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractor.journeymap import MapOptions, build_map
from extractor.journeymap.html import render_html
from extractor.journeymap.i18n import ui
from extractor.journeymap.model import JourneyMap
from extractor.taxonomy import load_taxonomy

from .browser import browser, open_offline  # noqa: F401  (browser is a fixture)
from .conftest import ROOT, run_journey
from .test_map_report import EVIL, SECTIONS, make_map

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CORPORA = ["reviews.csv", "tickets.jsonl", "survey.csv", "social.jsonl"]


@pytest.fixture(scope="module")
def records(tmp_path_factory) -> list[dict]:
    """The bundled corpora labelled by the real `journey extract` (rules, offline)."""
    out = tmp_path_factory.mktemp("map") / "records.jsonl"
    result = run_journey("extract", *[str(ROOT / "corpora" / name) for name in CORPORA], "--out", str(out))
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def real_map(records: list[dict], lang: str) -> JourneyMap:
    return build_map(records, load_taxonomy(None), MapOptions(title=ui(lang)["default_title"], lang=lang),
                     inputs=[f"corpora/{name}" for name in CORPORA])


def write_page(m: JourneyMap, path: Path) -> str:
    path.write_text(render_html(m), encoding="utf-8")
    return path.resolve().as_uri()


def check_page(page, m: JourneyMap) -> None:
    """Every section visible, a column per stage, the charts drawn, no page-wide horizontal scroll."""
    for section in SECTIONS:
        assert page.locator(f"#{section}").is_visible(), section
    assert page.locator("#map th.stage").count() == len(m.stages)
    with_sentiment = [p for p in m.emotion_curve if p.mean_sentiment is not None]
    points = page.locator("#emotion-curve circle.curve-point")
    assert points.count() == len(with_sentiment) > 0
    assert page.locator("#pareto rect.pareto-bar").count() == len(m.pain_points) > 0
    heights = [page.locator("#pareto rect.pareto-bar").nth(i).bounding_box()["height"] for i in range(3)]
    assert heights[0] >= heights[1] >= heights[2] > 0  # drawn, most frequent first
    assert page.locator("#pareto circle.pareto-point").count() == len(m.pain_points)
    assert page.locator("#heatmap td[data-count]").count() == len(m.matrix)
    assert page.locator("#pain-points svg.sparkline").count() >= 1
    assert page.locator("#journeys tr.journey").count() >= 1
    # The map scrolls inside its own box when stages are many; the page itself never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1400


def test_real_map_opens_offline_in_a_browser(browser, records, tmp_path):  # noqa: F811
    m = real_map(records, "en")
    url = write_page(m, tmp_path / "report.html")
    with open_offline(browser, url) as (page, log):
        check_page(page, m)
        assert page.locator("#pain-points").inner_text().count(m.pain_points[0].name) >= 1
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    assert not log.problems(), log.problems()


def test_polish_map_in_a_browser(browser, records, tmp_path):  # noqa: F811
    m = real_map(records, "pl")
    url = write_page(m, tmp_path / "raport.html")
    with open_offline(browser, url) as (page, log):
        check_page(page, m)
        assert page.locator("#map th.lane").first.inner_text().strip().lower() == "etapy"
        assert "Punkty bólu i bariery" in page.locator("#pain-points h2").inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report-pl.png"), full_page=True)
    assert not log.problems(), log.problems()


def test_markup_in_a_quote_stays_text(browser, tmp_path):  # noqa: F811
    url = write_page(make_map(), tmp_path / "evil.html")
    with open_offline(browser, url) as (page, log):
        assert EVIL in page.locator("#map tr.lane-quotes").inner_text()
        assert page.locator("script").count() == 0
    assert not log.problems(), log.problems()  # no alert dialog, no error


def test_the_network_guard_catches_a_remote_request(browser, tmp_path):  # noqa: F811
    """The guard itself works: a page that does reach out is caught (so a clean log means something)."""
    page_file = tmp_path / "leaky.html"
    page_file.write_text('<!DOCTYPE html><html><body><img src="https://example.invalid/x.png"></body></html>',
                         encoding="utf-8")
    with open_offline(browser, page_file.resolve().as_uri()) as (_, log):
        pass
    assert any("example.invalid" in url for url in log.blocked)


def test_many_stages_scroll_inside_the_map(browser, tmp_path):  # noqa: F811
    stages = [(f"st_{i}", f"Stage number {i}") for i in range(9)]
    m = make_map(stages=stages)
    with open_offline(browser, write_page(m, tmp_path / "wide.html")) as (page, log):
        assert page.locator("#map th.stage").count() == 9
        box = page.locator("#map .scroll")
        assert box.evaluate("e => e.scrollWidth > e.clientWidth")  # the map scrolls in its box...
        assert page.evaluate("document.documentElement.scrollWidth") <= 1400  # ...not the page
        page.emulate_media(media="print")
        assert not page.locator("nav.contents").is_visible()  # print drops the screen-only contents
    assert not log.problems(), log.problems()
