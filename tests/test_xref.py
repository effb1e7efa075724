"""Cross-references (xref.py), read back from the built files of the fixture
tests/fixtures/xref-content/fish-stocks: a labelled figure, two labelled tables (captioned
before and after), section labels in front matter and on a heading, and references to each
from other sections, forward and backward.

Each reference reads its number in every edition and is a link to its target: in the EPUB
to the element with that id in the right file, on the web page to the element on the page,
in the screen and archive PDFs to the page where the target is; the print edition (no links:
PDF/X) and the PDFs print that page's number after it. Bad labels are content errors.
"""

from __future__ import annotations

import ctypes
import dataclasses
import re
import zipfile
from pathlib import Path, PurePosixPath

import pytest
from lxml import etree, html as lxml_html

from octavo.build import build_publication
from octavo.cli import main
from octavo.editions import edition_for_file
from octavo.errors import ContentError, RenderError
from octavo.model import load_publication
from octavo.render import Rendering, page_geometry
from octavo.verify import anchors_of, check_blocks, pdf_text_blocks, read_pdf, skeleton

from conftest import FIXTURES, build_expecting_proof_failure, copy_content, copy_templates, edit

XREF = FIXTURES / "xref-content"
SLUG = "fish-stocks"
FOLDER = XREF / SLUG
XHTML = "http://www.w3.org/1999/xhtml"
PT_PER_MM = 72 / 25.4

# What each reference reads, the id of the element it leads to, and words that stand
# first on the page where that element is (a caption, a section's title).
TARGETS = {
    "Figure 1": ("fig-grounds", "Figure 1. Survey grounds of the spring trawl survey."),
    "Table 1": ("tbl-catch", "Table 1. Landings of cod by gear"),
    "Table 2": ("tbl-quota", "Table 2. Quota advice and the quota set for 2024."),
    "section 1": ("sec-01-summary", "Summary"),
    "section 2": ("sec-02-stocks", "Three Ways of Counting"),
    "section 2.1": ("sec-grounds", "Where the trawls fish"),
    "section 3": ("sec-03-outlook", "Outlook"),
}
REFERENCE_RE = re.compile(r"^\s*(Figure|Table|[Ss]ection) (\d+(?:\.\d+)?)")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """Every edition of the fixture, built and proven once."""
    result = build_publication(FOLDER, tmp_path_factory.mktemp("xref-build"))
    return {edition_for_file(p).name: p for p in result.outputs}


def document(folder: Path = FOLDER):
    return Rendering(load_publication(folder)).document


def words(reference: str) -> str:
    """'Figure 1' for a link reading 'Figure 1', 'section 2' for 'Section 2'."""
    match = REFERENCE_RE.match(reference)
    assert match, f"{reference!r} is not a reference"
    kind = "section" if match.group(1) == "Section" else match.group(1)
    return f"{kind} {match.group(2)}"


# ------------------------------------------------------------- the words

def test_references_and_captions_read_their_numbers():
    blocks = {b.id: b for s in document().sections for b in s.blocks}
    assert blocks["sec-01-summary-b1"].text == (
        "Cod in the southern Baltic is counted three ways, and the counts disagree. The survey grounds are mapped "
        "in Figure 1, the landings are set out in Table 1, and section 3 says what the disagreement means for next "
        "year’s quota.")  # forward, to a figure, a table and a section; the apostrophe typed as ' printed as ’
    assert blocks["sec-01-summary-b2"].text == ("The method of the surveys is described in section 2, and the "
                                                "quota advice in Table 2.")  # [@sec:stocks]; a caption after its table
    assert blocks["sec-03-outlook-b1"].text.startswith("Figure 1 showed")  # @Fig: begins a sentence
    assert "the subject of section 2.1 and" in blocks["sec-03-outlook-b1"].text  # a heading: 2.1 under section 2
    captions = {b.id: (b.kind, b.text) for b in blocks.values() if b.kind.endswith("caption")}
    assert captions["fig-grounds"] == ("figure caption", "Figure 1. Survey grounds of the spring trawl survey.")
    assert sorted(text for kind, text in captions.values() if kind == "table caption") == [
        "Table 1. Landings of cod by gear, in tonnes (illustrative figures).",
        "Table 2. Quota advice and the quota set for 2024."]
    # The paged editions' form of a block with references: each with its page (xref.PAGE).
    assert blocks["sec-01-summary-b2"].printed == ("The method of the surveys is described in section 2 (p. \0), "
                                                   "and the quota advice in Table 2 (p. \0).")


def test_an_unlabelled_figure_keeps_its_caption_as_written():
    """grid-resilience numbers its figure in the caption itself: Octavo adds no second number."""
    doc = document(FIXTURES / "epub-content" / "grid-resilience")
    captions = [b.text for s in doc.sections for b in s.blocks if b.kind == "figure caption"]
    assert captions == ["Figure 1. Storage capacity by duration, 2015 to 2023 (illustrative figures)."]
    assert all(not b.printed for s in doc.sections for b in s.blocks)


# ------------------------------------------------------------ the links

def epub_links(path: Path) -> list[tuple[str, str, str, etree._Element | None]]:
    """(document, link text, href, the element the href leads to or None) for every
    cross-reference of the EPUB, its href resolved against the document that holds it."""
    found = []
    with zipfile.ZipFile(path) as zf:
        trees = {name: etree.fromstring(zf.read(name)) for name in zf.namelist() if name.endswith(".xhtml")}
        for name, tree in trees.items():
            for link in tree.iter(f"{{{XHTML}}}a"):
                if "xref" not in (link.get("class") or "").split():
                    continue
                file, _, fragment = link.get("href").partition("#")
                target = str(PurePosixPath(name).parent / file) if file else name
                hits = trees[target].xpath("//*[@id=$id]", id=fragment) if target in trees else []
                found.append((PurePosixPath(name).name, "".join(link.itertext()), link.get("href"),
                              hits[0] if hits else None))
    return found


def target_problems(links) -> list[str]:
    """Each link whose target is missing, or is not the element its words name."""
    problems = []
    for where, text, href, element in links:
        ident, first_words = TARGETS[words(text)]
        if element is None:
            problems.append(f"{where}: '{text}' leads to {href}, which does not exist")
        elif element.get("id") != ident:
            problems.append(f"{where}: '{text}' leads to {element.get('id')}, not {ident}")
        elif skeleton(first_words) not in skeleton("".join(element.itertext())):
            problems.append(f"{where}: '{text}' leads to an element without '{first_words}'")
    return problems


def test_epub_links_lead_to_the_element_in_the_right_file(built, epubcheck):
    links = epub_links(built["epub"])
    assert target_problems(links) == []
    by_document = {}
    for where, text, href, _ in links:
        by_document.setdefault(where, set()).add((text, href))
    assert by_document["sec-01-summary.xhtml"] >= {  # forward, into the files that hold them
        ("Figure 1", "sec-02-stocks.xhtml#fig-grounds"), ("Table 1", "sec-02-stocks.xhtml#tbl-catch"),
        ("section 3", "sec-03-outlook.xhtml#sec-03-outlook"), ("section 2", "sec-02-stocks.xhtml#sec-02-stocks")}
    assert by_document["sec-03-outlook.xhtml"] >= {  # backward
        ("Figure 1", "sec-02-stocks.xhtml#fig-grounds"), ("section 2.1", "sec-02-stocks.xhtml#sec-grounds")}
    assert ("Table 1", "#tbl-catch") in by_document["sec-02-stocks.xhtml"]  # within its own file
    result = epubcheck(built["epub"])
    problems = [str(m) for m in result.messages if m.level in ("FATAL", "ERROR", "WARNING")]
    assert result.valid and not problems, problems


def test_the_link_check_names_a_link_that_leads_nowhere(built, tmp_path):
    """The EPUB check can fail: a reference whose file lacks its fragment is named."""
    broken = tmp_path / "broken.epub"
    with zipfile.ZipFile(built["epub"]) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.endswith("sec-03-outlook.xhtml"):
                data = data.replace(b'href="sec-02-stocks.xhtml#fig-grounds"', b'href="sec-01-summary.xhtml#fig-grounds"')
            target.writestr(info, data)
    assert target_problems(epub_links(broken)) == [
        "sec-03-outlook.xhtml: 'Figure 1' leads to sec-01-summary.xhtml#fig-grounds, which does not exist"]


def test_web_links_lead_to_the_element_on_the_page(built):
    page = lxml_html.parse(str(built["web"])).getroot()
    links = []
    for link in page.iter("a"):
        if "xref" in (link.get("class") or "").split():
            hits = page.xpath("//*[@id=$id]", id=link.get("href")[1:])
            links.append(("page", link.text_content(), link.get("href"), hits[0] if hits else None))
    assert len(links) == 12 and all(href.startswith("#") for _, _, href, _ in links)
    assert target_problems(links) == []


# ------------------------------------------------------------- the pages

def pdf_links(path: Path) -> list[tuple[int, str, int]]:
    """(page index, the text under the link, the page index it leads to) for each link
    annotation of a PDF that leads within it, read with PDFium."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    found = []
    pdf = pdfium.PdfDocument(str(path))
    try:
        for index, page in enumerate(pdf):
            text = page.get_textpage()
            position, link = ctypes.c_int(0), raw.FPDF_LINK()
            while raw.FPDFLink_Enumerate(page.raw, ctypes.byref(position), ctypes.byref(link)):
                destination = raw.FPDFLink_GetDest(pdf.raw, link)
                if not destination:
                    action = raw.FPDFLink_GetAction(link)
                    destination = raw.FPDFAction_GetDest(pdf.raw, action) if action else None
                if not destination:
                    continue  # a web address
                rect = raw.FS_RECTF()
                raw.FPDFLink_GetAnnotRect(link, ctypes.byref(rect))
                found.append((index, text.get_text_bounded(rect.left, rect.bottom, rect.right, rect.top),
                              raw.FPDFDest_GetDestPageIndex(pdf.raw, destination)))
    finally:
        pdf.close()
    return found


def target_pages(path: Path) -> dict[str, int]:
    """The page index where each target stands, read from the page's text block (running
    heads left out), after the contents page."""
    pages = [skeleton(page) for page in pdf_text_blocks(path)[0]]
    body = next(n for n, page in enumerate(pages) if skeleton("Cod in the southern Baltic") in page)
    return {reference: next(n for n in range(body, len(pages)) if skeleton(first)[:30] in pages[n])
            for reference, (_, first) in TARGETS.items()}


def folio(path: Path, index: int) -> str:
    """The page number printed in the page's foot margin (print/page.yaml)."""
    import pypdfium2 as pdfium

    from octavo.render import DEFAULT_TEMPLATES

    margin = page_geometry([DEFAULT_TEMPLATES]).bottom * PT_PER_MM
    pdf = pdfium.PdfDocument(str(path))
    try:
        page = pdf[index]
        left, bottom, right, _ = page.get_trimbox()
        return page.get_textpage().get_text_bounded(left, bottom, right, bottom + margin).strip()
    finally:
        pdf.close()


def link_problems(path: Path, links: list[tuple[int, str, int]]) -> list[str]:
    """Each cross-reference link of the PDF that leads elsewhere than the page of its target."""
    pages = target_pages(path)
    return [f"page {index + 1}: '{text.strip()}' leads to page {destination + 1}, not {pages[words(text)] + 1}"
            for index, text, destination in links if REFERENCE_RE.match(text) and destination != pages[words(text)]]


@pytest.mark.parametrize("edition", ["screen", "archive"])
def test_pdf_links_lead_to_the_page_where_the_target_is(built, edition):
    pages = target_pages(built[edition])
    assert pages["Figure 1"] > pages["section 1"]  # the figure stands pages after the summary that names it
    links = pdf_links(built[edition])
    assert {words(text) for _, text, _ in links if REFERENCE_RE.match(text)} == set(TARGETS)
    assert link_problems(built[edition], links) == []
    # The check fails on a link that leads to the wrong page, and names it.
    moved = [(i, text, 0 if text.startswith("Figure 1") and i == 3 else to) for i, text, to in links]
    assert link_problems(built[edition], moved)[0] == "page 4: 'Figure 1 (p.\xa06),' leads to page 1, not 6"


def page_number_problems(path: Path) -> list[str]:
    """Each reference whose printed page is not the number printed on the page of its target."""
    pages = target_pages(path)
    text = " ".join(" ".join(pdf_text_blocks(path)[0]).split())
    printed = re.findall(r"(Figure|Table|[Ss]ection) (\d+(?:\.\d+)?) \(p\. ?(\d+)\)", text)
    assert len(printed) == 12  # every reference of the fixture
    problems = []
    for kind, number, page in printed:
        shown = folio(path, pages[words(f"{kind} {number}")])
        if page != shown:
            problems.append(f"{kind} {number} (p. {page}): its target is on the page numbered {shown}")
    return problems


@pytest.mark.parametrize("edition", ["print", "screen"])
def test_the_pdfs_print_the_page_where_each_target_is(built, edition):
    assert page_number_problems(built[edition]) == []
    assert "Figure 1 (p. 6)" in " ".join(" ".join(pdf_text_blocks(built[edition])[0]).split())  # the figure's page


def test_the_page_number_check_names_a_wrong_page(tmp_path):
    """The proof takes any number where a page goes (Block.printed); this test is what checks it is the right
    one, and it fails when the stylesheet prints the reference's own page instead of its target's."""
    templates = copy_templates(tmp_path)
    edit(templates / "print" / "print.css", "target-counter(attr(href url), page)", "counter(page)")
    result = build_publication(FOLDER, tmp_path / "out", templates, editions=("screen",))
    problems = page_number_problems(result.outputs[0])
    assert "Figure 1 (p. 4): its target is on the page numbered 6" in problems


def test_the_print_edition_has_no_links_but_the_numbers(built):
    assert pdf_links(built["print"]) == []  # PDF/X: no annotations


def test_the_reflowable_editions_print_no_page(built):
    with zipfile.ZipFile(built["epub"]) as zf:
        summary = etree.fromstring(zf.read("EPUB/sec-01-summary.xhtml"))
    text = " ".join("".join(summary.itertext()).split())
    assert "mapped in Figure 1, the landings" in text and "(p." not in text
    page = " ".join(lxml_html.parse(str(built["web"])).getroot().text_content().split())
    assert "mapped in Figure 1, the landings" in page and "(p." not in page


def test_a_captioned_table_s_scrolling_region_is_named_by_its_caption(built):
    """A screen reader lists the regions by name: "Table 2. Quota advice…", as the caption
    numbers it, not a count of its own that would disagree with the labelled tables'."""
    with zipfile.ZipFile(built["epub"]) as zf:
        stocks = etree.fromstring(zf.read("EPUB/sec-02-stocks.xhtml"))
    page = lxml_html.parse(str(built["web"])).getroot()
    for regions in ([w.get("aria-label") for w in stocks.iter(f"{{{XHTML}}}div") if w.get("role") == "region"],
                    [w.get("aria-label") for w in page.iter("div") if w.get("role") == "region"]):
        assert regions == ["Table 1. Landings of cod by gear, in tonnes (illustrative figures).",
                           "Table 2. Quota advice and the quota set for 2024."], regions


def test_the_words_are_the_labels_file_s(tmp_path):
    """A house that writes "Fig. 1" and "(page 6)" changes the labels, and every edition follows:
    the proof, which expects the labels' words, passes on the PDF and the EPUB built with them."""
    templates = copy_templates(tmp_path)
    labels = templates / "labels" / "en.yaml"
    edit(labels, "figure_reference: Figure {number}", "figure_reference: Fig. {number}")
    edit(labels, "page_reference: p.", "page_reference: page")
    result = build_publication(FOLDER, tmp_path / "out", templates, editions=("screen", "epub"))
    pdf = " ".join(" ".join(pdf_text_blocks(result.outputs[0])[0]).split())
    assert "mapped in Fig. 1 (page 6), the landings are set out in Table 1 (page 6)" in pdf
    assert "Figure 1. Survey grounds" in pdf  # the caption is its own label, figure_caption
    assert [text for _, text, _, _ in epub_links(result.outputs[1])].count("Fig. 1") == 3
    edit(labels, "table_reference: Table {number}", "table_reference: Table")
    with pytest.raises(RenderError, match="'table_reference' must hold '{number}'"):
        build_publication(FOLDER, tmp_path / "out", templates, editions=("epub",))


# ---------------------------------------------------------------- the proof

def test_the_proof_fails_when_the_epub_hides_the_references(tmp_path):
    templates = copy_templates(tmp_path)
    css = templates / "epub" / "epub.css"
    css.write_text(css.read_text(encoding="utf-8") + "\na.xref { display: none; }\n", encoding="utf-8")
    report = build_expecting_proof_failure(FOLDER, tmp_path / "out", templates, editions=("epub",))
    failed = {(f.edition.kind, f.subject, f.problem) for f in report.failures if f.what == "block"}
    assert {("EPUB", "paragraph sec-01-summary-b1", "missing"), ("EPUB", "paragraph sec-01-summary-b2", "missing"),
            ("EPUB", "footnote sec-02-stocks-b32", "missing")} <= failed
    assert "fish-stocks/sections/01-summary.md:7" in report.summary()


def test_the_proof_fails_when_the_pdf_drops_the_page_numbers(tmp_path):
    templates = copy_templates(tmp_path)
    edit(templates / "print" / "print.css", "a.xref::after {", "a.xref.dropped::after {")
    report = build_expecting_proof_failure(FOLDER, tmp_path / "out", templates, editions=("screen",))
    failed = {f.subject for f in report.failures if f.what == "block"}
    assert {"paragraph sec-01-summary-b1", "paragraph sec-01-summary-b2", "paragraph sec-03-outlook-b1"} <= failed
    assert "expected: The method of the surveys is described in section 2, and the quota advice" in report.summary()


def test_a_note_called_just_after_a_reference_is_checked_on_its_page(built):
    """'(@tbl:catch).[^landings]': the words before the call, as the PDFs print them, hold a page
    number; the check that a note stands on its call's page still finds the call, and fails
    when the note is elsewhere."""
    doc = document()
    block = next(b for s in doc.sections for b in s.blocks if b.text.startswith("The landings fell"))
    assert [(number, before[-24:]) for number, before in block.calls] == [("2", "a year (Table 1 (p. \0)).")]
    reading = read_pdf(built["screen"], None, anchors_of(doc))
    assert [f for f in check_blocks(doc, reading) if not f.ok] == []
    note = skeleton("Landings are reported by the fleets themselves")
    at = next(n for n, page in enumerate(reading.pages) if note in skeleton(page))
    pages = list(reading.pages)
    moved = "2. Landings are reported by the fleets themselves and checked at the ports."
    pages[at] = pages[at].replace(moved.removeprefix("2. "), "")
    pages.insert(at + 1, moved)
    wrong = dataclasses.replace(reading, pages=tuple(pages), text="\n".join(pages),
                                anchors=_anchors_past_a_new_page(reading, at + 1, pages))
    assert [(f.what, f.subject, f.problem) for f in check_blocks(doc, wrong) if not f.ok] == [
        ("footnote", "2", "on another page")]


def _anchors_past_a_new_page(reading, inserted: int, pages: list[str]):
    """The reading's section anchors once a page is inserted at index `inserted`: each keeps its
    page and its place on it (clamped to the page's new length)."""
    starts, at = [], 0
    for page in reading.pages:
        starts.append(at)
        at += len(page) + 1
    new_starts, at = [], 0
    for page in pages:
        new_starts.append(at)
        at += len(page) + 1
    moved = []
    for name, offset in reading.anchors:
        index = max(i for i, start in enumerate(starts) if start <= offset)
        new_index = index + (index >= inserted)
        moved.append((name, new_starts[new_index] + min(offset - starts[index], len(pages[new_index]))))
    return tuple(moved)


# ---------------------------------------------------------------- errors

def problems_of(folder: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_publication(folder)
    return [str(p) for p in caught.value.problems]


def test_an_unknown_label_is_a_content_error_from_validate_and_build(tmp_path, capsys):
    folder = copy_content(tmp_path, SLUG, XREF)
    edit(folder / "sections" / "03-outlook.md", "@tbl:quota how far", "@tbl:qouta how far")
    expected = ("sections/03-outlook.md:7: the reference '@tbl:qouta' names no label of this publication\n"
                "    hint: did you mean '@tbl:quota'?")
    assert main(["validate", "--content", str(folder.parent), SLUG]) == 2
    assert expected in capsys.readouterr().err
    out = tmp_path / "out"
    assert main(["build", str(folder), "--out", str(out)]) == 2
    assert expected in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())


def test_a_duplicate_label_is_a_content_error(tmp_path):
    folder = copy_content(tmp_path, SLUG, XREF)
    edit(folder / "sections" / "02-stocks.md", "{#tbl:quota}", "{#tbl:catch}")
    problems = problems_of(folder)
    assert any(p.endswith("sections/02-stocks.md:47: the label 'tbl:catch' is used twice (first at "
                          f"{folder / 'sections' / '02-stocks.md'}:31)\n    hint: give each figure, table and "
                          "section its own label") for p in problems), problems
    assert any("'@tbl:quota' names no label" in p for p in problems)  # and what referred to it is now unknown


def test_the_line_of_a_reference_inside_a_paragraph(tmp_path):
    folder = copy_content(tmp_path, SLUG, XREF)
    edit(folder / "sections" / "01-summary.md", "and the quota advice in @tbl:quota.",
         "and the quota\nadvice in @tbl:quota,\nand @fig:gronuds.")
    assert [p.split(": ", 1)[0].rsplit("/", 1)[-1] for p in problems_of(folder)] == ["01-summary.md:11"]


@pytest.mark.parametrize("old, new, message", [
    ("\n\nTable: Quota advice", "\nTable: Quota advice", "'{#tbl:quota}' labels nothing here"),
    ("| Advice | Tonnes |", "Table: Advice. {#tbl:advice}\n\n| Advice | Tonnes |", "'{#tbl:quota}' labels nothing here"),
    ("(images/grounds.png \"Survey grounds of the spring trawl survey.\"){#fig:grounds}",
     "(images/grounds.png \"Survey grounds of the spring trawl survey.\"){#tbl:grounds}",
     "'{#tbl:grounds}' labels nothing here"),
    ("## Where the trawls fish {#sec:grounds}", "## Where the trawls fish {#fig:grounds}",
     "'{#fig:grounds}' labels nothing here"),
    ("![Map of the southern Baltic", "![Map (as @tbl:catch) of the southern Baltic",
     "an image's description (its alt text) holds a reference"),
], ids=["a caption after its table without a blank line", "a second caption of one table", "a table label on a figure",
        "a figure label on a heading", "a reference in alt text"])
def test_a_label_that_labels_nothing_is_a_content_error(old, new, message, tmp_path):
    folder = copy_content(tmp_path, SLUG, XREF)
    edit(folder / "sections" / "02-stocks.md", old, new)
    assert any("sections/02-stocks.md:" in p and message in p for p in problems_of(folder)), problems_of(folder)


def test_a_section_label_must_be_a_section_label(tmp_path):
    folder = copy_content(tmp_path, SLUG, XREF)
    edit(folder / "sections" / "03-outlook.md", "label: sec:outlook", "label: fig:outlook")
    problems = problems_of(folder)
    assert any("03-outlook.md:5: the section's label 'fig:outlook' is not a section label" in p for p in problems)


def test_a_label_may_not_take_a_section_s_id(tmp_path):
    folder = copy_content(tmp_path, SLUG, XREF)
    edit(folder / "sections" / "02-stocks.md", "{#sec:grounds}", "{#sec:03-outlook}")
    edit(folder / "sections" / "03-outlook.md", "@sec:grounds", "@sec:03-outlook")
    assert any("would give its element the id 'sec-03-outlook'" in p for p in problems_of(folder))


def test_a_labelled_caption_with_its_own_number_is_a_warning(tmp_path, capsys):
    folder = copy_content(tmp_path, SLUG, XREF)
    edit(folder / "sections" / "02-stocks.md", '"Survey grounds of the', '"Figure 1. Survey grounds of the')
    assert main(["validate", "--content", str(folder.parent), SLUG]) == 0
    assert main(["validate", "--strict", "--content", str(folder.parent), SLUG]) == 2
    out = capsys.readouterr().err
    assert "02-stocks.md:29: the caption of fig:grounds begins with a number of its own ('Figure 1. Survey" in out


# ---------------------------------------------------------------- grammar

def test_what_is_not_a_reference(tmp_path):
    """An e-mail address is not a reference, and a reference inside a link's words is no second link."""
    folder = copy_content(tmp_path, SLUG, XREF)
    edit(folder / "sections" / "03-outlook.md", "which returns to the counts of @sec:stocks.",
         "which returns to the counts of @sec:stocks. Write to counts@sec:stocks or read "
         "[what @fig:grounds shows](https://bfi.example.org/grounds).")
    outlook = next(s for s in document(folder).sections if s.id == "sec-03-outlook")
    assert outlook.blocks[0].text.endswith("Write to counts@sec:stocks or read what Figure 1 shows.")
    assert 'read <a href="https://bfi.example.org/grounds">what Figure 1 shows</a>' in outlook.html
    # Inside another link a reference prints no page either: it has no link of its own to count from.
    assert outlook.blocks[0].printed.endswith("read what Figure 1 shows.")
