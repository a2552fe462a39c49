"""The exceptions that mean "the user asked for something wrong", shown as one line."""

from indexer.alignment import AlignmentError
from indexer.corpus import CorpusError
from indexer.manifest import IndexUnusable
from search.errors import BadRequest, NotFound

USER_ERRORS = (BadRequest, NotFound, IndexUnusable, CorpusError, AlignmentError, ValueError, OSError)
