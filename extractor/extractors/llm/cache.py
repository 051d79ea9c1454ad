"""The answer cache: a model's validated answer for one item, on disk, keyed by model, prompt id, language and the
text as sent. A re-run over the same input sends no request; a new prompt version or model starts afresh."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

FILE = "answers.sqlite3"


def cache_key(model: str, prompt_id: str, lang: str | None, text: str) -> str:
    digest = hashlib.sha256()
    for part in (model, prompt_id, lang or "", text):
        digest.update(part.encode("utf-8") + b"\x00")
    return digest.hexdigest()


class AnswerCache:
    """key -> {"answer": item answer dict, "outcome": "answered"|"repaired", "problems": [...]}."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / FILE
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID")

    def get_many(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for at in range(0, len(keys), 500):
            chunk = keys[at:at + 500]
            marks = ",".join("?" * len(chunk))
            for key, value in self._db.execute(f"SELECT key, value FROM answers WHERE key IN ({marks})", chunk):
                found[key] = json.loads(value)
        return found

    def put_many(self, entries: dict[str, dict[str, Any]]) -> None:
        if not entries:
            return
        rows = [(k, json.dumps(v, ensure_ascii=False)) for k, v in entries.items()]
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO answers VALUES (?, ?)", rows)

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM answers").fetchone()[0])

    def close(self) -> None:
        self._db.close()
