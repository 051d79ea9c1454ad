"""The learned extractor and its model folder (`journey train` makes one; `extractor.learning` trains it)."""

from .extractor import LearnedExtractor
from .model import LearnedModel, LearnedModelError, ModelCard

__all__ = ["LearnedExtractor", "LearnedModel", "LearnedModelError", "ModelCard"]
