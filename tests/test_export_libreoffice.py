"""The CSV export opened by LibreOffice Calc (issue 16, item 1): French and Japanese cells intact.

LibreOffice (Debian ``libreoffice-calc-nogui``) imports the download as its
Text Import dialog does with "UTF-8, comma, double quote" chosen, saves it as
OpenDocument and converts that back to CSV, headless; the round trip must give
the same cells, so Calc split the fields (quoted commas and newlines) and
decoded the UTF-8 as the server meant. The charset has to be given: headless,
without filter options, Calc reads any CSV as Windows-1252, with or without a
BOM (measured: ``Déclaration`` → ``DÃ©claration`` both ways), so a BOM would not
help it. Skipped when ``soffice`` is absent.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess

import pytest

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("query", ["coopération", "交流"])
def test_libreoffice_reads_the_csv_export_cell_for_cell(client, tmp_path, query):
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    body = client.get("/api/search", params={"q": query, "mode": "keyword", "format": "csv"}).content
    expected = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    assert len(expected) > 2 and any("\n" in cell or "," in cell for row in expected for cell in row)
    source = tmp_path / "export.csv"
    source.write_bytes(body)
    profile = tmp_path / "profile"
    run = [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore"]
    subprocess.run(
        [*run, "--infilter=CSV:44,34,76,1", "--convert-to", "ods", "--outdir", str(tmp_path / "ods"), str(source)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    # Back to CSV with an explicit filter (comma, double quote, UTF-8 = 76) to compare cells.
    subprocess.run(
        [
            *run,
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1",
            "--outdir",
            str(tmp_path / "back"),
            str(tmp_path / "ods" / "export.ods"),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    back = (tmp_path / "back" / "export.csv").read_text(encoding="utf-8")
    got = list(csv.reader(io.StringIO(back, newline="")))
    assert len(got) == len(expected)
    for want_row, got_row in zip(expected, got, strict=True):
        # Calc turns the score into a number; compare it as one.
        assert got_row[:8] == want_row[:8] and got_row[9:] == want_row[9:]
        if want_row[8] != "score":
            assert float(got_row[8]) == pytest.approx(float(want_row[8]), abs=1e-6)
