"""The support desk page, rendered on the server: the page itself, and the card of one labelled item.

Every text the language switch changes carries all its languages in data attributes (`data-en`, `data-pl`), so
switching is instant, needs no request and keeps the agent's corrections. Label names come from the taxonomy.
Evidence is marked in the ticket text with `<mark>` at the record's offsets (Python string offsets, so the
server does it, not the browser, whose strings count UTF-16 units).
"""

from __future__ import annotations

import json
from html import escape
from typing import Any, Iterable, Mapping

from ..schema import LABEL_FIELDS, SOURCES, TAXONOMY_KINDS
from ..taxonomy import Taxonomy
from ..texts import LANGS as UI_LANGS
from ..texts import TABLES
from .page_assets import SCRIPT, STYLE
from .similar import NO_STORE, SimilarResult

SIMILAR_PREVIEW_CHARS = 260
# The texts the page's script shows itself (sent along as JSON, in every language).
SCRIPT_KEYS = ("label", "labelling", "save", "saving", "saved_changed", "saved_same", "need_reviewer", "failed",
               "save_failed", "offline")


def text(key: str, lang: str) -> str:
    """One of the page's own words (extractor.texts), in English where a language lacks it."""
    return TABLES.get(lang, TABLES["en"]).get(key) or TABLES["en"][key]


def ui_lang(value: str | None) -> str | None:
    """A page language the page has words for, or None."""
    value = (value or "").strip().lower()[:2]
    return value if value in UI_LANGS else None


def _attr(value: Any) -> str:
    return escape(str(value), quote=True)


def _switchable(texts: Mapping[str, str], lang: str, tag: str = "span", cls: str = "", extra: str = "") -> str:
    """An element showing its text in `lang` and carrying every language for the switch."""
    data = "".join(f' data-{code}="{_attr(texts[code])}"' for code in UI_LANGS)
    klass = f' class="{cls}"' if cls else ""
    return f"<{tag}{klass}{data}{extra}>{escape(texts[lang])}</{tag}>"


def ui(key: str, lang: str, tag: str = "span", cls: str = "", extra: str = "", **fill: Any) -> str:
    """One of the page's own texts, switchable."""
    return _switchable({code: text(key, code).format(**fill) for code in UI_LANGS}, lang, tag, cls, extra)


def _names(tax: Taxonomy, kind: str, label_id: str) -> dict[str, str]:
    try:
        return {code: tax.name_of(kind, label_id, code) for code in UI_LANGS}
    except KeyError:  # a stored item labelled with another taxonomy
        return dict.fromkeys(UI_LANGS, label_id)


def name(tax: Taxonomy, kind: str, label_id: str, lang: str, tag: str = "span", cls: str = "") -> str:
    """A label's name from the taxonomy, switchable."""
    return _switchable(_names(tax, kind, label_id), lang, tag, cls)


def _ui_attr(key: str, attribute: str, lang: str) -> str:
    """A translatable attribute (placeholder, aria-label): its value in `lang`, and data-LANG-ATTRIBUTE for the
    switch."""
    return "".join(f' data-{code}-{attribute}="{_attr(text(key, code))}"' for code in UI_LANGS) + \
        f' {attribute}="{_attr(text(key, lang))}"'


def _script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element."""
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


# -- the page ---------------------------------------------------------------------------------------------------


def render_page(*, lang: str, nonce: str, tax: Taxonomy, extractor: str, store: str | None,
                store_problem: str | None) -> str:
    """The whole page: header (reviewer, language switch), the paste box, an empty result, and a status line."""
    script_texts = {code: {key: text(key, code) for key in SCRIPT_KEYS} for code in UI_LANGS}
    sources, langs, switch = _source_options(lang), _language_options(lang), _language_switch(lang)
    status = f"{escape(extractor)} · {escape(tax.ref)} · {_store_line(store, store_problem, lang)}"
    return f"""<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{ui("title", lang, "title")}
<link rel="icon" href="data:,">
<style nonce="{nonce}">{STYLE}</style>
</head>
<body>
<header class="top">
  <div class="brand"><span class="logo" aria-hidden="true"></span>journey \
{ui("brand_tail", lang, cls="brand-tail")}</div>
  <div class="tools">
    <label class="reviewer">{ui("reviewer", lang)}
      <input id="reviewer" name="reviewer" autocomplete="name" maxlength="100"\
{_ui_attr("reviewer_placeholder", "placeholder", lang)}>
    </label>
    <div class="lang-switch" role="group"{_ui_attr("switch", "aria-label", lang)}>{switch}</div>
  </div>
</header>
<main class="layout">
  <form id="label-form" class="compose" autocomplete="off">
    <label for="ticket" class="compose-label">{ui("ticket", lang)}</label>
    <textarea id="ticket" name="text" rows="6" spellcheck="false" autofocus required\
{_ui_attr("placeholder", "placeholder", lang)}></textarea>
    <div class="compose-row">
      <label class="inline">{ui("source", lang)} <select id="source" name="source">{sources}</select></label>
      <label class="inline">{ui("language", lang)} <select id="lang" name="lang">{langs}</select></label>
      <span class="grow"></span>
      <span class="hint"><kbd>Ctrl</kbd>+<kbd>Enter</kbd></span>
      <button type="submit" id="label-btn" class="primary">{ui("label", lang)}</button>
    </div>
  </form>
  <div id="result" aria-live="polite">
    {ui("empty", lang, "p", cls="empty")}
  </div>
</main>
<footer class="foot">{status} · <a href="/docs">{ui("api", lang)}</a></footer>
<script type="application/json" id="ui-texts">{_script_json(script_texts)}</script>
<script nonce="{nonce}">{SCRIPT}</script>
</body>
</html>
"""


def _source_options(lang: str) -> str:
    """The source picker's options, ticket chosen."""
    return "".join(
        _switchable({code: text(f"src_{s}", code) for code in UI_LANGS}, lang, "option",
                    extra=f' value="{s}"' + (" selected" if s == "ticket" else ""))
        for s in SOURCES)


def _language_options(lang: str) -> str:
    """The ticket's language picker: detect, then each language."""
    return ui("detect", lang, "option", extra=' value=""') + "".join(
        ui(f"lang_{code}", lang, "option", extra=f' value="{code}"') for code in UI_LANGS)


def _language_switch(lang: str) -> str:
    """The page language buttons, the current one pressed."""
    return "".join(f'<button type="button" class="lang-btn" data-ui="{code}" aria-pressed='
                   f'"{"true" if code == lang else "false"}">{code.upper()}</button>' for code in UI_LANGS)


def _store_line(store: str | None, store_problem: str | None, lang: str) -> str:
    """Where the feedback store is, or why there is none."""
    if store is not None:
        return f"store {escape(store)}"
    if store_problem and store_problem.startswith(NO_STORE):
        return ui("no_store_short", lang)
    return ui("store_problem", lang, problem=store_problem or "")


# -- the card ---------------------------------------------------------------------------------------------------


def evidence_marks(text_: str, events: Iterable[Mapping[str, Any]]) -> list[tuple[int, int, list[int]]]:
    """Non-overlapping (start, end, event numbers) spans to mark: overlapping quotes are merged."""
    spans = sorted((e["evidence"]["start"], e["evidence"]["end"], n) for n, e in enumerate(events)
                   if 0 <= e["evidence"]["start"] < e["evidence"]["end"] <= len(text_))
    merged: list[tuple[int, int, list[int]]] = []
    for start, end, n in spans:
        if merged and start < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2] + [n])
        else:
            merged.append((start, end, [n]))
    return merged


def _event_names(tax: Taxonomy, event: Mapping[str, Any]) -> list[tuple[str, dict[str, str]]]:
    parts = [("stages", event["stage"]), ("touchpoints", event.get("touchpoint")),
             ("pain_points", event.get("pain_point")), ("emotions", event.get("emotion"))]
    return [(kind, _names(tax, kind, label_id)) for kind, label_id in parts if label_id]


def _marked_text(text_: str, record: Mapping[str, Any], tax: Taxonomy, lang: str) -> str:
    events = record.get("events") or []
    out, at = [], 0
    for start, end, numbers in evidence_marks(text_, events):
        titles = {code: " | ".join(" · ".join(names[code] for _, names in _event_names(tax, events[n]))
                                   for n in numbers) for code in UI_LANGS}
        data = "".join(f' data-{code}-title="{_attr(titles[code])}"' for code in UI_LANGS)
        out.append(escape(text_[at:start]))
        out.append(f'<mark{data} title="{_attr(titles[lang])}">{escape(text_[start:end])}</mark>')
        at = end
    out.append(escape(text_[at:]))
    return "".join(out)


def _chip(tax: Taxonomy, field: str, label_id: str, lang: str, checked: bool) -> str:
    return (f'<label class="chip"><input type="checkbox" name="{field}" value="{_attr(label_id)}"'
            f'{" checked" if checked else ""}>{name(tax, TAXONOMY_KINDS[field], label_id, lang)}</label>')


def _chips_field(tax: Taxonomy, field: str, chosen: list[str], all_ids: list[str], lang: str) -> str:
    shown = "".join(_chip(tax, field, label_id, lang, True) for label_id in chosen)
    rest = "".join(_chip(tax, field, label_id, lang, False) for label_id in all_ids if label_id not in chosen)
    empty = "" if chosen else ui("none", lang, cls="none")
    more = f'<details class="more"><summary>{ui("add", lang)}</summary><div class="chips">{rest}</div></details>' \
        if rest else ""
    return (f'<div class="field" data-field="{field}"><h3>{ui(field, lang)}</h3>'
            f'<div class="chips">{shown}{empty}</div>{more}</div>')


def _stage_strip(tax: Taxonomy, stage: str, lang: str) -> str:
    steps = []
    for n, label in enumerate(tax.stages, 1):
        current = label.id == stage
        steps.append(f'<label class="step{" original" if current else ""}"><input type="radio" name="stage" '
                     f'value="{_attr(label.id)}"{" checked" if current else ""}><span class="step-n">{n}</span>'
                     f'{name(tax, "stages", label.id, lang, cls="step-name")}</label>')
    return (f'<fieldset class="strip field" data-field="stage"><legend>{ui("stage", lang)}</legend>'
            f'<div class="steps">{"".join(steps)}</div></fieldset>')


def _sentiment_field(sentiment: float, lang: str) -> str:
    chosen = -1 if sentiment < -0.25 else 1 if sentiment > 0.25 else 0
    options = "".join(
        f'<label class="seg-opt {key}"><input type="radio" name="sentiment" value="{value}"'
        f'{" checked" if value == chosen else ""}>{ui(key, lang)}</label>'
        for value, key in ((-1, "sent_neg"), (0, "sent_zero"), (1, "sent_pos")))
    tone = "neg" if chosen < 0 else "pos" if chosen > 0 else "zero"
    return (f'<div class="field" data-field="sentiment"><h3>{ui("sentiment", lang)} '
            f'<span class="score {tone}">{sentiment:+.2f}</span></h3><div class="seg">{options}</div></div>')


def _emotion_field(tax: Taxonomy, emotion: str, lang: str) -> str:
    options = "".join(name(tax, "emotions", e.id, lang, "option").replace(
        "<option", f'<option value="{_attr(e.id)}"' + (" selected" if e.id == emotion else ""), 1)
        for e in tax.emotions)
    return (f'<div class="field" data-field="emotion"><h3><label for="f-emotion">{ui("emotion", lang)}</label></h3>'
            f'<select id="f-emotion" name="emotion">{options}</select></div>')


def _moment_field(moment: bool, lang: str) -> str:
    return (f'<div class="field" data-field="moment_of_truth"><h3>{ui("moment_of_truth", lang)}</h3>'
            f'<label class="toggle"><input type="checkbox" name="moment_of_truth"{" checked" if moment else ""}>'
            f'<span class="knob" aria-hidden="true"></span>{ui("mot_hint", lang, cls="toggle-text")}</label></div>')


def _evidence_list(tax: Taxonomy, record: Mapping[str, Any], lang: str) -> str:
    events = record.get("events") or []
    quote_lang = f' lang="{_attr(record["lang"])}"' if record.get("lang") else ""
    if not events:
        return (f'<section class="evidence"><h3>{ui("evidence", lang)}</h3>'
                f'{ui("no_evidence", lang, "p", cls="muted")}</section>')
    rows = []
    for event in events:
        tags = '<span class="sep">·</span>'.join(_switchable(names, lang) for _, names in _event_names(tax, event))
        rows.append(f'<li><q{quote_lang}>{escape(event["evidence"]["quote"])}</q><span class="tags">{tags}</span></li>')
    return f'<section class="evidence"><h3>{ui("evidence", lang)}</h3><ol>{"".join(rows)}</ol></section>'


def _similar_aside(tax: Taxonomy, similar: SimilarResult, lang: str) -> str:
    head = f'<h2>{ui("similar", lang)}</h2>'
    if similar.store is None:
        problem = similar.problem or ""
        body = ui("no_store", lang, "p", cls="muted", where=problem.removeprefix(NO_STORE)) \
            if problem.startswith(NO_STORE) else ui("store_problem", lang, "p", cls="muted", problem=problem)
        return f'<aside class="similar" data-store="none">{head}{body}</aside>'
    if similar.problem:
        problem = ui("store_problem", lang, "p", cls="muted", problem=similar.problem)
        return f'<aside class="similar">{head}{problem}</aside>'
    if not similar.items:
        return f'<aside class="similar">{head}{ui("no_similar", lang, "p", cls="muted")}</aside>'
    rows = []
    for item in similar.items:
        preview = item.text if len(item.text) <= SIMILAR_PREVIEW_CHARS else item.text[:SIMILAR_PREVIEW_CHARS] + "…"
        labels = []
        if item.stage:
            labels.append(name(tax, "stages", item.stage, lang, cls="tag stage-tag"))
        labels += [name(tax, "pain_points", p, lang, cls="tag") for p in item.pain_points]
        facts = " · ".join(escape(x) for x in (item.lang, item.source, (item.created_at or "")[:10]) if x)
        rows.append(f'<li><p class="sim-text">{escape(preview)}</p><p class="sim-meta"><span class="score-pill">'
                    f'{round(item.score * 100)}%</span>{"".join(labels)}<span class="facts">{facts}</span></p></li>')
    return f'<aside class="similar">{head}<ol>{"".join(rows)}</ol></aside>'


def render_card(record: Mapping[str, Any], text_: str, tax: Taxonomy, lang: str, similar: SimilarResult) -> str:
    """The labelled item as an editable card, and the similar past items beside it."""
    card_data = {"text": text_, "id": record["item_id"], "lang": record.get("lang"), "source": record["source"],
                 "extractor": record["extractor"], "taxonomy_id": record["taxonomy_id"],
                 "original": {key: record[key] for key in LABEL_FIELDS}}
    meta = [escape(record["extractor"]), escape(record.get("lang") or "?"),
            f'{ui("confidence", lang)} {record["confidence"]:.2f}']
    if record.get("llm"):
        meta.append(escape(f'llm {record["llm"]["outcome"]}'))
    goal = (f'<p class="goal">{ui("goal", lang, cls="goal-head")}: {escape(record["customer_goal"])}</p>'
            if record.get("customer_goal") else "")
    ticket_lang = f' lang="{_attr(record["lang"])}"' if record.get("lang") else ""
    return f"""<div class="result-grid">
<form class="card" id="review-form" novalidate>
<script type="application/json" class="card-data">{_script_json(card_data)}</script>
{_stage_strip(tax, record["stage"], lang)}
<div class="ticket"{ticket_lang}>{_marked_text(text_, record, tax, lang)}</div>
{goal}
<div class="fields">
{_chips_field(tax, "touchpoints", list(record["touchpoints"]), tax.touchpoint_ids(), lang)}
{_chips_field(tax, "pain_points", list(record["pain_points"]), tax.pain_point_ids(), lang)}
{_emotion_field(tax, record["emotion"], lang)}
{_sentiment_field(float(record["sentiment"]), lang)}
{_moment_field(bool(record["moment_of_truth"]), lang)}
</div>
{_evidence_list(tax, record, lang)}
<div class="card-foot">
  <button type="submit" class="primary" id="save-btn">{ui("save", lang)}</button>
  <span class="save-status" id="save-status" role="status">{ui("changed_hint", lang, cls="muted")}</span>
  <span class="grow"></span>
  <span class="meta">{" · ".join(meta)}</span>
</div>
</form>
{_similar_aside(tax, similar, lang)}
</div>"""
