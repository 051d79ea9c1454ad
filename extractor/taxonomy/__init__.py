"""The journey taxonomy: stages, touchpoints, emotions, pain points and their cues."""

from .cues import CueWord, ParsedCue, cue_problems, parse_cue
from .loader import default_taxonomy, load_taxonomy, parse_taxonomy
from .model import Emotion, PainPoint, Stage, Taxonomy, Touchpoint

__all__ = [
    "CueWord",
    "ParsedCue",
    "cue_problems",
    "parse_cue",
    "Emotion",
    "PainPoint",
    "Stage",
    "Taxonomy",
    "Touchpoint",
    "default_taxonomy",
    "load_taxonomy",
    "parse_taxonomy",
]
