"""The customer journey map: records aggregated into stages, touchpoints, emotions, pain points, moments of truth,
opportunities and per-customer journeys, and rendered as HTML, Markdown or JSON."""

from .aggregate import MapBuilder, MapOptions, build_map
from .model import JourneyMap

__all__ = ["JourneyMap", "MapBuilder", "MapOptions", "build_map"]
