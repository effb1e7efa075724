"""octavo import: Word documents from two writers become content folders that validate and build.

The writers:
- LibreOffice: tests/fixtures/docx/libreoffice-paper.docx, made by `soffice --headless
  --convert-to docx` from libreoffice-paper.fodt beside it (footnotes, an endnote, an image
  with alt text, a table, nested lists, a quotation, two tracked changes and a comment).
  The .docx is committed, so these tests run without LibreOffice; where soffice is
  installed, one test makes the .docx again and checks it imports to the same folder.
- python-docx, at test time (python_docx_paper below): Word's own styles (Title is absent,
  so the first Heading 1 is the title; List Bullet 2, Quote, Intense Quote, an indented
  paragraph), a footnote and a link written as the XML Word writes (python-docx has no
  API for them), an image with alt text and one without, a table without a header row, a
  comment (python-docx's API), and tracked changes written as XML (insertion, deletion,
  formatting change).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from lxml import etree

from octavo.cli import main
from octavo.importer import import_docx
from octavo.importer.markdown import _squeeze, escape, line_start, words_of
from octavo.model import load_publication

from conftest import CONTENT, FIXTURES, print_ready_images

DOCX = FIXTURES / "docx"
LIBREOFFICE_DOCX = DOCX / "libreoffice-paper.docx"
LIBREOFFICE_FODT = DOCX / "libreoffice-paper.fodt"
SLUG = "water-security"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
XHTML = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def content(tmp_path) -> Path:
    """An empty content folder with the seed's house file."""
    folder = tmp_path / "content"
    folder.mkdir()
    shutil.copy(CONTENT / "publisher.yaml", folder / "publisher.yaml")
    return folder


def _fill_affiliations(folder: Path) -> None:
    text = (folder / "publication.yaml").read_text(encoding="utf-8")
    assert text.count("'s organisation\"") == 2, text
    text = text.replace('"TODO: Aigerim Bekova\'s organisation"', '"Central Asia Water Institute"')
    text = text.replace('"TODO: Tomas Lindqvist\'s organisation"', '"Nordic Water Forum"')
    (folder / "publication.yaml").write_text(text, encoding="utf-8")


def _epub_sections(epub: Path) -> list[etree._Element]:
    with zipfile.ZipFile(epub) as zf:
        return [etree.fromstring(zf.read(n)) for n in sorted(zf.namelist())
                if n.endswith(".xhtml") and "/sec-" in n]


def _words(element) -> str:
    return " ".join("".join(element.itertext()).split())


# ------------------------------------------------------ LibreOffice: tracked changes

def test_tracked_changes_and_comments_are_listed_and_nothing_is_written(content, capsys, monkeypatch):
    monkeypatch.chdir(content.parent)
    code, out, err = _run(capsys, "import", LIBREOFFICE_DOCX, "--slug", SLUG, "--content", content)
    assert code == 2, out + err
    assert "has 2 tracked changes and 1 comment, which Octavo never accepts silently; nothing was written" in err
    # each one: the file, the paragraph (and its first words), the kind, the author, the words
    assert ("libreoffice-paper.docx: paragraph 7 (\u201cWithdrawals have grown by nearly roughly\u2026\u201d): "
            "insertion by Tomas Lindqvist (2025-03-01): \u201cnearly\u201d") in err
    assert "paragraph 7 (\u201cWithdrawals have grown by nearly roughly\u2026\u201d): deletion by Copy Desk" in err
    assert "comment by Copy Desk (2025-03-02): \u201cSource of this quotation?\u201d" in err
    assert "--accept-changes" in err and "--reject-changes" in err
    assert sorted(p.name for p in content.iterdir()) == ["publisher.yaml"]  # no folder, no staging, no schemas


# The LibreOffice document's picture: 480 pixels, a screen's, refused for print by validate and build.
COARSE = "02-the-basin-today.md:9: image 'images/figure-1.png' (480 × 240 pixels) would print 127 mm wide at 96 dpi"


def test_the_libreoffice_document_imports_and_builds_once_the_affiliations_are_filled_in(
        content, tmp_path, capsys, monkeypatch, epubcheck):
    """Done when: `octavo import` turns the LibreOffice-written DOCX into a content folder that
    builds once the affiliations are filled in (every edition, proven)."""
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, "import", LIBREOFFICE_DOCX, "--slug", SLUG, "--content", content,
                          "--accept-changes")
    assert "accepted: paragraph 7" in out and "insertion by Tomas Lindqvist" in out
    assert "left out: paragraph 24" in out and "Source of this quotation?" in out
    assert "into content/water-security/: 3 sections, 3 notes, 1 image" in out
    folder = content / SLUG
    # what validate says remains: each author's affiliation, by file and line, and the document's
    # picture, a screen's 96 dpi, which the print edition would refuse: said now, where it stands
    todo = [line for line in (out + err).splitlines() if line.startswith("warning: ")]
    assert len(todo) == 2 and all("publication.yaml:" in t and "organisation' still holds the placeholder 'TODO'" in t
                                  for t in todo), out + err
    assert code == 2 and COARSE in out + err and "FAILED: 1 error, 2 warnings" in out + err, out + err

    publication = load_publication(folder)
    assert publication.title == "Water Security in Central Asia"
    assert publication.subtitle == "Sharing the Syr Darya"
    assert publication.language == "en-GB"
    assert [c.name for c in publication.contributors] == ["Aigerim Bekova", "Tomas Lindqvist"]  # not "Copy Desk"
    assert [(s.title, s.role) for s in publication.sections] == [
        ("Summary", "summary"), ("The Basin Today", "chapter"), ("Recommendations", "chapter")]

    _fill_affiliations(folder)
    code, out, err = _run(capsys, "validate", SLUG, "--content", content, "--strict")
    assert code == 2 and COARSE in out + err, out + err
    out_dir = tmp_path / "build"
    # The build refuses it alike, before any layout, saying where.
    code, out, err = _run(capsys, "build", folder, "--out", out_dir, "--edition", "print")
    assert code == 2 and COARSE in out + err, out + err
    assert print_ready_images(folder)  # the author gives the original picture
    code, out, err = _run(capsys, "validate", SLUG, "--content", content, "--strict")
    assert code == 0, out + err
    code, out, err = _run(capsys, "build", folder, "--out", out_dir)
    assert code == 0, out + err
    assert "proven in each of 5 editions" in out

    epub = out_dir / f"{SLUG}.epub"
    result = epubcheck(epub)
    assert result.valid, result.messages
    summary, basin, recommendations = _epub_sections(epub)
    text = _words(basin)
    assert "Withdrawals have grown by nearly a fifth since 2000." in text and "roughly" not in text  # accepted
    assert "Source of this quotation" not in " ".join(_words(s) for s in (summary, basin, recommendations))
    # footnotes and the endnote: pop-up notes at their calls
    notes = [_words(a) for s in (summary, basin) for a in s.iterfind(".//x:aside", XHTML)]
    assert any("The basin is described in the Aral Sea Basin Programme of 2021." in n for n in notes), notes
    assert any("Interview with a ministry official, Tashkent, May 2024." in n for n in notes), notes
    assert any("Figures from the national statistics offices, 2000 to 2020." in n for n in notes), notes
    # bold, italic, the link
    assert [_words(e) for e in summary.iterfind(".//x:em", XHTML)][:2] == ["Syr Darya", "Amu Darya"]
    assert "alone" in [_words(e) for e in summary.iterfind(".//x:strong", XHTML)]
    link = summary.find(".//x:a[@href='https://www.example.org/water-data']", XHTML)
    assert link is not None and _words(link) == "regional water database"
    # the image, extracted, with its alt text, as a figure
    image = basin.find(".//x:figure/x:img", XHTML)
    assert image is not None and image.get("alt").startswith("Bar chart of water withdrawals in 2020 by country")
    assert (folder / "images" / "figure-1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the table, its header row kept
    assert [_words(c) for c in basin.iterfind(".//x:table//x:th", XHTML)] == ["Country", "Share of withdrawals", "Main use"]
    assert [_words(c) for c in basin.iterfind(".//x:table//x:td", XHTML)][-1] == "Hydropower | storage"
    # the nested list, and the quotation as a block quote
    nested = basin.find(".//x:ul/x:li/x:ul", XHTML)
    assert nested is not None and [_words(li) for li in nested] == ["cotton in the lowlands;", "wheat in the valleys;"]
    assert _words(basin.find(".//x:blockquote", XHTML)) == "Water is not a weapon, but a shared inheritance."
    assert [_words(li) for li in recommendations.iterfind(".//x:ol/x:li", XHTML)][0] == \
        "Publish the data of every gauge, every day."
    # the screen PDF, read with PDFium
    pdf_text = _pdf_text(out_dir / f"{SLUG}.pdf")
    assert "Withdrawals have grown by nearly a fifth since 2000." in pdf_text and "roughly" not in pdf_text
    assert "Aigerim Bekova, Central Asia Water Institute" in pdf_text


def _pdf_text(path: Path) -> str:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    try:
        return " ".join(" ".join(pdf[i].get_textpage().get_text_range().split()) for i in range(len(pdf)))
    finally:
        pdf.close()


def test_rejecting_the_changes_keeps_the_text_as_it_was(content, capsys, monkeypatch):
    monkeypatch.chdir(content.parent)
    code, out, err = _run(capsys, "import", LIBREOFFICE_DOCX, "--slug", SLUG, "--content", content,
                          "--reject-changes")
    assert code == 2 and COARSE in out + err, out + err  # imported; what remains to do is said
    assert "rejected: paragraph 7" in out
    body = (content / SLUG / "sections" / "02-the-basin-today.md").read_text(encoding="utf-8")
    assert "Withdrawals have grown by roughly a fifth since 2000." in body and "nearly" not in body


def test_accept_and_reject_cannot_both_be_given(content, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["import", str(LIBREOFFICE_DOCX), "--content", str(content), "--accept-changes", "--reject-changes"])
    assert stopped.value.code == 64 and "not allowed with argument" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed: the committed "
                    "libreoffice-paper.docx is used by the other tests")
def test_libreoffice_makes_the_committed_fixture_again(content, tmp_path):
    """The committed .docx is what LibreOffice makes of the .fodt: made again, it imports the same."""
    made = tmp_path / "made"
    env = dict(os.environ, HOME=str(tmp_path / "home"))  # a profile of its own, not the user's
    subprocess.run(["soffice", "--headless", "--convert-to", "docx", "--outdir", str(made), str(LIBREOFFICE_FODT)],
                   check=True, capture_output=True, timeout=180, env=env)
    fresh = made / "libreoffice-paper.docx"
    import_docx(fresh, content, slug="fresh", changes="accept", say=lambda _: None)
    import_docx(LIBREOFFICE_DOCX, content, slug="committed", changes="accept", say=lambda _: None)
    fresh_files = {p.relative_to(content / "fresh") for p in (content / "fresh").rglob("*") if p.is_file()}
    committed_files = {p.relative_to(content / "committed") for p in (content / "committed").rglob("*") if p.is_file()}
    assert fresh_files == committed_files
    for name in fresh_files - {Path("publication.yaml")}:
        assert (content / "fresh" / name).read_bytes() == (content / "committed" / name).read_bytes(), name


# ------------------------------------------------------ python-docx

def python_docx_paper(path: Path, alt_text_on_second_image: str = "", changes: bool = True) -> Path:
    """A Word document written with python-docx (Word's default template and styles)."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import parse_xml
    from docx.shared import Cm
    from PIL import Image

    document = docx.Document()
    document.core_properties.author = "Maria Olsen; Jonas Berg"
    document.core_properties.last_modified_by = "Night Editor"
    document.core_properties.title = ""
    document.add_heading("Arctic Shipping Routes", level=1)  # no Title paragraph: this is the title
    document.add_paragraph("The ice is retreating, and with it the old certainties.")
    literal = document.add_paragraph("Typed as text: *stars*, <b>tags</b>, a {{disclaimer:x}}, 5 < 6 & 7 > 3, "
                                     "C:\\path, [brackets](x) and a_b_c.")
    literal.add_run(" Bold part").bold = True
    literal.add_run(" and an italic one.").italic = True
    document.add_paragraph("1. This paragraph starts with a number, but it is no list.")
    document.add_paragraph("# Nor is this a heading.")

    document.add_heading("Background", level=1)
    with_note = document.add_paragraph("Traffic through the Bering Strait has doubled.")
    with_note._p.append(parse_xml(
        f'<w:r xmlns:w="{W}"><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteReference w:id="1"/></w:r>'))
    with_note.add_run(" See the ")
    link_id = document.part.relate_to("https://www.example.org/arctic", RT.HYPERLINK, is_external=True)
    with_note._p.append(parse_xml(
        f'<w:hyperlink xmlns:w="{W}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
        f'r:id="{link_id}"><w:r><w:rPr><w:rStyle w:val="Hyperlink"/></w:rPr><w:t>Arctic Council data</w:t></w:r>'
        '</w:hyperlink>'))
    with_note.add_run(".")
    footnotes = (f'<w:footnotes xmlns:w="{W}">'
                 '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
                 '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r>'
                 '</w:p></w:footnote>'
                 '<w:footnote w:id="1"><w:p><w:pPr><w:pStyle w:val="FootnoteText"/></w:pPr><w:r><w:rPr>'
                 '<w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteRef/></w:r>'
                 '<w:r><w:t xml:space="preserve"> Northern Sea Route Administration, annual report 2023.</w:t></w:r>'
                 '</w:p></w:footnote></w:footnotes>')
    part = Part(PackURI("/word/footnotes.xml"),
                "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
                footnotes.encode("utf-8"), document.part.package)
    document.part.relate_to(part, RT.FOOTNOTES)
    document.add_paragraph("Three routes matter:")
    document.add_paragraph("the Northern Sea Route,", style="List Bullet")
    document.add_paragraph("open in late summer,", style="List Bullet 2")
    document.add_paragraph("the Northwest Passage,", style="List Bullet")
    document.add_paragraph("and the Transpolar Route.", style="List Bullet")
    document.add_paragraph("Count the ports.", style="List Number")
    document.add_paragraph("Count the ships.", style="List Number")
    document.add_paragraph("The Arctic is no longer a frozen desert.", style="Quote")
    document.add_paragraph("It is an ocean.", style="Intense Quote")
    indented = document.add_paragraph("A paragraph set off by its indentation, as typists quote.")
    indented.paragraph_format.left_indent = Cm(2)
    table = document.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, (("Route", "Season"), ("Northern Sea Route", "July to November"))):
        for cell, text in zip(row.cells, cells):
            cell.text = text
    picture = io.BytesIO()
    Image.new("RGB", (60, 30), (20, 90, 140)).save(picture, "PNG")
    for alt in ("Map of the three Arctic shipping routes", alt_text_on_second_image):
        picture.seek(0)
        shape = document.add_paragraph().add_run().add_picture(picture, width=Cm(4))
        shape._inline.docPr.set("descr", alt)

    document.add_heading("Outlook", level=1)
    outlook = document.add_paragraph("Shipping will grow ")
    if changes:
        outlook._p.append(parse_xml(
            f'<w:ins xmlns:w="{W}" w:id="101" w:author="Jonas Berg" w:date="2025-04-01T09:00:00Z">'
            '<w:r><w:t xml:space="preserve">slowly </w:t></w:r></w:ins>'))
        outlook._p.append(parse_xml(
            f'<w:del xmlns:w="{W}" w:id="102" w:author="Maria Olsen" w:date="2025-04-02T09:00:00Z">'
            '<w:r><w:delText xml:space="preserve">fast </w:delText></w:r></w:del>'))
    outlook.add_run("over the next decade.")
    emphasised = document.add_paragraph()
    run = emphasised.add_run("Insurance decides.")
    if changes:
        run._r.get_or_add_rPr().append(parse_xml(f'<w:b xmlns:w="{W}"/>'))
        run._r.get_or_add_rPr().append(parse_xml(
            f'<w:rPrChange xmlns:w="{W}" w:id="103" w:author="Jonas Berg" w:date="2025-04-03T09:00:00Z"><w:rPr/>'
            '</w:rPrChange>'))
        document.add_comment(run, text="Which insurers?", author="Night Editor", initials="NE")
    document.add_heading("Appendix A: Sources", level=1)
    document.add_paragraph("Port statistics of Norway and Russia.")
    document.save(path)
    return path


@pytest.fixture
def word_paper(tmp_path) -> Path:
    return python_docx_paper(tmp_path / "Arctic Routes (draft 3).docx")


def test_python_docx_tracked_changes_and_comment_are_each_listed(content, word_paper, capsys, monkeypatch):
    monkeypatch.chdir(content.parent)
    code, out, err = _run(capsys, "import", word_paper, "--content", content)
    assert code == 2
    assert "has 3 tracked changes and 1 comment" in err
    assert "insertion by Jonas Berg (2025-04-01): \u201cslowly\u201d" in err
    assert "deletion by Maria Olsen (2025-04-02): \u201cfast\u201d" in err
    assert "formatting change by Jonas Berg (2025-04-03): \u201cInsurance decides.\u201d" in err
    assert "comment by Night Editor" in err and "Which insurers?" in err
    assert not (content / "arctic-routes-draft-3").exists()


def test_python_docx_paper_imports_and_validate_names_the_missing_alt_text(content, word_paper, capsys, monkeypatch):
    monkeypatch.chdir(content.parent)
    code, out, err = _run(capsys, "import", word_paper, "--content", content, "--reject-changes")
    folder = content / "arctic-routes-draft-3"  # the slug from the file name
    assert code == 2, out + err  # imported, but it does not validate yet: one image has no alt text
    assert "rejected: paragraph" in out and "left out:" in out and "Which insurers?" in out
    section = folder / "sections" / "02-background.md"
    lines = section.read_text(encoding="utf-8").splitlines()
    missing = next(n for n, line in enumerate(lines, 1) if line == "![](images/figure-2.png)")
    assert (f"error: content/arctic-routes-draft-3/sections/02-background.md:{missing}: "
            "image 'images/figure-2.png' has no alt text") in err
    assert "FAILED: 1 error" in err and "next: fix the errors above" in err

    text = section.read_text(encoding="utf-8")
    assert "- the Northern Sea Route,\n  - open in late summer,\n- the Northwest Passage," in text
    assert "1. Count the ports.\n2. Count the ships." in text
    assert "> The Arctic is no longer a frozen desert.\n>\n> It is an ocean." in text
    assert "> A paragraph set off by its indentation, as typists quote." in text
    assert "| Route | Season |\n|---|---|\n| Northern Sea Route | July to November |" in text
    assert "[Arctic Council data](https://www.example.org/arctic)" in text
    assert "[^1]: Northern Sea Route Administration, annual report 2023." in text
    assert "a table without a header row in Word: its first row is the header" in out
    outlook = (folder / "sections" / "03-outlook.md").read_text(encoding="utf-8")
    assert "Shipping will grow fast over the next decade." in outlook  # rejected: as it was
    assert "**Insurance decides.**" not in outlook  # the bold was a tracked change, rejected

    # the author writes the alt text; then it builds, and the words typed as text stay text
    section.write_text(text.replace("![](images/figure-2.png)", "![The same map, smaller](images/figure-2.png)"),
                       encoding="utf-8")
    yaml_text = (folder / "publication.yaml").read_text(encoding="utf-8")
    (folder / "publication.yaml").write_text(yaml_text.replace('"TODO: Maria Olsen\'s organisation"', '"Polar Institute"')
                                             .replace('"TODO: Jonas Berg\'s organisation"', '"Arctic Forum"'),
                                             encoding="utf-8")
    out_dir = content.parent / "build"
    code, out, err = _run(capsys, "build", folder, "--out", out_dir, "--edition", "epub")
    assert code == 0, out + err
    sections = _epub_sections(out_dir / "arctic-routes-draft-3.epub")
    opening = _words(sections[0])
    assert ("Typed as text: *stars*, <b>tags</b>, a {{disclaimer:x}}, 5 < 6 & 7 > 3, C:\\path, [brackets](x) "
            "and a_b_c. Bold part and an italic one.") in opening
    assert "1. This paragraph starts with a number, but it is no list." in opening
    assert "# Nor is this a heading." in opening
    assert [_words(e) for e in sections[0].iterfind(".//x:strong", XHTML)] == ["Bold part"]
    assert [_words(e) for e in sections[0].iterfind(".//x:em", XHTML)] == ["and an italic one."]
    assert sections[0].find(".//x:ol", XHTML) is None and sections[0].find(".//x:h2", XHTML) is None


def test_the_first_heading_is_the_title_when_nothing_else_names_it(content, word_paper):
    import_docx(word_paper, content, slug="arctic", changes="accept", say=lambda _: None)
    folder = content / "arctic"
    yaml_text = (folder / "publication.yaml").read_text(encoding="utf-8")
    assert 'title: "Arctic Shipping Routes"' in yaml_text
    assert "Night Editor" not in yaml_text  # who saved it last is no author
    assert '- id: maria-olsen\n    name: "Maria Olsen"' in yaml_text and '- id: jonas-berg' in yaml_text
    opening = (folder / "sections" / "01-opening.md").read_text(encoding="utf-8")
    assert 'title: "TODO: a title for the text before the first heading"' in opening
    assert "The ice is retreating" in opening
    appendix = (folder / "sections" / "04-appendix-a-sources.md").read_text(encoding="utf-8")
    assert "role: appendix" in appendix
    accepted = (folder / "sections" / "03-outlook.md").read_text(encoding="utf-8")
    assert "Shipping will grow slowly over the next decade." in accepted
    assert "**Insurance decides.**" in accepted  # the formatting change, accepted


def test_a_title_given_on_the_command_line_wins(content, word_paper):
    import_docx(word_paper, content, slug="arctic", title="Routes North", changes="accept", say=lambda _: None)
    folder = content / "arctic"
    assert 'title: "Routes North"' in (folder / "publication.yaml").read_text(encoding="utf-8")
    # the first Heading 1 is then a section like any other
    assert (folder / "sections" / "01-arctic-shipping-routes.md").is_file()


# ------------------------------------------------------ the folder: atomic, never over another

def test_an_existing_folder_is_refused_without_force(content, capsys):
    (content / SLUG).mkdir()
    (content / SLUG / "keep.txt").write_text("mine", encoding="utf-8")
    code, _, err = _run(capsys, "import", LIBREOFFICE_DOCX, "--slug", SLUG, "--content", content, "--accept-changes")
    assert code == 1 and "already exists" in err and "--force" in err
    assert (content / SLUG / "keep.txt").read_text(encoding="utf-8") == "mine"
    code, out, err = _run(capsys, "import", LIBREOFFICE_DOCX, "--slug", SLUG, "--content", content,
                          "--accept-changes", "--force")
    assert code == 2 and COARSE in out + err, out + err  # imported; what remains to do is said
    assert not (content / SLUG / "keep.txt").exists() and (content / SLUG / "publication.yaml").is_file()
    assert [p.name for p in content.iterdir() if p.name.startswith(".")] == [".schema"]  # no staging left


def test_a_failed_write_leaves_nothing_and_keeps_the_old_folder(content, monkeypatch):
    (content / SLUG).mkdir()
    (content / SLUG / "keep.txt").write_text("mine", encoding="utf-8")
    real_rename = os.rename

    def failing_rename(src, dst):
        if str(src).endswith(".import"):
            raise OSError(28, "No space left on device")
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", failing_rename)
    with pytest.raises(OSError):
        import_docx(LIBREOFFICE_DOCX, content, slug=SLUG, changes="accept", force=True, say=lambda _: None)
    assert (content / SLUG / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in content.iterdir()) == ["publisher.yaml", SLUG]


def test_without_a_house_file_the_starter_is_written_and_said(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, "import", LIBREOFFICE_DOCX, "--slug", SLUG, "--content", "content",
                          "--accept-changes")
    assert code == 2 and COARSE in out + err, out + err  # imported; what remains to do is said
    assert "created content/publisher.yaml: a starter house file; replace its TODOs" in out
    assert "content/publisher.yaml:" in out + err and "placeholder 'TODO'" in out + err  # validate lists the house's TODOs too


# ------------------------------------------------------ what is not a Word document

def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def _damaged_copies(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    good = LIBREOFFICE_DOCX.read_bytes()
    with zipfile.ZipFile(LIBREOFFICE_DOCX) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    text = tmp_path / "notes.docx"
    text.write_text("just some text", encoding="utf-8")
    cut = tmp_path / "cut.docx"
    cut.write_bytes(good[: len(good) // 2])
    bomb = _zip(tmp_path / "bomb.docx", {**parts, "word/media/huge.png": b"\0" * (3 * 1024 ** 2)})
    entity = parts["word/document.xml"].replace(
        b"<w:document", b'<!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa">]><w:document', 1)
    dtd = _zip(tmp_path / "entity.docx", {**parts, "word/document.xml": entity})
    broken = _zip(tmp_path / "broken.docx", {**parts, "word/document.xml": parts["word/document.xml"][:-40]})
    dangling = _zip(tmp_path / "dangling.docx", {**parts, "word/document.xml": parts["word/document.xml"].replace(
        b'w:footnoteReference w:id="2"', b'w:footnoteReference w:id="77"')})
    odt = _zip(tmp_path / "paper.docx", {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})
    return {
        "text": (text, "not a Word document: it is not a zip file"),
        "cut short": (cut, "not a Word document"),
        "zip bomb": (bomb, "not a Word document: the zip unpacks to more than Octavo reads"),
        "entities": (dtd, "declares a DTD or entities, which Word never writes"),
        "broken XML": (broken, "its part word/document.xml is not well-formed XML"),
        "dangling note": (dangling, "not a Word document: its parts do not fit together (KeyError"),
        "OpenDocument": (odt, "it is an OpenDocument file without a Word document's parts"),
        "missing": (tmp_path / "absent.docx", "cannot open it: No such file or directory"),
    }


@pytest.mark.parametrize("case", ["text", "cut short", "zip bomb", "entities", "broken XML", "dangling note",
                                  "OpenDocument", "missing"])
def test_what_is_not_a_word_document_is_a_clear_error(case, content, tmp_path, capsys):
    path, expected = _damaged_copies(tmp_path)[case]
    code, out, err = _run(capsys, "import", path, "--slug", SLUG, "--content", content, "--accept-changes")
    assert code == 2, out + err
    assert expected in err and "Traceback" not in err
    assert sorted(p.name for p in content.iterdir()) == ["publisher.yaml"]


# ------------------------------------------------------ escaping: text stays text

@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=40))
def test_any_text_typed_in_word_reads_back_as_itself(text):
    markdown = line_start(escape(text))
    assert _squeeze(words_of(markdown)) == _squeeze(text), markdown


@pytest.mark.parametrize("text", ["*a*", "**b**", "_c_", "<b>x</b>", "&amp;", "{{disclaimer:x}}", "[a](b)", "![x](y)",
                                  "`code`", "a | b", "# h", "- item", "+ item", "1. one", "2) two", "> quote",
                                  "---", "===", "    indented", "~~~", "\\", "[^1]", "https://example.org/a_b_c*d"])
def test_markdown_syntax_typed_as_text_stays_text(text):
    assert _squeeze(words_of(line_start(escape(text)))) == _squeeze(text)


# ------------------------------------------------------ odds and ends Word documents hold

def python_docx_odds_and_ends(path: Path) -> Path:
    """What a Word paper holds besides the plain text, each with what the import does with it."""
    import docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import parse_xml
    from docx.shared import Cm
    from PIL import Image

    document = docx.Document()
    document.core_properties.author = ""
    document.core_properties.title = "Odds and Ends"  # no Title paragraph: the title property names it
    document.styles.add_style("toc 1", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("Introduction 1", style="toc 1")  # a table of contents
    document.add_heading("Introduction", level=1)
    para = document.add_paragraph("Water is H")
    para.add_run("2").font.subscript = True
    para.add_run("O; see ")
    para._p.append(parse_xml(f'<w:hyperlink xmlns:w="{W}" w:anchor="_Toc1"><w:r><w:t>the table</w:t></w:r></w:hyperlink>'))
    para.add_run(".")
    tight = document.add_paragraph("The word")
    tight.add_run('"bold"').bold = True  # "**" next to a quote mark and a letter: CommonMark reads no bold
    tight.add_run("ly quoted.")
    document.add_heading("Details", level=3)
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "Merged heading"
    table.cell(0, 2).text = "Third"
    for cell, text in zip(table.rows[1].cells, ("a", "b", "c")):
        cell.text = text
    picture = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(picture, "BMP")
    picture.seek(0)
    shape = document.add_paragraph().add_run().add_picture(picture, width=Cm(3))
    shape._inline.docPr.set("descr", "A red rectangle")
    document.add_paragraph("Figure 1: A red rectangle, from a BMP", style="Caption")
    document.add_heading("Conclusions", level=1)
    document.styles.add_style("Block Text", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("Block text quotes too.", style="Block Text")
    document.save(path)
    return path


def test_odds_and_ends_are_kept_or_named(content, tmp_path):
    imported = import_docx(python_docx_odds_and_ends(tmp_path / "odds.docx"), content, say=lambda _: None)
    folder = imported.folder
    yaml_text = (folder / "publication.yaml").read_text(encoding="utf-8")
    assert 'title: "Odds and Ends"' in yaml_text  # the title property, as no Title paragraph names it
    assert '- id: author\n    name: "TODO: the author\'s name"' in yaml_text  # no author in the properties
    assert "language: en" in yaml_text  # the default template's en-US, or en
    intro = (folder / "sections" / "01-introduction.md").read_text(encoding="utf-8")
    assert "role: introduction" in intro
    assert "Water is H2O; see the table." in intro  # subscript as plain text; the bookmark link as its words
    assert "### Details" in intro
    # merged cells: one cell per column, the text in the first
    assert "| Merged heading |  | Third |\n|---|---|---|\n| a | b | c |" in intro
    # the BMP is a PNG now, and the Caption paragraph its caption
    assert '![A red rectangle](images/figure-1.png "Figure 1: A red rectangle, from a BMP")' in intro
    assert (folder / "images" / "figure-1.png").read_bytes()[:4] == b"\x89PNG"
    assert "Introduction 1" not in intro  # the table of contents is left out: every edition makes its own
    closing = (folder / "sections" / "02-conclusions.md").read_text(encoding="utf-8")
    assert "role: closing" in closing and "> Block text quotes too." in closing
    assert 'The word"bold"ly quoted.' in intro  # the words, without the bold Markdown cannot write there
    remarks = "\n".join(imported.remarks)
    for expected in ("bold or italic could not be kept in 'The word\"bold\"ly quoted.'","the table of contents was left out", "subscript text is kept as plain text (e.g. '2')",
                     "links to places inside the Word document", "merged table cells were split"):
        assert expected in remarks, remarks
    publication = load_publication(folder)  # it loads: the TODOs are warnings
    assert sum("placeholder 'TODO'" in w.message for w in publication.warnings) == 2


def test_a_picture_no_edition_can_show_is_named_by_validate(content, tmp_path, capsys, monkeypatch):
    """A Windows metafile (EMF) keeps its ending; validate says what to do with it."""
    source = python_docx_paper(tmp_path / "emf.docx", alt_text_on_second_image="A map", changes=False)
    with zipfile.ZipFile(source) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts["word/media/image1.emf"] = parts.pop("word/media/image1.png")
    parts["word/_rels/document.xml.rels"] = parts["word/_rels/document.xml.rels"].replace(b"image1.png", b"image1.emf")
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"<Default ", b'<Default Extension="emf" ContentType="image/x-emf"/><Default ', 1)
    emf = _zip(tmp_path / "emf-paper.docx", parts)
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, "import", emf, "--content", content)
    assert code == 2
    assert "note: images/figure-1.emf: a image/x-emf that no edition can show" in out
    assert "image 'images/figure-1.emf' is not a PNG, JPEG, GIF, WebP or SVG file" in err


def _with_document_xml(source: Path, target: Path, edit, rels_edit=lambda r: r) -> Path:
    with zipfile.ZipFile(source) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts["word/document.xml"] = edit(parts["word/document.xml"].decode("utf-8")).encode("utf-8")
    parts["word/_rels/document.xml.rels"] = rels_edit(parts["word/_rels/document.xml.rels"].decode("utf-8")).encode("utf-8")
    return _zip(target, parts)


def test_moves_and_table_rows_are_listed_and_resolved_both_ways(content, tmp_path, capsys, monkeypatch):
    source = python_docx_paper(tmp_path / "plain.docx", alt_text_on_second_image="A map", changes=False)
    by = 'w:author="Jonas Berg" w:date="2025-05-01T00:00:00Z"'

    def edit(xml: str) -> str:
        xml = xml.replace("<w:t>The ice is retreating, and with it the old certainties.</w:t></w:r>",
                          "<w:t>The ice is retreating, and with it the old certainties.</w:t></w:r>"
                          f'<w:moveFrom w:id="201" {by}><w:r><w:t xml:space="preserve"> Moved words.</w:t></w:r></w:moveFrom>', 1)
        xml = xml.replace("<w:t>over the next decade.</w:t></w:r>",
                          "<w:t>over the next decade.</w:t></w:r>"
                          f'<w:moveTo w:id="202" {by}><w:r><w:t xml:space="preserve"> Moved words.</w:t></w:r></w:moveTo>', 1)
        last_row = xml.rindex("<w:tr>", 0, xml.index("</w:tbl>"))
        return xml[:last_row] + f'<w:tr><w:trPr><w:ins w:id="203" {by}/></w:trPr>' + xml[last_row + len("<w:tr>"):]

    changed = _with_document_xml(source, tmp_path / "moves.docx", edit)
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, "import", changed, "--content", content)
    assert code == 2
    assert "move (from here) by Jonas Berg (2025-05-01): \u201cMoved words.\u201d" in err
    assert "move (to here) by Jonas Berg" in err
    assert "a table row (\u201cNorthern Sea Route | July to November\u201d): inserted table row by Jonas Berg" in err
    for decision, slug in (("accept", "accepted"), ("reject", "rejected")):
        import_docx(changed, content, slug=slug, changes=decision, say=lambda _: None)
    accepted = "".join(p.read_text(encoding="utf-8") for p in sorted((content / "accepted" / "sections").iterdir()))
    rejected = "".join(p.read_text(encoding="utf-8") for p in sorted((content / "rejected" / "sections").iterdir()))
    assert "over the next decade. Moved words." in accepted and "certainties. Moved words." not in accepted
    assert "certainties. Moved words." in rejected and "decade. Moved words." not in rejected
    assert "| Northern Sea Route | July to November |" in accepted
    assert "July to November" not in rejected  # the inserted row, rejected


def test_a_linked_picture_is_never_opened(content, tmp_path):
    """A picture linked to a file (not embedded) could point anywhere on the disk: the import names it
    and reads nothing outside the document."""
    source = python_docx_paper(tmp_path / "plain.docx", alt_text_on_second_image="A map", changes=False)
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG secret")

    def edit(xml: str) -> str:
        start = xml.index('r:embed="')
        end = xml.index('"', start + len('r:embed="'))
        return xml[:start] + 'r:link="rIdLinked"' + xml[end + 1:]

    def rels(xml: str) -> str:
        return xml.replace("</Relationships>", '<Relationship Id="rIdLinked" Type="http://schemas.openxmlformats.org/'
                           f'officeDocument/2006/relationships/image" Target="{secret.as_uri()}" '
                           'TargetMode="External"/></Relationships>')

    linked = _with_document_xml(source, tmp_path / "linked.docx", edit, rels)
    imported = import_docx(linked, content, slug="linked", say=lambda _: None)
    assert any("figure-1-linked.png: the picture is linked to a file, not embedded" in r for r in imported.remarks)
    assert not (imported.folder / "images" / "figure-1-linked.png").exists()
    assert all(p.read_bytes() != secret.read_bytes() for p in (imported.folder / "images").iterdir())
