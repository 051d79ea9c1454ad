"""The answer schema as a GBNF grammar for llama.cpp's `llama-server`, with no room for whitespace.

llama-server turns a `json_schema` response format into a grammar of its own that allows a space or a line break
(plus indentation) between any two tokens of the JSON, and small models use it: measured with Qwen2.5-Coder 1.5B,
the same answer took 178 tokens a item pretty-printed against 95 written compactly. On a CPU, where a model writes
5-20 tokens a second, that is half the run. Sent as the request's `grammar`, this grammar admits exactly the JSON
the schema admits, written compactly, with the properties in the schema's order.

Covers the schemas the answer models make: objects with every property required (strict mode), `$ref` into
`$defs`, `enum`, `anyOf`, arrays (with `maxItems`), strings (with `maxLength`), integers, numbers, booleans, null."""

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


class _Builder:
    def __init__(self, root: dict[str, Any]):
        self.root = root
        self.rules: dict[str, str] = {}

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
            key = re.sub(r"[^a-zA-Z0-9-]", "-", name).lower()
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
                parts.append(("" if n == 0 else '"," ') + f'{_literal(name)} ":" ' + self.value(sub, f"{hint}-{name}"))
            return self.rule(hint, '"{" ' + " ".join(parts) + ' "}"' if parts else '"{" "}"')
        if kind == "array":
            item = self.value(node.get("items", {}), f"{hint}-item")
            most = node.get("maxItems")
            more = f'("," {item})' + ("*" if most is None else f"{{0,{max(0, int(most) - 1)}}}")
            return self.rule(hint, f'"[" ({item} {more})? "]"' if most != 0 else '"[" "]"')
        if kind == "string":
            most = node.get("maxLength")
            return self.rule(hint, '"\\"" char' + ("*" if most is None else f"{{0,{int(most)}}}") + ' "\\""')
        if kind in _PRIMITIVES:
            return self.rule(kind, _PRIMITIVES[kind])
        raise UsageError(f"answer schema: cannot make a grammar of type {kind!r}")


def schema_grammar(schema: dict[str, Any], ids: Sequence[int] | None = None) -> str:
    """The GBNF grammar (llama.cpp) of compact JSON texts valid under `schema`. With `ids`, the answer must hold
    exactly one entry per id, in that order, each starting with its id: a small model can then neither stop
    early (an empty list is valid JSON) nor answer an item twice or under another id."""
    builder = _Builder(schema)
    if ids is None:
        top = builder.value(schema, "answer")
    else:
        entry = _resolve(schema, schema["properties"]["items"]["items"])
        props = list(entry.get("properties", {}).items())
        if not props or props[0][0] != "id":
            raise UsageError("answer schema: an item's first property must be its id")
        tail = builder.rule("item-tail", " ".join(f'"," {_literal(name)} ":" ' + builder.value(sub, f"item-{name}")
                                                  for name, sub in props[1:]) + ' "}"')
        opening = '{"id":%d'  # an entry's first characters, its id fixed
        entries = ' "," '.join(f"{json.dumps(opening % int(i))} {tail}" for i in ids)
        top = builder.rule("answer", f'"{{\\"items\\":[" {entries} "]}}"' if ids else '"{\\"items\\":[]}"')
    lines = [f"root ::= {top}"] + [f"{name} ::= {body}" for name, body in builder.rules.items()] + [_CHAR]
    return "\n".join(lines) + "\n"


def _resolve(root: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = root["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node
