"""Stage 4b, the EPUB 3 edition, assembled with EbookLib.

The recipe (build_epub): metadata, then the documents in reading order
(title page, imprint, contents, sections, contributors), then navigation
and landmarks, then the zip. Documents are rendered from the same partials
as the print edition.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jinja2
from ebooklib import epub

from .markdown import images_in
from .model import Publication
from .render import description, render_sections, render_template

STYLESHEET = "style/epub.css"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MARC_ROLES = {"author": "aut", "editor": "edt"}
SECTION_TYPES = {"summary": "abstract", "introduction": "introduction", "perspective": "chapter",
                 "chapter": "chapter", "closing": "conclusion", "appendix": "appendix"}


class _Document(epub.EpubHtml):
    """An XHTML document written exactly as our template rendered it.

    EbookLib's EpubHtml re-parses content with an HTML parser and rebuilds the
    head, dropping xml:lang and our epub:type attributes; we own the markup.
    """

    def get_content(self, default=None):
        return self.content


class _Writer(epub.EpubWriter):
    def _write_opf_file(self, root):
        # EbookLib cannot set xml:lang on <package> (EPUB 3.3 §5.4.1.2 wants the
        # package's language declared for its metadata).
        root.set(XML_LANG, self.book.language)
        super()._write_opf_file(root)


def build_epub(env: jinja2.Environment, publication: Publication, target: Path) -> None:
    """Write the EPUB to `target` (a temporary path; write.py renames it)."""
    book = epub.EpubBook()
    _add_metadata(book, publication)
    css = epub.EpubItem(uid="style", file_name=STYLESHEET, media_type="text/css",
                        content=_template_file(env, "epub/epub.css"))
    book.add_item(css)
    documents = _add_documents(book, env, publication)
    _add_images(book, publication)
    _add_navigation(book, publication, documents)
    writer = _Writer(str(target), book, {"epub2_guide": False, "epub3_landmark": True,
                                         "landmark_title": "Landmarks",
                                         "mtime": _modified(publication)})
    writer.process()
    writer.write()


def _add_metadata(book: epub.EpubBook, p: Publication) -> None:
    book.set_identifier(p.identifier)
    book.set_language(p.language)
    book.title = p.full_title
    book.add_metadata("DC", "title", p.title, {"id": "title"})
    book.add_metadata(None, "meta", "main", {"refines": "#title", "property": "title-type"})
    if p.subtitle:
        book.add_metadata("DC", "title", p.subtitle, {"id": "subtitle"})
        book.add_metadata(None, "meta", "subtitle", {"refines": "#subtitle", "property": "title-type"})
    for c in p.contributors:
        # One element per contributor with its own id: EbookLib's add_author
        # would give every author the id "creator", an EPUBCheck error.
        uid = f"contributor-{c.id}"
        book.add_metadata("DC", "creator" if c.role == "author" else "contributor", c.name, {"id": uid})
        book.add_metadata(None, "meta", MARC_ROLES[c.role],
                          {"refines": f"#{uid}", "property": "role", "scheme": "marc:relators"})
        book.add_metadata(None, "meta", c.sort_name, {"refines": f"#{uid}", "property": "file-as"})
    book.add_metadata("DC", "publisher", p.publisher.name)
    book.add_metadata("DC", "date", p.date.isoformat())
    book.add_metadata("DC", "rights", f"{p.rights}. All rights reserved.")
    book.add_metadata("DC", "description", description(p))


def _add_documents(book: epub.EpubBook, env: jinja2.Environment, p: Publication) -> dict:
    common = {"p": p, "stylesheet": STYLESHEET}
    documents = {
        "titlepage": _document(env, "titlepage", "Title page", "epub/titlepage.xhtml", common, body_type="frontmatter"),
        "imprint": _document(env, "imprint", "Imprint", "epub/imprint.xhtml", common, body_type="frontmatter"),
    }
    for rendered in render_sections(env, p):
        s = rendered.section
        documents[s.id] = _document(env, s.id, s.title, "epub/section.xhtml", common, body_type="bodymatter",
                                    s=rendered, epub_type=SECTION_TYPES[s.role])
    documents["contributors"] = _document(env, "contributors", "About the Contributors",
                                          "epub/contributors.xhtml", common, body_type="backmatter")
    for document in documents.values():
        book.add_item(document)
    return documents


def _document(env, uid: str, title: str, template: str, common: dict, **context) -> _Document:
    content = render_template(env, template, title=title, **common, **context)
    # The template's first line is a Jinja comment; the XML declaration must open the file.
    content = content.lstrip()
    return _Document(uid=uid, file_name=f"{uid}.xhtml", media_type="application/xhtml+xml",
                     title=title, content=content.encode("utf-8"))


def _add_images(book: epub.EpubBook, p: Publication) -> None:
    seen = set()
    for section in p.sections:
        for image in images_in(section.body, p.folder):
            if image.src not in seen:
                seen.add(image.src)
                book.add_item(epub.EpubImage(uid=f"image-{len(seen)}", file_name=image.src,
                                             content=image.path.read_bytes()))


def _add_navigation(book: epub.EpubBook, p: Publication, documents: dict) -> None:
    nav = epub.EpubNav(title="Contents")
    book.add_item(nav)
    book.add_item(epub.EpubNcx())
    sections = [documents[s.id] for s in p.sections]
    book.toc = [epub.Link(d.file_name, d.title, d.id) for d in sections] + [
        epub.Link(documents["contributors"].file_name, "About the Contributors", "contributors")]
    book.spine = [documents["titlepage"], documents["imprint"], nav, *sections, documents["contributors"]]
    book.guide = [
        {"type": "titlepage", "href": documents["titlepage"].file_name, "title": "Title page"},
        {"type": "copyright-page", "href": documents["imprint"].file_name, "title": "Imprint"},
        {"type": "toc", "href": "nav.xhtml", "title": "Contents"},
        {"type": "bodymatter", "href": sections[0].file_name, "title": "Start of content"},
    ]


def _template_file(env: jinja2.Environment, name: str) -> bytes:
    return (Path(env.loader.searchpath[0]) / name).read_bytes()


def _modified(p: Publication) -> dt.datetime:
    """dcterms:modified from the content, never the clock, so rebuilds are identical."""
    return dt.datetime.combine(p.date, dt.time(0, 0), tzinfo=dt.timezone.utc)
