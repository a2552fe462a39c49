"""The Japanese working translations (参考訳): complete, aligned, faithful in numbers and terms.

Runs on the real corpus, without the embedding model. What is checked:

* alignment: every French passage of a translated document has at least one
  Japanese partner and every Japanese passage at least one French partner;
  ``aligned_passage_ids`` are symmetric;
* numbers: every ``\\d+`` of a French passage, plus the numbers written in
  words listed in ``WORD_NUMBERS``, appears as Arabic digits in the aligned
  Japanese text;
* terms: every ``corpus/glossary.tsv`` term found in a French passage has its
  Japanese form in the aligned Japanese text (``GLOSSARY_EXCEPTIONS`` lists the
  few accepted departures, with the reason);
* misalignment fails loudly (``AlignmentError`` naming the passage);
* the manifest marks both texts as 参考訳 translations of the French ids;
* Japanese passages carry Japanese section labels, and the structure
  (headings, table rows, list items) follows the French.
"""

from __future__ import annotations

import csv
import re
import unicodedata

import pytest

from indexer.alignment import AlignmentError, align_translation, fingerprint
from indexer.normalize import normalize_french
from indexer.passage import Passage
from tests.helpers import CORPUS

TRANSLATIONS = {"2010-kanazawa-ja": "2010-kanazawa-fr", "2012-chartres-ja": "2012-chartres-fr"}
JA_PATHS = {"2010-kanazawa-ja": "ja/2010-kanazawa.txt", "2012-chartres-ja": "ja/2012-chartres.txt"}
FR_PATHS = {"2010-kanazawa-fr": "fr/2010-kanazawa.txt", "2012-chartres-fr": "fr/2012-chartres.txt"}

# Numbers written in words that the translation must give in Arabic digits, so
# a search for "44" or "第3回" finds the Japanese passage. Patterns run on the
# folded French text (lowercase, no accents, hyphens as spaces).
WORD_NUMBERS = {
    r"dix huit": "18",
    r"vingt six": "26",
    r"quarante quatre": "44",
    r"cent cinquantieme": "150",
    r"premieres?": "1",  # premières Rencontres, première édition → 第1回
    r"deuxiemes?": "2",
    r"troisiemes?": "3",
    r"quatriemes?": "4",  # quatrième atelier → 第4の分科会; quatrièmes rencontres → 第4回
    r"trois": "3",  # les trois ateliers → 3つの分科会
    # "deux" is only a count before these nouns; "nos deux pays", "nos deux
    # peuples" are rendered idiomatically as 両国 / 両国民 and not checked.
    r"deux(?= (?:axes|nouveautes|collectivites))": "2",
    # Months become N月 in a Japanese date.
    r"janvier": "1",
    r"fevrier": "2",
    r"mars": "3",
    r"avril": "4",
    r"mai": "5",
    r"juin": "6",
    r"juillet": "7",
    r"aout": "8",
    r"septembre": "9",
    r"octobre": "10",
    r"novembre": "11",
    r"decembre": "12",
}

# (French passage id, glossary term) pairs where the Japanese legitimately
# departs from the glossary form. Keep this list short and explain each entry.
GLOSSARY_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("2012-chartres-fr:60", "ville"): "Matsushima is a town: « Ville de Matsushima » is 松島町, not 松島市",
    ("2010-kanazawa-fr:2", "relations franco-japonaises"): "the 2008 celebrations of the 150th anniversary "
    "of the relations are known in Japanese as 日仏交流150周年",
}


def _fold(text: str) -> str:
    """Lowercase, apostrophes normalised, accents removed, hyphens as spaces, spaces collapsed."""
    text = text.replace("’", "'").replace("‘", "'")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    text = text.replace("-", " ")
    return re.sub(r"\s+", " ", text.lower()).strip()


def _load_glossary() -> list[tuple[str, str, str]]:
    with (CORPUS / "glossary.tsv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert rows[0] == ["fr", "ja", "note"], "glossary.tsv must start with the header fr<TAB>ja<TAB>note"
    return [tuple(row) for row in rows[1:] if row]


def _term_pattern(fr: str) -> re.Pattern:
    """Whole-word, case-insensitive pattern; common nouns also match their plural/singular form."""
    proper = fr[:1].isupper()
    parts = []
    for word in _fold(fr).split(" "):
        if not proper and len(word) >= 5:
            base = word[:-1] if word[-1] in "sx" else word
            parts.append(re.escape(base) + "[sx]?")
        else:
            parts.append(re.escape(word))
    return re.compile(r"(?<!\w)" + " ".join(parts) + r"(?!\w)")


def _terms_in(french_text: str, glossary) -> list[tuple[str, str]]:
    """Glossary terms found in a French text, longest first; a longer term hides the terms inside it."""
    text = _fold(french_text)
    found = []
    for fr, ja, _ in sorted(glossary, key=lambda row: len(_fold(row[0])), reverse=True):
        pattern = _term_pattern(fr)
        if pattern.search(text):
            found.append((fr, ja))
            text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return found


@pytest.fixture(scope="module")
def by_id(passages) -> dict[str, Passage]:
    return {p.passage_id: p for p in passages}


@pytest.fixture(scope="module")
def pairs(passages, by_id):
    """(French passage, its Japanese partners' joined text) for both translated documents."""
    out = []
    for p in passages:
        if p.doc_id in TRANSLATIONS.values():
            ja = "".join(by_id[q].text for q in p.aligned_passage_ids)
            out.append((p, ja))
    return out


def _raw_ja(doc_id: str) -> str:
    return (CORPUS / JA_PATHS[doc_id]).read_text(encoding="utf-8")


def _french(doc_id: str) -> list[Passage]:
    return normalize_french((CORPUS / FR_PATHS[doc_id]).read_text(encoding="utf-8"), doc_id)


# --- alignment ------------------------------------------------------------------


@pytest.mark.parametrize("ja_doc,fr_doc", sorted(TRANSLATIONS.items()))
def test_every_passage_is_aligned_both_ways(passages, ja_doc, fr_doc):
    french = [p for p in passages if p.doc_id == fr_doc]
    japanese = [p for p in passages if p.doc_id == ja_doc]
    assert french and japanese
    for p in french:
        assert p.aligned_passage_ids, f"{p.passage_id} has no Japanese translation"
        assert all(q.startswith(ja_doc + ":") for q in p.aligned_passage_ids), p.passage_id
    for p in japanese:
        assert p.aligned_passage_ids, f"{p.passage_id} translates no French passage"
        assert all(q.startswith(fr_doc + ":") for q in p.aligned_passage_ids), p.passage_id
        assert p.lang == "ja"
    # 1:1 throughout: the translation keeps the French paragraphing.
    assert len(french) == len(japanese)


def test_alignment_is_symmetric(passages, by_id):
    for p in passages:
        for q in p.aligned_passage_ids:
            assert q in by_id, f"{p.passage_id} is aligned to unknown {q}"
            assert p.passage_id in by_id[q].aligned_passage_ids, f"{p.passage_id} → {q} but not back"


def test_japanese_files_keep_no_french_draft_lines():
    for doc_id in JA_PATHS:
        raw = _raw_ja(doc_id)
        body = raw[raw.index("\n@") :]
        leftovers = [line for line in body.split("\n") if line.startswith("#")]
        assert not leftovers, f"{JA_PATHS[doc_id]}: draft comment lines left: {leftovers[:2]}"


# --- faithfulness: numbers and terms ----------------------------------------------


def test_every_number_of_a_french_passage_is_in_its_translation(pairs):
    missing = []
    for p, ja in pairs:
        digits = set(re.findall(r"\d+", unicodedata.normalize("NFKC", ja)))
        required = set(re.findall(r"\d+", p.text))
        folded = _fold(p.text)
        for pattern, number in WORD_NUMBERS.items():
            if re.search(r"(?<!\w)" + pattern + r"(?!\w)", folded):
                required.add(number)
        missing += [f"{p.passage_id}: {n}" for n in sorted(required - digits)]
    assert not missing, "numbers missing from the Japanese: " + "; ".join(missing)


def test_word_numbers_are_found_where_expected(pairs):
    """Guard the mapping itself: the Kanazawa preamble's counts are checked."""
    first = next(p for p, _ in pairs if p.passage_id == "2010-kanazawa-fr:1")
    folded = _fold(first.text)
    assert re.search(r"(?<!\w)dix huit(?!\w)", folded) and re.search(r"(?<!\w)vingt six(?!\w)", folded)


def test_glossary_has_the_key_terms():
    glossary = _load_glossary()
    assert len(glossary) >= 40
    assert all(len(row) == 3 and row[0] and row[1] for row in glossary), "each row: fr, ja, note"
    french = [_fold(row[0]) for row in glossary]
    assert len(french) == len(set(french)), "a French term is listed twice"
    ja = {row[0]: row[1] for row in glossary}
    assert ja["coopération décentralisée"] == "自治体間協力"
    assert ja["mondialisation"] == "グローバル化"
    assert ja["développement durable"] == "持続可能な開発"
    assert ja["grand séisme de l'est du japon"] == "東日本大震災"


def test_glossary_terms_are_translated_consistently(pairs):
    glossary = _load_glossary()
    missing = []
    used = set()
    for p, ja in pairs:
        for fr, ja_term in _terms_in(p.text, glossary):
            used.add(fr)
            if ja_term not in ja and (p.passage_id, fr) not in GLOSSARY_EXCEPTIONS:
                missing.append(f"{p.passage_id}: {fr!r} → {ja_term!r}")
    assert not missing, "glossary terms not rendered as listed: " + "; ".join(missing)
    assert len(used) >= 40, "the glossary should describe terms that occur in the texts"


def test_a_longer_glossary_term_hides_the_terms_inside_it():
    glossary = _load_glossary()
    found = _terms_in("les troisièmes Rencontres franco-japonaises de la coopération décentralisée", glossary)
    assert [fr for fr, _ in found] == ["rencontres franco-japonaises de la coopération décentralisée"]
    assert ("Tours", "トゥール") not in _terms_in("témoigne à son tour", glossary)


# --- misalignment fails loudly ------------------------------------------------------


def _marker_line(raw: str, pid: str) -> str:
    lines = [line for line in raw.split("\n") if line.startswith(f"@ {pid}#")]
    assert len(lines) == 1, pid
    return lines[0]


def test_swapped_fingerprints_raise_naming_the_passage():
    raw = _raw_ja("2010-kanazawa-ja")
    a, b = _marker_line(raw, "2010-kanazawa-fr:5"), _marker_line(raw, "2010-kanazawa-fr:6")
    fa, fb = a.rsplit("#", 1)[1], b.rsplit("#", 1)[1]
    broken = raw.replace(a, a.replace(fa, fb)).replace(b, b.replace(fb, fa))
    with pytest.raises(AlignmentError, match=r"2010-kanazawa-fr:5\b"):
        align_translation(broken, "2010-kanazawa-ja", _french("2010-kanazawa-fr"), JA_PATHS["2010-kanazawa-ja"])


def test_shifted_ordinal_raises_naming_the_passage():
    raw = _raw_ja("2012-chartres-ja")
    line = _marker_line(raw, "2012-chartres-fr:12")
    broken = raw.replace(line, line.replace("2012-chartres-fr:12#", "2012-chartres-fr:13#"))
    with pytest.raises(AlignmentError, match=r"2012-chartres-fr:13\b.*moved"):
        align_translation(broken, "2012-chartres-ja", _french("2012-chartres-fr"), JA_PATHS["2012-chartres-ja"])


def test_all_ordinals_shifted_by_one_raise():
    raw = _raw_ja("2010-kanazawa-ja")
    shifted = re.sub(r"^@ 2010-kanazawa-fr:(\d+)#", lambda m: f"@ 2010-kanazawa-fr:{int(m[1]) + 1}#", raw, flags=re.M)
    with pytest.raises(AlignmentError, match="2010-kanazawa-fr:"):
        align_translation(shifted, "2010-kanazawa-ja", _french("2010-kanazawa-fr"))


def test_a_missing_translation_raises_naming_the_french_passage():
    raw = _raw_ja("2012-chartres-ja")
    line = _marker_line(raw, "2012-chartres-fr:76")
    start = raw.index(line)
    end = raw.index("\n@", start + 1)
    with pytest.raises(AlignmentError, match=r"without a translation: 2012-chartres-fr:76\b"):
        align_translation(raw[:start] + raw[end + 1 :], "2012-chartres-ja", _french("2012-chartres-fr"))


def _renumbered(passages: list[Passage], doc_id: str) -> list[Passage]:
    return [Passage(doc_id, p.lang, i, p.kind, p.section, p.text, p.start, p.end) for i, p in enumerate(passages)]


@pytest.mark.parametrize("ja_doc,fr_doc", sorted(TRANSLATIONS.items()))
def test_a_changed_normalizer_makes_loading_fail(ja_doc, fr_doc):
    raw = _raw_ja(ja_doc)
    french = _french(fr_doc)
    align_translation(raw, ja_doc, french)  # the real texts align

    dropped = french[:9] + french[10:]  # a passage lost, ordinals unchanged
    with pytest.raises(AlignmentError, match=rf"{fr_doc}:9\b"):
        align_translation(raw, ja_doc, dropped)

    with pytest.raises(AlignmentError, match=rf"{fr_doc}:9\b"):  # a passage lost, later ordinals shifted
        align_translation(raw, ja_doc, _renumbered(dropped, fr_doc))

    joined = [
        *french[:4],
        Passage(
            fr_doc,
            "fr",
            4,
            "paragraph",
            french[4].section,
            french[4].text + " " + french[5].text,
            french[4].start,
            french[5].end,
        ),
    ]
    with pytest.raises(AlignmentError, match=rf"{fr_doc}:4\b"):  # two paragraphs joined into one
        align_translation(raw, ja_doc, _renumbered(joined + french[6:], fr_doc))


def test_fingerprints_in_the_files_match_the_french_passages():
    for ja_doc, fr_doc in TRANSLATIONS.items():
        french = {p.passage_id: p for p in _french(fr_doc)}
        for pid, fp in re.findall(r"^@ (\S+?)#([0-9a-f]{8})$", _raw_ja(ja_doc), flags=re.M):
            assert fingerprint(french[pid].text) == fp, pid


# --- manifest -------------------------------------------------------------------------


@pytest.mark.parametrize("ja_doc,fr_doc", sorted(TRANSLATIONS.items()))
def test_manifest_marks_working_translations(corpus, ja_doc, fr_doc):
    ja, fr = corpus.document(ja_doc), corpus.document(fr_doc)
    assert ja.status == "参考訳" and ja.translation_of == fr_doc and ja.is_translation
    assert ja.lang == "ja" and ja.path == JA_PATHS[ja_doc]
    assert (ja.edition, ja.city, ja.country, ja.date) == (fr.edition, fr.city, fr.country, fr.date)
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", ja.title), "the title is in Japanese"
    header = _raw_ja(ja_doc).split("\n@", 1)[0]
    assert "参考訳" in header and "jumelage" in header and "公式" in header
    assert "traduction de travail" in header.lower() and "pas un texte officiel" in header
    assert FR_PATHS[fr_doc] in header


# --- structure, sections, register ----------------------------------------------------


def test_japanese_headings_give_japanese_sections(by_id):
    assert by_id["2010-kanazawa-ja:9"].text == "文化"
    assert by_id["2010-kanazawa-ja:10"].section == "文化"
    assert by_id["2010-kanazawa-ja:17"].section == "経済"
    assert by_id["2010-kanazawa-ja:24"].section == "環境"
    assert by_id["2010-kanazawa-ja:30"].section == "社会"
    assert by_id["2010-kanazawa-ja:1"].section == "金沢宣言"
    assert by_id["2012-chartres-ja:59"].section == "住民の安全と生活環境に関するイノベーション › 発表 - 日本側自治体"
    assert by_id["2012-chartres-ja:76"].section == "日仏模範的協力賞"
    assert by_id["2012-chartres-ja:78"].section == "結び"


def test_japanese_sections_have_no_french_left(passages):
    for p in passages:
        if p.doc_id in TRANSLATIONS:
            assert p.section and not re.search(r"[A-Za-zÀ-ÿ]", p.section), (p.passage_id, p.section)


def test_structure_follows_the_french(passages, by_id):
    for p in passages:
        if p.doc_id not in TRANSLATIONS:
            continue
        fr = by_id[p.aligned_passage_ids[0]]
        assert p.kind == fr.kind
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", p.text), f"{p.passage_id} is not Japanese"
        if p.kind in ("title", "heading", "caption", "table_header"):
            assert len(p.text) <= 30, f"{p.passage_id}: a heading stays short"
        if p.kind in ("table_row", "table_header"):
            assert p.text.count(" — ") == fr.text.count(" — "), f"{p.passage_id}: keep the ' — ' separator"


def test_register_is_plain_dearu_style(passages):
    """である調 in both documents: no です・ます sentence endings."""
    for p in passages:
        if p.doc_id in TRANSLATIONS:
            assert not re.search(r"(です|ます|でした|ました|ません)[。、）]?", p.text), p.passage_id
