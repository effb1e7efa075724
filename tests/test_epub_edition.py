"""The EPUB edition, read back from the built file: conformance (EPUBCheck), accessibility
metadata and semantics, the print edition's page-list, the cover, the package metadata,
the stylesheet and byte-identical rebuilds.

The feature fixture (tests/fixtures/epub-content/grid-resilience) has what the seed
lacks: footnotes (one cited twice), a table, a block quote, a list, an image, a series
number, an ISBN and a DOI, an editor and a native-script name.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import zipfile
from pathlib import Path, PurePosixPath

import pytest
from lxml import etree

from octavo.build import build_publication
from octavo.metadata import primary_identifier
from octavo.model import load_publication
from octavo.verify import skeleton

from conftest import CONTENT, FIXTURES, SEED_SLUG, copy_templates

FEATURES = FIXTURES / "epub-content" / "grid-resilience"
NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


# ------------------------------------------------------------------ builds

def _build(folder: Path, out: Path):
    result = build_publication(folder, out)
    epub = next(p for p in result.outputs if p.suffix == ".epub")
    pdf = out / f"{folder.name}.pdf"  # the screen edition: the print edition's pages, without bleed
    return epub, pdf


@pytest.fixture(scope="session")
def features(tmp_path_factory):
    return _build(FEATURES, tmp_path_factory.mktemp("features-a4"))


@pytest.fixture(scope="session")
def features_a3(tmp_path_factory):
    """The same publication with an A3 print page: its pages begin elsewhere.

    (A3, not A5: the print title page has a fixed height that a page shorter
    than A4 cannot hold, and then the proof rightly fails the print edition.)"""
    root = tmp_path_factory.mktemp("features-a3")
    content = root / "content"
    shutil.copytree(FEATURES.parent, content)
    yaml = content / FEATURES.name / "publication.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8").replace("editions:", "trim_size: A3\neditions:"),
                    encoding="utf-8")
    templates = copy_templates(root)
    with open(templates / "print" / "print.css", "a", encoding="utf-8") as css:
        css.write("\n@page { size: A3; }\n")  # for a print template that takes the size from its stylesheet
    result = build_publication(content / FEATURES.name, root / "build", templates)
    epub = next(p for p in result.outputs if p.suffix == ".epub")
    return epub, root / "build" / f"{FEATURES.name}.pdf"


class Epub:
    """A built EPUB, parsed: the package document and every XHTML document in spine order."""

    def __init__(self, path: Path):
        self.path = path
        with zipfile.ZipFile(path) as zf:
            self.names = zf.namelist()
            self.infos = zf.infolist()
            self.files = {name: zf.read(name) for name in self.names}
        self.opf = etree.fromstring(self.files["EPUB/content.opf"])
        self.meta = self.opf.find("opf:metadata", NS)
        self.manifest = {i.get("id"): i for i in self.opf.iterfind(".//opf:manifest/opf:item", NS)}
        self.spine = [self.manifest[r.get("idref")].get("href") for r in self.opf.iterfind(".//opf:itemref", NS)]
        self.docs = {href: etree.fromstring(self.files[f"EPUB/{href}"]) for href in self.spine}
        nav = next(i for i in self.manifest.values() if "nav" in (i.get("properties") or "").split())
        self.nav = etree.fromstring(self.files[f"EPUB/{nav.get('href')}"])

    def properties(self, name: str) -> list[str]:
        return [m.text for m in self.meta.iterfind("opf:meta", NS) if m.get("property") == name]

    def refines(self, target: str, name: str) -> list[etree._Element]:
        return [m for m in self.meta.iterfind("opf:meta", NS)
                if m.get("refines") == target and m.get("property") == name]

    def find_id(self, href: str) -> etree._Element | None:
        doc, _, fragment = href.partition("#")
        found = self.docs[doc].xpath("//*[@id=$i]", i=fragment)
        return found[0] if found else None

    def text_after_markers(self) -> dict[int, str]:
        """For each page-break marker, the text that follows it in reading order."""
        pieces = []

        def walk(element):
            if element.get(EPUB_TYPE) == "pagebreak":
                pieces.append(f"\x00{element.get('aria-label')}\x00")
            pieces.append(element.text or "")
            for child in element:
                if isinstance(child.tag, str):
                    walk(child)
                pieces.append(child.tail or "")

        for href in self.spine:
            walk(self.docs[href].find("x:body", NS))
            pieces.append(" ")
        parts = "".join(pieces).split("\x00")
        return {int(parts[i]): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def pdf_page_starts(pdf: Path) -> list[str]:
    """Each PDF page's text block (running heads and folios left out, as the proof reads it)."""
    from octavo.verify import pdf_text_blocks

    return pdf_text_blocks(pdf)[0]  # (the visible text of each page, what is not seen)


# ------------------------------------------------------------- conformance

def _publications() -> list[Path]:
    return sorted(p.parent for p in CONTENT.glob("*/publication.yaml"))


@pytest.mark.parametrize("folder", _publications(), ids=lambda p: p.name)
def test_epubcheck_passes_every_publication_in_content(folder, seed_epub, epubcheck, tmp_path):
    if folder.name == SEED_SLUG:
        epub = seed_epub
    else:
        epub = next(p for p in build_publication(folder, tmp_path, editions=("epub",)).outputs if p.suffix == ".epub")
    result = epubcheck(epub)
    problems = [str(m) for m in result.messages if m.level in ("FATAL", "ERROR", "WARNING")]
    assert result.valid and not problems, problems


def test_epubcheck_passes_the_feature_fixture(features, epubcheck):
    result = epubcheck(features[0])
    problems = [str(m) for m in result.messages if m.level in ("FATAL", "ERROR", "WARNING")]
    assert result.valid and not problems, problems


def test_epubcheck_catches_a_broken_epub(features, epubcheck, tmp_path):
    """The conformance test can fail: an EPUB whose nav lost its page-list target is reported."""
    broken = tmp_path / "broken.epub"
    with zipfile.ZipFile(features[0]) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "EPUB/nav.xhtml":
                data = data.replace(b'#page-2"', b'#page-two"')
            target.writestr(info, data)
    result = epubcheck(broken)
    assert not result.valid
    assert any(m.id == "RSC-012" and "nav.xhtml" in str(m.location) for m in result.messages), result.messages


# ----------------------------------------------------------------- page-list

def _assert_markers_follow_the_print_pages(epub_path: Path, pdf_path: Path) -> dict[int, str]:
    epub = Epub(epub_path)
    pages = pdf_page_starts(pdf_path)
    after = epub.text_after_markers()
    assert sorted(after) == list(range(1, len(pages) + 1)), "one marker per printed page, in order"
    for number, pdf_text in enumerate(pages, start=1):
        printed = skeleton(pdf_text)[:12]
        if not printed:
            continue  # a blank page: its marker stands with the next page's
        # The marker stands before the word the page begins with (which may have begun on the page before).
        assert printed in skeleton(after[number])[:40], (
            f"page {number}: the print page begins {pdf_text[:60]!r}, the EPUB marker precedes {after[number][:80]!r}")
    return after


def test_page_markers_stand_where_the_print_pages_begin(features):
    after = _assert_markers_follow_the_print_pages(*features)
    assert len(after) >= 6


def test_page_markers_move_with_the_print_page_size(features, features_a3):
    a4 = _assert_markers_follow_the_print_pages(*features)
    a3 = _assert_markers_follow_the_print_pages(*features_a3)
    assert len(a3) < len(a4)
    moved = [n for n in range(4, len(a3) + 1) if skeleton(a4[n])[:40] != skeleton(a3[n])[:40]]
    assert moved, "the same markers for A4 and A3 pages"


def test_seed_page_markers_follow_its_print_pages(seed_epub, seed_build):
    pdf = next(p for p in seed_build.outputs if p.name == f"{SEED_SLUG}.pdf")
    _assert_markers_follow_the_print_pages(seed_epub, pdf)
    # Pages begin inside paragraphs too, not only at section starts: the marker stands in the text.
    epub = Epub(seed_epub)
    inside = [m for d in epub.docs.values() for m in d.iter() if m.get(EPUB_TYPE) == "pagebreak"
              and etree.QName(m.getparent()).localname == "p"]
    assert inside, "no page of the seed begins inside a paragraph"


def test_the_epub_s_print_layout_reads_nothing_content_may_not_reach(tmp_path):
    """An EPUB-only build lays the print edition out too, with the same guarded fetcher."""
    from octavo.editions.epub import write_epub
    from octavo.errors import RenderError
    from octavo.render import Rendering

    templates = copy_templates(tmp_path)
    css = templates / "print" / "print.css"
    css.write_text("@import url(file:///etc/passwd);\n" + css.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(RenderError, match="/etc/passwd"):
        write_epub(Rendering(load_publication(FEATURES), templates), tmp_path / "x.epub")


def test_page_list_nav_lists_every_marker(features):
    epub = Epub(features[0])
    nav = epub.nav
    page_list = [n for n in nav.iter("{%s}nav" % NS["x"]) if n.get(EPUB_TYPE) == "page-list"]
    assert len(page_list) == 1 and page_list[0].get("role") == "doc-pagelist"
    links = page_list[0].findall(".//x:a", NS)
    assert [a.text for a in links] == [str(n) for n in range(1, len(links) + 1)]
    for a in links:
        marker = epub.find_id(a.get("href"))
        assert marker is not None, a.get("href")
        assert marker.get(EPUB_TYPE) == "pagebreak" and marker.get("role") == "doc-pagebreak"
        assert marker.get("aria-label") == a.text
    assert "pageNavigation" in epub.properties("schema:accessibilityFeature")
    source = epub.meta.find("dc:source", NS)
    assert epub.refines(f"#{source.get('id')}", "source-of")[0].text == "pagination"


# --------------------------------------------------------------------- cover

def test_cover_image_is_declared_with_alt_text(features):
    from PIL import Image

    epub = Epub(features[0])
    covers = [i for i in epub.manifest.values() if "cover-image" in (i.get("properties") or "").split()]
    assert len(covers) == 1
    image = Image.open(io.BytesIO(epub.files["EPUB/" + covers[0].get("href")]))
    assert image.format == "PNG" and image.height >= 1400 and image.width < image.height
    # Not blank: the print title page, with its text.
    assert len(image.convert("L").getcolors(maxcolors=4096) or range(4097)) > 10
    cover_doc = epub.docs[epub.spine[0]]
    img = cover_doc.find(".//x:img", NS)
    assert PurePosixPath(img.get("src")) == PurePosixPath(covers[0].get("href"))
    assert "Keeping the Lights On" in img.get("alt") and "Maja Lindqvist" in img.get("alt")
    landmarks = [a.get(EPUB_TYPE) for a in epub.nav.iterfind(".//x:nav//x:a", NS)]
    assert "cover" in landmarks


# ------------------------------------------------------------------ metadata

def test_package_metadata(features):
    epub = Epub(features[0])
    assert epub.opf.get(XML_LANG) == "en-GB"
    identifiers = {e.get("id"): e.text for e in epub.meta.iterfind("dc:identifier", NS)}
    # The e-book is sold under its own ISBN; the print ISBN is the page-list's source and a
    # relation, never one of the EPUB's identifiers (Kobo and Apple Books refuse that).
    assert identifiers[epub.opf.get("unique-identifier")] == "urn:isbn:9789188551139"
    assert "https://doi.org/10.5555/niep.2024.7" in identifiers.values()
    assert not any("9789188551122" in i for i in identifiers.values())
    assert epub.meta.find("dc:source", NS).text == "urn:isbn:9789188551122"
    assert "urn:isbn:9789188551122" in [e.text for e in epub.meta.iterfind("dc:relation", NS)]
    series = next(m for m in epub.meta.iterfind("opf:meta", NS) if m.get("property") == "belongs-to-collection")
    assert series.text == "Energy Papers"
    assert epub.refines(f"#{series.get('id')}", "collection-type")[0].text == "series"
    assert epub.refines(f"#{series.get('id')}", "group-position")[0].text == "7"
    creators = {e.text: e.get("id") for e in epub.meta.iterfind("dc:creator", NS)}
    assert list(creators) == ["Maja Lindqvist", "Li Wei"]
    assert epub.refines(f"#{creators['Li Wei']}", "role")[0].text == "aut"
    assert epub.refines(f"#{creators['Li Wei']}", "file-as")[0].text == "Li, Wei"
    native = epub.refines(f"#{creators['Li Wei']}", "alternate-script")[0]
    assert native.text == "李伟" and native.get(XML_LANG) == "zh-Hans"  # Simplified characters
    editor = epub.meta.find("dc:contributor", NS)
    assert editor.text == "Erik Holm" and epub.refines(f"#{editor.get('id')}", "role")[0].text == "edt"
    # dcterms:modified from the content's date, never the clock.
    assert epub.properties("dcterms:modified") == ["2024-03-14T00:00:00Z"]


def test_modified_date_follows_source_date_epoch_not_the_clock(tmp_path, monkeypatch):
    """As every edition: SOURCE_DATE_EPOCH (reproducible-builds.org) when set, else the content's date."""
    from octavo.editions.epub import write_epub
    from octavo.render import Rendering

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    write_epub(Rendering(load_publication(FEATURES)), tmp_path / "x.epub")
    assert Epub(tmp_path / "x.epub").properties("dcterms:modified") == ["2023-11-14T22:13:20Z"]


def test_seed_identifier_is_a_uuid_derived_from_the_publication(seed_epub):
    epub = Epub(seed_epub)
    primary = epub.meta.find(f"dc:identifier[@id='{epub.opf.get('unique-identifier')}']", NS).text
    assert primary == primary_identifier(load_publication(CONTENT / SEED_SLUG))
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", primary)


@pytest.mark.parametrize("which", ["features", "seed"])
def test_accessibility_metadata(which, features, seed_epub):
    epub = Epub(features[0] if which == "features" else seed_epub)
    features_ = set(epub.properties("schema:accessibilityFeature"))
    assert {"tableOfContents", "readingOrder", "structuralNavigation", "pageNavigation"} <= features_
    assert "alternativeText" in features_  # the cover is an image, with alt text, in every EPUB
    assert set(epub.properties("schema:accessMode")) == {"textual", "visual"}
    assert epub.properties("schema:accessModeSufficient") == ["textual"]
    assert epub.properties("schema:accessibilityHazard") == ["none"]
    assert len(epub.properties("schema:accessibilitySummary")[0]) > 100
    assert epub.properties("dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]


# ------------------------------------------------- documents and semantics

def test_every_document_declares_its_language(features):
    epub = Epub(features[0])
    for href, doc in epub.docs.items():
        assert doc.get("lang") == doc.get(XML_LANG) == "en-GB", href


def test_structural_semantics(features):
    epub = Epub(features[0])
    types = {href: {e.get(EPUB_TYPE): e.get("role") for e in doc.iter() if e.get(EPUB_TYPE)}
             for href, doc in epub.docs.items()}
    assert any("titlepage" in t.split() for t in types["titlepage.xhtml"])
    assert types["imprint.xhtml"]["copyright-page"] == "doc-colophon"
    assert types["sec-02-interconnectors.xhtml"]["chapter"] == "doc-chapter"
    imprint = " ".join(epub.docs["imprint.xhtml"].find("x:body", NS).itertext())
    assert "fictional test publication" in imprint and "authors' own" in imprint
    bylines = epub.docs["sec-03-storage.xhtml"].xpath("//*[@role='doc-credits'][@epub:type='credits']", namespaces=NS)
    assert bylines and "Li Wei, School of Electrical Engineering" in "".join(bylines[0].itertext())


def test_footnotes_pop_up_and_link_back(features):
    epub = Epub(features[0])
    doc = epub.docs["sec-02-interconnectors.xhtml"]
    refs = doc.xpath("//x:a[@epub:type='noteref']", namespaces=NS)
    assert len(refs) == 3 and all(r.get("role") == "doc-noteref" for r in refs)
    assert refs[0].get("href") == refs[1].get("href")  # the first note is cited twice
    for ref in refs:
        note = epub.find_id("sec-02-interconnectors.xhtml" + ref.get("href"))
        assert etree.QName(note).localname == "aside"
        assert note.get(EPUB_TYPE) == "footnote" and note.get("role") == "doc-footnote"
    backlinks = doc.xpath("//x:a[@role='doc-backlink']", namespaces=NS)
    targets = [epub.find_id("sec-02-interconnectors.xhtml" + a.get("href")) for a in backlinks]
    assert len(backlinks) == 3 and all(t is not None for t in targets)
    assert set(targets) == set(refs), "each back-link returns to its own reference"
    assert all(a.get("aria-label") for a in backlinks)


def test_every_image_has_alt_text(features):
    epub = Epub(features[0])
    images = [img for doc in epub.docs.values() for img in doc.iter("{%s}img" % NS["x"])]
    assert len(images) == 2  # the cover and the figure
    assert all(len(img.get("alt", "").strip()) > 20 for img in images)
    # An image alone in its paragraph is a figure, its Markdown title the caption, as in print.
    caption = epub.docs["sec-03-storage.xhtml"].find(".//x:figure/x:figcaption", NS)
    assert caption is not None and caption.text.startswith("Figure 1. Storage capacity")


def test_stylesheet_leaves_font_and_size_to_the_reader(features):
    epub = Epub(features[0])
    css = epub.files["EPUB/style/epub.css"].decode()
    assert not re.search(r"font-size\s*:\s*[\d.]+\s*(px|pt|cm|mm|in|pc)\b", css), "a fixed font size"
    assert not re.search(r"(^|[}\s])(html|body)\s*\{[^}]*font(-family|-size)?\s*:", css), "the body's font is set"
    assert re.search(r"hyphens\s*:\s*auto", css)


# ------------------------------------------------------------- reproducible

def test_two_builds_are_byte_identical(tmp_path):
    first, _ = _build(FEATURES, tmp_path / "one")
    again, _ = _build(FEATURES, tmp_path / "two")
    assert hashlib.sha256(again.read_bytes()).hexdigest() == hashlib.sha256(first.read_bytes()).hexdigest()
    epub = Epub(again)
    assert epub.names[0] == "mimetype" and epub.infos[0].compress_type == zipfile.ZIP_STORED
    assert {i.date_time for i in epub.infos} == {(2024, 3, 14, 0, 0, 0)}


def test_one_layout_per_page_geometry_and_the_epub_is_the_same_for_it(seed_epub, tmp_path, monkeypatch):
    """A full build lays the HTML out once per page setup: the print sheet, and the trimmed
    page that the screen and archive PDFs and the EPUB's page map share. The EPUB is byte for
    byte the one an EPUB-only build makes. (The covers are small documents of their own,
    templates/cover/: the EPUB's front, and the print edition's cover spread.)"""
    from weasyprint import HTML

    layouts = []
    real = HTML.render

    def render(self, *args, **kwargs):
        layouts.append("cover" if self.etree_element.find(".//*[@data-fit]") is not None else "text")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(HTML, "render", render)
    alone = build_publication(CONTENT / SEED_SLUG, tmp_path, editions=("epub",))
    assert layouts == ["text", "cover"]
    assert alone.outputs[0].read_bytes() == seed_epub.read_bytes()
    layouts.clear()
    # In this process (jobs=1), where the list can count them; tests/test_parallel_build.py
    # counts them across the processes of a parallel build.
    build_publication(CONTENT / SEED_SLUG, tmp_path / "all", jobs=1)
    assert layouts.count("text") == 2  # the print sheet; the trimmed page (screen, archive, EPUB)
    assert layouts.count("cover") == 2  # the cover spread (its page count from the print sheet's layout); the EPUB's


# ------------------------------------------------------------------ the NCX

NCX = {"n": "http://www.daisy.org/z3986/2005/ncx/"}


def ncx_problems(epub: Epub) -> list[str]:
    """The NCX (for EPUB 2 reading systems) against the rest of the book: a playOrder on every
    navPoint and pageTarget, numbered 1..n in reading order, one number for each distinct
    target; a pageList with one pageTarget for each page of the nav's page-list, in order, each
    resolving to an element of the XHTML; and its page counts."""
    ncx = etree.fromstring(epub.files["EPUB/toc.ncx"])
    problems = []
    targets = ncx.xpath("//n:navPoint | //n:pageTarget", namespaces=NCX)
    orders = {}
    for target in targets:
        src = target.find("n:content", NCX).get("src")
        if not target.get("playOrder"):
            problems.append(f"{etree.QName(target).localname} {target.get('id')} has no playOrder")
        elif orders.setdefault(src, target.get("playOrder")) != target.get("playOrder"):
            problems.append(f"{src} has two playOrders")
    spine_order = {href: n for n, href in enumerate(epub.spine)}

    def reading_position(src):
        doc, _, fragment = src.partition("#")
        element = epub.find_id(src) if fragment else None
        if fragment and element is None:
            problems.append(f"{src} does not resolve to an element of the XHTML")
            return (spine_order.get(doc, -1), -1)
        return (spine_order[doc], list(epub.docs[doc].iter()).index(element) if fragment else -1)

    by_position = sorted(orders, key=reading_position)
    numbers = [orders[src] for src in by_position]
    if numbers != [str(n) for n in range(1, len(numbers) + 1)]:
        problems.append(f"playOrder is not 1..{len(numbers)} in reading order: {numbers}")
    page_list = [n for n in epub.nav.iter("{%s}nav" % NS["x"]) if n.get(EPUB_TYPE) == "page-list"]
    nav_pages = [(a.text, a.get("href")) for a in page_list[0].findall(".//x:a", NS)] if page_list else []
    ncx_pages = [(t.findtext("n:navLabel/n:text", namespaces=NCX), t.find("n:content", NCX).get("src"))
                 for t in ncx.iterfind("n:pageList/n:pageTarget", NCX)]
    if ncx_pages != nav_pages:
        problems.append(f"the NCX pageList has {len(ncx_pages)} pages, the nav's page-list {len(nav_pages)}; "
                        f"missing: {sorted(set(nav_pages) - set(ncx_pages))[:5]}")
    meta = {m.get("name"): m.get("content") for m in ncx.iterfind("n:head/n:meta", NCX)}
    if meta.get("dtb:totalPageCount") != str(len(nav_pages)):
        problems.append(f"dtb:totalPageCount is {meta.get('dtb:totalPageCount')}, not {len(nav_pages)}")
    return problems


@pytest.mark.parametrize("which", ["features", "seed"])
def test_the_ncx_has_a_play_order_and_the_print_pages(which, features, seed_epub):
    epub = Epub(features[0] if which == "features" else seed_epub)
    assert ncx_problems(epub) == []
    ncx = etree.fromstring(epub.files["EPUB/toc.ncx"])
    assert len(ncx.findall("n:pageList/n:pageTarget", NCX)) >= 6
    assert [p.get("value") for p in ncx.iterfind("n:pageList/n:pageTarget", NCX)][:3] == ["1", "2", "3"]


def test_the_ncx_check_names_what_is_missing(features, tmp_path):
    broken = tmp_path / "broken.epub"
    with zipfile.ZipFile(features[0]) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "EPUB/toc.ncx":
                ncx = etree.fromstring(data)
                del ncx.find(".//n:navPoint", NCX).attrib["playOrder"]
                page_list = ncx.find("n:pageList", NCX)
                page_list.remove(page_list.findall("n:pageTarget", NCX)[-1])
                page_list.find("n:pageTarget/n:content", NCX).set("src", "titlepage.xhtml#page-one")
                ncx.find("n:head/n:meta[@name='dtb:totalPageCount']", NCX).set("content", "0")
                data = etree.tostring(ncx, xml_declaration=True, encoding="utf-8")
            target.writestr(info, data)
    problems = ncx_problems(Epub(broken))
    pages = len(Epub(features[0]).nav.xpath("//x:nav[@epub:type='page-list']//x:a", namespaces=NS))
    assert problems[0] == "navPoint sec-01-summary has no playOrder"
    assert "titlepage.xhtml#page-one does not resolve to an element of the XHTML" in problems
    assert any(p.startswith(f"the NCX pageList has {pages - 1} pages, the nav's page-list {pages}") for p in problems)
    assert f"dtb:totalPageCount is 0, not {pages}" in problems


# --------------------------------------------------------- headings and reflow

def heading_problems(epub: Epub) -> list[str]:
    """In every document of the spine and in the nav: the first heading is an h1 and no heading
    is more than one level below the one before (a document that has headings at all)."""
    problems = []
    for href, doc in [*epub.docs.items(), ("nav.xhtml", epub.nav)]:
        levels = [int(etree.QName(h).localname[1]) for h in doc.iter(*(f"{{{NS['x']}}}h{n}" for n in range(1, 7)))]
        if levels and levels[0] != 1:
            problems.append(f"{href}: the first heading is an h{levels[0]}")
        problems += [f"{href}: an h{b} follows an h{a}" for a, b in zip(levels, levels[1:]) if b > a + 1]
    return problems


@pytest.mark.parametrize("which", ["features", "seed"])
def test_every_document_s_headings_begin_at_h1_and_skip_no_level(which, features, seed_epub):
    epub = Epub(features[0] if which == "features" else seed_epub)
    assert heading_problems(epub) == []
    imprint = epub.docs["imprint.xhtml"]
    heading = imprint.find(".//x:h1", NS)
    assert heading.text == "Imprint"
    assert imprint.find(".//x:section", NS).get("aria-labelledby") == heading.get("id")


def test_the_heading_check_names_an_imprint_that_begins_at_h2(features, tmp_path):
    broken = tmp_path / "broken.epub"
    with zipfile.ZipFile(features[0]) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "EPUB/imprint.xhtml":
                data = data.replace(b"<h1 ", b"<h2 ").replace(b"</h1>", b"</h2>")
            target.writestr(info, data)
    assert heading_problems(Epub(broken)) == ["imprint.xhtml: the first heading is an h2"]


def test_at_200_percent_text_on_a_phone_the_table_scrolls_in_its_own_box(features, tmp_path):
    """WCAG 1.4.4 and 1.4.10: laid out at 390 CSS px with the text at 200 %, no element of any
    document sticks out of the screen; the table scrolls inside its labelled region. Without
    the region, the same check names the table."""
    from webcheck import PHONE_WIDTH, pages_overflow

    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(features[0]) as zf:
        zf.extractall(folder)
    documents = sorted((folder / "EPUB").glob("*.xhtml"))
    found = pages_overflow(documents, width=PHONE_WIDTH, text_scale=2.0)
    assert {p.name: f["outside"] for p, f in found.items() if f["outside"] or f["scrollWidth"] > PHONE_WIDTH} == {}
    table = folder / "EPUB" / "sec-02-interconnectors.xhtml"
    wrap = etree.parse(str(table)).find(".//x:table", NS).getparent()
    assert (wrap.get("class"), wrap.get("role"), wrap.get("tabindex")) == ("table-wrap", "region", "0")
    table.write_text(table.read_text(encoding="utf-8").replace('class="table-wrap"', 'class="x"'), encoding="utf-8")
    outside = pages_overflow([table], width=PHONE_WIDTH, text_scale=2.0)[table]["outside"]
    assert outside[0] == "table#sec-02-interconnectors-b7"


def test_epubcheck_passes_the_reading_fixture(epubcheck, tmp_path):
    """The reading fixture (tests/test_reading.py): table regions, long names, linkified URLs."""
    folder = FIXTURES / "epub-content" / "small-screens"
    epub = next(p for p in build_publication(folder, tmp_path, editions=("epub",)).outputs)
    result = epubcheck(epub)
    problems = [str(m) for m in result.messages if m.level in ("FATAL", "ERROR", "WARNING")]
    assert result.valid and not problems, problems
