"""The answer schema as a GBNF grammar for llama.cpp's `llama-server`, with no room for whitespace.

llama-server turns a `json_schema` response format into a grammar of its own that allows a space or a line break
(plus indentation) between any two tokens of the JSON, and small models use it: measured with Qwen2.5-Coder 1.5B,
the same answer took 178 tokens a item pretty-printed against 95 written compactly. On a CPU, where a model writes
5-20 tokens a second, that is half the run. Sent as the request's `grammar`, this grammar admits exactly the JSON
the schema admits, written compactly, with the properties in the schema's order.

Covers the schemas the answer models make: objects with every property required (strict mode), `$ref` into
`$defs`, `enum`, `anyOf`, arrays (with `minItems`, `maxItems`), strings (with `maxLength`), integers, numbers,
booleans, null."""

from __future__ import annotations

import json
import re
from typing import Any, Sequence

from ...errors import UsageError

_PRIMITIVES = {
    "boolean": '"true" | "false"',
    "null": '"null"',
    "integer": '"-"? ([0-9] | [1-9] [0-9]{0,15})',
    "number": '"-"? ([0-9] | [1-9] [0-9]{0,15}) ("." [0-9]{1,16})? ([eE] [-+]? [0-9]{1,3})?',
}
_CHAR = r'char ::= [^"\\\x7F\x00-\x1F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4})'


def _literal(value: Any) -> str:
    """A GBNF string literal matching the JSON text of `value`."""
    return json.dumps(json.dumps(value, ensure_ascii=False), ensure_ascii=False)


# The compact format's clause references: an event's clause (`c`) and the item's goal clause (`g`); `clause` and
# `goal` in the named style (journey-batch.v4).
CLAUSE_FIELDS = ("c", "g", "clause", "goal")


class _Builder:
    def __init__(self, root: dict[str, Any]):
        self.root = root
        self.rules: dict[str, str] = {}
        self.clauses: int | None = None  # the item's clause count, while its entry's rules are written
        self._in_clause_field = False

    def rule(self, name: str, body: str) -> str:
        name = re.sub(r"[^a-zA-Z0-9-]", "-", name).lower() or "r"
        base, n = name, 1
        while name in self.rules and self.rules[name] != body:
            n += 1
            name = f"{base}-{n}"
        self.rules[name] = body
        return name

    def value(self, node: Any, hint: str) -> str:
        """A grammar expression for the schema node (a rule name or an inline expression)."""
        if not isinstance(node, dict):
            raise UsageError(f"answer schema: cannot make a grammar of {node!r}")
        if "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/$defs/"):
                raise UsageError(f"answer schema: unsupported $ref {ref!r}")
            name = ref.rsplit("/", 1)[-1]
            key = re.sub(r"[^a-zA-Z0-9-]", "-", name).lower() + ("" if self.clauses is None else f"-{self.clauses}")
            if key not in self.rules:
                self.rules[key] = ""  # reserved: a recursive reference resolves to the same rule
                self.rules[key] = self.value(self.root["$defs"][name], name)
            return key
        if "enum" in node:
            return self.rule(hint, " | ".join(_literal(v) for v in node["enum"]))
        if "const" in node:
            return _literal(node["const"])
        if "anyOf" in node:
            return self.rule(hint, " | ".join(self.value(branch, f"{hint}-{n}")
                                              for n, branch in enumerate(node["anyOf"])))
        kind = node.get("type")
        if kind == "object":
            props = node.get("properties", {})
            parts = []
            for n, (name, sub) in enumerate(props.items()):
                parts.append(("" if n == 0 else '"," ') + self.property(name, sub, hint))
            return self.rule(hint, '"{" ' + " ".join(parts) + ' "}"' if parts else '"{" "}"')
        if kind == "array":
            item = self.value(node.get("items", {}), f"{hint}-item")
            most, least = node.get("maxItems"), int(node.get("minItems", 0))
            if most == 0:
                return self.rule(hint, '"[" "]"')
            low, high = max(0, least - 1), "" if most is None else str(max(0, int(most) - 1))
            more = f'("," {item})' + ("*" if low == 0 and most is None else f"{{{low},{high}}}")
            return self.rule(hint, f'"[" {item} {more} "]"' if least else f'"[" ({item} {more})? "]"')
        if self._in_clause_field and self.clauses and kind in ("integer", "string"):
            return self._clause_reference(kind, node.get("maxLength"))
        if kind == "string":
            most = node.get("maxLength")
            return self.rule(hint, '"\\"" char' + ("*" if most is None else f"{{0,{int(most)}}}") + ' "\\""')
        if kind in _PRIMITIVES:
            return self.rule(kind, _PRIMITIVES[kind])
        raise UsageError(f"answer schema: cannot make a grammar of type {kind!r}")


    def property(self, name: str, node: Any, hint: str) -> str:
        """`"name":value` of an object's property."""
        self._in_clause_field = name in CLAUSE_FIELDS
        try:
            return f'{_literal(name)} ":" ' + self.value(node, f"{hint}-{name}")
        finally:
            self._in_clause_field = False

    def _clause_reference(self, kind: str, most: int | None) -> str:
        """A clause number of this item (1 to its count), or words of it that do not start with the clause mark
        the prompt puts in front of each clause ("[2]..."), which a small model otherwise copies."""
        if kind == "integer":
            return self.rule(f"clause-{self.clauses}", " | ".join(f'"{n}"' for n in range(self.clauses, 0, -1)))
        rest = "char*" if most is None else f"char{{0,{max(0, int(most) - 1)}}}"
        return self.rule("clause-words", f'"\\"" ([^"\\\\\\x7F\\x00-\\x1F[] {rest})? "\\""')


def schema_grammar(schema: dict[str, Any], ids: Sequence[int] | None = None,
                   clauses: Sequence[int] | None = None, positional: bool = False) -> str:
    """The GBNF grammar (llama.cpp) of compact JSON texts valid under `schema`. With `ids`, the answer must hold
    exactly one entry per id, in that order, each starting with its id: a small model can then neither stop
    early (an empty list is valid JSON) nor answer an item twice or under another id. With `clauses` (the clause
    count of each id's item, for a prompt that numbers clauses), an entry's clause references stay within its
    item: Qwen2.5-Coder 1.5B named a second clause of one-clause questions, again and again. `positional` (with
    `ids`): the answer is the bare list of entries without their ids, `[{"e":...},{...}]`: the grammar fixes the
    ids and the wrapper, so the model spends no tokens writing what it cannot choose (5 of the 47 Qwen tokens of a
    one-moment journey-batch.v2 answer asked alone), and `with_ids` puts them back. (The keys are
    fixed too, but they stay: written as lists of values, Qwen2.5-Coder 1.5B gave eight items of eight the same
    emotion and stage, the first keys of their lists.)"""
    builder = _Builder(schema)
    if ids is None:
        top = builder.value(schema, "answer")
    else:
        entry = _resolve(schema, schema["properties"]["items"]["items"])
        props = list(entry.get("properties", {}).items())
        if not props or props[0][0] != "id":
            raise UsageError("answer schema: an item's first property must be its id")
        counts = list(clauses) if clauses is not None else [None] * len(ids)
        if len(counts) != len(ids):
            raise UsageError("answer grammar: one clause count per id")
        tails: dict[int | None, str] = {}
        for count in dict.fromkeys(counts):
            builder.clauses = count
            body = ' "," '.join(builder.property(name, sub, "item") for name, sub in props[1:])
            tails[count] = builder.rule("item-tail" if count is None else f"item-tail-{count}",
                                        ('"{" ' if positional else '"," ') + body + ' "}"')
        builder.clauses = None
        if positional:
            entries = ' "," '.join(tails[count] for count in counts)
            top = builder.rule("answer", f'"[" {entries} "]"')
        else:
            opening = '{"id":%d'  # an entry's first characters, its id fixed
            entries = ' "," '.join(f"{json.dumps(opening % int(i))} {tails[count]}" for i, count in zip(ids, counts))
            top = builder.rule("answer", f'"{{\\"items\\":[" {entries} "]}}"' if ids else '"{\\"items\\":[]}"')
    lines = [f"root ::= {top}"] + [f"{name} ::= {body}" for name, body in builder.rules.items()] + [_CHAR]
    return "\n".join(lines) + "\n"


def with_ids(content: str, ids: Sequence[int]) -> str:
    """A positional answer (`[{...},{...}]`, schema_grammar(positional=True)) as the answer format reads it,
    `{"items":[{"id":1,...},...]}`; any other text as it came (a cut answer stays cut, an answer of the usual form
    stays as it is)."""
    try:
        entries = json.loads(content)
    except ValueError:
        return content
    if not isinstance(entries, list) or len(entries) != len(ids) or not all(isinstance(e, dict) for e in entries):
        return content
    return json.dumps({"items": [{"id": int(i), **e} for i, e in zip(ids, entries)]}, ensure_ascii=False,
                      separators=(",", ":"))


def _resolve(root: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = root["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node
