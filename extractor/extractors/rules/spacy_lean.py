"""Import spaCy without its command-line package, which `journey label` would wait ~0.4 s for.

`spacy/__init__.py` imports `spacy.cli.info` only to re-export `spacy.info`; loading `spacy.cli` pulls
in every spaCy command (download, train, ...). The extractor needs the tokenizer, the vocabulary and
the languages' tokenizer exceptions. While spaCy is first imported, a stand-in `spacy.cli` is
registered; afterwards it is removed, so a later `import spacy.cli` loads the real one, and
`spacy.info` forwards to it. If the stand-in ever stops being enough, spaCy is imported normally.
"""

from __future__ import annotations

import sys
import types


def _info(*args, **kwargs):
    from spacy.cli.info import info

    return info(*args, **kwargs)


def import_spacy() -> None:
    """Import spaCy (once per process), skipping `spacy.cli` when nothing has imported spaCy yet."""
    if "spacy" in sys.modules:
        return
    cli = types.ModuleType("spacy.cli")
    cli.__path__ = []  # a package with no submodules of its own
    info = types.ModuleType("spacy.cli.info")
    info.info = _info  # type: ignore[attr-defined]
    stubs = {"spacy.cli": cli, "spacy.cli.info": info}
    sys.modules.update(stubs)
    try:
        import spacy  # noqa: F401
    except ImportError:
        for name in [n for n in sys.modules if n == "spacy" or n.startswith("spacy.")]:
            del sys.modules[name]
        _remove(stubs)
        import spacy  # noqa: F401,F811 - the normal, slower import
    finally:
        _remove(stubs)
    if getattr(sys.modules["spacy"], "cli", None) is cli:
        del sys.modules["spacy"].cli  # so `spacy.cli` is the real package once imported


def _remove(stubs: dict[str, types.ModuleType]) -> None:
    for name, module in stubs.items():
        if sys.modules.get(name) is module:
            del sys.modules[name]


import_spacy()
