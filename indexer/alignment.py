"""Japanese working translations and their explicit alignment to French passages.

A Japanese text file is a sequence of passages, each introduced by a marker
line naming the French passage(s) it translates, each with a fingerprint of
that French passage::

    # lines starting with '#' before the first marker are a header comment
    @ 2010-kanazawa-fr:0#1a2b3c4d
    金沢宣言

    @ 2010-kanazawa-fr:5#0f0e0d0c 2010-kanazawa-fr:6#aabbccdd
    …

Several markers naming the same French passage split it (1:n); one marker
naming several French passages joins them (n:1). The fingerprint hashes the
French passage's words, so a change in the normalizer that shifts ordinals
makes loading fail loudly instead of silently pairing the wrong texts.
"""

from __future__ import annotations

import hashlib
import re

from indexer.errors import JumelageError
from indexer.passage import Kind, Lang, Passage, split_passage_id

_MARKER = re.compile(r"^@\s+(.+?)\s*$")
_REFERENCE = re.compile(r"^(?P<pid>[^#\s]+:\d+)(?:#(?P<fp>[0-9a-f]{8}))?$")
_WORD = re.compile(r"\w+")


class AlignmentError(JumelageError, ValueError):
    """A Japanese text's markers do not match the French passages they name."""


def fingerprint(text: str) -> str:
    """Eight hex digits identifying a passage by its words, blind to spacing and markup."""
    words = " ".join(w.lower() for w in _WORD.findall(text))
    return hashlib.sha1(words.encode("utf-8")).hexdigest()[:8]


def _parse_marker(line: str, where: str) -> list[tuple[str, str | None]]:
    refs: list[tuple[str, str | None]] = []
    marker = _MARKER.match(line)
    if marker is None:
        raise AlignmentError(f"{where}: {line.strip()[:60]!r} is not a marker line: write `@ DOC_ID:N`")
    for token in marker.group(1).split():
        match = _REFERENCE.match(token)
        if not match:
            raise AlignmentError(f"{where}: bad alignment reference {token!r}; write DOC_ID:ORDINAL#FINGERPRINT")
        refs.append((match["pid"], match["fp"]))
    return refs


def parse_translation(raw: str, doc_id: str, path: str = "?") -> list[tuple[Passage, list[tuple[str, str | None]]]]:
    """Split a Japanese translation file into passages with their alignment references.

    Returns the passages (without section or kind yet) in file order, each with
    the list of ``(french_passage_id, fingerprint)`` its marker named.
    """
    out: list[tuple[Passage, list[tuple[str, str | None]]]] = []
    refs: list[tuple[str, str | None]] | None = None
    body: list[tuple[int, str]] = []
    pos = 0

    def flush() -> None:
        if refs is None:
            return
        if not body:
            raise AlignmentError(f"{path}: marker for {refs[0][0]} has no text under it")
        text = "".join(line.strip() for _, line in body)
        first_start, first_line = body[0]
        last_start, last_line = body[-1]
        start = first_start + len(first_line) - len(first_line.lstrip())
        end = last_start + len(last_line.rstrip())
        out.append((Passage(doc_id, Lang.JA, len(out), Kind.PARAGRAPH, "", text, start, end), refs))

    for lineno, line in enumerate(raw.split("\n"), start=1):
        where = f"{path}:{lineno}"
        if line.startswith("@"):
            flush()
            refs, body = _parse_marker(line, where), []
        elif line.startswith("#"):
            pass  # a comment: the file header, or the French text kept beside a draft
        elif refs is None:
            if line.strip():
                raise AlignmentError(f"{where}: text before the first '@ FRENCH_ID' marker")
        elif line.strip():
            body.append((pos, line))
        pos += len(line) + 1
    flush()
    return out


def align_translation(
    raw: str, doc_id: str, french: list[Passage], path: str = "?"
) -> tuple[list[Passage], dict[str, tuple[str, ...]]]:
    """Build the Japanese passages of a translation and the French→Japanese links.

    Raises
    ------
    AlignmentError
        When a marker names a passage of another document or one that does
        not exist, when a fingerprint does not match the French passage, or
        when a French passage is left without a translation.
    """
    by_id = {p.passage_id: p for p in french}
    french_doc = french[0].doc_id if french else "?"
    parsed = parse_translation(raw, doc_id, path)
    to_japanese: dict[str, list[str]] = {pid: [] for pid in by_id}
    passages: list[Passage] = []
    for passage, refs in parsed:
        for pid, fp in refs:
            if split_passage_id(pid)[0] != french_doc or pid not in by_id:
                raise AlignmentError(
                    f"{path}: {passage.passage_id} names {pid}, which is not a passage of {french_doc}"
                )
            expected = fingerprint(by_id[pid].text)
            if fp != expected:
                raise AlignmentError(
                    f"{path}: {passage.passage_id} is aligned to {pid} with fingerprint {fp}, but that passage now "
                    f"hashes to {expected} ({by_id[pid].text[:50]!r}…): the French passages moved; re-check the alignment"
                )
            to_japanese[pid].append(passage.passage_id)
        first = by_id[refs[0][0]]
        aligned = tuple(pid for pid, _ in refs)
        passages.append(
            Passage(doc_id, Lang.JA, passage.ordinal, first.kind, "", passage.text, passage.start, passage.end, aligned)
        )
    orphans = [pid for pid, ja in to_japanese.items() if not ja]
    if orphans:
        raise AlignmentError(f"{path}: French passage(s) without a translation: {', '.join(orphans[:8])}")
    return _with_sections(passages, french), {pid: tuple(ja) for pid, ja in to_japanese.items()}


def _with_sections(passages: list[Passage], french: list[Passage]) -> list[Passage]:
    """Give each Japanese passage the Japanese form of its French section label."""
    heading_ja: dict[str, str] = {}
    fr_by_id = {p.passage_id: p for p in french}
    for passage in passages:
        fr = fr_by_id[passage.aligned_passage_ids[0]]
        if fr.kind.opens_section:
            heading_ja.setdefault(fr.text.rstrip(" .:"), passage.text.rstrip(" 。:："))
    out = []
    for passage in passages:
        fr = fr_by_id[passage.aligned_passage_ids[0]]
        parts = [heading_ja.get(part, part) for part in fr.section.split(" › ") if part]
        out.append(
            Passage(
                passage.doc_id,
                Lang.JA,
                passage.ordinal,
                passage.kind,
                " › ".join(parts),
                passage.text,
                passage.start,
                passage.end,
                passage.aligned_passage_ids,
            )
        )
    return out
