"""The tagged PDFs (screen, archive) as a screen reader and a PDF/UA auditor read them (issue 22):
every text is either content whose structure element stands in the document's tree or a
pagination artifact; the running heads and folios are artifacts; each footnote is a `Note` with
a unique `/ID`, its number a `Lbl`, its call a `Reference`; each link says in words where it
leads. Read back from the built files with PDFium (each text object's marked content) and
pypdf (the structure tree), on the seed and on the cross-reference fixture (notes, tables, a
figure, links). A PDF written by WeasyPrint alone, without Octavo's tagging, fails the same
checks, naming what is wrong."""

from __future__ import annotations

import ctypes
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from octavo.verify import furniture_margins


def tree_contents(path: Path) -> tuple[set[tuple[int, int]], list[dict]]:
    """The (page index, MCID) pairs the structure tree reaches from its Document, and every
    structure element reached (its /S, /ID, /Alt)."""
    reader = PdfReader(str(path))
    pages = {page.indirect_reference.idnum: i for i, page in enumerate(reader.pages)}
    reached, elements = set(), []

    def walk(node, page=None):
        node = node.get_object()
        if isinstance(node, int):
            reached.add((page, node))
            return
        if isinstance(node, list):
            for kid in node:
                walk(kid, page)
            return
        if not hasattr(node, "get"):
            return
        if "/Pg" in node:
            page = pages.get(node.raw_get("/Pg").idnum, page)
        if node.get("/Type") == "/MCR":
            reached.add((page, int(node["/MCID"])))
            return
        if "/S" in node:
            elements.append({"S": str(node["/S"]), "ID": str(node.get("/ID", "")), "Alt": str(node.get("/Alt", ""))})
        if "/K" in node:
            walk(node["/K"], page)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return reached, elements


def _mark_names(obj) -> list[str]:
    import pypdfium2.raw as pdfium

    names = []
    for index in range(pdfium.FPDFPageObj_CountMarks(obj.raw)):
        mark = pdfium.FPDFPageObj_GetMark(obj.raw, index)
        length = ctypes.c_ulong()
        pdfium.FPDFPageObjMark_GetName(mark, None, 0, ctypes.byref(length))
        buffer = (ctypes.c_ushort * max(length.value // 2, 1))()
        pdfium.FPDFPageObjMark_GetName(mark, buffer, length, ctypes.byref(length))
        names.append(bytes(buffer).decode("utf-16-le").rstrip("\0"))
    return names


FOLIO_RE = re.compile(r"[0-9]+|[ivxlcdm]+", re.I)


def untagged_texts(path: Path) -> list[str]:
    """Each text a reader's assistive technology cannot place: text that is neither a
    pagination artifact nor marked content whose MCID the structure tree reaches; and a folio
    (a page number alone in the page's top or bottom margin) that is not an artifact."""
    import pypdfium2
    import pypdfium2.raw as pdfium

    reached, _ = tree_contents(path)
    above, below = furniture_margins()
    problems = []
    document = pypdfium2.PdfDocument(str(path))
    try:
        for index, page in enumerate(document):
            _, bottom, _, top = page.get_trimbox()
            textpage = page.get_textpage()
            for obj in page.get_objects(filter=(pdfium.FPDF_PAGEOBJ_TEXT,), max_depth=8):
                if "Artifact" in _mark_names(obj):
                    continue
                left, low, right, high = obj.get_bounds()
                words = textpage.get_text_bounded(left, low, right, high).strip() or "(no text)"
                in_margin = high > top - above or low < bottom + below
                if in_margin and FOLIO_RE.fullmatch(words):
                    problems.append(f"page {index + 1}: the folio '{words}' is not an artifact")
                elif (index, pdfium.FPDFPageObj_GetMarkedContentID(obj.raw)) not in reached:
                    problems.append(f"page {index + 1}: '{words[:40]}' is tagged outside the structure tree")
    finally:
        document.close()
    return problems


@pytest.mark.parametrize("edition", ["screen", "archive"])
def test_every_text_is_in_the_structure_tree_or_an_artifact_and_the_furniture_is_an_artifact(fish, edition):
    assert untagged_texts(fish[edition]) == []
    data = b"".join(page.get_contents().get_data() for page in PdfReader(str(fish[edition])).pages)
    assert b"/Subtype /Footer" in data  # the folios: pagination artifacts, saying where they stand


@pytest.mark.parametrize("edition", ["screen", "archive"])
def test_the_seeds_running_heads_and_folios_are_artifacts(seed_pdf_editions, edition):
    assert untagged_texts(seed_pdf_editions[edition]) == []


@pytest.mark.parametrize("edition", ["screen", "archive"])
def test_each_footnote_is_a_note_with_a_unique_id_its_number_a_label_its_call_a_reference(fish, edition):
    _, elements = tree_contents(fish[edition])
    notes = [e["ID"] for e in elements if e["S"] == "/Note"]
    assert notes == ["fn-sec-02-stocks-1", "fn-sec-02-stocks-2"]
    assert sum(e["S"] == "/Lbl" for e in elements) >= 2  # each note's number (and the lists' bullets)
    assert sum(e["S"] == "/Reference" for e in elements) == 2


@pytest.mark.parametrize("edition", ["screen", "archive"])
def test_each_link_says_in_words_where_it_leads(fish, edition):
    """A link's /Contents is what a screen reader announces: its words ("Table 1", "Summary",
    an address), never the id it points to ("tbl-catch")."""
    contents = set()
    ids = set()
    reader = PdfReader(str(fish[edition]))
    for page in reader.pages:
        for annotation in page.get("/Annots", []) or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") == "/Link":
                contents.add(str(annotation.get("/Contents", "")))
                destination = annotation.get("/Dest")
                if destination is not None:
                    ids.add(str(destination))
    assert {"Table 1", "Table 2", "Figure 1", "Summary", "https://bfi.example.org"} <= contents
    assert not contents & ids and "" not in contents, contents & ids
    _, elements = tree_contents(fish[edition])
    assert "/Link" in {e["S"] for e in elements}


def annotations_outside_links(path: Path) -> list[str]:
    """Each link annotation the structure tree does not hold in a Link element (Matterhorn
    28-011): its object reference (OBJR) under another element, or under none."""
    reader = PdfReader(str(path))
    held = {}

    def walk(node, tag=None):
        node = node.get_object()
        if isinstance(node, list):
            for kid in node:
                walk(kid, tag)
            return
        if not hasattr(node, "get"):
            return
        if node.get("/Type") == "/OBJR":
            held[node.raw_get("/Obj").idnum] = tag
            return
        if "/K" in node:
            walk(node["/K"], str(node.get("/S", tag)))

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    problems = []
    for number, page in enumerate(reader.pages, start=1):
        for reference in page.get("/Annots", []) or []:
            annotation = reference.get_object()
            if annotation.get("/Subtype") == "/Link" and held.get(reference.idnum) != "/Link":
                problems.append(f"page {number}: the link '{annotation.get('/Contents', '')}' is held by "
                                f"{held.get(reference.idnum) or 'no structure element'}")
    return problems


@pytest.mark.parametrize("edition", ["screen", "archive"])
def test_each_link_annotation_is_held_by_a_link_element(fish, seed_pdf_editions, edition):
    assert annotations_outside_links(fish[edition]) == []
    assert annotations_outside_links(seed_pdf_editions[edition]) == []


def with_a_link_as_span(pdf: Path, out: Path) -> Path:
    """A copy of `pdf` whose first Link structure element is renamed Span: its annotation is
    then held by a Span."""
    from pypdf import PdfWriter
    from pypdf.generic import NameObject

    writer = PdfWriter(clone_from=str(pdf))
    for number in range(1, len(writer._objects) + 1):
        node = writer.get_object(number)
        if hasattr(node, "get") and node.get("/S") == "/Link":
            node[NameObject("/S")] = NameObject("/Span")
            break
    writer.write(str(out))
    return out


def test_the_link_check_names_an_annotation_under_a_span(fish, tmp_path):
    """The check can fail: the same file with one Link element renamed Span."""
    problems = annotations_outside_links(with_a_link_as_span(fish["screen"], tmp_path / "broken.pdf"))
    assert problems and all("is held by /Span" in p for p in problems), problems


def test_weasyprint_alone_fails_these_checks_naming_the_furniture_and_the_ids(tmp_path):
    """The checks can fail: the same kind of page written by WeasyPrint 70 alone (a fresh
    interpreter, none of Octavo's tagging) tags its folio outside the tree and describes its
    link by the id it points to."""
    html = tmp_path / "p.html"
    html.write_text("""<!DOCTYPE html><html lang="en"><head><title>T</title><style>
        @page { size: A5; margin: 25mm 20mm; @bottom-center { content: counter(page); }
                @top-center { content: "A running head"; } }
        .note { float: footnote; }</style></head>
        <body><h1 id="top">A title</h1><p>Words with a note<span class="note">The note.</span>
        and <a href="#tbl">a</a> link.</p><table id="tbl"><caption>Table 1. Catch</caption>
        <tr><td>1</td></tr></table></body></html>""", encoding="utf-8")
    pdf = tmp_path / "p.pdf"
    subprocess.run([sys.executable, "-c", "import sys, weasyprint; "
                    "weasyprint.HTML(sys.argv[1]).write_pdf(sys.argv[2], pdf_variant='pdf/ua-1')",
                    str(html), str(pdf)], check=True, capture_output=True)
    problems = untagged_texts(pdf)
    assert "page 1: the folio '1' is not an artifact" in problems, problems
    assert "page 1: 'A running head' is tagged outside the structure tree" in problems, problems
    _, elements = tree_contents(pdf)
    assert "/Note" not in {e["S"] for e in elements}
    annotation = PdfReader(str(pdf)).pages[0]["/Annots"][0].get_object()
    assert str(annotation["/Contents"]) == "tbl"  # what Octavo's tagging replaces with words


# -------------------------------------------- an independent checker: page-validation

def checker_failures(path: Path, profile: str) -> list[str]:
    """The rules `page-validation` (PyPI; a Rust implementation of veraPDF's PDF/UA-1 and
    PDF/A rule sets, run offline) finds broken in the file: "RULE-ID: message"."""
    import page

    report = page.validate_pdf(str(path), profile=profile)
    return [f"{failure.rule_id}: {failure.message}" for failure in report.failures]


@pytest.mark.parametrize("edition, profile", [("screen", "ua1"), ("archive", "3u")])
def test_an_independent_checker_passes_the_screen_edition_as_pdf_ua_and_the_archive_as_pdf_a(
        fish, seed_pdf_editions, edition, profile):
    """The screen edition claims PDF/UA-1, the archive PDF/A-3u: page-validation finds no rule
    broken on the seed's nor on the fixture's (notes, tables, a figure, links)."""
    assert checker_failures(fish[edition], profile) == []
    assert checker_failures(seed_pdf_editions[edition], profile) == []


def test_the_independent_checker_fails_a_link_outside_its_element_and_an_interpolated_image(fish, tmp_path):
    from pypdf import PdfWriter
    from pypdf.generic import BooleanObject, NameObject

    broken = with_a_link_as_span(fish["screen"], tmp_path / "link.pdf")
    assert any(f.startswith("PDFUA1-LINK-LINK-TAG-001") for f in checker_failures(broken, "ua1"))

    writer = PdfWriter(clone_from=str(fish["archive"]))
    for number in range(1, len(writer._objects) + 1):
        node = writer.get_object(number)
        if hasattr(node, "get") and node.get("/Subtype") == "/Image":
            node[NameObject("/Interpolate")] = BooleanObject(True)
    smoothed = tmp_path / "image.pdf"
    writer.write(str(smoothed))
    assert any(f.startswith("PDFA3U-IMAGE-INTERPOLATE-001") for f in checker_failures(smoothed, "3u"))
