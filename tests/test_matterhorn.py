"""The Matterhorn Protocol's machine-checkable conditions on the tagged editions (issue 22):
the screen edition (PDF/UA-1) and the archive edition (tagged, PDF/A-3u) of the seed, of the
paper with every identifier, notes, a table and a figure (shared-waters), of the
cross-reference fixture (notes, tables, a figure, links) and of the Arabic paper (a list set
right to left, a table). `tests/matterhorn.py` reads each condition back from the file; each
condition is shown failing on a copy of a built file broken for it, naming its number.
docs/editions.md's Matterhorn table says which condition each test guards."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject,
                           NumberObject, TextStringObject)

import matterhorn
from conftest import FIXTURES
from octavo.build import build_publication
from octavo.editions import edition_for_file


@pytest.fixture(scope="module")
def arabic(tmp_path_factory) -> dict[str, Path]:
    result = build_publication(FIXTURES / "languages-content" / "taawun", tmp_path_factory.mktemp("mh-ar"),
                               editions=("screen", "archive"))
    return {edition_for_file(p).name: p for p in result.outputs}


@pytest.fixture(scope="module")
def tagged(seed_pdf_editions, distribution_outputs, fish, arabic) -> dict[str, Path]:
    files = {}
    for paper, editions in (("seed", seed_pdf_editions), ("shared-waters", distribution_outputs),
                            ("fish-stocks", fish), ("taawun", arabic)):
        for edition in ("screen", "archive"):
            files[f"{paper} {edition}"] = editions[edition]
    return files


PAPERS = [f"{paper} {edition}" for paper in ("seed", "shared-waters", "fish-stocks", "taawun")
          for edition in ("screen", "archive")]


@pytest.mark.parametrize("name", PAPERS)
def test_no_machine_checkable_matterhorn_condition_fails(tagged, name):
    assert matterhorn.failures(tagged[name]) == []


def test_the_checks_had_something_to_check(tagged):
    """Not passing by finding nothing: the files hold what the conditions are about."""
    pdf = PdfReader(str(tagged["shared-waters screen"]))
    kinds = [str(element["/S"]) for element, _ in matterhorn._elements(pdf)]
    assert {"/Table", "/TH", "/TD", "/L", "/LI", "/LBody", "/Figure", "/Note", "/Lbl"} <= set(kinds)
    reading = matterhorn.read_content(pdf)
    assert sum(len(font.used) for font in reading.fonts.values()) > 100
    assert any(page.get("/Annots") for page in pdf.pages)
    arabic = PdfReader(str(tagged["taawun screen"]))
    items = [element for element, _ in matterhorn._elements(arabic) if element["/S"] == "/LI"]
    assert items and all(matterhorn._kid_types(item)[-1:] == ["/LBody"] for item in items)
    archive = PdfReader(str(tagged["seed archive"]))
    assert archive.trailer["/Root"]["/Names"]["/EmbeddedFiles"]


# ---------------------------------------------------------------- each condition can fail

def _append_content(writer: PdfWriter, page: int, data: bytes) -> None:
    stream = DecodedStreamObject()
    stream.set_data(data)
    target = writer.pages[page]
    existing = target["/Contents"]
    existing = existing.get_object() if hasattr(existing, "get_object") else existing
    parts = list(existing) if isinstance(existing, list) else [target.raw_get("/Contents")]
    target[NameObject("/Contents")] = ArrayObject(parts + [writer._add_object(stream)])


def _first_font(writer: PdfWriter, page: int = 0, skip: int = 0) -> tuple[str, DictionaryObject]:
    fonts = writer.pages[page]["/Resources"]["/Font"]
    name = sorted(fonts)[skip]
    return name, fonts[name].get_object()


def _elements(writer: PdfWriter, kind: str) -> list[DictionaryObject]:
    found = []
    for number in range(1, len(writer._objects) + 1):
        node = writer.get_object(number)
        if isinstance(node, DictionaryObject) and node.get("/S") == kind and node.get("/Type") != "/MCR":
            found.append(node)
    return found


def artifact_in_tagged(writer):
    _append_content(writer, 0, b"/P <</MCID 9999>> BDC /Artifact BMC EMC EMC")


def tagged_in_artifact(writer):
    _append_content(writer, 0, b"/Artifact BMC /P <</MCID 9998>> BDC EMC EMC")


def untagged_path(writer):
    _append_content(writer, 0, b"0 0 1 1 re f")


def form_with_mcids_twice(writer):
    form = DecodedStreamObject()
    form.set_data(b"/Span <</MCID 9997>> BDC EMC")
    form.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                 NameObject("/BBox"): ArrayObject([NumberObject(0)] * 2 + [NumberObject(1)] * 2)})
    resources = writer.pages[0]["/Resources"]
    resources.setdefault(NameObject("/XObject"), DictionaryObject())
    resources["/XObject"][NameObject("/Fx")] = writer._add_object(form)
    _append_content(writer, 0, b"/Span <</MCID 9996>> BDC /Fx Do /Fx Do EMC")


def table_body_renamed(writer):
    _elements(writer, "/TBody")[0][NameObject("/S")] = NameObject("/Div")


def list_body_renamed(writer):
    _elements(writer, "/LBody")[0][NameObject("/S")] = NameObject("/P")


def figure_without_alt(writer):
    for figure in _elements(writer, "/Figure"):
        figure.pop("/Alt", None)


def cells_without_headers(writer):
    for cell in _elements(writer, "/TD"):
        for attributes in matterhorn._attributes(cell):
            attributes.pop("/Headers", None)


def page_without_tabs(writer):
    next(page for page in writer.pages if page.get("/Annots")).pop("/Tabs")


def page_with_row_tabs(writer):
    next(page for page in writer.pages if page.get("/Annots"))[NameObject("/Tabs")] = NameObject("/R")


def no_title(writer):
    writer._root_object.pop("/Metadata")


def no_display_title(writer):
    writer._root_object["/ViewerPreferences"].pop("/DisplayDocTitle")


def false_display_title(writer):
    from pypdf.generic import BooleanObject

    writer._root_object["/ViewerPreferences"][NameObject("/DisplayDocTitle")] = BooleanObject(False)


def embedded_cmap(writer):
    """An embedded CMap naming another Registry and Supplement than its CIDFont, a WMode its
    stream contradicts, and a CMap it uses that no reader knows."""
    _, font = _first_font(writer)
    cmap = DecodedStreamObject()
    cmap.set_data(b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /WMode 0 def "
                  b"/Other-H usecmap endcmap end end")
    cmap.update({NameObject("/Type"): NameObject("/CMap"), NameObject("/CMapName"): NameObject("/Mine-H"),
                 NameObject("/WMode"): NumberObject(1), NameObject("/CIDSystemInfo"): DictionaryObject({
                     NameObject("/Registry"): TextStringObject("Other"),
                     NameObject("/Ordering"): TextStringObject("Elsewhere"),
                     NameObject("/Supplement"): NumberObject(9)})})
    font[NameObject("/Encoding")] = writer._add_object(cmap)


def unknown_cmap(writer):
    _first_font(writer)[1][NameObject("/Encoding")] = NameObject("/Nowhere-H")


def no_cid_to_gid_map(writer):
    _first_font(writer)[1]["/DescendantFonts"][0].get_object().pop("/CIDToGIDMap")


def bad_cid_to_gid_map(writer):
    _first_font(writer)[1]["/DescendantFonts"][0].get_object()[NameObject("/CIDToGIDMap")] = NameObject("/Other")


def _show(writer, hexcode: bytes):
    name, _ = _first_font(writer)
    _append_content(writer, 0, b"/Artifact BMC BT " + name.encode() + b" 10 Tf <" + hexcode + b"> Tj ET EMC")


def missing_glyph(writer):
    _show(writer, b"FFF0")


def notdef(writer):
    _show(writer, b"0000")


def wrong_width(writer):
    descendant = _first_font(writer)[1]["/DescendantFonts"][0].get_object()
    widths = descendant["/W"]
    first = widths[1].get_object()
    first[0] = FloatObject(float(first[0]) + 50)


def to_unicode_nul_and_bom(writer):
    stream = DecodedStreamObject()
    stream.set_data(b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap "
                    b"2 beginbfchar <0003> <0000> <0004> <FEFF> endbfchar endcmap end end")
    _first_font(writer)[1][NameObject("/ToUnicode")] = writer._add_object(stream)


def attachment_without_uf(writer):
    names = writer._root_object["/Names"]["/EmbeddedFiles"]["/Names"]
    names[1].get_object().pop("/UF")


BREAKS = [
    ("01-003", "screen", artifact_in_tagged), ("01-004", "screen", tagged_in_artifact),
    ("01-005", "screen", untagged_path), ("30-002", "screen", form_with_mcids_twice),
    ("09-004", "screen", table_body_renamed), ("09-005", "screen", list_body_renamed),
    ("13-004", "screen", figure_without_alt), ("15-003", "screen", cells_without_headers),
    ("28-008", "screen", page_without_tabs), ("28-009", "screen", page_with_row_tabs),
    ("06-003", "screen", no_title), ("07-001", "archive", no_display_title),
    ("07-002", "screen", false_display_title),
    ("31-001", "screen", embedded_cmap), ("31-002", "screen", embedded_cmap),
    ("31-003", "screen", embedded_cmap), ("31-007", "screen", embedded_cmap),
    ("31-008", "screen", embedded_cmap), ("31-006", "screen", unknown_cmap),
    ("31-004", "screen", bad_cid_to_gid_map), ("31-005", "screen", no_cid_to_gid_map),
    ("31-011", "screen", missing_glyph), ("31-030", "screen", notdef),
    ("31-016", "screen", wrong_width), ("31-028", "screen", to_unicode_nul_and_bom),
    ("31-029", "screen", to_unicode_nul_and_bom), ("21-001", "archive", attachment_without_uf),
]


@pytest.mark.parametrize("condition, edition, breaking", BREAKS, ids=[b[0] for b in BREAKS])
def test_each_condition_fails_on_a_file_broken_for_it(fish, tmp_path, condition, edition, breaking):
    writer = PdfWriter(clone_from=str(fish[edition]))
    breaking(writer)
    broken = tmp_path / "broken.pdf"
    writer.write(str(broken))
    found = matterhorn.failures(broken)
    assert any(line.startswith(condition) for line in found), found
