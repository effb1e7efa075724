"""The EPUB 3 edition, assembled with EbookLib from the rendered document.

The recipe (write_epub): take the trimmed page's layout (pagemap.py: where
the print edition's pages begin) and the cover (cover.py: the designed front), then metadata
(EPUB 3.3 package metadata and EPUB Accessibility 1.1), then the documents in
reading order (cover, title page, imprint, contents, sections, contributors)
rendered from the same partials as the print edition, then the page-break
markers and pop-up footnotes, then the navigation document (contents,
page-list, landmarks; outside the spine, where the contents page stands) and
the zip. Everything is derived from the content, in a fixed order, so the
same content gives the same bytes (write.normalise_zip fixes the zip's
timestamps).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ebooklib import epub
from lxml import etree

from .. import pagemap
from ..cover import cover_alt, cover_png
from ..document import images
from ..metadata import Record, identifier_uri, modified_datetime
from ..reflow import table_regions
from ..render import Rendering
from ..write import normalise_zip

STYLESHEET = "style/epub.css"
COVER_IMAGE = "images/cover.png"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XHTML = "http://www.w3.org/1999/xhtml"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
MARC_ROLES = {"author": "aut", "editor": "edt", "translator": "trl"}
# Section roles to EPUB structural semantics and their DPUB-ARIA roles (Ace's
# epub-type-has-matching-role wants the pair).
SECTION_TYPES = {"summary": ("abstract", "doc-abstract"), "introduction": ("introduction", "doc-introduction"),
                 "perspective": ("chapter", "doc-chapter"), "chapter": ("chapter", "doc-chapter"),
                 "closing": ("conclusion", "doc-conclusion"), "appendix": ("appendix", "doc-appendix"),
                 "bibliography": ("bibliography", "doc-bibliography")}  # the generated one (document.py)
# EPUB Accessibility 1.1 §2.1: the conformance claim, and WCAG 2.1 AA is what it claims.
A11Y_CONFORMS_TO = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"
ONIX_ID_TYPES = {"ebook_isbn": "15", "doi": "06", "url": "01"}  # ONIX code list 5; 01: proprietary


@dataclass(frozen=True)
class Page:
    """One entry of the page-list: printed page `number` begins in `href`."""

    number: int
    href: str


class _Document(epub.EpubHtml):
    """An XHTML document written exactly as our template rendered it.

    EbookLib's EpubHtml re-parses content with an HTML parser and rebuilds the
    head, dropping xml:lang and our epub:type attributes; we own the markup.
    """

    def get_content(self, default=None):
        return self.content


class _Nav(epub.EpubNav):
    """The navigation document, from our template: EbookLib's own writes a page-list of
    section titles (not pages) and no lang; ours has the print edition's pages."""

    def get_content(self, default=None):
        return self.content


@dataclass(frozen=True)
class _NcxPages:
    """What the NCX needs beyond EbookLib's: the page-list, where every target stands in the
    reading order (href -> (document's place in the spine, element's place in it)), and the
    page-list's label."""

    pages: list[Page]
    positions: dict[str, tuple[int, int]]
    label: str


class _Writer(epub.EpubWriter):
    def __init__(self, name, book, options, ncx: _NcxPages):
        super().__init__(name, book, options)
        self.ncx_pages = ncx

    def _write_opf_file(self, root):
        # EbookLib cannot set xml:lang on <package> (EPUB 3.3 §5.4.1.2 wants the
        # package's language declared for its metadata).
        root.set(XML_LANG, self.book.language)
        super()._write_opf_file(root)

    def _get_nav(self, item):
        return item.content

    def _get_ncx(self):
        return _complete_ncx(super()._get_ncx(), self.ncx_pages)


def write_epub(rendering: Rendering, target: Path) -> None:
    """Write the EPUB to `target` (a temporary path; write.py renames it)."""
    p, record = rendering.publication, rendering.record
    layout = pagemap.layout_print(rendering)
    book = epub.EpubBook()
    _add_metadata(book, record, has_pages=bool(layout.starts))
    book.add_item(epub.EpubItem(uid="style", file_name=STYLESHEET, media_type="text/css",
                                content=(rendering.source("epub/epub.css") + "\n"
                                         + rendering.source("epub/house.css")).encode("utf-8")))
    cover = epub.EpubCover(uid="cover-image", file_name=COVER_IMAGE)
    cover.content = cover_png(rendering)
    book.add_item(cover)
    book.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-image"})  # EPUB 2 readers
    documents = _render_documents(rendering)
    trees = {name: _parse(content) for name, content in documents.items()}
    placements = pagemap.place(layout.starts, trees)
    pagemap.insert_markers(placements)
    pages = [Page(p.number, f"{p.document}.xhtml#page-{p.number}") for p in placements]
    table_regions(trees.values(), rendering.labels["table"])
    trees["nav"] = _parse(_render(rendering, "epub/nav.xhtml", rendering.labels["navigation"], pages=pages))
    for tree in trees.values():
        _popup_footnotes(tree, rendering.labels)
        _byline_semantics(tree)
    _links_across_documents(trees)
    _add_documents(book, rendering, trees)
    _add_images(book, rendering.document)
    ncx = _NcxPages(pages, _positions(trees), rendering.labels["print_pages"])
    writer = _Writer(str(target), book, {"epub2_guide": False, "epub3_landmark": False,
                                         "epub3_pages": False, "mtime": modified_datetime(record)}, ncx)
    writer.process()
    writer.write()
    normalise_zip(target, _zip_timestamp(record))


# ---------------------------------------------------------------- metadata

def _add_metadata(book: epub.EpubBook, r: Record, has_pages: bool) -> None:
    """The OPF view of the metadata record (EPUB 3.3 §5.5)."""
    book.set_identifier(r.identifier_for("epub"))
    book.set_language(r.language)
    book.title = r.full_title
    book.add_metadata("DC", "title", r.title, {"id": "title"})
    book.add_metadata(None, "meta", "main", {"refines": "#title", "property": "title-type"})
    if r.subtitle:
        book.add_metadata("DC", "title", r.subtitle, {"id": "subtitle"})
        book.add_metadata(None, "meta", "subtitle", {"refines": "#subtitle", "property": "title-type"})
    _add_identifiers(book, r)
    _add_contributors(book, r)
    if r.series_name:
        # EPUB 3.3 §D.3.1: the series as a collection, with the number as its position.
        book.add_metadata(None, "meta", r.series_name, {"property": "belongs-to-collection", "id": "series"})
        book.add_metadata(None, "meta", "series", {"refines": "#series", "property": "collection-type"})
        if r.series_number:
            book.add_metadata(None, "meta", r.series_number, {"refines": "#series", "property": "group-position"})
    book.add_metadata("DC", "publisher", r.publisher)
    book.add_metadata("DC", "date", r.date.isoformat())
    book.add_metadata("DC", "rights", r.rights_statement)
    book.add_metadata("DC", "description", r.description)
    if r.version > 1:  # a corrected version says so (schema.org's CreativeWork version); the first says nothing new
        book.add_metadata(None, "meta", str(r.version), {"property": "schema:version"})
    if has_pages:
        # The page-list's pages are the print edition's (Ace: epub-pagesource; EPUB A11y 1.1 §4.2).
        book.add_metadata("DC", "source", r.identifier_for("print"), {"id": "source"})
        book.add_metadata(None, "meta", "pagination", {"refines": "#source", "property": "source-of"})
    _add_accessibility(book, r, has_pages)


def _add_identifiers(book: epub.EpubBook, r: Record) -> None:
    """The e-book ISBN (or the publication's DOI/URL) is the book's unique identifier; the DOI
    and URL are further identifiers of it; the print ISBN is a relation, never an identifier
    (Kobo and Apple Books refuse an e-book that carries the print ISBN as its own)."""
    own = {scheme: identifier_uri(scheme, r.identifiers[scheme])
           for scheme in ("ebook_isbn", "doi", "url") if scheme in r.identifiers}
    primary = next((s for s, uri in own.items() if uri == r.identifier_for("epub")), "uuid")
    book.add_metadata(None, "meta", ONIX_ID_TYPES.get(primary, "01"),
                      {"refines": "#id", "property": "identifier-type", "scheme": "onix:codelist5"})
    for scheme, uri in own.items():
        if scheme != primary:
            book.add_metadata("DC", "identifier", uri, {"id": f"id-{scheme}"})
            book.add_metadata(None, "meta", ONIX_ID_TYPES[scheme],
                              {"refines": f"#id-{scheme}", "property": "identifier-type", "scheme": "onix:codelist5"})
    for relation in r.relations("epub"):
        if relation not in own.values():
            book.add_metadata("DC", "relation", relation)


def _add_contributors(book: epub.EpubBook, r: Record) -> None:
    for c in r.creators + r.editors + r.translators:
        # One element per contributor with its own id: EbookLib's add_author
        # would give every author the id "creator", an EPUBCheck error.
        uid = f"contributor-{c.id}"
        book.add_metadata("DC", "creator" if c.role == "author" else "contributor", c.name, {"id": uid})
        book.add_metadata(None, "meta", MARC_ROLES[c.role],
                          {"refines": f"#{uid}", "property": "role", "scheme": "marc:relators"})
        book.add_metadata(None, "meta", c.sort_name, {"refines": f"#{uid}", "property": "file-as"})
        if c.native_name:
            book.add_metadata(None, "meta", c.native_name, {"refines": f"#{uid}", "property": "alternate-script",
                                                            XML_LANG: c.native_name_lang})


def _add_accessibility(book: epub.EpubBook, r: Record, has_pages: bool) -> None:
    """EPUB Accessibility 1.1 §2 and the schema.org accessibility properties it names.

    Every EPUB has images (the cover at least), each with alt text: a content
    error otherwise (markdown.check_body), cover_alt for the cover."""
    modes = ["textual", "visual"]
    features = ["tableOfContents", "readingOrder", "structuralNavigation", "displayTransformability",
                "alternativeText"]
    if has_pages:
        features += ["pageNavigation", "pageBreakMarkers"]
    for mode in modes:
        book.add_metadata(None, "meta", mode, {"property": "schema:accessMode"})
    # Every image has alt text (a content error otherwise), so text alone suffices.
    book.add_metadata(None, "meta", "textual", {"property": "schema:accessModeSufficient"})
    for feature in features:
        book.add_metadata(None, "meta", feature, {"property": "schema:accessibilityFeature"})
    book.add_metadata(None, "meta", "none", {"property": "schema:accessibilityHazard"})
    summary = ("This publication meets WCAG 2.1 Level AA and EPUB Accessibility 1.1. It has a table of "
               "contents, headings for every section, a logical reading order, and text that reflows "
               "with the reader's font and size settings.")
    summary += " Every image, the cover included, has a text description."
    if has_pages:
        summary += " Page-break markers and a page list give the page numbers of the print edition."
    summary += " Footnotes link to their notes and back. It contains no flashing, motion or sound."
    # The summary is Octavo's English, whatever the paper's language: it says so, so that a
    # reading system reads it in English, not in the package's language (a German voice reading
    # English words).
    english = {} if r.language.split("-")[0].lower() == "en" else {XML_LANG: "en"}
    book.add_metadata(None, "meta", summary, {"property": "schema:accessibilitySummary", **english})
    book.add_metadata(None, "meta", A11Y_CONFORMS_TO, {"property": "dcterms:conformsTo"})
    # The publisher makes the claim (on Octavo's checks: EPUBCheck and DAISY Ace, see docs/editions.md).
    book.add_metadata(None, "meta", r.publisher, {"property": "a11y:certifiedBy"})


# --------------------------------------------------------------- documents

def _render_documents(rendering: Rendering) -> dict[str, str]:
    """Every content document but the nav, in reading order: name -> XHTML."""
    words, record = rendering.labels, rendering.record
    documents = {
        "cover": _render(rendering, "epub/cover.xhtml", words["cover"], cover_src=COVER_IMAGE,
                         cover_alt=cover_alt(record, words), body_type="cover"),
        "titlepage": _render(rendering, "epub/titlepage.xhtml", words["title_page"],
                             body_type="frontmatter titlepage"),
        "imprint": _render(rendering, "epub/imprint.xhtml", words["imprint"], body_type="frontmatter"),
        "contents": _render(rendering, "epub/contents.xhtml", words["contents"], body_type="frontmatter"),
    }
    for s in rendering.document.sections:
        epub_type, role = SECTION_TYPES[s.section.role]
        documents[s.id] = _render(rendering, "epub/section.xhtml", s.title, body_type="bodymatter",
                                  s=s, epub_type=epub_type, role=role)
    documents["contributors"] = _render(rendering, "epub/contributors.xhtml", words["contributors"],
                                        body_type="backmatter")
    return documents


def _render(rendering: Rendering, template: str, title: str, **context) -> str:
    content = rendering.render(template, title=title, stylesheet=STYLESHEET, **context)
    # The template's first line is a Jinja comment; the XML declaration must open the file.
    return content.lstrip()


def _parse(content: str) -> etree._Element:
    return etree.fromstring(content.encode("utf-8"), etree.XMLParser(remove_blank_text=False, resolve_entities=False))


def _serialise(tree: etree._Element) -> bytes:
    return etree.tostring(tree, encoding="utf-8", xml_declaration=True, doctype="<!DOCTYPE html>")


def _popup_footnotes(tree: etree._Element, words: dict[str, str]) -> None:
    """Footnotes as <aside epub:type="footnote" role="doc-footnote">: the markup Apple Books,
    Kobo and Thorium show as a pop-up at the reference (the shared renderer makes a
    list, which the print edition numbers; here each note carries its number)."""
    for section in tree.iterfind(f".//{{{XHTML}}}section[@class='footnotes']"):
        section.attrib.pop("role", None)
        section.set("aria-label", words["notes"])
        for ol in list(section.iterfind(f"{{{XHTML}}}ol")):
            position = section.index(ol)
            for li in ol.iterfind(f"{{{XHTML}}}li"):
                number = li.attrib.pop("value")  # numbered through the publication, as in print
                aside = etree.Element(f"{{{XHTML}}}aside", {"id": li.get("id"), "class": "footnote"})
                aside.set(EPUB_TYPE, "footnote")
                aside.set("role", "doc-footnote")
                aside.text, aside.tail = li.text, "\n"
                aside.extend(list(li))
                label = etree.Element(f"{{{XHTML}}}span", {"class": "footnote-number"})
                label.text = f"{number}. "
                first = aside[0] if len(aside) and etree.QName(aside[0]).localname == "p" else aside
                label.tail, first.text = first.text, None
                first.insert(0, label)
                section.insert(position, aside)
                position += 1
            section.remove(ol)


def _byline_semantics(tree: etree._Element) -> None:
    """Bylines (the shared partial gives them role="doc-credits") also get the EPUB
    structural semantic of the same meaning, `credits` (EPUB SSV 1.1)."""
    for element in tree.iter(etree.Element):
        if element.get("role") == "doc-credits" and not element.get(EPUB_TYPE):
            element.set(EPUB_TYPE, "credits")


def _links_across_documents(trees: dict[str, etree._Element]) -> None:
    """A link within the paper ("#fig-map", a cross-reference) to an element that another of
    the EPUB's documents holds leads to that document: "sec-03-storage.xhtml#fig-map"
    (each section is a file of its own; EPUBCheck's RSC-012 refuses a fragment its document lacks)."""
    holder = {element.get("id"): name for name, tree in trees.items() if name != "nav"
              for element in tree.iter(etree.Element) if element.get("id")}
    for name, tree in trees.items():
        own = {element.get("id") for element in tree.iter(etree.Element) if element.get("id")}
        for link in tree.iter(f"{{{XHTML}}}a"):
            target = (link.get("href") or "")[1:] if (link.get("href") or "").startswith("#") else None
            if target and target not in own and target in holder:
                link.set("href", f"{holder[target]}.xhtml#{target}")


def _add_documents(book: epub.EpubBook, rendering: Rendering, trees: dict[str, etree._Element]) -> None:
    words = rendering.labels
    titles = {"cover": words["cover"], "titlepage": words["title_page"], "imprint": words["imprint"],
              "contents": words["contents"], "nav": words["navigation"], "contributors": words["contributors"],
              **{entry.id: entry.title for entry in rendering.document.outline}}
    items = {}
    for name, tree in trees.items():
        cls = _Nav if name == "nav" else _Document
        item = cls(uid=name, file_name=f"{name}.xhtml", media_type="application/xhtml+xml", title=titles[name])
        item.content = _serialise(tree)
        items[name] = item
        book.add_item(item)
    sections = [items[entry.id] for entry in rendering.document.outline]
    # The NCX (for EPUB 2 reading systems) is EbookLib's, from book.toc.
    book.add_item(epub.EpubNcx())
    book.toc = [epub.Link(d.file_name, d.title, d.id) for d in sections] + [
        epub.Link(items["contributors"].file_name, words["contributors"], "contributors")]
    # The nav is not in the spine: the contents page is (it is the print edition's
    # contents page, and may hold page-break markers, which a nav may not).
    book.spine = [(items["cover"], "yes"), items["titlepage"], items["imprint"], items["contents"], *sections,
                  items["contributors"]]


# ------------------------------------------------------------------- NCX

NCX = "http://www.daisy.org/z3986/2005/ncx/"


def _positions(trees: dict[str, etree._Element]) -> dict[str, tuple[int, int]]:
    """Where each document ("name.xhtml", at its start) and each element with an id
    ("name.xhtml#id") stands in the reading order (the nav is not in it)."""
    positions = {}
    for number, (name, tree) in enumerate((n, t) for n, t in trees.items() if n != "nav"):
        positions[f"{name}.xhtml"] = (number, -1)
        for place, element in enumerate(tree.iter(etree.Element)):
            if element.get("id"):
                positions[f"{name}.xhtml#{element.get('id')}"] = (number, place)
    return positions


def _complete_ncx(ncx: bytes, extra: _NcxPages) -> bytes:
    """EbookLib's NCX (for EPUB 2 reading systems) with what it leaves out: the depth of its
    navMap, a pageList of the print edition's pages (the nav's page-list, for readers that
    read only the NCX), and a playOrder on every navPoint and pageTarget. NCX (ANSI/NISO
    Z39.86-2005) numbers them in one sequence, in reading order, one number for each distinct
    target: EPUBCheck refuses one number for two targets, and a gap in the sequence."""
    root = etree.fromstring(ncx, etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True))
    q = lambda name: f"{{{NCX}}}{name}"  # noqa: E731
    points = list(root.iter(q("navPoint")))
    depth = max((len(list(p.iterancestors(q("navPoint")))) + 1 for p in points), default=0)
    if extra.pages:
        page_list = etree.SubElement(root, q("pageList"))
        label = etree.SubElement(etree.SubElement(page_list, q("navLabel")), q("text"))
        label.text = extra.label
        for page in extra.pages:
            target = etree.SubElement(page_list, q("pageTarget"), {"id": f"page-target-{page.number}",
                                                                   "type": "normal", "value": str(page.number)})
            etree.SubElement(etree.SubElement(target, q("navLabel")), q("text")).text = str(page.number)
            etree.SubElement(target, q("content"), {"src": page.href})
    meta = {m.get("name"): m for m in root.iter(q("meta"))}
    meta["dtb:depth"].set("content", str(depth))
    meta["dtb:totalPageCount"].set("content", str(len(extra.pages)))
    meta["dtb:maxPageNumber"].set("content", str(max((p.number for p in extra.pages), default=0)))
    targets = [t for t in root.iter(q("navPoint"), q("pageTarget"))]
    sources = {t: t.find(q("content")).get("src") for t in targets}
    order = sorted(set(sources.values()), key=lambda src: extra.positions[src])
    for target in targets:
        target.set("playOrder", str(order.index(sources[target]) + 1))
    return etree.tostring(root, encoding="utf-8", xml_declaration=True, pretty_print=True)


def _add_images(book: epub.EpubBook, document) -> None:
    for number, image in enumerate(images(document.publication), start=1):
        book.add_item(epub.EpubImage(uid=f"image-{number}", file_name=image.src, content=document.files[image.path]))


def _zip_timestamp(record: Record) -> tuple[int, int, int, int, int, int]:
    d = max(record.date, dt.date(1980, 1, 1))  # zip dates start in 1980
    return (d.year, d.month, d.day, 0, 0, 0)
