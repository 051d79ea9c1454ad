"""Prompt-injection isolation. Items are always sent as JSON data after the instructions, but a model may still obey
text inside an item. An item that reads like instructions to the model is therefore sent in a request of its own:
whatever it makes the model do, it cannot change the labels of the other items (they are not in that request)."""

from __future__ import annotations

import re

_PATTERNS = [
    # English
    r"\bignore\b.{0,40}\b(instructions?|rules?|prompts?|above|previous|prior)\b",
    r"\bdisregard\b.{0,40}\b(instructions?|rules?|prompts?|above|previous)\b",
    r"\b(forget|override)\b.{0,30}\b(instructions?|rules?|prompt)\b",
    r"\b(system|developer)\s+(prompt|message|instructions?)\b",
    r"\byou\s+are\s+now\s+(a|an|in|acting|my)\b",
    r"\b(label|mark|classify|tag)\s+(all|every|each|the other|other)\s+(items?|reviews?|tickets?|messages?)\b",
    r"\bnew\s+instructions?\b",
    # Polish
    r"\bzignoruj\w*\b",
    r"\bignoruj\w*\b.{0,40}\b(instrukcj|polece|zasad|regu)\w*",
    r"\b(zapomnij|pomiń)\b.{0,40}\b(instrukcj|polece|zasad|regu)\w*",
    r"\bprompt\w*\s+systemow\w*",
    r"\bjesteś\s+teraz\b",
    r"\b(oznacz|oznaczaj|sklasyfikuj)\s+(wszystkie|każd\w+|pozostałe|inne)\b",
    r"\bnowe\s+instrukcje\b",
]
_INJECTION = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE | re.DOTALL)


def looks_like_instructions(text: str) -> bool:
    """True when the text addresses the model with instructions ("ignore previous instructions", "zignoruj...")."""
    return _INJECTION.search(text) is not None
