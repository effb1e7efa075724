"""The three PDF editions of the seed paper, read back from the built files.

Each check is a small function over a built PDF that returns what is wrong
(empty when all is well); each is run on every edition and, once, on a
broken input to show it can fail and names what is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject

from octavo.build import build_publication
from octavo.editions import EDITION_NAMES
from octavo.errors import RenderError
from octavo.verify import read_pdf

from conftest import CONTENT, REPO, SEED_SLUG, copy_content, copy_templates, edit, text_editions

EDITIONS = ("print", "screen", "archive")
CLAIMS = {"print": {"PDF/X-4"}, "screen": {"PDF/UA-1"}, "archive": {"PDF/A-3U"}}
MM = 72 / 25.4
A4 = (595.28, 841.89)
XMP = {"x": "adobe:ns:meta/", "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
       "dc": "http://purl.org/dc/elements/1.1/", "xmp": "http://ns.adobe.com/xap/1.0/",
       "pdfaid": "http://www.aiim.org/pdfa/ns/id/", "pdfuaid": "http://www.aiim.org/pdfua/ns/id/",
       "pdfxid": "http://www.npes.org/pdfx/ns/id/", "xmpRights": "http://ns.adobe.com/xap/1.0/rights/"}


# ------------------------------------------------------------- the checks

def font_problems(path: Path) -> list[str]:
    """Every font used on every page: embedded, subset (ABCDEF+Name) and with a ToUnicode map."""
    problems, seen = [], 0
    for number, page in enumerate(PdfReader(str(path)).pages, start=1):
        for font in _fonts(page.get("/Resources")):
            seen += 1
            name = str(font.get("/BaseFont", "?"))
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            if not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                problems.append(f"page {number}: font {name} is not embedded")
            if "+" not in name or len(name.lstrip("/").split("+")[0]) != 6:
                problems.append(f"page {number}: font {name} is not a subset")
            if "/ToUnicode" not in font:
                problems.append(f"page {number}: font {name} has no ToUnicode map")
    return problems if seen else [f"{path.name}: no fonts found at all"]


def _fonts(resources):
    if resources is None:
        return
    resources = resources.get_object()
    for font in (resources.get("/Font") or {}).values():
        yield font.get_object()
    for xobject in (resources.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Form":
            yield from _fonts(xobject.get("/Resources"))


def xmp(path: Path):
    metadata = PdfReader(str(path)).trailer["/Root"].get("/Metadata")
    return etree.fromstring(metadata.get_object().get_data()) if metadata is not None else None


def conformance_claims(path: Path) -> set[str]:
    """What the XMP packet says the file conforms to: PDF/A-<part><level>, PDF/UA-<part>, PDF/X-<n>."""
    packet, claims = xmp(path), set()
    if packet is None:
        return claims
    for d in packet.iterfind(".//rdf:Description", XMP):
        part = d.get(f"{{{XMP['pdfaid']}}}part") or d.findtext("pdfaid:part", None, XMP)
        if part:
            level = d.get(f"{{{XMP['pdfaid']}}}conformance") or d.findtext("pdfaid:conformance", "", XMP)
            claims.add(f"PDF/A-{part}{level}")
        part = d.get(f"{{{XMP['pdfuaid']}}}part") or d.findtext("pdfuaid:part", None, XMP)
        if part:
            claims.add(f"PDF/UA-{part}")
        version = d.findtext("pdfxid:GTS_PDFXVersion", None, XMP)
        if version:
            claims.add(version)
    return claims


def box_problems(path: Path, trim: tuple[float, float] = A4, bleed_mm: float = 3) -> list[str]:
    """Print edition: every page has a TrimBox of the trim size and a BleedBox `bleed_mm` beyond it, inside the MediaBox."""
    problems = []
    for number, page in enumerate(PdfReader(str(path)).pages, start=1):
        if "/TrimBox" not in page or "/BleedBox" not in page:
            problems.append(f"page {number}: no TrimBox or BleedBox")
            continue
        t, b, m = page.trimbox, page.bleedbox, page.mediabox
        if abs(float(t.width) - trim[0]) > 0.5 or abs(float(t.height) - trim[1]) > 0.5:
            problems.append(f"page {number}: TrimBox is {float(t.width):.1f} x {float(t.height):.1f} pt, not {trim}")
        margins = (float(t.left) - float(b.left), float(t.bottom) - float(b.bottom),
                   float(b.right) - float(t.right), float(b.top) - float(t.top))
        if any(abs(x - bleed_mm * MM) > 0.2 for x in margins):
            problems.append(f"page {number}: BleedBox is not {bleed_mm} mm beyond the TrimBox: {margins}")
        if (float(m.left) > float(b.left) or float(m.bottom) > float(b.bottom)
                or float(m.right) < float(b.right) or float(m.top) < float(b.top)):
            problems.append(f"page {number}: the MediaBox does not hold the BleedBox")
        elif float(m.width) - float(b.width) < 10 * MM:
            problems.append(f"page {number}: no room for crop marks outside the BleedBox")
    return problems


def rgb_operators(path: Path) -> int:
    """How many device-RGB colour operators (rg, RG) the pages and their forms use."""
    import re

    def count(stream, resources) -> int:
        found = len(re.findall(rb"(?:^|\s)(?:rg|RG)(?=\s|$)", stream.get_data()))
        for xobject in ((resources or {}).get("/XObject") or {}).values():
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Form":
                found += count(xobject, xobject.get("/Resources"))
        return found

    total = 0
    for page in PdfReader(str(path)).pages:
        contents = page.get_contents()
        resources = page.get("/Resources")
        total += count(contents, resources.get_object() if resources is not None else None) if contents is not None else 0
    return total


def qpdf_check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)


# ----------------------------------------------------- on every edition

@pytest.mark.parametrize("edition", EDITIONS)
def test_fonts_are_embedded_subset_and_mapped_to_unicode(edition, seed_pdf_editions):
    assert font_problems(seed_pdf_editions[edition]) == []


@pytest.mark.parametrize("edition", EDITIONS)
def test_native_script_names_are_real_glyphs_and_extract_as_text(edition, seed_pdf_editions):
    # A name rendered as empty boxes (.notdef) would extract as nothing, or as U+FFFD.
    reader = PdfReader(str(seed_pdf_editions[edition]))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "김준형" in text and "朱锋" in text
    assert "\ufffd" not in text
    fonts = {str(f.get("/BaseFont")) for page in reader.pages for f in _fonts(page.get("/Resources"))}
    assert any("CJK-KR" in f for f in fonts) and any("CJK-SC" in f for f in fonts), fonts


@pytest.mark.parametrize("edition", EDITIONS)
def test_the_xmp_identification_matches_the_edition(edition, seed_pdf_editions):
    assert conformance_claims(seed_pdf_editions[edition]) == CLAIMS[edition]


@pytest.mark.parametrize("edition", EDITIONS)
def test_qpdf_finds_the_file_clean(edition, seed_pdf_editions):
    run = qpdf_check(seed_pdf_editions[edition])
    assert run.returncode == 0, run.stdout + run.stderr
    assert "No syntax or stream encoding errors found" in run.stdout
    assert "WARNING" not in run.stdout + run.stderr


def test_octavo_check_passes_on_every_edition_and_finds_the_publication_from_the_file_name(
        seed_pdf_editions, seed_epub, tmp_path):
    # Copies under their published names: `octavo check` finds content/<slug> from the part before the first dot.
    files = []
    for path in [*seed_pdf_editions.values(), seed_epub]:
        files.append(tmp_path / path.name)
        shutil.copyfile(path, files[-1])
    assert sorted(f.name for f in files) == sorted([f"{SEED_SLUG}.print.pdf", f"{SEED_SLUG}.pdf",
                                                   f"{SEED_SLUG}.archive.pdf", f"{SEED_SLUG}.epub"])
    run = subprocess.run([sys.executable, "-m", "octavo.cli", "check", *map(str, files)],
                         capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 0, run.stdout + run.stderr
    for f in files:
        assert f"{'EPUB' if f.suffix == '.epub' else 'PDF'} {f}" in run.stdout
    assert "MISSING" not in run.stdout


def test_the_same_content_builds_byte_identical_pdfs(seed_pdf_editions, tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    # From a copy of the content elsewhere: no path, clock or machine detail gets into the bytes.
    again = build_publication(copy_content(tmp_path), tmp_path / "again", editions=EDITIONS)
    for path in text_editions(again.outputs):  # the cover's: tests/test_cover.py
        original = seed_pdf_editions[{"print": "print", "archive": "archive"}.get(path.suffixes[0][1:], "screen")]
        assert path.name == original.name
        assert path.read_bytes() == original.read_bytes(), f"{path.name} differs between two builds"


def test_a_paper_with_an_image_builds_the_same_bytes_from_any_folder(tmp_path, monkeypatch):
    # WeasyPrint names an image in the PDF after its URL: a URL holding the folder's absolute path
    # gave other bytes from another folder (another clone, a Dask worker's temporary folder).
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    epub_content = REPO / "tests" / "fixtures" / "epub-content"
    here = build_publication(copy_content(tmp_path / "one", "grid-resilience", epub_content), tmp_path / "a",
                             editions=("screen",)).outputs[0]
    there = build_publication(copy_content(tmp_path / "two" / "deeper", "grid-resilience", epub_content),
                              tmp_path / "b", editions=("screen",)).outputs[0]
    assert b"/Subtype /Image" in here.read_bytes()
    assert here.read_bytes() == there.read_bytes(), "the image's PDF name depends on the folder's path"


def test_source_date_epoch_sets_the_modification_date(seed_pdf_editions, tmp_path, monkeypatch):
    # The reproducibility check above can fail: a different SOURCE_DATE_EPOCH gives different bytes.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14T22:13:20Z
    again = build_publication(CONTENT / SEED_SLUG, tmp_path / "sde", editions=("archive",)).outputs[0]
    assert again.read_bytes() != seed_pdf_editions["archive"].read_bytes()
    assert PdfReader(str(again)).metadata["/ModDate"].startswith("D:20231114221320")
    assert xmp(again).findtext(".//xmp:ModifyDate", None, XMP) == "2023-11-14T22:13:20Z"
    assert xmp(again).findtext(".//xmp:CreateDate", None, XMP) == "2018-02-05"  # from the content


# ------------------------------------------------------- each edition

def test_print_edition_has_trim_and_bleed_boxes_crop_marks_and_a_cmyk_output_intent(seed_pdf_editions):
    path = seed_pdf_editions["print"]
    assert box_problems(path) == []
    reader = PdfReader(str(path))
    intents = reader.trailer["/Root"]["/OutputIntents"]
    assert [str(i["/S"]) for i in intents] == ["/GTS_PDFX"]
    assert intents[0]["/DestOutputProfile"].get_object()["/N"] == 4  # a CMYK profile
    assert reader.pdf_header == "%PDF-1.6"
    assert all("/Annots" not in page for page in reader.pages)  # PDF/X: nothing printable on top of the page
    # Under a CMYK output intent PDF/X-4 allows no device RGB: every colour is device-cmyk().
    assert rgb_operators(path) == 0
    assert rgb_operators(seed_pdf_editions["screen"]) > 0  # the check can fail: the screen edition is RGB
    # The crop marks are drawn in the bleed area, outside the TrimBox the proof reads.
    assert read_pdf(path).text.strip()


def test_print_edition_trim_size_comes_from_the_publication(tmp_path):
    folder = copy_content(tmp_path)
    edit(folder / "publication.yaml", "trim_size: A4", "trim_size: 170mm 240mm")
    path = build_publication(folder, tmp_path / "out", editions=("print",)).outputs[0]
    assert box_problems(path, trim=(170 * MM, 240 * MM)) == []
    assert box_problems(path) != []  # the A4 check fails on it, naming the size
    assert "TrimBox is 481.9 x 680.3 pt" in box_problems(path)[0]


def test_screen_edition_is_tagged_titled_linked_and_bookmarked(seed_pdf_editions):
    reader = PdfReader(str(seed_pdf_editions["screen"]))
    root = reader.trailer["/Root"]
    assert str(root["/MarkInfo"]["/Marked"]) == "True"  # pypdf's BooleanObject
    assert "/StructTreeRoot" in root
    assert str(root["/ViewerPreferences"]["/DisplayDocTitle"]) == "True"
    assert root["/Lang"] == "en"
    links = [a.get_object() for page in reader.pages for a in page.get("/Annots") or []]
    uris = {str(a["/A"]["/URI"]) for a in links if "/A" in a and "/URI" in a["/A"]}
    assert "https://www.isdp.eu" in uris
    assert any("/Dest" in a or ("/A" in a and "/D" in a["/A"]) for a in links)  # the contents link to the sections
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    for section in ("Summary", "Introduction", "A Perspective from North Korea", "A Perspective from South Korea",
                    "A Perspective from China", "A Perspective from the United States", "Conclusion",
                    "About the Contributors"):
        assert section in titles


@pytest.mark.parametrize("edition", ("screen", "archive"))
def test_the_screen_and_archive_editions_are_tagged(seed_pdf_editions, edition):
    """Both are written from one layout of the trimmed page, each with its structure tree."""
    root = PdfReader(str(seed_pdf_editions[edition])).trailer["/Root"]
    assert str(root["/MarkInfo"]["/Marked"]) == "True" and "/StructTreeRoot" in root
    assert root["/StructTreeRoot"].get_object()["/K"]  # the tree has content, not just a root


def test_one_shared_layout_leaves_each_pdf_its_own_output_intent(seed_pdf_editions):
    """The screen and archive editions share a layout; what each writer adds stays in its own file."""
    intents = {name: [str(i["/S"]) for i in PdfReader(str(path)).trailer["/Root"].get("/OutputIntents", [])]
               for name, path in seed_pdf_editions.items()}
    assert intents == {"print": ["/GTS_PDFX"], "screen": [], "archive": ["/GTS_PDFA1"]}


def test_archive_edition_carries_its_sources_and_complete_xmp(seed_pdf_editions):
    path = seed_pdf_editions["archive"]
    reader = PdfReader(str(path))
    attached = {name: data[0] for name, data in reader.attachments.items()}
    folder = CONTENT / SEED_SLUG
    expected = {"publisher.yaml": CONTENT / "publisher.yaml",
                f"{SEED_SLUG}/publication.yaml": folder / "publication.yaml",
                **{f"{SEED_SLUG}/sections/{p.name}": p for p in (folder / "sections").glob("*.md")}}
    assert set(attached) == set(expected)
    for name, source in expected.items():
        assert attached[name] == source.read_bytes(), name
    root = reader.trailer["/Root"]
    specs = [f.get_object() for f in root["/AF"]]
    assert len(specs) == len(expected) and all(str(s["/AFRelationship"]) == "/Source" for s in specs)
    assert [str(i["/S"]) for i in root["/OutputIntents"]] == ["/GTS_PDFA1"]
    packet = xmp(path)
    assert packet.findtext(".//dc:title/rdf:Alt/rdf:li", None, XMP) == \
        "Breaking Deadlock on the Korean Peninsula? Four Perspectives"
    assert [li.text for li in packet.iterfind(".//dc:creator/rdf:Seq/rdf:li", XMP)] == \
        ["Ryang Tong Il", "Joon Hyung Kim", "Zhu Feng", "Abraham Denmark"]
    assert [li.text for li in packet.iterfind(".//dc:contributor/rdf:Bag/rdf:li", XMP)] == \
        ["Institute for Security and Development Policy"]
    assert packet.findtext(".//dc:rights/rdf:Alt/rdf:li", None, XMP).startswith("© 2018 Institute for Security")
    assert packet.findtext(".//dc:date/rdf:Seq/rdf:li", None, XMP) == "2018-02-05"
    assert packet.findtext(".//dc:description/rdf:Alt/rdf:li", None, XMP).startswith("Can the nuclear issue")
    assert packet.findtext(".//dc:identifier", None, XMP).startswith("urn:uuid:")
    assert packet.findtext(".//dc:publisher/rdf:Bag/rdf:li", None, XMP) == "Institute for Security and Development Policy"
    assert packet.findtext(".//dc:language/rdf:Bag/rdf:li", None, XMP) == "en"
    assert packet.findtext(".//xmpRights:Marked", None, XMP) == "True"


# ------------------------------------------------- the checks can fail

def test_the_font_check_names_a_font_that_is_not_embedded(tmp_path):
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject({
        NameObject("/F1"): DictionaryObject({NameObject("/Type"): NameObject("/Font"),
                                             NameObject("/Subtype"): NameObject("/Type1"),
                                             NameObject("/BaseFont"): NameObject("/Helvetica")})})})
    writer.write(tmp_path / "bad.pdf")
    problems = font_problems(tmp_path / "bad.pdf")
    assert problems == ["page 1: font /Helvetica is not embedded", "page 1: font /Helvetica is not a subset",
                        "page 1: font /Helvetica has no ToUnicode map"]


def test_the_claim_and_box_checks_fail_on_the_wrong_edition(seed_pdf_editions):
    assert conformance_claims(seed_pdf_editions["screen"]) != CLAIMS["archive"]
    assert box_problems(seed_pdf_editions["screen"])[0].startswith("page 1: BleedBox is not 3 mm beyond")


def test_qpdf_check_fails_on_a_damaged_file(seed_pdf_editions, tmp_path):
    data = bytearray(seed_pdf_editions["screen"].read_bytes())
    start = data.index(b"stream\n", len(data) // 3) + len(b"stream\n")
    data[start:start + 64] = b"\x00" * 64  # a compressed stream's bytes overwritten
    (tmp_path / "damaged.pdf").write_bytes(bytes(data))
    assert qpdf_check(tmp_path / "damaged.pdf").returncode != 0


def test_a_weasyprint_warning_fails_the_build(tmp_path):
    templates = copy_templates(tmp_path)
    css = templates / "print" / "print.css"
    css.write_text(css.read_text(encoding="utf-8") + "\np { hyphens: sometimes; }\n", encoding="utf-8")
    with pytest.raises(RenderError, match="WeasyPrint warned while laying out the trimmed page"):
        build_publication(CONTENT / SEED_SLUG, tmp_path / "out", templates, editions=("screen",))
    assert not (tmp_path / "out" / f"{SEED_SLUG}.pdf").exists()


def test_the_print_edition_needs_no_font_or_profile_from_outside(seed_pdf_editions):
    # Everything the print shop needs is inside the file: the output intent's profile is embedded.
    reader = PdfReader(str(seed_pdf_editions["print"]))
    profile = reader.trailer["/Root"]["/OutputIntents"][0]["/DestOutputProfile"].get_object()
    assert len(profile.get_data()) > 100_000
    assert os.path.getsize(seed_pdf_editions["print"]) > len(profile.get_data())


@pytest.mark.parametrize("edition", EDITIONS)
def test_running_heads_and_folios_stand_outside_the_text_block_the_proof_reads(edition, seed_pdf_editions):
    # Verso: the publication's title; recto: the section and its author; folios at the foot.
    reader = PdfReader(str(seed_pdf_editions[edition]))
    from octavo.render import DEFAULT_TEMPLATES, page_geometry
    from octavo.verify import MARGIN_SLACK_MM

    geometry = page_geometry([DEFAULT_TEMPLATES])
    furniture = (geometry.top - MARGIN_SLACK_MM) * MM  # what the proof leaves out at the top
    heads = {}
    for index in (4, 6):  # pages 5, where a section opens (no running head), and 7 (recto)
        page, pieces = reader.pages[index], []
        page.extract_text(visitor_text=lambda text, cm, tm, font, size: pieces.append(
            (text.strip(), tm[4] * cm[1] + tm[5] * cm[3] + cm[5])))
        top, bottom = float(page.trimbox.top), float(page.trimbox.bottom)
        head = [t for t, y in pieces if t and top - y < furniture]
        folio = [t for t, y in pieces if t and y - bottom < (geometry.bottom - MARGIN_SLACK_MM) * MM]
        assert folio == [str(index + 1)], (index, folio)
        heads[index + 1] = " ".join(" ".join(head).split())  # a name's spaces are no-break spaces (render.keep_whole)
    # The verso's head (the publication's title) on a page no section opens: test_pdf_typography.
    assert heads[5] == ""
    assert heads[7] == "Conclusion · Institute for Security and Development Policy"
    assert heads[7] not in read_pdf(seed_pdf_editions[edition]).text


@pytest.mark.parametrize("edition", EDITIONS)
def test_every_seed_paragraph_is_in_every_pdf_edition_word_for_word(edition, seed_pdf_editions):
    # Bleed, crop marks, tags or attachments must not cost a word, nor interleave the running heads.
    from octavo.verify import skeleton
    from test_seed_publication import seed_paragraphs

    text = skeleton(read_pdf(seed_pdf_editions[edition]).text)
    missing = [p for p in seed_paragraphs()[2:] if skeleton(p.removeprefix("Disclaimer: ")) not in text]
    assert not missing


def test_build_edition_option_builds_only_what_it_names(tmp_path):
    run = subprocess.run([sys.executable, "-m", "octavo.cli", "build", str(CONTENT / SEED_SLUG),
                          "--out", str(tmp_path), "--edition", "archive"], capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 0, run.stdout + run.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [f"{SEED_SLUG}.archive.pdf"]
    run = subprocess.run([sys.executable, "-m", "octavo.cli", "build", str(CONTENT / SEED_SLUG),
                          "--out", str(tmp_path), "--edition", "print,sceen"], capture_output=True, text=True, cwd=REPO)
    assert run.returncode != 0 and "Traceback" not in run.stderr
    assert f"unknown edition sceen: choose from {', '.join(EDITION_NAMES)}" in run.stderr


def test_unknown_edition_or_trim_size_in_the_yaml_is_a_content_error_with_file_and_line(tmp_path):
    from octavo.errors import ContentError
    from octavo.model import load_publication

    folder = copy_content(tmp_path)
    edit(folder / "publication.yaml", "editions: [print, screen, archive, epub, web]", "editions: [print, screan]")
    edit(folder / "publication.yaml", "trim_size: A4", "trim_size: 20cm 30cm")
    with pytest.raises(ContentError) as caught:
        load_publication(folder)
    text = str(caught.value)
    line = next(n for n, l in enumerate((folder / "publication.yaml").read_text().splitlines(), 1)
                if l.startswith("editions:"))
    assert f"publication.yaml:{line}: unknown edition 'screan'" in text and "did you mean 'screen'?" in text
    assert "trim size '20cm 30cm' is not a page size Octavo knows" in text
