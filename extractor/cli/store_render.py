"""How `journey search` shows hits: score, labels and the text, readable in a terminal or a pipe."""

from __future__ import annotations

from ..store.store import Hit

TEXT_CHARS = 300


def print_hits(query: str, hits: list[Hit], total: int, filtered: bool) -> None:
    from rich.text import Text

    from .render import make_console

    console = make_console()
    if not hits:
        console.print(f"No items match {query!r}" + (" with these filters" if filtered else "")
                      + f" ({total:,} items in the store).")
        return
    console.print(f"[bold]{len(hits)}[/bold] of {total:,} items closest to [bold]{query!r}[/bold]:")
    for n, h in enumerate(hits, 1):
        md = h.metadata
        labels = h.labels
        tags = [md.get("source"), md.get("lang")]
        if labels["stage"]:
            tags += [labels["stage"], labels["emotion"], *labels["touchpoints"], *labels["pain_points"]]
        head = Text(f"{n:>2}. {h.score:.3f} ", style="bold")
        head.append(" · ".join(str(t) for t in tags if t), style="dim")
        head.append(f"  {md.get('item_id', h.id)}", style="cyan")
        console.print(head)
        text = " ".join(h.text.split())
        console.print("    " + (text if len(text) <= TEXT_CHARS else text[: TEXT_CHARS - 1] + "…"), soft_wrap=True)
