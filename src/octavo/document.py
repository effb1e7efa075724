"""Stage 3, document: the publication rendered once into a format-neutral document.

Every edition writes from this document and the proof reads it to know what
each edition must show: no edition re-renders a section, and none re-parses
another's output to learn what the content is.

It holds
- the sections, each with its body's HTML (rendered once, with stable block
  ids shared by every edition) and its blocks: every paragraph, heading, list
  item, table cell, block quote, figure or table caption, code block and footnote, each
  with its id and its source file and line;
- the disclaimers, with their placement (who is credited with which section
  is each section's own: Section.attributed, in the words of
  Contributor.attribution);
- the outline (what a table of contents lists, in order);
- the images the sections show, and the source files the editions are made from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from markupsafe import Markup

from .errors import Location, RenderError
from .markdown import Block, images_in, render_body
from .model import PUBLICATION_FILE, PUBLISHER_FILE, Disclaimer, Publication, Section
from .xref import CrossReferences


@dataclass(frozen=True)
class DocumentSection:
    section: Section
    html: Markup
    blocks: tuple[Block, ...]

    @property
    def id(self) -> str:
        return self.section.id

    @property
    def title(self) -> str:
        return self.section.title

    def location(self, block: Block) -> Location:
        return Location(self.section.path, block.line)


@dataclass(frozen=True)
class OutlineEntry:
    """One line of a table of contents: the id it leads to and its title."""

    id: str
    title: str


@dataclass(frozen=True)
class Document:
    publication: Publication
    sections: tuple[DocumentSection, ...]
    outline: tuple[OutlineEntry, ...]
    sources: tuple[tuple[str, Path], ...]  # (name inside content/, path)
    page: object = None  # render.PageGeometry: where a paged edition's text block lies
    # The imprint as every edition prints it (partials/front.html): its heading, then the
    # house and imprint disclaimers, then the rights line. The proof finds those disclaimers there.
    imprint: tuple[str, str] = ("", "")
    # Every source's bytes, read once (path -> bytes): the YAML and Markdown as the model
    # loaded them, the images as the document first read them. The editions, the fingerprint
    # and the archive use these bytes, so they cannot disagree about what was published.
    files: dict = field(default_factory=dict, repr=False)

    def resolved_files(self) -> dict:
        return {Path(path).resolve(): data for path, data in self.files.items()}

    @property
    def disclaimers(self) -> tuple[Disclaimer, ...]:
        return self.publication.disclaimers

    @property
    def description(self) -> str:
        """The summary section's words: the editions' description metadata."""
        summary = next((s for s in self.sections if s.section.role == "summary"), None)
        if summary is None:
            return ""
        return " ".join(" ".join(b.text.split()) for b in summary.blocks if b.kind != "footnote")


def build_document(publication: Publication, env: jinja2.Environment, labels: dict[str, str],
                   page=None) -> Document:
    try:
        partial = env.get_template("partials/disclaimer.html").module
    except jinja2.TemplateError as exc:
        raise RenderError(f"partials/disclaimer.html: {exc}") from None

    def disclaimer_html(disclaimer_id: str) -> str:
        return str(partial.disclaimer(publication.disclaimer(disclaimer_id), inline=True))

    def disclaimer_text(disclaimer_id: str) -> str:
        return publication.disclaimer(disclaimer_id).text

    sections, notes = [], 0
    xrefs = CrossReferences.of(publication.sections, labels)  # numbered through the publication, before any is rendered
    for section in publication.sections:
        body = render_body(section.body, section.id, disclaimer_html, disclaimer_text, section.body_line,
                           labels["back_to_reference"], notes, xrefs)
        sections.append(DocumentSection(section, Markup(body.html), body.blocks))
        notes += body.notes
    outline = tuple(OutlineEntry(s.id, s.title) for s in publication.sections)
    rights = f"© {publication.rights_year} {publication.rights_holder}. {labels['all_rights_reserved']}"
    sources = tuple(source_files(publication))
    files = dict(publication.read)
    for _, path in sources:
        if path not in files:
            files[path] = path.read_bytes()  # an image: read here, once, for every edition
    return Document(publication, tuple(sections), outline, sources, page, (labels["imprint"], rights), files)


def source_files(publication: Publication) -> list[tuple[str, Path]]:
    """The sources an edition is made from, as (name inside content/, path): house file,
    publication file, sections and the images they show."""
    slug = publication.slug
    files = [(PUBLISHER_FILE, publication.folder.parent / PUBLISHER_FILE),
             (f"{slug}/{PUBLICATION_FILE}", publication.folder / PUBLICATION_FILE)]
    for section in publication.sections:
        files.append((f"{slug}/{section.path.relative_to(publication.folder).as_posix()}", section.path))
        for image in images_in(section.body, publication.folder):
            name = f"{slug}/{image.path.resolve().relative_to(publication.folder.resolve()).as_posix()}"
            if name not in dict(files):
                files.append((name, image.path))
    return files


def images(publication: Publication):
    """Each image the sections show, once, in order of first appearance."""
    seen = {}
    for section in publication.sections:
        for image in images_in(section.body, publication.folder):
            seen.setdefault(image.src, image)
    return list(seen.values())
