"""Checklist runs: a document's checklist started for an account and worked through as a team."""
