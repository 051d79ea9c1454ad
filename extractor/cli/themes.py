"""`journey themes` (recurring problems in records, new ones flagged) and `journey duplicates` (near-identical
stored items)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from . import app
from .store import ChromaUrlOpt, CollectionOpt, StoreOpt, open_store

if TYPE_CHECKING:
    from ..analyses.themes import Theme
    from ..taxonomy import Taxonomy

QUOTE_CHARS = 200
TaxonomyOpt = Annotated[Optional[Path], typer.Option(
    "--taxonomy", "-t", help="Taxonomy the records were labelled with: pain point names and the embedding's "
    "concepts (default: the packaged one).", show_default=False)]


def _console():
    from .render import make_console

    return make_console()


def _short(text: str, limit: int = QUOTE_CHARS) -> str:
    """One line of at most `limit` characters, escaped for rich markup."""
    from rich.markup import escape

    text = " ".join(text.split())
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")


RecordsArg = Annotated[list[Path], typer.Argument(help="Records files written by `journey extract`.",
                                                  show_default=False)]
KOpt = Annotated[Optional[int], typer.Option("--k", min=1, max=200, help="Number of clusters (default: about "
                                             "sqrt(quotes/2), at least one per pain point present).",
                                             show_default=False)]
SeedOpt = Annotated[int, typer.Option(help="Seed of the clustering; the same seed gives the same themes.")]
MinSizeOpt = Annotated[int, typer.Option(min=1, help="Hide themes with fewer quotes.")]
ThemesJsonOpt = Annotated[Optional[Path], typer.Option("--json", help="Also write the themes as JSON to this file "
                                                       "('-': only JSON, to stdout).", show_default=False)]


@app.command()
def themes(records: RecordsArg, k: KOpt = None, seed: SeedOpt = 0, min_size: MinSizeOpt = 3,
           json_out: ThemesJsonOpt = None, taxonomy: TaxonomyOpt = None) -> None:
    """Cluster the evidence of complaints into themes: size, the taxonomy pain point they map to (or NEW when
    most quotes carry none), keywords and representative quotes."""
    from ..taxonomy import load_taxonomy

    tax = load_taxonomy(taxonomy)
    found, n_records, refs = _themes_of(records, k, seed, taxonomy)
    shown = [t for t in found if t.size >= min_size]
    if refs - {tax.ref}:
        typer.echo(f"warning: records labelled with {', '.join(sorted(refs - {tax.ref}))}, not {tax.ref}; "
                   "give the same --taxonomy as to `journey extract`", err=True)
    if json_out is not None:
        payload = {"records": n_records, "quotes": sum(t.size for t in found), "clusters": len(found), "seed": seed,
                   "min_size": min_size, "taxonomy_id": tax.ref, "themes": [t.to_json() for t in shown]}
        if _write_json(json_out, payload) == "stdout":
            return
    _print_themes(found, shown, n_records, seed, min_size, tax)
    if json_out is not None:
        typer.echo(f"themes: {json_out}", err=True)


def _themes_of(records: list[Path], k: int | None, seed: int,
               taxonomy: Path | None) -> tuple[list[Theme], int, set[str]]:
    """The themes of the records files, how many records they hold, and the taxonomies the records name."""
    from ..analyses.themes import themes as find_themes
    from ..records import read_records
    from ..store.embedding import HashingEmbedding

    counted = {"records": 0}
    refs: set[str] = set()

    def rows():
        for row in read_records(records):
            counted["records"] += 1
            refs.add(str(row.get("taxonomy_id")))
            yield row

    embedding = HashingEmbedding(taxonomy=str(taxonomy) if taxonomy else None)
    found = find_themes(rows(), k=k, seed=seed, embedding=embedding)
    return found, counted["records"], refs


def _write_json(json_out: Path, payload: dict) -> str:
    """Write the payload to the file, or to stdout for '-'; says which ("file" or "stdout")."""
    text = json.dumps(payload, ensure_ascii=False, indent=2)
    if str(json_out) == "-":
        typer.echo(text)
        return "stdout"
    try:
        json_out.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        from ..errors import UsageError

        raise UsageError(f"cannot write {json_out}: {exc.strerror or exc}") from None
    return "file"


def _print_themes(found: list[Theme], shown: list[Theme], n_records: int, seed: int, min_size: int,
                  tax: Taxonomy) -> None:
    """The shown themes, largest first, under a line that counts what was clustered and what is hidden."""
    console = _console()
    hidden = len(found) - len(shown)
    console.print(f"[bold]{len(shown)} themes[/bold] from {sum(t.size for t in found):,} quotes of {n_records:,} "
                  f"records ({len(found)} clusters, seed {seed}"
                  + (f"; {hidden} with fewer than {min_size} quotes not shown" if hidden else "") + ")")
    if not found:
        console.print("No complaints to group: no event carries a pain point and no item is negative.")
    pain_ids = set(tax.pain_point_ids())
    for n, t in enumerate(shown, 1):
        console.print()
        console.print(f"[bold]{n:>2}. {t.size} quotes[/bold] · {t.items} items · " + _theme_name(t, tax, pain_ids))
        console.print(f"    keywords: {_short(', '.join(t.keywords)) or '-'}")
        for q in t.quotes:
            console.print(f"    “{_short(q['quote'])}” [cyan]{_short(q['item_id'])}[/cyan]", soft_wrap=True)


def _theme_name(t: Theme, tax: Taxonomy, pain_ids: set[str]) -> str:
    """What a theme is about: its pain point's name, or NEW when most of its quotes carry none."""
    if t.unnamed:
        head = "[bold yellow]NEW: no taxonomy pain point[/bold yellow]"
        if t.pain_point:
            head += f" [dim](some carry `{t.pain_point}`, {t.share:.0%})[/dim]"
        return head
    name = tax.name_of("pain_points", t.pain_point, "en") if t.pain_point in pain_ids else t.pain_point
    return f"{_short(t.describe())} [dim]{_short(name)}[/dim]"


@app.command()
def duplicates(
    threshold: Annotated[float, typer.Option(min=0.01, max=1.0, help="Cosine similarity from which two items "
                                             "count as near-identical.")] = 0.92,
    store: StoreOpt = None,
    chroma_url: ChromaUrlOpt = None,
    collection: CollectionOpt = "feedback",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per group (size, similarity, ids, "
                                          "item ids, texts).")] = False,
    limit: Annotated[int, typer.Option(min=0, help="How many groups to show, largest first (0: all).")] = 20,
) -> None:
    """Groups of near-identical items in the store (copies, re-posts, templated texts), largest first."""
    from ..analyses.duplicates import store_duplicates

    target = open_store(store, chroma_url, collection, create=False)
    groups = store_duplicates(target, threshold)
    shown = groups[:limit] if limit else groups
    if as_json:
        for g in shown:
            typer.echo(json.dumps({"size": g.size, "similarity": g.similarity, "min_similarity": g.min_similarity,
                                   "ids": g.ids, "item_ids": g.item_ids, "texts": g.texts}, ensure_ascii=False))
        return
    console = _console()
    total = target.count()
    if not groups:
        console.print(f"No near-identical items at similarity ≥ {threshold:g} among {total:,} items in "
                      f"{collection!r} at {target.where}.")
        return
    items = sum(g.size for g in groups)
    console.print(f"[bold]{len(groups):,} groups[/bold] of near-identical items ({items:,} items) at similarity "
                  f"≥ {threshold:g} among {total:,} items in {collection!r} at {target.where}"
                  + (f"; the {len(shown)} largest:" if len(shown) < len(groups) else ":"))
    for n, g in enumerate(shown, 1):
        ids = ", ".join(g.item_ids[:8]) + (f", … (+{g.size - 8})" if g.size > 8 else "")
        console.print(f"[bold]{n:>2}. {g.size} items[/bold] · similarity {g.similarity:.3f} "
                      f"(lowest {g.min_similarity:.3f}) · [cyan]{_short(ids, 400)}[/cyan]", soft_wrap=True)
        console.print(f"    “{_short(g.texts[0])}”", soft_wrap=True)
