"""The support desk page in a real headless Chromium against a real `journey serve` process: paste a Polish and
an English ticket, label with Ctrl+Enter, see the evidence marked, correct labels, save, export the gold file."""

from __future__ import annotations

import json
from pathlib import Path

from extractor.taxonomy import default_taxonomy
from tests.browser import browser, open_offline  # noqa: F401

from .conftest import ROOT, run_journey
from .test_serve import EN, PL, journey_server

ARTIFACTS = ROOT / "tests" / "artifacts"
TAX = default_taxonomy()


def label_with_keyboard(page, text: str) -> dict:
    """Paste `text`, press Ctrl+Enter, wait for the card; the card's record data."""
    page.fill("#ticket", text)
    page.focus("#ticket")
    page.keyboard.press("Control+Enter")
    page.wait_for_function("(t) => { const d = document.querySelector('#review-form .card-data');"
                           " return d && JSON.parse(d.textContent).text === t; }", arg=text)
    return json.loads(page.text_content("#review-form .card-data"))


def marked_quotes_are_evidence(page, text: str, expected: dict) -> None:
    marks = page.eval_on_selector_all(".ticket mark", "els => els.map(e => e.textContent)")
    quotes = {e["evidence"]["quote"] for e in expected["events"]}
    assert marks and all(mark in text for mark in marks)
    assert any(quote in marks for quote in quotes), (marks, quotes)
    assert all(any(quote in mark for mark in marks) for quote in quotes)  # every quote is marked


def save_and_wait(page) -> str:
    page.click("#save-btn")
    page.wait_for_function("() => document.querySelector('#save-status').classList.contains('ok')"
                           " || document.querySelector('#save-status').classList.contains('bad')")
    return page.text_content("#save-status")


def test_label_correct_save_and_export_in_a_browser(browser, tmp_path):  # noqa: F811 - the fixture
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    reviewed, store = tmp_path / "reviewed.jsonl", tmp_path / "store"
    built = run_journey("extract", str(ROOT / "corpora" / "tickets.jsonl"), "--out", str(tmp_path / "r.jsonl"),
                        "--store", str(store), "--quiet")  # past tickets, labelled, for the similar items
    assert built.returncode == 0, built.stderr
    with journey_server("--reviewed", str(reviewed), "--store", str(store), cwd=tmp_path) as server:
        with server.client() as api:
            expected_pl = api.post("/api/label", json={"text": PL}).json()
            expected_en = api.post("/api/label", json={"text": EN}).json()
        with open_offline(browser, server.url, allow=(server.url,)) as (page, log):
            page.fill("#reviewer", "Anna Test")

            # A Polish ticket: the card speaks Polish, its evidence is marked in the text.
            card = label_with_keyboard(page, PL)
            assert card["original"]["stage"] == expected_pl["stage"]
            marked_quotes_are_evidence(page, PL, expected_pl)
            checked_stage = page.text_content(".step:has(input:checked) .step-name")
            assert checked_stage == TAX.name_of("stages", expected_pl["stage"], "pl")
            assert page.text_content("#save-btn") == "Zapisz ocenę"
            assert page.locator(".similar li").count() == 5  # similar past tickets from the store
            new_stage = next(s for s in TAX.stage_ids() if s != expected_pl["stage"])
            page.click(f".step:has(input[value={new_stage}])")  # one click moves the item on the strip
            assert page.get_attribute(".strip", "class").split().count("changed") == 1
            assert save_and_wait(page) == "Saved: 1 label(s) corrected."
            page.screenshot(path=str(ARTIFACTS / "serve-pl.png"), full_page=True)

            # The switch changes every text at once, and keeps the card and its corrections.
            page.click(".lang-btn[data-ui=pl]")
            assert page.text_content("#label-btn") == "Oznacz" and page.get_attribute("html", "lang") == "pl"
            page.click(".lang-btn[data-ui=en]")
            assert page.text_content("#label-btn") == "Label"
            assert page.text_content(".step:has(input:checked) .step-name") == TAX.name_of("stages", new_stage, "en")

            # An English ticket: English labels; correct the emotion and a pain point.
            label_with_keyboard(page, EN)
            marked_quotes_are_evidence(page, EN, expected_en)
            assert page.text_content(".step:has(input:checked) .step-name") == \
                TAX.name_of("stages", expected_en["stage"], "en")
            new_emotion = next(e for e in TAX.emotion_ids() if e != expected_en["emotion"])
            page.select_option("#f-emotion", new_emotion)
            pain = TAX.pain_point_ids()[-1]
            page.click("[data-field=pain_points] summary")
            page.click(f"[data-field=pain_points] .chip:has(input[value={pain}])")
            assert sorted(page.eval_on_selector_all(".field.changed", "els => els.map(e => e.dataset.field)")) == \
                ["emotion", "pain_points"]
            assert save_and_wait(page) == "Saved: 2 label(s) corrected."
            page.screenshot(path=str(ARTIFACTS / "serve-en.png"), full_page=True)

            page.reload()
            assert page.input_value("#reviewer") == "Anna Test"  # remembered
            assert log.problems() == []
    assert "Traceback" not in server.stderr

    gold = tmp_path / "gold.jsonl"
    exported = run_journey("reviewed", "export", "--gold", str(gold), "--reviewed", str(reviewed))
    assert exported.returncode == 0, exported.stderr
    rows = {r["text"]: r for r in map(json.loads, gold.read_text(encoding="utf-8").splitlines())}
    assert rows[PL]["stage"] == new_stage and rows[PL]["lang"] == "pl"
    assert rows[EN]["emotion"] == new_emotion and pain in rows[EN]["pain_points"]
    saved = [json.loads(line) for line in reviewed.read_text(encoding="utf-8").splitlines()]
    assert {r["reviewer"] for r in saved} == {"Anna Test"}
    assert Path(ARTIFACTS / "serve-pl.png").stat().st_size > 10_000


def test_the_api_docs_render_offline_in_a_browser(browser, tmp_path):  # noqa: F811 - the fixture
    with journey_server(cwd=tmp_path) as server:
        with open_offline(browser, server.url + "docs", allow=(server.url,)) as (page, log):
            page.wait_for_selector(".opblock-summary-path", timeout=15_000)  # Swagger UI built the operations
            paths = set(page.eval_on_selector_all(".opblock-summary-path", "els => els.map(e => e.textContent)"))
            assert {"/api/label", "/api/label/batch", "/api/taxonomy", "/healthz"} <= {p.strip() for p in paths}
            assert log.problems() == []
