"""Personal data is masked before text is sent to an LLM, so it stays on this machine; offsets keep to the original.

Kinds (KINDS): e-mails, phone numbers, payment cards, IBANs and PESEL numbers (numbers.py), person names (names.py,
with the word lists of lexicon.py, the Polish case forms of polish.py and the context cues of cues.py), street
addresses and postal codes (addresses.py).
"""

from .mask import KINDS, mask_personal_data, parse_kinds
from .masked import Masked, Span

__all__ = ["KINDS", "Masked", "Span", "mask_personal_data", "parse_kinds"]
