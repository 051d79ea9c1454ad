"""journey-extractor: customer feedback in, customer-journey records out."""

__version__ = "0.1.0"
