"""`journey serve`: the support desk page and JSON API, and the reviewed items agents save from it.

Split by concept: `config` (what the server runs with), `auth` and `limits` (the guards every request passes),
`extraction` (the extractor behind a lock, off the event loop), `similar` (past items from the feedback store),
`reviewed` (corrections as JSON Lines, and their export to gold), `api` (the JSON endpoints), `page` and
`page_assets` (the server-rendered page), `app` (wiring) and `server` (binding and running uvicorn).
Only `reviewed` is imported outside the server (by the llm extractor's few-shot examples); it needs no web stack.
"""
