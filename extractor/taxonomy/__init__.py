"""The journey taxonomy: stages, touchpoints, emotions, pain points and their cues."""

from .loader import default_taxonomy, load_taxonomy, parse_taxonomy
from .model import Emotion, PainPoint, Stage, Taxonomy, Touchpoint

__all__ = [
    "Emotion",
    "PainPoint",
    "Stage",
    "Taxonomy",
    "Touchpoint",
    "default_taxonomy",
    "load_taxonomy",
    "parse_taxonomy",
]
