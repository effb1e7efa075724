"""The web edition: one self-contained HTML5 page, <slug>.html.

For a reader in a browser, and for the indexes that read papers on the web:
Google Scholar and Zotero read the Highwire Press `citation_*` meta tags,
search engines the schema.org JSON-LD (a Report with its authors and their
affiliations). The page needs no script: its Content-Security-Policy allows
none, styles and images are inside the file, and it reads the same without
CSS. Landmarks (header, nav, main, footer), the language, and one heading
hierarchy (the title h1, sections h2, their own headings below) serve a
screen reader; each printed page of the print edition has an anchor,
#page-N, where that page begins (pagemap.py, as in the EPUB).

The recipe (write_web): render templates/web/page.html from the shared
partials, parse it, place the page anchors, shift the section bodies'
headings under their section's h2, put the images in as data: URLs, and
serialise it as HTML.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from lxml import etree, html as lxml_html

from .. import pagemap
from ..metadata import Record
from ..reflow import table_regions
from ..render import Rendering
from ..verify import Reading, first_marks
from ..seen import judged_in_chromium
from ..visible import html_visible_text

XHTML = "http://www.w3.org/1999/xhtml"
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".webp": "image/webp", ".svg": "image/svg+xml"}


def write_web(rendering: Rendering, target: Path) -> None:
    """Write the page to `target` (a temporary path; write.py renames it)."""
    record = rendering.record
    page = rendering.render("web/page.html", citation=citation_tags(record, rendering.publication.slug))
    tree = etree.fromstring(page.lstrip().encode("utf-8"),
                            etree.XMLParser(resolve_entities=False, no_network=True))
    # Script data and CSS go in as text after parsing: they are not XML.
    tree.find(f".//{{{XHTML}}}script").text = json_ld(record, rendering.publication.slug)
    tree.find(f".//{{{XHTML}}}style").text = rendering.source("web/web.css") + "\n" + rendering.source("web/house.css")
    pagemap.insert_markers(pagemap.place(pagemap.layout_print(rendering).starts, {"page": tree}))
    _page_anchors(tree)
    table_regions([tree], rendering.labels["table"])
    _note_numbers(tree)
    _shift_headings(tree)
    _inline_images(tree, rendering.document)
    html = _as_html(tree)
    target.write_text("<!DOCTYPE html>\n" + lxml_html.tostring(html, encoding="unicode", method="html") + "\n",
                      encoding="utf-8")


# ------------------------------------------------------------- metadata

def pdf_address(record: Record, slug: str) -> str:
    """Where the screen PDF stands: beside the page, at the paper's own address where
    publication.yaml gives one (identifiers: url:), so that Scholar and Zotero, which take
    the tags out of the page, fetch it from anywhere; else relative to the page."""
    from urllib.parse import urljoin

    url = record.identifiers.get("url")
    return urljoin(url, f"{slug}.pdf") if url else f"{slug}.pdf"


def citation_tags(record: Record, slug: str) -> list[tuple[str, str]]:
    """The Highwire Press tags Google Scholar's inclusion guidelines ask for, in their order:
    each author followed by their institutions, the date as YYYY/MM/DD, the PDF beside the page."""
    tags = [("citation_title", record.full_title)]
    for c in record.creators:
        tags.append(("citation_author", c.name))
        tags += [("citation_author_institution", a.organisation) for a in c.affiliations]
        if c.orcid:
            tags.append(("citation_author_orcid", f"https://orcid.org/{c.orcid}"))
    tags += [("citation_publication_date", record.date.strftime("%Y/%m/%d")),
             ("citation_technical_report_institution", record.publisher),
             ("citation_publisher", record.publisher),
             ("citation_language", record.language),
             ("citation_pdf_url", pdf_address(record, slug))]
    if record.series_name:
        tags.append(("citation_series_title", record.series_name))
    if record.series_number:
        tags.append(("citation_technical_report_number", record.series_number))
    # Scholar's citation_isbn is the book's: the print ISBN, else the e-book's.
    for tag, scheme in (("citation_doi", "doi"), ("citation_isbn", "print_isbn"), ("citation_isbn", "ebook_isbn")):
        if scheme in record.identifiers and tag not in dict(tags):
            tags.append((tag, record.identifiers[scheme]))
    return tags


def json_ld(record: Record, slug: str) -> str:
    """schema.org JSON-LD: a Report with its authors, their affiliations and the PDF."""
    def agent(c):
        if c.corporate:
            return {"@type": "Organization", "name": c.name}
        person = {"@type": "Person", "name": c.name}
        if c.affiliations:
            person["affiliation"] = [{"@type": "Organization", "name": a.organisation} for a in c.affiliations]
        if c.orcid:
            person["identifier"] = f"https://orcid.org/{c.orcid}"
        return person

    data = {"@context": "https://schema.org", "@type": "Report", "name": record.full_title,
            "headline": record.title, "author": [agent(c) for c in record.creators],
            "datePublished": record.date.isoformat(), "inLanguage": record.language,
            "description": record.description, "identifier": record.identifier,
            "publisher": {"@type": "Organization", "name": record.publisher,
                          **({"url": record.website} if record.website else {})},
            "copyrightHolder": {"@type": "Organization", "name": record.rights_holder},
            "copyrightNotice": record.rights_statement,
            "encoding": [{"@type": "MediaObject", "contentUrl": pdf_address(record, slug), "encodingFormat": "application/pdf"}]}
    if record.subtitle:
        data["alternativeHeadline"] = record.subtitle
    if record.editors:
        data["editor"] = [agent(c) for c in record.editors]
    if record.translators:
        data["translator"] = [agent(c) for c in record.translators]
    if record.translation_of:
        original = record.translation_of
        data["translationOfWork"] = {"@type": "CreativeWork", "name": original.title, "inLanguage": original.language,
                                     **({"@id": original.identifier} if original.identifier else {})}
    if record.series_name:
        data["isPartOf"] = {"@type": "CreativeWorkSeries", "name": record.series_name}
    # Safe inside <script> and in XML: no "<", ">" or "&" survive as themselves.
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


# --------------------------------------------------------------- the tree

def _page_anchors(tree) -> None:
    """The print edition's page starts as plain anchors (#page-N) for links and citations:
    the EPUB's page-break semantics (a doc-pagebreak with its number) stay in the EPUB,
    where a page-list uses them. An anchor between landmarks moves into the next one."""
    for marker in list(tree.iter(f"{{{XHTML}}}span")):
        if marker.get("role") != "doc-pagebreak":
            continue
        for name in ("role", "aria-label"):
            del marker.attrib[name]
        marker.set("class", "page-start")
        parent, following = marker.getparent(), marker.getnext()
        if etree.QName(parent).localname == "body" and following is not None:
            parent.remove(marker)
            marker.tail, following.text = following.text, None
            following.insert(0, marker)


def _note_numbers(tree) -> None:
    """Each note's number as text before it ("12. "), as the PDFs and the EPUB print it, instead
    of a list marker: a reader who copies the note gets its number, and the proof reads it."""
    for item in tree.iter(f"{{{XHTML}}}li"):
        if "footnote-item" not in (item.get("class") or "").split():
            continue
        number = etree.Element(f"{{{XHTML}}}span", {"class": "footnote-number"})
        number.text = f"{item.get('value')}. "
        first = item[0] if len(item) and etree.QName(item[0]).localname == "p" else item
        number.tail, first.text = first.text, None
        first.insert(0, number)


def _shift_headings(tree) -> None:
    """The page has one h1 (the title) and its sections are h2; the headings the sections'
    text and the contributors' notes bring (h1 and down in their own documents) move one down."""
    for container in tree.iter(f"{{{XHTML}}}div", f"{{{XHTML}}}section"):
        classes = (container.get("class") or "").split()
        if "body" in classes or "contributors" in classes:
            for heading in container.iter(*(f"{{{XHTML}}}h{n}" for n in range(1, 6))):
                heading.tag = f"{{{XHTML}}}h{int(etree.QName(heading).localname[1]) + 1}"


def _inline_images(tree, document) -> None:
    """Each image into the page as a data: URL, the bytes the document read (the model has
    checked it is a file in the publication)."""
    for image in tree.iter(f"{{{XHTML}}}img"):
        path = document.publication.folder / image.get("src")
        media_type = IMAGE_TYPES.get(path.suffix.lower(), "application/octet-stream")
        data = base64.b64encode(document.files[path]).decode("ascii")
        image.set("src", f"data:{media_type};base64,{data}")


def _as_html(tree):
    """The XHTML tree as plain HTML elements: no namespaces, no epub:type (EPUB-only
    semantics the shared renderer and the page markers carry), no xml:lang beside lang."""
    for element in tree.iter(etree.Element):
        element.tag = etree.QName(element).localname
        for name in list(element.attrib):
            if name.startswith("{"):
                del element.attrib[name]
    etree.cleanup_namespaces(tree)
    return lxml_html.fromstring(etree.tostring(tree, encoding="unicode"))


# ---------------------------------------------------------------- reading

def read_web(path: Path, page=None, anchors: tuple[str, ...] = ()) -> Reading:
    """The page as a browser shows it: the body's text (no script, no style), where each of
    `anchors` (element ids: the sections) begins in it, and its metadata."""
    document = lxml_html.parse(str(path)).getroot()
    # Every text as Chromium draws it (seen.py), then as its CSS shows it.
    judged = judged_in_chromium([Path(path)])[Path(path)]
    text, unseen, marks = html_visible_text(document, [], judged=judged)  # its own <style> is read with it
    metas = document.findall(".//head/meta")
    authors = tuple(m.get("content", "") for m in metas if m.get("name") == "citation_author")
    return Reading("HTML", path, text, authors, title=document.findtext(".//head/title") or "",
                   language=document.get("lang", ""), unseen=tuple(unseen), anchors=first_marks(marks, anchors))
