"""Citations, cross-references and footnotes in one paper: each feature is tested on its own
(test_citations.py, test_xref.py); here they meet in the same paragraphs, where their markdown-it
rules and the note numbering could step on each other, and the proof still sees every word."""

from __future__ import annotations

import zipfile

from lxml import etree

from octavo.build import build_publication

from conftest import FIXTURES, copy_content, edit

XHTML = {"x": "http://www.w3.org/1999/xhtml"}


def pdf_text(path) -> str:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def test_a_citation_a_cross_reference_and_a_note_share_a_paragraph(tmp_path):
    folder = copy_content(tmp_path, "cited-paper", FIXTURES / "citations-content")
    summary = folder / "sections" / "01-summary.md"
    edit(summary, "where it fails [@schelling-strategy, 53].",
         "where it fails [@schelling-strategy, 53], as @tbl:gains sets out.[^own]\n\n"
         "Table: Gains from cooperation, by round. {#tbl:gains}\n\n"
         "| Round | Gain |\n|---|---|\n| 1 | 3 |\n| 2 | 5 |\n\n"
         "[^own]: An author's own note, numbered with the citations' notes.")
    result = build_publication(folder, tmp_path / "out", editions=("screen", "epub"))
    assert result.report.ok
    screen = next(p for p in result.outputs if p.name.endswith(".pdf"))
    text = " ".join(pdf_text(screen).split())  # lines joined, the no-break space as a space
    assert "where it fails,2 as Table 1 (p. 4) sets out.3" in text and "Table 1. Gains from cooperation, by round." in text
    assert "An author’s own note, numbered with the citations’ notes." in text  # apostrophes typed ' print as ’
    epub = next(p for p in result.outputs if p.suffix == ".epub")
    with zipfile.ZipFile(epub) as zf:
        doc = etree.fromstring(zf.read("EPUB/sec-01-summary.xhtml"))
    xref = doc.find(".//x:a[@class='xref']", XHTML)
    assert xref.text == "Table 1" and xref.get("href") == "#tbl-gains"
    # The notes in order: the two citations, then the author's own, numbered 1, 2, 3.
    calls = [a.text for a in doc.iterfind(".//x:a[@role='doc-noteref']", XHTML)]
    assert calls == ["1", "2", "3"], calls
