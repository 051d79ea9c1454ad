"""The page's style and script, inlined into it (no build step, no CDN: the page works offline)."""

import json

from ..schema import LABEL_FIELDS

STYLE = """
:root{--bg:#f5f4f0;--surface:#fff;--line:#e4e1d9;--ink:#1f2428;--muted:#66707a;--accent:#2c6a6f;--accent-soft:#e3efee;
--accent-line:#b9d6d3;--mark:#fbeaa5;--mark-line:#d2aa12;--neg:#a3443b;--neg-soft:#f7e7e4;--pos:#2d7550;
--pos-soft:#e3f1e8;
--quiet:#ecebe5;--radius:10px;--focus:0 0 0 3px rgba(44,106,111,.32);color-scheme:light}
*{box-sizing:border-box}
html{font-size:15px}
body{margin:0;background:var(--bg);color:var(--ink);
font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Ubuntu,Cantarell,sans-serif;
-webkit-font-smoothing:antialiased}
input,select,textarea,button{font:inherit;color:inherit}
:focus-visible{outline:none;box-shadow:var(--focus)}
.top{display:flex;align-items:center;justify-content:space-between;gap:1rem;padding:.75rem 1.5rem;
background:var(--surface);
border-bottom:1px solid var(--line)}
.brand{display:flex;align-items:center;gap:.45rem;font-weight:650;letter-spacing:.01em}
.brand-tail{font-weight:400;color:var(--muted)}
.logo{width:14px;height:14px;border-radius:4px;background:linear-gradient(135deg,var(--accent),#8dbdb6)}
.tools{display:flex;align-items:center;gap:1rem}
.reviewer{display:flex;align-items:center;gap:.5rem;color:var(--muted);font-size:.88rem}
#reviewer{width:11rem;padding:.32rem .6rem;border:1px solid var(--line);border-radius:8px;background:var(--bg)}
.lang-switch{display:inline-flex;border:1px solid var(--line);border-radius:8px;overflow:hidden}
.lang-btn{border:0;background:transparent;padding:.32rem .7rem;cursor:pointer;color:var(--muted);font-size:.8rem;
font-weight:650}
.lang-btn[aria-pressed=true]{background:var(--accent-soft);color:var(--accent)}
.layout{max-width:1180px;margin:0 auto;padding:1.4rem 1.5rem}
.compose{background:var(--surface);border:1px solid var(--line);border-radius:var(--radius);padding:1rem 1.1rem}
.compose-label{display:block;font-weight:600;margin-bottom:.4rem}
textarea{display:block;width:100%;min-height:7.5rem;resize:vertical;padding:.7rem .8rem;border:1px solid var(--line);
border-radius:8px;background:#fcfcfa;line-height:1.55}
.compose-row{display:flex;align-items:center;gap:1rem;margin-top:.7rem;flex-wrap:wrap}
.inline{display:flex;align-items:center;gap:.4rem;color:var(--muted);font-size:.88rem}
select{padding:.28rem .5rem;border:1px solid var(--line);border-radius:7px;background:var(--surface)}
.grow{flex:1}
.hint{color:var(--muted);font-size:.8rem}
kbd{font:.74rem ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;border:1px solid var(--line);
border-bottom-width:2px;
border-radius:4px;padding:.05rem .3rem;background:var(--bg)}
.primary{background:var(--accent);color:#fff;border:0;border-radius:8px;padding:.48rem 1.15rem;font-weight:600;
cursor:pointer}
.primary:hover{filter:brightness(1.08)}
.primary:disabled{opacity:.6;cursor:progress}
#result{margin-top:1.2rem;transition:opacity .15s}
#result.busy{opacity:.55}
.empty{color:var(--muted);max-width:44rem;margin:2.5rem auto;text-align:center}
.error{color:var(--neg);background:var(--neg-soft);padding:.7rem 1rem;border-radius:8px;margin:0}
.result-grid{display:grid;grid-template-columns:minmax(0,2fr) minmax(0,1fr);gap:1.2rem;align-items:start}
@media (max-width:900px){.result-grid{grid-template-columns:1fr}}
.card,.similar{background:var(--surface);border:1px solid var(--line);border-radius:var(--radius);
padding:1.1rem 1.2rem}
.strip legend,.field h3,.evidence h3,.similar h2{font-size:.72rem;text-transform:uppercase;letter-spacing:.07em;
color:var(--muted);font-weight:650;margin:0 0 .45rem;padding:0}
.strip{border:0;margin:0 0 1rem;padding:0;min-width:0}
.steps{display:grid;grid-auto-flow:column;grid-auto-columns:1fr;gap:3px}
.step{position:relative;display:flex;align-items:center;gap:.4rem;min-height:2.5rem;
padding:.45rem .6rem .45rem 1.15rem;
background:var(--quiet);color:var(--muted);font-size:.86rem;cursor:pointer;user-select:none;
clip-path:polygon(0 0,calc(100% - 10px) 0,100% 50%,calc(100% - 10px) 100%,0 100%,10px 50%)}
.step:first-child{padding-left:.75rem;border-radius:8px 0 0 8px;
clip-path:polygon(0 0,calc(100% - 10px) 0,100% 50%,calc(100% - 10px) 100%,0 100%)}
.step:last-child{border-radius:0 8px 8px 0;clip-path:polygon(0 0,100% 0,100% 100%,0 100%,10px 50%)}
.step:hover{background:#e3e1d9;color:var(--ink)}
.step input,.chip input,.seg-opt input,.toggle input{position:absolute;opacity:0;width:1px;height:1px;margin:0}
.step:has(input:checked){background:var(--accent);color:#fff}
.step:has(input:focus-visible){box-shadow:inset 0 0 0 2px var(--ink)}
.step-n{font-size:.7rem;opacity:.65;font-variant-numeric:tabular-nums}
.step.original:not(:has(input:checked))::after{content:"";width:6px;height:6px;border-radius:50%;
background:var(--accent);margin-left:auto}
.ticket{white-space:pre-wrap;overflow-wrap:anywhere;font-size:1.02rem;line-height:1.7;padding:.85rem 1rem;
background:#fbfaf6;
border:1px solid var(--line);border-radius:8px;margin:0 0 .8rem}
mark{background:var(--mark);color:inherit;border-bottom:2px solid var(--mark-line);padding:.05em .1em;
border-radius:2px}
.goal{color:var(--muted);font-size:.9rem;margin:.1rem 0 .8rem}
.goal-head{font-weight:600}
.fields{display:grid;grid-template-columns:1fr 1fr;gap:1.1rem 1.6rem;margin:.9rem 0 1rem}
@media (max-width:640px){.fields{grid-template-columns:1fr}}
.field{min-width:0;border-radius:8px;transition:background .2s,box-shadow .2s}
.field.changed{background:var(--accent-soft);box-shadow:0 0 0 7px var(--accent-soft)}
.strip.changed{background:none;box-shadow:none}
.field.changed h3::after,.strip.changed legend::after{content:"";display:inline-block;width:6px;height:6px;
border-radius:50%;
background:var(--accent);margin-left:.4rem;vertical-align:middle}
.chips{display:flex;flex-wrap:wrap;gap:.35rem}
.chip{position:relative;display:inline-flex;align-items:center;padding:.2rem .65rem;border:1px solid var(--line);
border-radius:999px;
font-size:.85rem;cursor:pointer;background:var(--surface);color:var(--muted);user-select:none}
.chip:hover{border-color:var(--accent-line);color:var(--ink)}
.chip:has(input:checked){background:var(--accent-soft);border-color:var(--accent-line);color:var(--accent);
font-weight:560}
.chip:has(input:checked)::after{content:"\\00d7";margin-left:.4rem;opacity:.5}
.chip:has(input:focus-visible){box-shadow:var(--focus)}
.none{color:var(--muted);font-size:.85rem;font-style:italic;padding:.2rem 0}
.more{margin-top:.4rem}
.more summary{display:inline-block;cursor:pointer;color:var(--accent);font-size:.82rem;list-style:none;
border-radius:6px}
.more summary::-webkit-details-marker{display:none}
.more[open] summary{margin-bottom:.4rem}
.field select{min-width:12rem}
.seg{display:inline-flex;border:1px solid var(--line);border-radius:8px;overflow:hidden}
.seg-opt{position:relative;white-space:nowrap;padding:.28rem .8rem;font-size:.85rem;cursor:pointer;color:var(--muted);
border-right:1px solid var(--line);user-select:none}
.seg-opt:last-child{border-right:0}
.seg-opt:has(input:focus-visible){box-shadow:inset var(--focus)}
.sent_neg:has(input:checked){background:var(--neg-soft);color:var(--neg);font-weight:600}
.sent_zero:has(input:checked){background:var(--quiet);color:var(--ink);font-weight:600}
.sent_pos:has(input:checked){background:var(--pos-soft);color:var(--pos);font-weight:600}
.score{margin-left:.35rem;font-weight:650;letter-spacing:0;font-variant-numeric:tabular-nums}
.score.neg{color:var(--neg)}.score.pos{color:var(--pos)}
.toggle{position:relative;display:inline-flex;align-items:center;gap:.55rem;cursor:pointer;font-size:.86rem;
color:var(--muted)}
.knob{position:relative;flex:none;width:2.1rem;height:1.2rem;border-radius:999px;background:#d8d5cd;
transition:background .15s}
.knob::after{content:"";position:absolute;top:2px;left:2px;width:calc(1.2rem - 4px);height:calc(1.2rem - 4px);
border-radius:50%;
background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.2);transition:transform .15s}
.toggle:has(input:checked) .knob{background:var(--accent)}
.toggle:has(input:checked) .knob::after{transform:translateX(.9rem)}
.toggle:has(input:focus-visible) .knob{box-shadow:var(--focus)}
.evidence{border-top:1px solid var(--line);padding-top:.9rem}
.evidence ol{margin:0;padding-left:1.3rem}
.evidence li{margin:.3rem 0;padding-left:.2rem}
.evidence q{font-style:italic}
q:lang(pl){quotes:"„" "”"}
.tags{color:var(--muted);font-size:.82rem;margin-left:.55rem}
.sep{margin:0 .3rem;opacity:.6}
.card-foot{display:flex;align-items:center;gap:.9rem;flex-wrap:wrap;border-top:1px solid var(--line);
padding-top:.9rem;margin-top:1rem}
.save-status{font-size:.88rem;color:var(--muted)}
.save-status.ok{color:var(--pos)}.save-status.bad{color:var(--neg)}
.meta{color:var(--muted);font-size:.78rem}
.muted{color:var(--muted)}
.similar h2{margin-bottom:.75rem}
.similar p.muted{font-size:.9rem;margin:0}
.similar ol{list-style:none;margin:0;padding:0}
.similar li{padding:.7rem 0;border-top:1px solid var(--line)}
.similar li:first-child{border-top:0;padding-top:0}
.sim-text{margin:0 0 .35rem;font-size:.88rem;display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical;
overflow:hidden}
.sim-meta{margin:0;display:flex;flex-wrap:wrap;gap:.3rem;align-items:center;font-size:.76rem;color:var(--muted)}
.score-pill{font-weight:650;color:var(--accent);font-variant-numeric:tabular-nums;margin-right:.15rem}
.tag{background:var(--quiet);border-radius:999px;padding:.05rem .5rem}
.stage-tag{background:var(--accent-soft);color:var(--accent)}
.facts{margin-left:.2rem}
.foot{max-width:1180px;margin:0 auto;padding:.2rem 1.5rem 2rem;color:var(--muted);font-size:.78rem}
.foot a{color:var(--accent)}
"""

SCRIPT = """
(function () {
  "use strict";
  var texts = JSON.parse(document.getElementById("ui-texts").textContent);
  var ticket = document.getElementById("ticket");
  var result = document.getElementById("result");
  var reviewer = document.getElementById("reviewer");
  var labelButton = document.getElementById("label-btn");
  var FIELDS = __LABEL_FIELDS__;

  function stored(key) { try { return localStorage.getItem(key); } catch (e) { return null; } }
  function keep(key, value) { try { localStorage.setItem(key, value); } catch (e) { /* storage off: not kept */ } }
  function pageLang() { var code = document.documentElement.lang; return texts[code] ? code : "en"; }
  function say(key, fill) {
    var message = (texts[pageLang()] || texts.en)[key] || texts.en[key];
    Object.keys(fill || {}).forEach(function (name) { message = message.replace("{" + name + "}", fill[name]); });
    return message;
  }

  // The page language the agent picked; until then a card speaks its ticket's language.
  var chosen = stored("journey.ui");

  function applyLang(code) {
    document.documentElement.lang = code;
    document.querySelectorAll("[data-en]").forEach(function (el) {
      var words = el.getAttribute("data-" + code);
      if (words !== null) { el.textContent = words; }
    });
    ["placeholder", "title", "aria-label"].forEach(function (attr) {
      document.querySelectorAll("[data-en-" + attr + "]").forEach(function (el) {
        var words = el.getAttribute("data-" + code + "-" + attr);
        if (words !== null) { el.setAttribute(attr, words); }
      });
    });
    document.querySelectorAll(".lang-btn").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-ui") === code));
    });
  }

  document.querySelectorAll(".lang-btn").forEach(function (button) {
    button.addEventListener("click", function () {
      chosen = button.getAttribute("data-ui");
      keep("journey.ui", chosen);
      document.cookie = "journey_ui=" + chosen + "; path=/; max-age=31536000; SameSite=Strict";
      applyLang(chosen);
    });
  });
  if (chosen && chosen !== document.documentElement.lang) { applyLang(chosen); }

  reviewer.value = stored("journey.reviewer") || "";
  reviewer.addEventListener("input", function () { keep("journey.reviewer", reviewer.value.trim()); });

  function detailOf(body) {
    try { var detail = JSON.parse(body).detail; return typeof detail === "string" ? detail : JSON.stringify(detail); }
    catch (e) { return body.slice(0, 200); }
  }

  function showError(message) {
    var p = document.createElement("p");
    p.className = "error";
    p.setAttribute("role", "alert");
    p.textContent = message;
    result.replaceChildren(p);
  }

  var inFlight = null;
  async function label() {
    var text = ticket.value;
    if (!text.trim()) { ticket.focus(); return; }
    if (inFlight) { inFlight.abort(); }
    var request = inFlight = new AbortController();
    labelButton.disabled = true;
    result.classList.add("busy");
    try {
      var response = await fetch("/ui/card", {
        method: "POST", credentials: "same-origin", signal: request.signal,
        headers: {"content-type": "application/json"},
        body: JSON.stringify({text: text, source: document.getElementById("source").value,
                              lang: document.getElementById("lang").value || null, ui: chosen})
      });
      var body = await response.text();
      if (!response.ok) { showError(say("failed", {detail: detailOf(body)})); return; }
      result.innerHTML = body;
      refresh();
    } catch (e) {
      if (e.name !== "AbortError") { showError(say("offline")); }
    } finally {
      if (inFlight === request) {
        inFlight = null;
        labelButton.disabled = false;
        result.classList.remove("busy");
      }
    }
  }

  document.getElementById("label-form").addEventListener("submit", function (event) {
    event.preventDefault();
    label();
  });
  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") { event.preventDefault(); label(); }
  });

  function cardData(form) { return JSON.parse(form.querySelector(".card-data").textContent); }
  function ticked(form, name) {
    var boxes = form.querySelectorAll("input[name=" + name + "]:checked");
    return Array.prototype.map.call(boxes, function (box) { return box.value; });
  }
  function corrected(form) {
    return {
      stage: form.querySelector("input[name=stage]:checked").value,
      touchpoints: ticked(form, "touchpoints"),
      emotion: form.elements.emotion.value,
      sentiment: Number(form.querySelector("input[name=sentiment]:checked").value),
      pain_points: ticked(form, "pain_points"),
      moment_of_truth: form.elements.moment_of_truth.checked
    };
  }
  function polarity(value) { return value < -0.25 ? -1 : value > 0.25 ? 1 : 0; }
  function changedFields(original, now) {
    return FIELDS.filter(function (name) {
      var before = name === "sentiment" ? polarity(original[name]) : original[name];
      var after = now[name];
      if (Array.isArray(before)) {
        return before.length !== after.length || before.some(function (id) { return after.indexOf(id) < 0; });
      }
      return before !== after;
    });
  }
  function refresh() {
    var form = document.getElementById("review-form");
    if (!form) { return; }
    var changed = changedFields(cardData(form).original, corrected(form));
    form.querySelectorAll("[data-field]").forEach(function (el) {
      el.classList.toggle("changed", changed.indexOf(el.getAttribute("data-field")) >= 0);
    });
  }
  function setStatus(message, tone) {
    var el = document.getElementById("save-status");
    if (!el) { return; }
    el.textContent = message;
    el.className = "save-status" + (tone ? " " + tone : "");
  }

  result.addEventListener("change", function (event) {
    if (event.target.closest("#review-form")) { refresh(); setStatus("", ""); }
  });
  result.addEventListener("submit", function (event) {
    if (event.target.id === "review-form") { event.preventDefault(); save(event.target); }
  });

  async function save(form) {
    var name = reviewer.value.trim();
    if (!name) { setStatus(say("need_reviewer"), "bad"); reviewer.focus(); return; }
    var data = cardData(form);
    var button = document.getElementById("save-btn");
    button.disabled = true;
    try {
      var response = await fetch("/api/reviewed", {
        method: "POST", credentials: "same-origin", headers: {"content-type": "application/json"},
        body: JSON.stringify({text: data.text, id: data.id, lang: data.lang, source: data.source, reviewer: name,
                              original: data.original, corrected: corrected(form), extractor: data.extractor,
                              taxonomy_id: data.taxonomy_id})
      });
      var body = await response.text();
      if (!response.ok) { setStatus(say("save_failed", {detail: detailOf(body)}), "bad"); return; }
      var saved = JSON.parse(body);
      setStatus(saved.changed.length ? say("saved_changed", {n: saved.changed.length}) : say("saved_same"), "ok");
    } catch (e) {
      setStatus(say("offline"), "bad");
    } finally {
      button.disabled = false;
    }
  }
})();
""".replace("__LABEL_FIELDS__", json.dumps(list(LABEL_FIELDS)))
