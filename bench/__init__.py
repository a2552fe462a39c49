"""Benchmark harness for jumelage: ``python -m bench.run`` writes bench/report.md and bench/results.json."""
