"""The results of one search as arrays: their order, one page of them, facets and translation pairs.

A search's results are every fused hit that clears the floor and the filters
(DESIGN.md, "Search"): up to every passage of the index. The page shown is a
handful of them, but the total and the facets count them all. Sorting all of
them and building an object for each cost more than the search itself at scale
(10,000 synthetic passages: 30 of the 42 ms of a semantic search, pyinstrument,
``python -m bench.scale_search --profile``). Here the results stay parallel
arrays; only the page is sorted (:func:`first_in_order`), facets are
``bincount``\\ s and their order of first appearance is found without a sort
(:func:`first_appearance`).

The order is the one the list code defined: results holding the whole query
verbatim first (``group`` 0: ranked ones, then 1: those added for it, by row),
then the others (``group`` 2); within a group, ascending ``primary`` (minus the
fused score, or the rank in a single side's list), then ``secondary`` (the best
rank on either side), then the row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from search.fusion import Fused, FusedArrays
from search.passage_table import PassageTable

HOLDING, ADDED, OTHER = 0, 1, 2  # the order groups (see the module docstring)


@dataclass(frozen=True, eq=False)
class Candidates:
    """Fused hits and the group each belongs to; entries are addressed by index (``idx`` arrays)."""

    fused: FusedArrays
    group: np.ndarray  # int8, one of HOLDING, ADDED, OTHER

    @property
    def rows(self) -> np.ndarray:
        return self.fused.keys

    def item(self, i: int) -> Fused:
        return self.fused.item(int(i))

    def lexsort_keys(self, idx: np.ndarray) -> tuple[np.ndarray, ...]:
        """Keys of ``idx`` for :func:`numpy.lexsort` (least significant first)."""
        f = self.fused
        return f.keys[idx], f.secondary[idx], f.primary[idx], self.group[idx]


def concat(a: FusedArrays, b: FusedArrays) -> FusedArrays:
    """The entries of ``a`` then those of ``b``."""
    names = ("keys", "score", "keyword", "keyword_rank", "semantic", "semantic_rank", "primary", "secondary")
    return FusedArrays(*(np.concatenate([getattr(a, n), getattr(b, n)]) for n in names))


def in_order(c: Candidates, idx: np.ndarray) -> np.ndarray:
    """``idx`` sorted into result order."""
    return idx[np.lexsort(c.lexsort_keys(idx))]


def first_in_order(c: Candidates, idx: np.ndarray, m: int) -> np.ndarray:
    """The first ``m`` of ``idx`` in result order, without sorting the others.

    Per group, a partition on ``primary`` keeps the ``m`` best and every tie at
    the ``m``-th (ties are then ordered by the full key), so the result is the
    prefix a full sort would give.
    """
    out: list[np.ndarray] = []
    left = m
    groups = c.group[idx]
    for g in (HOLDING, ADDED, OTHER):
        if left <= 0:
            break
        part = idx[groups == g]
        if len(part) > left:
            primary = c.fused.primary[part]
            kth = np.partition(primary, left - 1)[left - 1]
            part = part[primary <= kth]
        part = in_order(c, part)[:left]
        out.append(part)
        left -= len(part)
    return np.concatenate(out) if out else np.empty(0, np.int64)


def first_appearance(c: Candidates, idx: np.ndarray, codes: np.ndarray, n_values: int) -> np.ndarray:
    """The codes present among ``idx``, in the order a walk down the results first meets them.

    For each code, the best entry is found key by key (group, primary,
    secondary, row: each a ``minimum.at`` and a filter), which is linear where a
    sort of every result is not; the few best entries are then sorted.
    """
    f = c.fused
    keys = (c.group, f.primary, f.secondary, f.keys)
    cand = idx
    for key in keys:
        values = key[cand]
        top = np.inf if values.dtype.kind == "f" else np.iinfo(values.dtype).max
        best = np.full(n_values, top, dtype=values.dtype)
        np.minimum.at(best, codes[cand], values)
        cand = cand[values == best[codes[cand]]]
    return codes[in_order(c, cand)]  # one entry per code: rows are distinct


def counts(c: Candidates, idx: np.ndarray, codes: np.ndarray, values: tuple) -> dict:
    """``{value: number of entries of idx}`` for the values present, in order of first appearance."""
    if len(idx) == 0:
        return {}
    tally = np.bincount(codes[idx], minlength=len(values))
    return {values[code]: int(tally[code]) for code in first_appearance(c, idx, codes, len(values)).tolist()}


def collapse_translations(c: Candidates, idx: np.ndarray, table: PassageTable) -> np.ndarray:
    """``idx`` without the passages whose aligned translation comes before them (and was kept).

    Walking the results in order, a passage is dropped when one of its aligned
    passages was kept before it. Only passages aligned with another result (or
    that another result is aligned with) can drop or be dropped, so only they
    are sorted and walked; in the synthetic bench corpus there are none.
    """
    rows = c.rows[idx]
    if len(table.aligned_rows) == 0 or len(rows) == 0:
        return idx
    present = np.zeros(len(table), dtype=bool)
    present[rows] = True
    owner, partner = table.partners(rows)
    linked = present[partner]
    involved = np.zeros(len(table), dtype=bool)
    involved[rows[owner[linked]]] = True
    involved[partner[linked]] = True
    walk = idx[involved[rows]]
    if len(walk) == 0:
        return idx
    kept: set[int] = set()
    dropped = np.zeros(len(table), dtype=bool)
    starts, aligned = table.aligned_starts, table.aligned_rows
    for row in c.rows[in_order(c, walk)].tolist():
        if any(p in kept for p in aligned[starts[row] : starts[row + 1]].tolist()):
            dropped[row] = True
        else:
            kept.add(row)
    return idx[~dropped[rows]]
