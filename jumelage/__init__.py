"""The ``jumelage`` command line: thin wiring over indexer, search and web."""
