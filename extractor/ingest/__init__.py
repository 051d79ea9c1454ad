"""Input readers: feedback exports (JSONL, JSON, CSV/TSV, text, stdin) into FeedbackItem or InputError."""

from extractor.ingest.encoding import detect_encoding
from extractor.ingest.options import InputError, ReadOptions
from extractor.ingest.readers import ItemReader, open_readers

__all__ = ["InputError", "ItemReader", "ReadOptions", "detect_encoding", "open_readers"]
