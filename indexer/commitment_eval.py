"""Precision and recall of commitment detection against a labelled set of sentences.

The labelled file (``tests/data/commitments.jsonl``) holds one line per
sentence of every declaration: ``{passage_id, sentence, text, commitment, act?,
subject?, note?}``. A detected commitment matches a labelled sentence of the
same passage with the same text (whitespace-trimmed).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from indexer.commitments import ACTS, Commitment
from indexer.passage import Lang


def _lang_of(passage_id: str) -> Lang:
    """The language of a labelled passage, from its document id (``…-ja`` for the translations)."""
    return Lang.JA if passage_id.split(":", 1)[0].endswith("-ja") else Lang.FR


class LabelFileError(ValueError):
    """The labelled file is unreadable; the message names the line."""


@dataclass(frozen=True)
class Label:
    passage_id: str
    text: str
    commitment: bool
    act: str | None
    subject: str | None = None

    @property
    def lang(self) -> str:
        return _lang_of(self.passage_id)


def load_labels(path: Path) -> list[Label]:
    """Read the labelled sentences; raise :class:`LabelFileError` naming the bad line."""
    labels = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            label = Label(
                row["passage_id"], row["text"].strip(), bool(row["commitment"]), row.get("act"), row.get("subject")
            )
        except (ValueError, KeyError, AttributeError) as err:
            raise LabelFileError(
                f"{path}:{number}: not a labelled sentence ({err}): expected {{passage_id, text, commitment, act}}"
            ) from None
        if label.commitment and label.act not in ACTS:
            raise LabelFileError(f"{path}:{number}: act {label.act!r} is not one of {', '.join(ACTS)}")
        labels.append(label)
    return labels


def _pr(tp: int, n_pred: int, n_true: int) -> dict:
    precision = tp / n_pred if n_pred else 1.0
    recall = tp / n_true if n_true else 1.0
    return {
        "tp": tp,
        "predicted": n_pred,
        "labelled": n_true,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
    }


def _same_subject(labelled: str | None, detected: str | None) -> bool:
    if not labelled or not detected:
        return False
    a, b = labelled.casefold(), detected.casefold()
    return a.startswith(b) or b.startswith(a)


def evaluate_commitments(labels: Sequence[Label], detected: Mapping[str, Sequence[Commitment]]) -> dict:
    """Precision/recall per language (commitment or not) and per language and act.

    Only passages that appear in ``labels`` are scored, so an index holding
    more documents can be evaluated against the bundled labels.

    Returns
    -------
    dict
        ``{lang: {"all": {...}, "acts": {act: {...}}, "act_agreement": float}}``,
        each ``{...}`` holding ``tp, predicted, labelled, precision, recall``;
        plus ``"errors"``: the sentences detected wrongly or missed.
    """
    labelled_passages = {label.passage_id for label in labels}
    subjects = {(c.passage_id, c.text.strip()): c.subject for items in detected.values() for c in items}
    predicted = {
        (c.passage_id, c.text.strip()): c.act
        for pid, items in detected.items()
        if pid in labelled_passages
        for c in items
    }
    truth = {(label.passage_id, label.text): label for label in labels}
    report: dict = {}
    errors: list[dict] = []
    for lang in sorted({label.lang for label in labels}):
        gold = {k: v.act for k, v in truth.items() if v.lang == lang and v.commitment}
        pred = {k: a for k, a in predicted.items() if _lang_of(k[0]) == lang}
        tp = [k for k in pred if k in gold]
        acts = {}
        for act in ACTS:
            pa = {k for k, a in pred.items() if a == act}
            ga = {k for k, a in gold.items() if a == act}
            acts[act] = _pr(len(pa & ga), len(pa), len(ga))
        agreeing = sum(pred[k] == gold[k] for k in tp)
        # Subject (when not « nous »): the labelled one must begin the detected one, or the reverse.
        with_subject = [k for k in tp if truth[k].subject]
        same_subject = sum(_same_subject(truth[k].subject, subjects.get(k)) for k in with_subject)
        spurious = sum(1 for k in tp if not truth[k].subject and subjects.get(k))
        report[lang] = {
            "all": _pr(len(tp), len(pred), len(gold)),
            "acts": acts,
            "act_agreement": round(agreeing / len(tp), 4) if tp else 1.0,
            "subjects": {"labelled": len(with_subject), "found": same_subject, "spurious": spurious},
        }
        for k in sorted(set(pred) | set(gold)):
            if pred.get(k) != gold.get(k):
                errors.append({"passage_id": k[0], "text": k[1], "detected": pred.get(k), "labelled": gold.get(k)})
    report["errors"] = errors
    return report
