"""`jumelage add` / `remove`: layout invariance over renderings of the bundled texts, bad input, undo."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import zipfile
from pathlib import Path

import pytest

from indexer.corpus import load_corpus
from indexer.normalize import normalize_document
from indexer.passage_length import MAX_TOKENS, estimate_tokens
from jumelage.cli import main
from tests.helpers import CORPUS
from tests.renderings import (
    FRENCH_DOCS,
    JAPANESE_DOCS,
    LATIN_FONT,
    agreement,
    font,
    render_docx,
    render_html,
    render_japanese_wrapped,
    render_markdown,
    render_pdf,
    render_wrapped,
)


@pytest.fixture()
def corpus_copy(tmp_path) -> Path:
    root = tmp_path / "corpus"
    shutil.copytree(CORPUS, root)
    return root


def _tree_digest(*roots: Path) -> str:
    digest = hashlib.sha256()
    for root in roots:
        if not root.exists():
            digest.update(b"<absent>")
            continue
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _add(capsys, corpus: Path, file: Path, *args: str) -> tuple[int, str, str]:
    rc = main(["add", str(file), "--corpus", str(corpus), *args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def _added_passages(corpus: Path, doc_id: str):
    loaded = load_corpus(corpus)
    doc = loaded.document(doc_id)
    return normalize_document(loaded.read_text(doc), doc_id, doc.lang)


def _render(kind: str, passages, tmp_path: Path) -> Path:
    if kind == "pdf":
        if font(LATIN_FONT) is None:
            pytest.skip("no DejaVu font to write the PDF with")
        return render_pdf(passages, tmp_path / "decl.pdf")
    if kind == "docx":
        return render_docx(passages, tmp_path / "decl.docx")
    if kind == "html":
        path = tmp_path / "decl.html"
        path.write_text(render_html(passages), encoding="utf-8")
        return path
    if kind == "md":
        path = tmp_path / "decl.md"
        path.write_text(render_markdown(passages), encoding="utf-8")
        return path
    text = render_wrapped(passages, 80)
    path = tmp_path / "decl.txt"
    if kind == "txt":
        path.write_text(text, encoding="utf-8")
    else:  # CRLF and a BOM
        path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    return path


THRESHOLDS = {"pdf": 0.95, "docx": 0.95, "html": 0.95, "md": 0.95, "txt": 0.90, "crlf-bom": 0.90, "ja-40": 0.90}


@pytest.mark.parametrize("kind", ["pdf", "docx", "html", "md", "txt", "crlf-bom"])
@pytest.mark.parametrize("doc_id", FRENCH_DOCS)
def test_french_renderings_give_the_bundled_passages(capsys, corpus_copy, tmp_path, passages, doc_id, kind):
    bundled = [p for p in passages if p.doc_id == doc_id]
    file = _render(kind, bundled, tmp_path)
    rc, _, err = _add(capsys, corpus_copy, file, "--id", "x-fr", "--lang", "fr", "--no-index")
    assert rc == 0, err
    got = _added_passages(corpus_copy, "x-fr")
    score = agreement([p.text for p in bundled], [p.text for p in got])
    assert score >= THRESHOLDS[kind], f"{doc_id} as {kind}: {score:.1%}"
    assert all(estimate_tokens(p.text) <= MAX_TOKENS for p in got)
    added, bundled_doc = load_corpus(corpus_copy).document("x-fr"), load_corpus(corpus_copy).document(doc_id)
    assert added.edition == (2 if doc_id.startswith("2010") else 3)
    assert added.date == bundled_doc.date  # read from the signing line, not the edition's first day


@pytest.mark.parametrize("doc_id", JAPANESE_DOCS)
def test_japanese_wrapped_at_40_without_blank_lines(capsys, corpus_copy, tmp_path, passages, doc_id):
    bundled = [p for p in passages if p.doc_id == doc_id]
    file = tmp_path / "ja.txt"
    file.write_text(render_japanese_wrapped(bundled, 40), encoding="utf-8")
    original = doc_id.replace("-ja", "-fr")
    rc, _, err = _add(
        capsys, corpus_copy, file, "--id", "x-ja", "--lang", "ja", "--translation-of", original, "--no-index"
    )
    assert rc == 0, err
    got = _added_passages(corpus_copy, "x-ja")
    score = agreement([p.text for p in bundled], [p.text for p in got])
    assert score >= THRESHOLDS["ja-40"], f"{doc_id}: {score:.1%}"
    assert not any(
        " " in p.text and "　" not in p.text and p.kind == "paragraph" and "—" not in p.text
        for p in got
        if all(ord(c) > 0x2000 or c.isdigit() for c in p.text.replace(" ", ""))
    ), "Japanese lines were joined with spaces"
    added = load_corpus(corpus_copy).document("x-ja")
    assert added.status == "参考訳" and added.date == load_corpus(corpus_copy).document(original).date


def test_edition_is_read_from_the_text_and_a_new_edition_added(capsys, corpus_copy, tmp_path):
    file = tmp_path / "tours.txt"
    file.write_text(
        "Déclaration de Tours\n\nNous, les représentants des collectivités réunis à Tours pour les "
        "5 e Rencontres franco-japonaises de la coopération décentralisée, tenues pour la première fois "
        "à Nancy en 2008, adoptons la déclaration suivante.\n\nNous nous engageons à coopérer.\n",
        encoding="utf-8",
    )
    before = (corpus_copy / "declarations.toml").read_bytes()
    rc, _, err = _add(
        capsys,
        corpus_copy,
        file,
        "--id",
        "2016-tours-fr",
        "--lang",
        "fr",
        "--city",
        "Tours",
        "--date",
        "2016-10-20",
        "--no-index",
        "--json",
    )
    assert rc == 0, err
    doc = load_corpus(corpus_copy).document("2016-tours-fr")
    assert doc.edition == 5 and doc.country == "France" and doc.source_format == "txt"
    assert load_corpus(corpus_copy).edition(5).city == "Tours"
    assert main(["remove", "2016-tours-fr", "--corpus", str(corpus_copy), "--no-index"]) == 0
    assert (corpus_copy / "declarations.toml").read_bytes() == before, "remove must undo add exactly"
    assert not (corpus_copy / "fr" / "2016-tours-fr.txt").exists()


def test_json_output_names_the_document_and_its_passages(capsys, corpus_copy, tmp_path, passages):
    file = render_docx([p for p in passages if p.doc_id == "2010-kanazawa-fr"], tmp_path / "k.docx")
    rc, out, err = _add(
        capsys, corpus_copy, file, "--id", "k2-fr", "--lang", "fr", "--edition", "2", "--no-index", "--json"
    )
    assert rc == 0, err
    data = json.loads(out)
    assert data["document"]["doc_id"] == "k2-fr" and data["document"]["source_format"] == "docx"
    assert data["passages"] == 38
    assert len(data["document"]["source_sha256"]) == 64


def test_add_updates_the_index_and_the_cited_document_lists_it(capsys, corpus_copy, tmp_path):
    index = tmp_path / "index"
    file = tmp_path / "t.md"
    file.write_text(
        "# Déclaration de Takamatsu\n\nNous, réunis à Takamatsu pour les 4èmes Rencontres, rappelons la "
        "déclaration de Kanazawa et la déclaration finale de Chartres.\n\n- Nous nous engageons à coopérer.\n",
        encoding="utf-8",
    )
    rc, _, err = _add(
        capsys, corpus_copy, file, "--id", "2014-takamatsu-fr", "--lang", "fr", "--index", str(index), "--keyword-only"
    )
    assert rc == 0, err
    from indexer.citations_file import read_citations
    from indexer.index_format import CITATIONS_FILE, resolve_index_dir

    citations = read_citations(_generation(resolve_index_dir(str(index))) / CITATIONS_FILE)
    cited = {
        t for r in citations.references if r.doc_id == "2014-takamatsu-fr" and r.relation == "cites" for t in r.targets
    }
    assert {"2010-kanazawa-fr", "2012-chartres-fr"} <= cited
    assert main(["citations", "2010-kanazawa-fr", "--index", str(index), "--json"]) == 0
    assert "2014-takamatsu-fr" in capsys.readouterr().out
    assert (
        main(["remove", "2014-takamatsu-fr", "--corpus", str(corpus_copy), "--index", str(index), "--keyword-only"])
        == 0
    )
    assert main(["passages", "--doc", "2014-takamatsu-fr", "--json", "--index", str(index)]) == 2


def _generation(index: Path) -> Path:
    """The folder of the generation the index serves now."""
    from indexer.index_format import current_generation_dir

    return current_generation_dir(index)


# Bad input: one line, exit 2, under a second, nothing changed.


def _image_only_pdf(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 50, style="F")
    pdf.output(str(path))
    return path


def _truncated_pdf(path: Path, passages) -> Path:
    if font(LATIN_FONT) is None:
        pytest.skip("no DejaVu font to write the PDF with")
    full = render_pdf([p for p in passages if p.doc_id == "2010-kanazawa-fr"][:10], path.with_name("full.pdf"))
    data = full.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _zip_as_docx(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a word document")
    return path


def _w(path: Path, data: str | bytes) -> Path:
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


_FRENCH_LINE = "Nous adoptons la déclaration des 2e rencontres.\n"
BAD = {
    "empty": (lambda p, ps: _w(p / "e.txt", b""), [], "empty"),
    "whitespace": (lambda p, ps: _w(p / "w.txt", "  \n\n \t \n"), [], "empty"),
    "image-only-pdf": (lambda p, ps: _image_only_pdf(p / "scan.pdf"), [], "no text layer"),
    "truncated-pdf": (lambda p, ps: _truncated_pdf(p / "cut.pdf", ps), [], "truncated"),
    "zip-as-docx": (lambda p, ps: _zip_as_docx(p / "z.docx"), [], "not a Word document"),
    "cp1252": (
        lambda p, ps: _w(p / "c.txt", "Déclaration de Tours : les élus réunis à Tours.\n".encode("cp1252")),
        [],
        "--encoding cp1252",
    ),
    "japanese-declared-fr": (
        lambda p, ps: _w(p / "j.txt", "\n\n".join(x.text for x in ps if x.doc_id == "2010-kanazawa-ja")),
        [],
        "--force-lang",
    ),
    "duplicate-id": (lambda p, ps: _w(p / "d.txt", _FRENCH_LINE), ["--id", "2010-kanazawa-fr"], "already"),
    "unknown-translation-of": (
        lambda p, ps: _w(p / "u.txt", _FRENCH_LINE),
        ["--translation-of", "1999-nowhere-fr"],
        "1999-nowhere-fr",
    ),
    "unknown-format": (lambda p, ps: _w(p / "x.rtf", "{\\rtf1 hello}"), [], "unknown format"),
    "missing-file": (lambda p, ps: p / "nowhere.pdf", [], "no such file"),
    "no-edition": (lambda p, ps: _w(p / "n.txt", "Nous adoptons la déclaration suivante.\n"), [], "--edition"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_line_exit_2_fast_and_changes_nothing(capsys, corpus_copy, tmp_path, passages, case):
    make, extra, expected = BAD[case]
    inputs = tmp_path / "in"
    inputs.mkdir()
    file = make(inputs, passages)
    index = tmp_path / "index"
    before = _tree_digest(corpus_copy, index)
    args = (["--id", "new-fr"] if "--id" not in extra else []) + ["--lang", "fr", "--index", str(index), *extra]
    started = time.perf_counter()
    rc, out, err = _add(capsys, corpus_copy, file, *args)
    elapsed = time.perf_counter() - started
    assert rc == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], err
    assert "Traceback" not in err
    assert elapsed < 1.0, f"{case}: {elapsed:.2f} s"
    assert _tree_digest(corpus_copy, index) == before


def test_remove_refuses_a_document_with_translations(capsys, corpus_copy):
    before = _tree_digest(corpus_copy)
    assert main(["remove", "2010-kanazawa-fr", "--corpus", str(corpus_copy), "--no-index"]) == 2
    assert "2010-kanazawa-ja" in capsys.readouterr().err
    assert _tree_digest(corpus_copy) == before


@pytest.mark.slow
def test_add_with_the_model_embeds_the_new_passages(tmp_path, embedding_model):
    """The real path with vectors, on a one-declaration corpus to keep it cheap."""
    from indexer.build import build_index
    from indexer.corpus_edit import remove_document
    from indexer.index_format import read_manifest
    from indexer.ingest import apply_addition, plan_addition
    from search.index_reader import open_index

    root = tmp_path / "corpus"
    shutil.copytree(CORPUS, root)
    for doc_id in ("2010-kanazawa-ja", "2012-chartres-ja", "2010-kanazawa-fr"):
        remove_document(root, doc_id)
    file = tmp_path / "t.md"
    file.write_text(
        "# Déclaration de Takamatsu\n\nNous, réunis pour les 4èmes Rencontres, rappelons la déclaration "
        "finale de Chartres.\n\n- Nous nous engageons à prévenir ensemble les risques naturels.\n",
        encoding="utf-8",
    )
    addition = plan_addition(root, file, doc_id="2014-takamatsu-fr", lang="fr")
    corpus = apply_addition(addition)
    index = tmp_path / "index"
    build_index(corpus, index, embedding_model)
    manifest = read_manifest(index)
    assert manifest.model is not None
    assert manifest.documents["2014-takamatsu-fr"] == len(addition.passages) == 3
    opened = open_index(index)
    assert opened is not None


def test_a_pdf_named_txt_and_an_encrypted_pdf_say_what_they_are(capsys, corpus_copy, tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, "Nous adoptons la declaration des 2e rencontres.")
    plain = tmp_path / "plain.pdf"
    pdf.output(str(plain))
    misnamed = _w(tmp_path / "decl.txt", plain.read_bytes())
    rc, _, err = _add(capsys, corpus_copy, misnamed, "--id", "m-fr", "--lang", "fr", "--no-index")
    assert rc == 2 and "is a PDF" in err and ".pdf extension" in err
    encrypted = FPDF()
    encrypted.set_encryption(owner_password="owner", user_password="user")
    encrypted.add_page()
    encrypted.set_font("helvetica", size=12)
    encrypted.cell(0, 10, "Nous adoptons la declaration des 2e rencontres.")
    locked = tmp_path / "locked.pdf"
    encrypted.output(str(locked))
    rc, _, err = _add(capsys, corpus_copy, locked, "--id", "m-fr", "--lang", "fr", "--no-index")
    assert rc == 2 and "encrypted" in err


def test_a_translation_added_without_the_model_says_how_to_align_it(capsys, corpus_copy, tmp_path, passages):
    file = tmp_path / "ja.txt"
    file.write_text(
        render_japanese_wrapped([p for p in passages if p.doc_id == "2012-chartres-ja"], 40), encoding="utf-8"
    )
    rc, _, err = _add(
        capsys,
        corpus_copy,
        file,
        "--id",
        "c2-ja",
        "--lang",
        "ja",
        "--translation-of",
        "2012-chartres-fr",
        "--index",
        str(tmp_path / "index"),
        "--keyword-only",
    )
    assert rc == 0, err
    assert "jumelage align 2012-chartres-fr c2-ja --write" in err
    # remove takes the alignment links away with the text
    sidecar = corpus_copy / "ja" / "c2-ja.align.tsv"
    sidecar.write_text("# links\n", encoding="utf-8")
    assert main(["remove", "c2-ja", "--corpus", str(corpus_copy), "--no-index"]) == 0
    assert not sidecar.exists() and not (corpus_copy / "ja" / "c2-ja.txt").exists()


@pytest.mark.slow
def test_a_translation_added_with_the_model_is_aligned(tmp_path, passages, embedding_model):
    import argparse

    from indexer.corpus_passages import build_passages
    from indexer.ingest import apply_addition, plan_addition
    from jumelage.commands.add_cmd import _align

    root = tmp_path / "corpus"
    shutil.copytree(CORPUS, root)
    file = tmp_path / "ja.txt"
    bundled = [p for p in passages if p.doc_id == "2012-chartres-ja"]
    file.write_text(render_japanese_wrapped(bundled, 40), encoding="utf-8")
    addition = plan_addition(root, file, doc_id="c2-ja", lang="ja", translation_of="2012-chartres-fr")
    corpus = apply_addition(addition)
    args = argparse.Namespace(doc_id="c2-ja", translation_of="2012-chartres-fr")
    assert _align(corpus, args, embedding_model) > 0
    linked = [p for p in build_passages(load_corpus(root)) if p.doc_id == "c2-ja" and p.aligned_passage_ids]
    assert len(linked) >= 0.9 * len(bundled)
    # The automatic links agree with the explicit ones of the bundled translation on most passages.
    explicit = {p.text: p.aligned_passage_ids for p in bundled}
    agree = sum(1 for p in linked if explicit.get(p.text) == p.aligned_passage_ids)
    assert agree >= 0.8 * len(linked)


def test_a_second_add_while_the_corpus_is_being_changed_fails_in_one_line(capsys, corpus_copy, tmp_path, passages):
    from indexer.corpus_edit import corpus_lock

    source = _w(tmp_path / "other.txt", "\n\n".join(p.text for p in passages if p.doc_id == "2010-kanazawa-fr") + "\n")
    before = _tree_digest(corpus_copy)
    with corpus_lock(corpus_copy):  # another `add` holds the corpus
        rc, _out, err = _add(
            capsys, corpus_copy, source, "--id", "2010-copy-fr", "--lang", "fr", "--edition", "2", "--no-index"
        )
        assert rc == 2
        assert err.count("\n") == 1 and "another `jumelage add` or `remove`" in err
        assert _tree_digest(corpus_copy) == before
    rc, _out, err = _add(
        capsys, corpus_copy, source, "--id", "2010-copy-fr", "--lang", "fr", "--edition", "2", "--no-index"
    )
    assert rc == 0, err
    assert load_corpus(corpus_copy).document("2010-copy-fr") is not None


def _vector_index(corpus: Path, target: Path, backend: str) -> Path:
    from indexer.build import build_index
    from tests.lifecycle_helpers import HashEncoder

    encoder = HashEncoder()
    encoder.backend = backend  # type: ignore[attr-defined]
    build_index(load_corpus(corpus), target, encoder)
    return target


def test_keyword_only_add_over_an_index_with_vectors_is_refused_before_anything_changes(
    capsys, corpus_copy, tmp_path, passages
):
    index = _vector_index(corpus_copy, tmp_path / "index", "onnx")
    source = _w(tmp_path / "other.txt", "\n\n".join(p.text for p in passages if p.doc_id == "2010-kanazawa-fr") + "\n")
    before = _tree_digest(corpus_copy, index)
    rc, _out, err = _add(
        capsys,
        corpus_copy,
        source,
        "--id",
        "2010-copy-fr",
        "--lang",
        "fr",
        "--edition",
        "2",
        "--index",
        str(index),
        "--keyword-only",
    )
    assert rc == 2 and err.count("\n") == 1
    assert "has embeddings" in err and "--keyword-only would drop" in err
    assert _tree_digest(corpus_copy, index) == before


@pytest.mark.parametrize("backend", ["onnx-int8", "torch"])
def test_add_embeds_with_the_backend_the_index_was_built_with(tmp_path, corpus_copy, backend, monkeypatch):
    from jumelage.commands.index_update import backend_for

    index = _vector_index(corpus_copy, tmp_path / "index", backend)
    monkeypatch.delenv("JUMELAGE_EMBEDDING_BACKEND", raising=False)
    assert backend_for(index, None) == backend  # a running server refuses a generation of another backend
    assert backend_for(index, "onnx") == "onnx"  # what the user asks for wins
    assert backend_for(tmp_path / "none", None) is None  # no index yet: the default


def test_remove_keeps_a_bundled_text_unless_forced(capsys, corpus_copy):
    before = _tree_digest(corpus_copy)
    assert main(["remove", "2012-chartres-ja", "--corpus", str(corpus_copy), "--no-index"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not added by `jumelage add`" in err and "--force" in err
    assert _tree_digest(corpus_copy) == before
    assert main(["remove", "2012-chartres-ja", "--corpus", str(corpus_copy), "--no-index", "--force"]) == 0
    assert "2012-chartres-ja" not in {d.id for d in load_corpus(corpus_copy).documents}


def test_the_same_file_twice_under_two_ids_is_refused(capsys, corpus_copy, tmp_path, passages):
    source = _w(tmp_path / "other.txt", "\n\n".join(p.text for p in passages if p.doc_id == "2010-kanazawa-fr") + "\n")
    common = ("--lang", "fr", "--edition", "2", "--no-index")
    assert _add(capsys, corpus_copy, source, "--id", "2010-copy-fr", *common)[0] == 0
    before = _tree_digest(corpus_copy)
    rc, _out, err = _add(capsys, corpus_copy, source, "--id", "2010-again-fr", *common)
    assert rc == 2 and "already in the corpus as 2010-copy-fr" in err
    assert _tree_digest(corpus_copy) == before


def test_the_signing_line_gives_the_date_and_other_dates_do_not():
    from indexer.ingest import signed_date
    from indexer.passage import Passage

    def doc(lang: str, *lines: str) -> list[Passage]:
        return [Passage("x", lang, i, "paragraph", "", line, 0, len(line)) for i, line in enumerate(lines)]

    fr = doc(
        "fr", "Réunis du 28 au 31 août 2012.", "après les événements du 11 mars 2011,", "Fait à Tours, le 1er juin 2016"
    )
    assert signed_date(fr, "fr") == "2016-06-01"
    assert signed_date(doc("fr", "Fait le 13 mai 2010 à Kanazawa, Japon."), "fr") == "2010-05-13"
    assert signed_date(doc("fr", "Le 13 mai 2010, nous avons décidé."), "fr") is None
    assert signed_date(doc("ja", "2011年3月11日の出来事", "2016年6月1日、トゥールにて作成。"), "ja") == "2016-06-01"
    assert signed_date(doc("ja", "2011年3月11日の出来事の後"), "ja") is None
