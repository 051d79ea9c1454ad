"""`journey serve`: the support desk page and JSON API (FastAPI on uvicorn; both imported inside the command)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from . import app
from .llm import BaseUrlOpt, FewShotOpt, LLMConfigOpt, LLMFlags, MaskOpt, ModelOpt, NoMaskOpt
from .options import ExtractorOpt, LearnedModelOpt, TaxonomyOpt
from .store import StoreOpt

ReviewedOpt = Annotated[Optional[Path], typer.Option(
    "--reviewed", help="JSON Lines file the page's saved reviews are appended to (default ./.journey/reviewed.jsonl).",
    show_default=False)]


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on. Anything but loopback (127.0.0.1, ::1, "
                                      "localhost) needs an access token.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port; 0 picks a free one (printed at start).")] = 8000,
    token: Annotated[Optional[str], typer.Option(
        envvar="JOURNEY_TOKEN", help="Access token every request must carry ('Authorization: Bearer TOKEN', or open "
        "the page once as /?token=TOKEN to keep it in a cookie). Required with a non-loopback --host.",
        show_default=False)] = None,
    extractor: ExtractorOpt = "rules",
    taxonomy: TaxonomyOpt = None,
    learned_model: LearnedModelOpt = None,
    store: StoreOpt = None,
    reviewed: ReviewedOpt = None,
    access_log: Annotated[bool, typer.Option("--access-log/--no-access-log",
                                             help="Log one line per request.")] = True,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    llm_config: LLMConfigOpt = None,
    few_shot: FewShotOpt = None,
    no_mask: NoMaskOpt = False,
    mask: MaskOpt = None,
) -> None:
    """Serve the support desk page (paste a ticket, see its labels and evidence, correct them) and the JSON API
    (POST /api/label, /api/label/batch, /api/reviewed; GET /api/taxonomy, /healthz; docs at /docs)."""
    from ..serve.config import ServeConfig, check_binding
    from ..labelling.reviewed import DEFAULT_REVIEWED

    check_binding(host, token)
    config = ServeConfig(host=host, port=port, token=token, reviewed=reviewed or DEFAULT_REVIEWED)

    from ..serve.server import bind, run, url_of
    from ..taxonomy import load_taxonomy

    tax = load_taxonomy(taxonomy)
    flags = LLMFlags(model, base_url, llm_config, few_shot=few_shot, no_mask=no_mask, mask=mask)
    desk = _support_desk(config, tax, extractor, store, flags, learned_model)
    sock = bind(host, port)
    url = url_of(sock)
    similar = f"similar items from {desk.similar.where}" if desk.similar.available else (
        f"no similar items ({desk.similar.problem})")
    typer.echo(f"journey serve: {url} ({desk.extractor.name} extractor, taxonomy {tax.ref}; {similar}; reviews go to "
               f"{config.reviewed})", err=True)
    if token:
        typer.echo("every request needs the access token: open the page once as /?token=TOKEN, or send "
                   "'Authorization: Bearer TOKEN'", err=True)
    from ..serve.app import create_app

    try:
        run(create_app(desk), sock, access_log=access_log)
    finally:
        desk.close()


def _support_desk(config, tax, extractor_name: str, store: Path | None, flags, learned_model: Path | None = None):
    """The extractor (llm: with few-shot examples from the reviews, then the store), the store for similar items,
    and the reviews file."""
    from ..serve.desk import SupportDesk
    from ..serve.extraction import DeskExtractor
    from ..labelling.reviewed import ReviewedLog
    from ..serve.similar import SimilarItems
    from .llm import default_store, extractor_from_flags

    examples_store = default_store(store, None, "feedback") if extractor_name == "llm" else None
    extractor = extractor_from_flags(extractor_name, tax, flags, examples_store, reviewed=config.reviewed,
                                     learned_model=learned_model)
    return SupportDesk(config=config, taxonomy=tax, extractor=DeskExtractor(extractor), similar=SimilarItems.open(store),
                       reviewed=ReviewedLog(config.reviewed))
