"""Commitments: the sentences by which the signatories bind themselves to act.

A commitment is a sentence whose main predicate binds the signatories (« nous »,
or the collectivités they speak for) to a future action. Each one carries an
*act*:

``engage``
    « nous nous engageons à », a plain future of action (« nous collaborerons »,
    « feront l'objet d'échange d'informations ») or a self-obligation
    (« elles doivent continuer à coopérer »; 〜していく, 〜べきである).
``propose``
    « nous (nous) proposons de » (〜することを提案する).
``agree``
    « nous convenons / sommes convenus / sommes d'accord pour » (〜することで合意する),
    and the items of a list the declaration introduces as agreed lines of
    cooperation (« deux axes de coopération … se sont dégagés : »).
``decide``
    « nous décidons », « il est décidé de », an announced arrangement
    (« un Prix sera remis ») (〜を決定する).
``resolve``
    « nous sommes résolus à » (〜していく決意である).
``wish``
    « nous souhaitons », « notre volonté de », « formulons le souhait / le vœu »,
    « les collectivités désirent » (〜を望む, 〜と願う, 意志を表明する).

Recognitions, convictions, statements of importance or fact, and reports of
what was discussed or decided before are not commitments.

The rules read the analysed sentence, not the passage: French commitments are
first-person-plural (or named-collectivité) forms of a small set of verbs, found
by their forms in the declarations and, for any other tense or subject, by their
lemma (simplemma: « nous souhaiterions », « les villes conviennent ») in a
present, future or conditional form, so « a proposé » (a past report by the
steering committee) or « avaient convenu » never match; Japanese is head-final,
so only the sentence-final predicate is read (「〜を強調しなければならない」 is
an emphasis, not an obligation; 「合意していた」 a report). Items of a list
inherit the act of the sentence that introduces it (« nous proposons de : »).

Measured on ``tests/data/commitments.jsonl`` (every sentence of the four
declarations, labelled by reading before these rules were written): see
``jumelage eval-commitments`` and ``docs/design.md``. The rules find 55 of the 56
labelled commitments with no false positive, so no embedding or classifier stage was added.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from indexer.passage import Passage
from indexer.vectors import sentence_spans

ACTS = ("engage", "propose", "agree", "decide", "resolve", "wish")


@dataclass(frozen=True)
class Commitment:
    """One commitment sentence: ``start``/``end`` are offsets into the passage text."""

    passage_id: str
    start: int
    end: int
    act: str
    text: str
    subject: str | None = None

    def to_json(self) -> dict:
        data: dict = {"start": self.start, "end": self.end, "act": self.act, "text": self.text}
        if self.subject:
            data["subject"] = self.subject
        return data


# ---------------------------------------------------------------- French rules

# Verb forms by lemma, first person plural unless said: the act is read from the verb, the
# person from « nous ». Ordered: a sentence with several cues takes the first act listed.
_FR_ACTS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (act, re.compile(pattern))
    for act, pattern in (
        ("engage", r"\bnous nous (?:engageons|engagerons)\b"),
        ("resolve", r"\bnous sommes (?:\w+ )?(?:résolus|résolues|déterminés|déterminées)\b"),
        ("decide", r"\bnous (?:décidons|déciderons)\b|\bil (?:est|a été) décidé\b"),
        ("agree", r"\bnous (?:convenons|sommes convenus|sommes convenues|nous accordons|sommes d'accord pour)\b"),
        ("propose", r"\bnous (?:nous )?proposons\b"),
        (
            "wish",
            (
                r"\bnous (?:souhaitons|désirons|voulons|espérons)\b"
                r"|\bnous (?:formulons|exprimons) (?:le souhait|le vœu|le voeu)\b"
                r"|\bnotre (?:ferme )?volonté de\b"
                r"|\b(?:les collectivités(?: territoriales| locales)?|elles) (?:désirent|souhaitent|veulent)\b"
            ),
        ),
    )
)
# Weaker cues, used when no verb above matched and the item inherits nothing.
_FR_FUTURE = re.compile(
    r"\bnous (?:nous )?(?:\w+ )?(?:\w+(?:erons|irons)|ferons|serons|pourrons|devrons|aurons|irons)\b"
    r"|\b(?:feront|fera) l'objet\b"
)
_FR_ANNOUNCED = re.compile(r"\b(?:sera|seront) (?:remis|remise|organisés?|organisées?|créés?|attribués?)\b")
_FR_DEONTIC = re.compile(r"\b(?:doivent|devons|devront|devrons)\b(?: pas)?")
# A sentence reporting what a debate showed or what somebody urged carries no commitment of its own.
_FR_REPORT = re.compile(r"\b(?:a|ont) mis en évidence\b|\bil faut souligner\b|\bavons (?:abordé|discuté)\b")
# « … deux axes de coopération … se sont dégagés : » — the items below are the agreed lines.
_FR_AXES_INTRO = re.compile(r"\baxes? de coopération\b.*\b(?:dégagés?|retenus?|adoptés?)\b")
_FR_SUBJECT_STOPS = frozenset({"de", "des", "du", "d'", "entre", "à", "au", "aux", "pour", "telles", "tels"})
_FR_SUBJECT_START = re.compile(r"^(?:et |aussi,? |ainsi,? |en outre,? )?", re.IGNORECASE)


def _fr(sentence: str) -> str:
    return sentence.replace("’", "'").lower()


def _french_subject(sentence: str, verb_start: int) -> str | None:
    """The words before a third-person verb: its subject (« Les collectivités », « Elles »).

    A leading adverbial phrase ending in a comma (« En termes de développement
    industriel, ») is dropped, and an apposition after the subject cut off.
    """
    head = sentence[:verb_start].strip().rstrip(",").strip()
    if not head:
        return None
    parts = [p.strip() for p in head.split(",") if p.strip()]
    candidates = [p for p in parts if re.match(r"(?i)(?:les?|la|l'|des|elles|ils)\b", p)]
    subject = candidates[0] if candidates else parts[-1]
    subject = _FR_SUBJECT_START.sub("", subject)
    words = subject.split()
    cut = next((i for i, w in enumerate(words) if i >= 2 and w.lower() in _FR_SUBJECT_STOPS), len(words))
    subject = " ".join(words[: min(cut, 5)])
    return None if subject.lower() in ("nous", "") else subject


_FR_PRONOUNS = frozenset({"elles", "ils"})


def _antecedent(previous: str) -> str | None:
    """The plural noun phrase a sentence-initial « Elles » / « Ils » most likely stands for.

    The first clause of the previous sentence that opens with « les » (after any
    leading adverbial phrase): « …, les autorités locales urbaines et rurales
    mettent en œuvre … » → « les autorités locales urbaines ».
    """
    for part in previous.split(","):
        words = part.split()
        if words and words[0].lower() == "les":
            cut = next(
                (i for i, w in enumerate(words) if i >= 2 and w.lower() in _FR_SUBJECT_STOPS | {"et"}), len(words)
            )
            return " ".join(words[: min(cut, 4)])
    return None


# Verb lemmas that carry an act when their subject is « nous » or the collectivités (simplemma
# lemmatises any tense: « nous souhaiterions », « les villes conviennent »); reflexive-only ones
# (« nous nous engageons », « nous nous accordons ») are marked.
_ACT_LEMMAS = {
    "proposer": "propose",
    "convenir": "agree",
    "décider": "decide",
    "résoudre": "resolve",
    "souhaiter": "wish",
    "désirer": "wish",
    "vouloir": "wish",
    "espérer": "wish",
}
_REFLEXIVE_ACT_LEMMAS = {"engager": "engage", "accorder": "agree"}
_PARTICIPLES = {"décidé": "decide", "convenu": "agree", "convenus": "agree", "résolu": "resolve"}
_FR_PLURAL_SUBJECT = re.compile(
    r"\b((?:les|nos) (?:collectivités(?: territoriales| locales)?|villes|participants|partenaires|signataires)|elles|ils)"
    r" (?:(?:se|s')\s?)?(\w+)\b"
)
_FR_NOUS_VERB = re.compile(r"\bnous (nous |avons )?(\w+)\b")


def _lemma(word: str) -> str:
    import simplemma  # lazy: its French dictionary takes ~0.7 s to load, paid once and only here

    return simplemma.lemmatize(word, lang="fr")


def _present_future_or_conditional(verb: str, person: str) -> bool:
    """« -ons » / « -ent » forms that are not past (imperfect « -ions », « -aient »), conditional allowed."""
    if person == "nous":
        return verb.endswith("ons") and (not verb.endswith("ions") or verb.endswith("rions"))
    return verb.endswith(("ent", "ront")) and not verb.endswith("aient")


def _lemma_act(sentence: str) -> tuple[str | None, str | None]:
    """The act carried by a verb lemma with « nous » or a collectivité subject, and that subject."""
    s = _fr(sentence)
    for m in _FR_NOUS_VERB.finditer(s):
        aux, verb = m.group(1), m.group(2)
        if aux == "avons ":
            if verb in _PARTICIPLES:
                return _PARTICIPLES[verb], None
            continue
        if not _present_future_or_conditional(verb, "nous"):
            continue
        lemma = _lemma(verb)
        act = _REFLEXIVE_ACT_LEMMAS.get(lemma) if aux == "nous " else None
        act = act or _ACT_LEMMAS.get(lemma)
        if act:
            return act, None
    for m in _FR_PLURAL_SUBJECT.finditer(s):
        verb = m.group(2)
        if not _present_future_or_conditional(verb, "ils"):
            continue
        lemma = _lemma(verb)
        reflexive = s[m.end(1) : m.start(2)].strip() in ("se", "s'")
        act = (_REFLEXIVE_ACT_LEMMAS.get(lemma) if reflexive else None) or _ACT_LEMMAS.get(lemma)
        if act:
            return act, sentence[m.start(1) : m.end(1)]
    return None, None


def french_act(sentence: str) -> tuple[str | None, str | None]:
    """The act of one French sentence read alone, and its subject when not « nous »."""
    s = _fr(sentence)
    for act, pattern in _FR_ACTS:
        m = pattern.search(s)
        if m:
            said = m.group(0)
            if said.startswith(("nous", "il ", "notre")):
                # « nous formulons le vœu que les collectivités apportent … »: the wish is about them.
                wished = re.search(
                    r"\b(?:vœu|voeu|souhait) que (les? [\w\-]+(?: (?:territoriales|locales))?)", sentence
                )
                return act, wished.group(1) if wished else None
            named = re.match(r"(les collectivités(?: territoriales| locales)?|elles) ", said)
            return act, sentence[m.start() : m.start() + len(named.group(1))] if named else _french_subject(
                sentence, m.start()
            )
    if _FR_REPORT.search(s):
        return None, None
    lemma_act, subject = _lemma_act(sentence)
    if lemma_act:
        return lemma_act, subject
    if _FR_FUTURE.search(s):
        m = re.search(r"\b(?:feront|fera) l'objet\b", s)
        return "engage", _french_subject(sentence, m.start()) if m else None
    m = _FR_ANNOUNCED.search(s)
    if m:
        return "decide", None
    m = _FR_DEONTIC.search(s)
    if m:
        start = m.start() - 3 if s[: m.start()].endswith("ne ") else m.start()
        return "engage", _french_subject(sentence, start)
    return None, None


def french_inherited_act(sentence: str) -> tuple[str | None, str | None]:
    """The act the items of a list take from the sentence that introduces it (ends with « : »)."""
    s = _fr(sentence).rstrip()
    if not s.endswith(":"):
        return None, None
    if _FR_AXES_INTRO.search(s):
        return "agree", "les collectivités"
    act, subject = french_act(sentence)
    return act, subject


# -------------------------------------------------------------- Japanese rules

# The sentence-final predicate decides (Japanese is head-final); 。 and closing brackets are stripped.
_JA_ACTS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (act, re.compile(f"(?:{pattern})$"))
    for act, pattern in (
        ("engage", r"(?:ことを)?約束(?:する|します)"),
        ("resolve", r"決意(?:である|する|を表明する)"),
        ("decide", r"(?:こと|の)を決定(?:する|した)|を決議する"),
        ("agree", r"(?:こと|の)で合意(?:する|した)|ことに合意(?:する|した)"),
        ("propose", r"(?:こと|の)を提案する"),
        ("wish", r"(?:ことを|と)(?:望む|願う|望んでいる|願っている)|意志を表明する"),
        ("engage", r"ていく|て参る|の対象とする|に取り組む|に取り組んでいく|に努める"),
    )
)
_JA_DEONTIC = re.compile(r"(?:なければならない|べきである|べきだ)$")
_JA_NOT_ACTION = re.compile(r"(?:強調|指摘|確認|認識|留意)し(?:なければならない)$")
_JA_AXES_INTRO = re.compile(r"協力について.{0,6}方向性が示された$")
_JA_SUBJECT = re.compile(r"^(?:そして|また|さらに|そこで)?、?([^、。]{1,20}?)は、")
_JA_NOT_SUBJECT = ("我々", "我が", "今後", "本交流会議")


def _ja_final(sentence: str) -> str:
    return sentence.strip().rstrip("。．.」』）)：:").strip()


def _japanese_subject(sentence: str) -> str | None:
    m = _JA_SUBJECT.match(sentence.strip())
    if m and m.group(1).startswith("我々"):
        # 「我々は、地方自治体が、…ことを願う」: the clause's own subject is the one acting.
        inner = re.match(r"^[^、。]*我々は、([^、。]{1,20}?)が、", sentence.strip())
        return inner.group(1) if inner else None
    if not m:
        return None
    subject = m.group(1)
    if subject.startswith(_JA_NOT_SUBJECT) or subject.endswith(("に関して", "には", "ためには", "では", "について")):
        return None
    return subject


def japanese_act(sentence: str) -> tuple[str | None, str | None]:
    """The act of one Japanese sentence, read from its final predicate, and its subject when not 我々."""
    final = _ja_final(sentence)
    for act, pattern in _JA_ACTS:
        if pattern.search(final):
            return act, _japanese_subject(sentence)
    if _JA_DEONTIC.search(final) and not _JA_NOT_ACTION.search(final):
        return "engage", _japanese_subject(sentence)
    return None, None


def japanese_inherited_act(sentence: str) -> tuple[str | None, str | None]:
    """The act the items of a list take from the sentence that introduces it."""
    final = _ja_final(sentence)
    if _JA_AXES_INTRO.search(final):
        return "agree", "自治体"
    if sentence.strip().endswith(("：", ":")):
        return japanese_act(sentence)
    return None, None


# ----------------------------------------------------------------- passages


def _sentence_act(lang: str, sentence: str) -> tuple[str | None, str | None]:
    return japanese_act(sentence) if lang == "ja" else french_act(sentence)


def _inherited(lang: str, sentence: str) -> tuple[str | None, str | None]:
    return japanese_inherited_act(sentence) if lang == "ja" else french_inherited_act(sentence)


def detect_document(passages: Sequence[Passage]) -> dict[str, list[Commitment]]:
    """Commitments of the passages of one document, given in reading order.

    A list item with no act of its own takes the act of the sentence that
    introduced its list (the last sentence of the nearest preceding passage
    that is not a list item, when it ends with a colon).
    """
    found: dict[str, list[Commitment]] = {}
    inherited: tuple[str | None, str | None] = (None, None)
    for p in passages:
        spans = sentence_spans(p.text)
        if p.kind != "list_item":
            inherited = _inherited(p.lang, p.text[spans[-1][0] : spans[-1][1]]) if spans else (None, None)
        if not p.kind.is_prose:  # headings, captions and table rows (talk titles) commit to nothing
            continue
        for k, (start, end) in enumerate(spans):
            sentence = p.text[start:end]
            act, subject = _sentence_act(p.lang, sentence)
            if act is None and p.kind == "list_item" and inherited[0] is not None:
                act, subject = inherited
            if subject and subject.lower() in _FR_PRONOUNS and k > 0:
                subject = _antecedent(p.text[spans[k - 1][0] : spans[k - 1][1]]) or subject
            if act is not None:
                found.setdefault(p.passage_id, []).append(Commitment(p.passage_id, start, end, act, sentence, subject))
    return found


def detect_commitments(passages: Iterable[Passage]) -> dict[str, list[Commitment]]:
    """Commitments of every passage (any mix of documents, each in reading order), by passage id."""
    by_doc: dict[str, list[Passage]] = {}
    for p in passages:
        by_doc.setdefault(p.doc_id, []).append(p)
    found: dict[str, list[Commitment]] = {}
    for doc_passages in by_doc.values():
        found.update(detect_document(sorted(doc_passages, key=lambda p: p.ordinal)))
    return found
