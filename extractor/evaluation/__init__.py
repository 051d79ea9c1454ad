"""Scoring journey records against gold labels."""
