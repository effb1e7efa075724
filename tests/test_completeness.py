"""The completeness proof: every block of the document (paragraph, heading, list item, table
cell, block quote, figure caption, footnote) in every edition, in reading order, once; every
footnote on the page of its call in the PDF editions. Each check shown failing, naming the
block's file and line and the edition."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from octavo.build import build_publication
from octavo.cli import main
from octavo.model import load_publication
from octavo.render import Rendering
from octavo.verify import read_edition, verify

from conftest import SEED_SLUG, build_expecting_proof_failure, copy_content, copy_templates, edit, text_editions

NOTES = 30


def with_notes(tmp_path: Path) -> Path:
    """The seed with two more sections: one paragraph calling 30 notes, then one calling 2."""
    folder = copy_content(tmp_path)
    sentences = " ".join(f"Sentence number {n} has a note.[^n{n}]" for n in range(1, NOTES + 1))
    notes = "\n".join(f"[^n{n}]: This is the text of note number {n}, which says something." for n in range(1, NOTES + 1))
    (folder / "sections" / "08-notes.md").write_text(
        f"---\ntitle: Notes\nrole: chapter\nauthors: [isdp]\n---\n{sentences}\n\n{notes}\n", encoding="utf-8")
    (folder / "sections" / "09-more.md").write_text(
        "---\ntitle: More Notes\nrole: appendix\nauthors: [isdp]\n---\n"
        "A later note.[^a] And another.[^b]\n\n[^a]: The first note of the appendix.\n\n"
        "[^b]: The second note of the appendix.\n", encoding="utf-8")
    edit(folder / "publication.yaml", "  - sections/07-conclusion.md",
         "  - sections/07-conclusion.md\n  - sections/08-notes.md\n  - sections/09-more.md")
    return folder


@pytest.fixture(scope="module")
def noted(tmp_path_factory):
    root = tmp_path_factory.mktemp("noted")
    return build_publication(with_notes(root), root / "out")


def test_every_note_is_printed_on_the_page_of_its_call(noted):
    assert noted.report.ok, noted.report.summary()
    for path in text_editions(noted.outputs):
        if path.suffix != ".pdf":
            continue
        pages = read_edition(path).pages
        for n in range(1, NOTES + 1):
            holding = [i for i, page in enumerate(pages) if f"note number {n}," in " ".join(page.split())]
            assert len(holding) == 1, (path.name, n, holding)


def test_notes_are_numbered_through_the_publication_in_every_edition(noted):
    """The appendix's notes are 31 and 32 in every edition, as the PDFs count them."""
    for path in text_editions(noted.outputs):
        text = " ".join(read_edition(path).text.split())
        assert re.search(r"A later note\.\s?31 And another\.\s?32", text), path.name
        if path.suffix in (".epub",):
            assert "31. The first note of the appendix" in text
    web = next(p for p in noted.outputs if p.suffix == ".html").read_text(encoding="utf-8")
    assert 'value="31"' in web and 'value="32"' in web  # the list numbers its notes 31 and 32


def test_check_prints_what_it_proved_for_each_edition(noted, capsys):
    folder = Path(noted.publication.folder)
    code = main(["check", *map(str, text_editions(noted.outputs)), "--publication", str(folder)])
    out = capsys.readouterr().out
    assert code == 0
    blocks = sum(len(s.blocks) for s in noted.document.sections)
    tally = f"{blocks} blocks, 3 disclaimers, 13 attributions proven"
    assert out.count(f"  {tally}\n") == len(text_editions(noted.outputs))
    assert f"proof: {tally} in each of {len(text_editions(noted.outputs))} editions" in out


def test_notes_the_layout_drops_are_reported_with_their_line(tmp_path):
    """A house style with large notes and without footnote-policy: line: WeasyPrint 70 defers the
    notes that do not fit to later pages, and drops those still waiting at the end. The proof
    names each, with its line."""
    templates = copy_templates(tmp_path)
    edit(templates / "print" / "print.css", "float: footnote; footnote-policy: line; font: 8pt/1.4",
         "float: footnote; font: 20pt/1.4")
    report = build_expecting_proof_failure(with_notes(tmp_path), tmp_path / "out", templates, editions=("screen",))
    problems = {(f.what, f.problem) for f in report.failures}
    assert ("block", "missing") in problems or ("footnote", "on another page") in problems, report.summary()
    first = report.failures[0]
    assert re.search(r"sections/08-notes\.md:\d+", first.where), first
    assert "PDF" in report.summary()


def test_a_paragraph_missing_from_the_editions_is_named_with_its_file_and_line(noted, tmp_path):
    folder = copy_content(tmp_path)
    edit(folder / "sections" / "07-conclusion.md", "\nFor over a decade,",
         "\nA paragraph added after the editions were built.\n\nFor over a decade,")
    report = verify(Rendering(load_publication(folder)).document, noted.outputs)
    missing = [f for f in report.failures if f.what == "block"]
    assert {f.edition.path for f in missing} == set(text_editions(noted.outputs))
    assert {(f.problem, f.where.split("content/")[-1]) for f in missing} == {
        ("missing", f"{SEED_SLUG}/sections/07-conclusion.md:8")}
    assert "A paragraph added after the editions were built." in report.summary()


def test_paragraphs_in_the_wrong_order_are_reported(noted, tmp_path):
    folder = copy_content(tmp_path)
    conclusion = folder / "sections" / "07-conclusion.md"
    head, first, second = re.split(r"\n(?=We hope|For over a decade)", conclusion.read_text(encoding="utf-8"))
    conclusion.write_text(f"{head}\n{second.rstrip()}\n\n{first.rstrip()}\n", encoding="utf-8")
    report = verify(Rendering(load_publication(folder)).document, noted.outputs[:1])
    assert [(f.what, f.problem) for f in report.failures] == [("block", "out of order")]


def test_a_block_printed_twice_is_reported_as_duplicated(tmp_path):
    templates = copy_templates(tmp_path)
    edit(templates / "epub" / "section.xhtml", '{% from "partials/section.html" import section_text with context %}',
         '{% from "partials/byline.html" import byline with context %}'
         '{% macro section_text(s) %}{{ caller() }}{{ byline(s.section) }}{{ s.html }}{{ s.html }}{% endmacro %}')
    report = build_expecting_proof_failure(copy_content(tmp_path), tmp_path / "out", templates, editions=("epub",))
    duplicated = {f.subject for f in report.failures if f.problem == "duplicated"}
    assert "paragraph sec-02-introduction-b1" in duplicated
    assert all(f.problem == "duplicated" for f in report.failures)


def test_a_note_that_fits_stays_on_its_page_despite_weasyprint_s_rounding(tmp_path, monkeypatch):
    """A chapter that opens with a call and a note of long unbreakable words: WeasyPrint 70 alone
    finds the note area overflowing by 3e-13 pt and pushes the call and note to the next page (the
    proof says so); with layout.py's mend the note stands under its call, on the chapter's page."""
    import random

    from weasyprint.layout import LayoutContext

    from octavo.errors import VerificationError

    folder = copy_content(tmp_path)
    rng = random.Random(1)
    note = " ".join("".join(rng.choice("abcdefghij") for _ in range(rng.choice([5, 60, 110]))) for _ in range(30))
    (folder / "sections" / "08-long-note.md").write_text(
        f"---\ntitle: A Long Note\nrole: chapter\nauthors: [isdp]\n---\nThe the power.[^long]\n\n[^long]: {note}\n",
        encoding="utf-8")
    edit(folder / "publication.yaml", "  - sections/07-conclusion.md",
         "  - sections/07-conclusion.md\n  - sections/08-long-note.md")
    mended = build_publication(folder, tmp_path / "mended", editions=("screen",))
    pages = read_edition(mended.outputs[0]).pages
    assert [i for i, p in enumerate(pages) if "The the power" in p] == [i for i, p in enumerate(pages) if note[:30] in p]
    monkeypatch.setattr(LayoutContext, "_update_footnote_area", LayoutContext._weasyprint_update_footnote_area)
    with pytest.raises(VerificationError) as caught:
        build_publication(folder, tmp_path / "unmended", editions=("screen",))
    assert [(f.what, f.problem) for f in caught.value.report.failures] == [("footnote", "on another page")]


def _notes_off_their_call_page(css: str, cases) -> list[tuple[int, int]]:
    """Lay out short documents with WeasyPrint (a note called in the first paragraph, a second
    paragraph of n2 words) and list those whose note is not on its call's page."""
    import random

    import pypdfium2
    from weasyprint import HTML

    words = "alpha beta gamma delta epsilon zeta theta iota kappa lambda".split()
    off = []
    for n1, n2 in cases:
        rng = random.Random(n1 * 1000 + n2)
        text = lambda n: " ".join(rng.choice(words) for _ in range(n))  # noqa: E731
        body = (f"<p>{text(n1)} CALLHERE<span class='fn'>NOTETEXT {text(60)}</span> {text(10)}</p>"
                f"<p>{text(n2)}</p><p>{text(50)}</p>")
        pdf = HTML(string=f"<html><head><style>{css}</style></head><body>{body}</body></html>").write_pdf()
        pages = [page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(pdf)]
        if [i for i, t in enumerate(pages) if "CALLHERE" in t] != [i for i, t in enumerate(pages) if "NOTETEXT" in t]:
            off.append((n1, n2))
    return off


def test_weasyprint_no_longer_moves_notes_to_fit_a_line(monkeypatch):
    """When a paragraph may not break before a line (widows), WeasyPrint 70 moved the page's notes to
    the next page to fit that line: in these three documents the note left its call's page. With
    patches.py's mend the paragraph breaks earlier and the note stays."""
    from weasyprint.layout import block

    from octavo.patches import install

    css = ("@page { size: A5; margin: 20mm; @footnote { border-top: 0.5pt solid; padding-top: 2mm; margin-top: 5mm; } }"
           " .fn { float: footnote; footnote-policy: line; font: 8pt/1.4 serif; }"
           " p { orphans: 3; widows: 3; margin: 0 0 0.6em; } html { font: 10pt/1.5 serif; }")
    cases = [(27, 166), (41, 157), (48, 148)]
    install("notes stay with their calls")
    assert _notes_off_their_call_page(css, cases) == []
    monkeypatch.setattr(block, "_linebox_layout", block._weasyprint_linebox_layout)
    assert _notes_off_their_call_page(css, cases) == cases


def test_lines_of_list_numbers_are_left_out_of_a_pdf_page_and_nothing_else():
    """PDFium reads an ordered list's numbers after the page's text: lines holding only them go;
    a note's own number with its text, and a year alone on a line, stay."""
    from octavo.visible import LIST_NUMBERS_RE

    page = "runs on to the next page, consulta\u2010\r\n1. \r\n2. 3. \r\n69. The note's text\r\n2020.\r\nend"
    assert LIST_NUMBERS_RE.sub("", page) == "runs on to the next page, consulta\u2010\r\n69. The note's text\r\n2020.\r\nend"


def test_a_paragraph_ending_in_a_call_just_before_its_notes_is_found_in_every_edition(tmp_path):
    """A section whose last paragraph ends with a call, its note right after: the number before
    the note's text must be the note's own, never the call's (a new user found the web edition
    failing here)."""
    folder = copy_content(tmp_path)
    conclusion = folder / "sections" / "07-conclusion.md"
    conclusion.write_text(conclusion.read_text(encoding="utf-8")
                          + "\nThe states should pool surveillance of the seabed.[^z]\n\n[^z]: A note.\n",
                          encoding="utf-8")
    result = build_publication(folder, tmp_path / "out", editions=("screen", "epub", "web"))
    assert result.report.ok, result.report.summary()


def test_a_note_written_over_several_source_lines_fills_the_line_in_print(tmp_path):
    """WeasyPrint breaks a floated note where its text holds a newline: the paged HTML joins them."""
    from octavo.layout import paged_html
    from octavo.model import load_publication
    from octavo.render import Rendering

    folder = copy_content(tmp_path)
    conclusion = folder / "sections" / "07-conclusion.md"
    conclusion.write_text(conclusion.read_text(encoding="utf-8") + "\nA claim.[^long]\n\n[^long]: Written over\n"
                          "    three source lines, as an author\n    wraps text in an editor.\n", encoding="utf-8")
    html = paged_html(Rendering(load_publication(folder)))
    assert "Written over three source lines, as an author wraps text in an editor." in html
