"""Stage 4b, the EPUB 3 edition, assembled with EbookLib.

The recipe (build_epub): lay out the print edition once (pagemap.py: where
its pages begin; cover.py: its first page as the cover), then metadata
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

import jinja2
from ebooklib import epub
from lxml import etree

from . import pagemap
from .cover import cover_alt, cover_png
from .markdown import images_in
from .model import Publication
from .render import description, render_sections, render_template, script_language

STYLESHEET = "style/epub.css"
COVER_IMAGE = "images/cover.png"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XHTML = "http://www.w3.org/1999/xhtml"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
MARC_ROLES = {"author": "aut", "editor": "edt"}
# Section roles to EPUB structural semantics and their DPUB-ARIA roles (Ace's
# epub-type-has-matching-role wants the pair).
SECTION_TYPES = {"summary": ("abstract", "doc-abstract"), "introduction": ("introduction", "doc-introduction"),
                 "perspective": ("chapter", "doc-chapter"), "chapter": ("chapter", "doc-chapter"),
                 "closing": ("conclusion", "doc-conclusion"), "appendix": ("appendix", "doc-appendix")}
# EPUB Accessibility 1.1 §2.1: the conformance claim, and WCAG 2.1 AA is what it claims.
A11Y_CONFORMS_TO = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"
ONIX_ID_TYPES = {"isbn": "15", "doi": "06", "url": "01"}  # ONIX code list 5; 01: proprietary


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


class _Writer(epub.EpubWriter):
    def _write_opf_file(self, root):
        # EbookLib cannot set xml:lang on <package> (EPUB 3.3 §5.4.1.2 wants the
        # package's language declared for its metadata).
        root.set(XML_LANG, self.book.language)
        super()._write_opf_file(root)

    def _get_nav(self, item):
        return item.content


def build_epub(env: jinja2.Environment, publication: Publication, target: Path) -> None:
    """Write the EPUB to `target` (a temporary path; write.py renames it)."""
    layout = pagemap.layout_print(env, publication)
    book = epub.EpubBook()
    _add_metadata(book, publication, has_pages=bool(layout.starts))
    book.add_item(epub.EpubItem(uid="style", file_name=STYLESHEET, media_type="text/css",
                                content=_template_file(env, "epub/epub.css")))
    cover = epub.EpubCover(uid="cover-image", file_name=COVER_IMAGE)
    cover.content = cover_png(layout.first_page_pdf)
    book.add_item(cover)
    book.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-image"})  # EPUB 2 readers
    documents = _render_documents(env, publication)
    trees = {name: _parse(content) for name, content in documents.items()}
    placements = pagemap.place(layout.starts, trees)
    pagemap.insert_markers(placements)
    pages = [Page(p.number, f"{p.document}.xhtml#page-{p.number}") for p in placements]
    trees["nav"] = _parse(_render(env, "epub/nav.xhtml", "Navigation", publication, pages=pages,
                                  sections=publication.sections))
    for tree in trees.values():
        _popup_footnotes(tree)
        _byline_semantics(tree)
        _figures(tree)
    _add_documents(book, publication, trees)
    _add_images(book, publication)
    writer = _Writer(str(target), book, {"epub2_guide": False, "epub3_landmark": False,
                                         "epub3_pages": False, "mtime": _modified(publication)})
    writer.process()
    writer.write()


# ---------------------------------------------------------------- metadata

def _add_metadata(book: epub.EpubBook, p: Publication, has_pages: bool) -> None:
    book.set_identifier(p.identifier)
    book.set_language(p.language)
    book.title = p.full_title
    book.add_metadata("DC", "title", p.title, {"id": "title"})
    book.add_metadata(None, "meta", "main", {"refines": "#title", "property": "title-type"})
    if p.subtitle:
        book.add_metadata("DC", "title", p.subtitle, {"id": "subtitle"})
        book.add_metadata(None, "meta", "subtitle", {"refines": "#subtitle", "property": "title-type"})
    _add_identifiers(book, p)
    _add_contributors(book, p)
    if p.series:
        # EPUB 3.3 §D.3.1: the series as a collection, with the number as its position.
        book.add_metadata(None, "meta", p.series.name, {"property": "belongs-to-collection", "id": "series"})
        book.add_metadata(None, "meta", "series", {"refines": "#series", "property": "collection-type"})
        if p.series.number:
            book.add_metadata(None, "meta", p.series.number, {"refines": "#series", "property": "group-position"})
    book.add_metadata("DC", "publisher", p.publisher.name)
    book.add_metadata("DC", "date", p.date.isoformat())
    book.add_metadata("DC", "rights", f"{p.rights}. All rights reserved.")
    book.add_metadata("DC", "description", description(p))
    if has_pages:
        # The page-list's pages are the print edition's (Ace: epub-pagesource; EPUB A11y 1.1 §4.2).
        book.add_metadata("DC", "source", p.identifier, {"id": "source"})
        book.add_metadata(None, "meta", "pagination", {"refines": "#source", "property": "source-of"})
    _add_accessibility(book, p, has_pages)


def _add_identifiers(book: epub.EpubBook, p: Publication) -> None:
    book.add_metadata(None, "meta", ONIX_ID_TYPES.get(_primary_scheme(p), "01"),
                      {"refines": "#id", "property": "identifier-type", "scheme": "onix:codelist5"})
    for scheme in ("isbn", "doi", "url"):
        if scheme in p.identifiers and scheme != _primary_scheme(p):
            value = _identifier_value(scheme, p.identifiers[scheme])
            book.add_metadata("DC", "identifier", value, {"id": f"id-{scheme}"})
            book.add_metadata(None, "meta", ONIX_ID_TYPES[scheme],
                              {"refines": f"#id-{scheme}", "property": "identifier-type", "scheme": "onix:codelist5"})


def _primary_scheme(p: Publication) -> str:
    return next((s for s in ("isbn", "doi", "url") if s in p.identifiers), "uuid")


def _identifier_value(scheme: str, value: str) -> str:
    return {"isbn": f"urn:isbn:{value}", "doi": f"https://doi.org/{value}"}.get(scheme, value)


def _add_contributors(book: epub.EpubBook, p: Publication) -> None:
    for c in p.contributors:
        # One element per contributor with its own id: EbookLib's add_author
        # would give every author the id "creator", an EPUBCheck error.
        uid = f"contributor-{c.id}"
        book.add_metadata("DC", "creator" if c.role == "author" else "contributor", c.name, {"id": uid})
        book.add_metadata(None, "meta", MARC_ROLES[c.role],
                          {"refines": f"#{uid}", "property": "role", "scheme": "marc:relators"})
        book.add_metadata(None, "meta", c.sort_name, {"refines": f"#{uid}", "property": "file-as"})
        if c.native_name:
            book.add_metadata(None, "meta", c.native_name, {"refines": f"#{uid}", "property": "alternate-script",
                                                            XML_LANG: script_language(c.native_name)})


def _add_accessibility(book: epub.EpubBook, p: Publication, has_pages: bool) -> None:
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
    book.add_metadata(None, "meta", summary, {"property": "schema:accessibilitySummary"})
    book.add_metadata(None, "meta", A11Y_CONFORMS_TO, {"property": "dcterms:conformsTo"})
    # The publisher makes the claim (on Octavo's checks: EPUBCheck and DAISY Ace, see the README).
    book.add_metadata(None, "meta", p.publisher.name, {"property": "a11y:certifiedBy"})


# --------------------------------------------------------------- documents

def _render_documents(env: jinja2.Environment, p: Publication) -> dict[str, str]:
    """Every content document but the nav, in reading order: name -> XHTML."""
    documents = {
        "cover": _render(env, "epub/cover.xhtml", "Cover", p, cover_src=COVER_IMAGE, cover_alt=cover_alt(p),
                         body_type="cover"),
        "titlepage": _render(env, "epub/titlepage.xhtml", "Title page", p, body_type="frontmatter titlepage"),
        "imprint": _render(env, "epub/imprint.xhtml", "Imprint", p, body_type="frontmatter"),
        "contents": _render(env, "epub/contents.xhtml", "Contents", p, body_type="frontmatter",
                            sections=p.sections),
    }
    for rendered in render_sections(env, p):
        s = rendered.section
        epub_type, role = SECTION_TYPES[s.role]
        documents[s.id] = _render(env, "epub/section.xhtml", s.title, p, body_type="bodymatter",
                                  s=rendered, epub_type=epub_type, role=role)
    documents["contributors"] = _render(env, "epub/contributors.xhtml", "About the Contributors", p,
                                        body_type="backmatter")
    return documents


def _render(env, template: str, title: str, p: Publication, **context) -> str:
    content = render_template(env, template, title=title, p=p, stylesheet=STYLESHEET, **context)
    # The template's first line is a Jinja comment; the XML declaration must open the file.
    return content.lstrip()


def _parse(content: str) -> etree._Element:
    return etree.fromstring(content.encode("utf-8"), etree.XMLParser(remove_blank_text=False, resolve_entities=False))


def _serialise(tree: etree._Element) -> bytes:
    return etree.tostring(tree, encoding="utf-8", xml_declaration=True, doctype="<!DOCTYPE html>")


def _popup_footnotes(tree: etree._Element) -> None:
    """Footnotes as <aside epub:type="footnote" role="doc-footnote">: the markup Apple Books,
    Kobo and Thorium show as a pop-up at the reference (the shared renderer makes a
    list, which the print edition numbers; here each note carries its number)."""
    for section in tree.iterfind(f".//{{{XHTML}}}section[@class='footnotes']"):
        section.attrib.pop("role", None)
        section.set("aria-label", "Notes")
        for ol in list(section.iterfind(f"{{{XHTML}}}ol")):
            position = section.index(ol)
            for number, li in enumerate(ol.iterfind(f"{{{XHTML}}}li"), start=1):
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


def _figures(tree: etree._Element) -> None:
    """An image alone in its paragraph becomes a <figure>, its title the <figcaption>:
    as in the print edition (pdf.paged_sections), so both editions show the caption."""
    for paragraph in list(tree.iter(f"{{{XHTML}}}p")):
        images = paragraph.findall(f"{{{XHTML}}}img")
        if len(paragraph) != 1 or len(images) != 1 or (paragraph.text or "").strip() \
                or (images[0].tail or "").strip():
            continue
        figure = etree.Element(f"{{{XHTML}}}figure", dict(paragraph.attrib))
        image = images[0]
        image.tail = None
        figure.append(image)
        if image.get("title"):
            caption = etree.SubElement(figure, f"{{{XHTML}}}figcaption")
            caption.text = image.attrib.pop("title")
        figure.tail = paragraph.tail
        paragraph.getparent().replace(paragraph, figure)


def _byline_semantics(tree: etree._Element) -> None:
    """Bylines (the shared partial gives them role="doc-credits") also get the EPUB
    structural semantic of the same meaning, `credits` (EPUB SSV 1.1)."""
    for element in tree.iter(etree.Element):
        if element.get("role") == "doc-credits" and not element.get(EPUB_TYPE):
            element.set(EPUB_TYPE, "credits")


def _add_documents(book: epub.EpubBook, p: Publication, trees: dict[str, etree._Element]) -> None:
    titles = {"cover": "Cover", "titlepage": "Title page", "imprint": "Imprint", "contents": "Contents",
              "nav": "Navigation",
              "contributors": "About the Contributors", **{s.id: s.title for s in p.sections}}
    items = {}
    for name, tree in trees.items():
        cls = _Nav if name == "nav" else _Document
        item = cls(uid=name, file_name=f"{name}.xhtml", media_type="application/xhtml+xml", title=titles[name])
        item.content = _serialise(tree)
        items[name] = item
        book.add_item(item)
    sections = [items[s.id] for s in p.sections]
    # The NCX (for EPUB 2 reading systems) is EbookLib's, from book.toc.
    book.add_item(epub.EpubNcx())
    book.toc = [epub.Link(d.file_name, d.title, d.id) for d in sections] + [
        epub.Link(items["contributors"].file_name, "About the Contributors", "contributors")]
    # The nav is not in the spine: the contents page is (it is the print edition's
    # contents page, and may hold page-break markers, which a nav may not).
    book.spine = [(items["cover"], "yes"), items["titlepage"], items["imprint"], items["contents"], *sections,
                  items["contributors"]]


def _images(p: Publication):
    seen = {}
    for section in p.sections:
        for image in images_in(section.body, p.folder):
            seen.setdefault(image.src, image)
    return list(seen.values())


def _add_images(book: epub.EpubBook, p: Publication) -> None:
    for number, image in enumerate(_images(p), start=1):
        book.add_item(epub.EpubImage(uid=f"image-{number}", file_name=image.src, content=image.path.read_bytes()))


def _template_file(env: jinja2.Environment, name: str) -> bytes:
    return (Path(env.loader.searchpath[0]) / name).read_bytes()


def _modified(p: Publication) -> dt.datetime:
    """dcterms:modified from the content (or SOURCE_DATE_EPOCH, as every edition), never the clock."""
    from .pdf import modified_date

    value = modified_date(p)
    if "T" in value:
        return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(0, 0), tzinfo=dt.timezone.utc)
