"""Queries -> ranked, highlighted results. Reads an index directory written by ``indexer``."""
