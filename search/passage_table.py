"""Passage attributes as numpy arrays by row, built once per opened index generation.

Counting facets, filtering by declaration or edition and collapsing translation
pairs used to read ``store.passages[row]`` (a Python object) for every result of
every search. With exact totals a search has every match above the semantic
floor as results -- all 10,000 passages of the 10k synthetic bench for most
queries -- and those per-result loops cost 20-30 ms of a 42 ms semantic search
(pyinstrument, ``python -m bench.scale_search --scale 10000 --profile``). Over
these arrays the same counts are one ``bincount`` each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from indexer.store import PassageStore


def _codes(values: list) -> tuple[np.ndarray, tuple]:
    """Small integer codes of ``values`` and the distinct values, in order of first appearance."""
    table: dict = {}
    codes = np.fromiter((table.setdefault(v, len(table)) for v in values), dtype=np.int32, count=len(values))
    return codes, tuple(table)


@dataclass(frozen=True, eq=False)
class PassageTable:
    """Per-row attributes of an index's passages (see the module docstring).

    Attributes
    ----------
    doc_codes, doc_values:
        ``doc_values[doc_codes[row]]`` is the passage's declaration id.
    lang_codes, lang_values:
        Same for its language (the passage's own :class:`~indexer.passage.Lang` objects).
    edition_codes, edition_values:
        Same for its edition as the facets show it: ``str(number)``, ``""`` for a
        declaration the store does not list.
    edition_numbers:
        The edition number by row, -1 where there is none (the ``edition`` filter).
    aligned_starts, aligned_rows:
        Aligned passages as rows, compressed: those of ``row`` are
        ``aligned_rows[aligned_starts[row]:aligned_starts[row + 1]]``, in stored
        order; an aligned id missing from the store is left out.
    """

    doc_codes: np.ndarray
    doc_values: tuple[str, ...]
    lang_codes: np.ndarray
    lang_values: tuple
    edition_codes: np.ndarray
    edition_values: tuple[str, ...]
    edition_numbers: np.ndarray
    aligned_starts: np.ndarray
    aligned_rows: np.ndarray
    _blind: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, store: PassageStore) -> PassageTable:
        """Read every attribute from ``store`` once (0.12 s for 100,000 passages)."""
        passages = store.passages
        numbers = {d.id: d.edition for d in store.documents}
        doc_ids = [p.doc_id for p in passages]
        doc_codes, doc_values = _codes(doc_ids)
        lang_codes, lang_values = _codes([p.lang for p in passages])
        edition_codes, edition_values = _codes([str(numbers[d]) if d in numbers else "" for d in doc_ids])
        edition_numbers = np.array([numbers.get(d, -1) for d in doc_values], dtype=np.int64)[doc_codes]
        row_of = store.row_of
        partners = [[row_of[pid] for pid in p.aligned_passage_ids if pid in row_of] for p in passages]
        starts = np.zeros(len(passages) + 1, dtype=np.int64)
        np.cumsum([len(x) for x in partners], out=starts[1:])
        aligned = np.fromiter((r for x in partners for r in x), dtype=np.int64, count=int(starts[-1]))
        return cls(
            doc_codes,
            doc_values,
            lang_codes,
            lang_values,
            edition_codes,
            edition_values,
            edition_numbers,
            starts,
            aligned,
        )

    def __len__(self) -> int:
        return len(self.doc_codes)

    def code_of(self, values: tuple, value: object) -> int:
        """The code of ``value`` among ``values``; -1 when no passage has it."""
        try:
            return values.index(value)
        except ValueError:
            return -1

    def partners(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The aligned rows of each of ``rows``: ``(owner, partner)`` pairs, row by row, in stored order.

        ``owner`` holds positions in ``rows``, so ``rows[owner[i]]`` is aligned with ``partner[i]``.
        """
        starts, ends = self.aligned_starts[rows], self.aligned_starts[rows + 1]
        counts = ends - starts
        total = int(counts.sum())
        if total == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        owner = np.repeat(np.arange(len(rows)), counts)
        offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        return owner, self.aligned_rows[np.repeat(starts, counts) + offsets]

    def keyword_blind(self, lang: str) -> np.ndarray:
        """Rows the keyword side of a query in ``lang`` cannot see: another language and no translation in ``lang``."""
        found = self._blind.get(str(lang))
        if found is None:
            code = self.code_of(self.lang_values, lang)
            owner, partner = self.partners(np.arange(len(self)))
            translated = np.zeros(len(self), dtype=bool)
            translated[owner[self.lang_codes[partner] == code]] = True
            found = self._blind[str(lang)] = (self.lang_codes != code) & ~translated
        return found
