"""The support desk: everything a request may use, built once when the server starts."""

from __future__ import annotations

from dataclasses import dataclass

from ..taxonomy import Taxonomy
from .config import ServeConfig
from .extraction import DeskExtractor
from ..labelling.reviewed import ReviewedLog
from .similar import SimilarItems


@dataclass
class SupportDesk:
    config: ServeConfig
    taxonomy: Taxonomy
    extractor: DeskExtractor
    similar: SimilarItems
    reviewed: ReviewedLog

    def close(self) -> None:
        self.extractor.close()
