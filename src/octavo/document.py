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

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from markupsafe import Markup

from .errors import ContentError, Location, Problem, RenderError
from .citations import CITATION_STYLES, LIST_LABELS, cite
from .languages import quotes
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
    # Each section's byline as every edition prints it, its words only (section id -> words):
    # Section.byline's lines in the labels' words. The proof finds exactly these between the
    # section's heading and its text, nobody else and nothing more.
    bylines: dict = field(default_factory=dict)
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

    cited = cite_publication(publication, env)
    sections, notes = [], 0
    xrefs = CrossReferences.of(publication.sections, labels)  # numbered through the publication, before any is rendered
    for section in publication.sections:
        body = render_body(section.body, section.id, disclaimer_html, disclaimer_text, section.body_line,
                           labels["back_to_reference"], notes,
                           cited.sections.get(section.id, ()) if cited else (), bool(cited and cited.note_style),
                           xrefs, quotes(publication.language))
        sections.append(DocumentSection(section, Markup(body.html), body.blocks))
        notes += body.notes
    if cited and cited.bibliography:
        sections.append(bibliography_section(publication, cited, env, labels))
    _refuse_dead_links(publication, sections)
    outline = tuple(OutlineEntry(s.id, s.title) for s in sections)
    rights = f"© {publication.rights_year} {publication.rights_holder}. {labels['all_rights_reserved']}"
    sources = tuple(source_files(publication))
    files = dict(publication.read)
    for _, path in sources:
        if path not in files:
            files[path] = path.read_bytes()  # an image: read here, once, for every edition
    bylines = {s.id: byline_words(s.section, labels) for s in sections if s.section.attributed}
    return Document(publication, tuple(sections), outline, sources, page, (labels["imprint"], rights),
                    bylines=bylines, files=files)


# The ids the pages around the sections hold, in every edition (partials/front.html): a link in
# the text may lead to the contributors' notes or the imprint.
FURNITURE_IDS = ("contributors", "imprint-title")


# What starts a Markdown construct: a correction's words, written in publication.yaml as text,
# stay text when they are added to the section they correct.
MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>!~^{}|&@#])")


def with_corrections_shown(publication: Publication, labels: dict[str, str]) -> Publication:
    """The publication as its editions show it: each correction (publication.yaml's
    corrections:) is a notice in the imprint, proven as a disclaimer is (it is one, of source
    "correction"), and a paragraph at the end of the section it names, proven as every block
    is. One source for both, so that no edition can print one and not the other."""
    from dataclasses import replace

    from .languages import long_date

    if not publication.corrections:
        return publication
    notices, added = [], {}
    for number, correction in enumerate(publication.corrections, 1):
        label = labels["corrected"].format(date=long_date(correction.date, publication.language),
                                           version=correction.version)
        notices.append(Disclaimer(id=f"correction-{number}", text=correction.text, source="correction",
                                  label=label, location=correction.location))
        if correction.section:
            words, said = (MARKDOWN_SPECIALS.sub(r"\\\1", part) for part in (correction.text, label))
            added.setdefault(correction.section, []).append(f"*{said}* {words}")
    sections = tuple(replace(s, body=s.body.rstrip("\n") + "\n\n" + "\n\n".join(added[s.id]) + "\n")
                     if s.id in added else s for s in publication.sections)
    return replace(publication, disclaimers=publication.disclaimers + tuple(notices), sections=sections)


def _refuse_dead_links(publication: Publication, sections: list[DocumentSection]) -> None:
    """A link within the paper, `[words](#id)`, must lead to something every edition holds: a
    section, a block, a note, a label's target, a contributor's note. A link to nothing is a
    dead link in the web page and an error in the EPUB (EPUBCheck's RSC-012): refused, with its
    section's file and line (its block's), at `validate` as at `build`."""
    import lxml.html

    trees = [(s, lxml.html.fragment_fromstring(str(s.html), create_parent="div")) for s in sections]
    known = {s.id for s in sections} | set(FURNITURE_IDS) | {f"contributor-{c.id}" for c in publication.contributors}
    known |= {element.get("id") for _, tree in trees for element in tree.iter() if element.get("id")}
    problems = []
    for section, tree in trees:
        lines = {b.id: b.line for b in section.blocks}
        for link in tree.iter("a"):
            href = link.get("href") or ""
            if not href.startswith("#") or href[1:] in known:
                continue
            holder = next((a.get("id") for a in link.iterancestors() if a.get("id") in lines), None)
            close = difflib.get_close_matches(href[1:], sorted(known), n=1)
            problems.append(Problem(Location(section.section.path, lines.get(holder, section.section.body_line)),
                                    f"the link to '{href}' leads to nothing in the paper",
                                    f"did you mean '#{close[0]}'?" if close else
                                    "refer to a figure, table or section by its label (@fig:name, @sec:name: "
                                    "docs/authoring.md), or link to a web address"))
    if problems:
        raise ContentError(problems)


def byline_words(section: Section, labels: dict[str, str]) -> str:
    """What a section's byline says, line by line: the label's words, then each attribution."""
    return "\n".join(" ".join(([labels[label]] if label else []) + [c.attribution for c in people])
                     for label, people in section.byline)


def cite_publication(publication: Publication, env: jinja2.Environment):
    """The publication's citations formatted in the house's style (citations.py), or None when
    it has no bibliography. The CSL file is looked up like a template: a house style may bring its own."""
    if publication.references is None:
        return None
    style = publication.publisher.citation_style
    try:
        csl = env.loader.get_source(env, CITATION_STYLES[style])[0]
    except jinja2.TemplateNotFound:
        raise RenderError(f"the citation style file '{CITATION_STYLES[style]}' is missing from the templates") from None
    return cite(publication.sections, publication.references, style, csl, publication.language)


# The generated section's id: section ids are "sec-<file name>", so no section file can take it.
BIBLIOGRAPHY_ID = "bibliography"


def bibliography_section(publication: Publication, cited, env: jinja2.Environment,
                         labels: dict[str, str]) -> DocumentSection:
    """The bibliography (or, in author-date, the reference list) as a section of its own, after
    the text: every edition prints it like a section (heading, contents, outline, navigation), and
    each entry is a block the proof finds, its place the entry's line in the references file."""
    title = labels[LIST_LABELS[cited.style]]
    section = Section(id=BIBLIOGRAPHY_ID, path=publication.references.path, title=title, role="bibliography",
                      authors=(), perspective_of=(), body="", body_line=1)
    entries = [(f"{BIBLIOGRAPHY_ID}-b{number}", entry) for number, entry in enumerate(cited.bibliography, 1)]
    try:
        macro = env.get_template("partials/bibliography.html").module.bibliography
    except jinja2.TemplateError as exc:
        raise RenderError(f"partials/bibliography.html: {exc}") from None
    html = Markup(str(macro([(block_id, Markup(entry.html)) for block_id, entry in entries])))
    blocks = tuple(Block(block_id, "bibliography entry", entry.text, entry.reference.line, entry.text)
                   for block_id, entry in entries)
    return DocumentSection(section, html, blocks)


def source_files(publication: Publication) -> list[tuple[str, Path]]:
    """The sources an edition is made from, as (name inside content/, path): house file,
    publication file, sections and the images they show."""
    slug = publication.slug
    files = [(PUBLISHER_FILE, publication.folder.parent / PUBLISHER_FILE),
             (f"{slug}/{PUBLICATION_FILE}", publication.folder / PUBLICATION_FILE)]
    if publication.references is not None:
        path = publication.references.path
        files.append((f"{slug}/{path.relative_to(publication.folder).as_posix()}", path))
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
