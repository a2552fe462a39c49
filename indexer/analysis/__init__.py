"""Analyzers shared by indexing and query analysis.

A query is analysed by exactly the function that analysed the text it is
matched against, so ``séisme`` meets ``séismes`` and 震災 meets 東日本大震災.
"""

from indexer.analysis.french import french_analyzer, french_exact_analyzer
from indexer.analysis.japanese import japanese_analyzer
from indexer.analysis.tokens import AnalyzedToken, analyze, detect_lang

__all__ = [
    "AnalyzedToken",
    "analyze",
    "detect_lang",
    "french_analyzer",
    "french_exact_analyzer",
    "japanese_analyzer",
]
