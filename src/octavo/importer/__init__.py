"""`octavo import paper.docx`: a Word document as a content folder that `octavo validate` reads.

The recipe, one module a step:
- package: open the .docx within limits (a zip bomb, a file that is not Word, stop here);
- revisions: list its tracked changes and comments, and refuse them unless the
  author has said to accept or to reject every change (comments are then dropped,
  and listed);
- convert: mammoth turns the document into HTML by its styles, collecting images;
- markdown: that HTML becomes Octavo's Markdown, one section per Heading 1, each
  block read back and checked to hold the document's words;
- proof: every word of the Word document, read from its XML and not through the
  converter, against every word the import writes, word boundaries significant:
  a word lost, joined, split, changed or added stops the import, unless the
  author accepts that loss by name;
- folder: publication.yaml (authors from the document's properties, TODOs where
  it cannot tell), the sections and images, written whole or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ContentError, Location, Problem
from ..model import LANG_RE, PUBLICATION_FILE, PUBLISHER_FILE, load_publisher
from .convert import to_html
from .folder import (authors_of, check_target, publication_yaml, section_file_names, section_markdown, slug_of,
                     write_folder)
from .markdown import html_to_paper
from .package import read_docx
from .proof import Loss, prove_import
from .revisions import ACCEPT, REJECT, Revision, find_comments, find_revisions, resolve

__all__ = ["ACCEPT", "REJECT", "Imported", "import_docx"]


@dataclass
class Imported:
    folder: Path
    sections: int
    images: int
    notes: int  # footnotes and endnotes written
    resolved: list[Revision] = field(default_factory=list)  # tracked changes accepted or rejected
    dropped: list[Revision] = field(default_factory=list)  # comments left out
    remarks: list[str] = field(default_factory=list)  # what the author should know about the conversion
    house_file_written: bool = False


class UnresolvedChanges(ContentError):
    """The document holds tracked changes or comments, and nobody said what to do with them."""

    def __init__(self, path: Path, changes: list[Revision], comments: list[Revision]):
        counts = " and ".join(n for n in (_count(len(changes), "tracked change"), _count(len(comments), "comment")) if n)
        problems = [Problem(Location(path), str(r)) for r in changes + comments]
        problems[-1] = Problem(problems[-1].location, problems[-1].message,
                               "review them in Word and save the document again, or import with --accept-changes "
                               "(every change as shown) or --reject-changes (the text as it was); "
                               "comments are then left out, and listed")
        super().__init__(problems)
        self.args = ("\n".join([f"{Location(path)} has {counts}, which Octavo never accepts silently; "
                                "nothing was written:", *(f"  {p}" for p in problems)]),)


class ImportLosses(ContentError):
    """What the import would write does not say what the Word document says, word for word."""

    def __init__(self, path: Path, losses: list[Loss]):
        problems = [Problem(Location(path), str(loss)) for loss in losses]
        first = next((loss.word or loss.written for loss in losses), "")
        problems[-1] = Problem(problems[-1].location, problems[-1].message,
                               "this is a fault of Octavo's import: please report it with the document. To import "
                               "anyway, accept each loss by its words, e.g. "
                               f"--accept-loss '{' '.join(first.split()[:4])}', and mend the text after")
        super().__init__(problems)
        self.args = ("\n".join([f"{Location(path)}: the import would change {_count(len(losses), 'passage')} of the "
                                 "document's words; nothing was written:", *(f"  {p}" for p in problems)]),)


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'s' * (n != 1)}" if n else ""


def import_docx(source: Path, content_dir: Path, slug: str | None = None, title: str | None = None,
                changes: str | None = None, force: bool = False, today: dt.date | None = None,
                say: Callable[[str], object] = print, accept_losses: tuple[str, ...] = ()) -> Imported:
    """Import `source` into content_dir/<slug>/ (the slug from the file name unless given).

    Nothing is written while a loss of the document's words remains (proof.py) that
    `accept_losses` does not name: a loss is accepted by words it lost, joined or wrote."""
    source, content_dir = Path(source), Path(content_dir)
    slug = slug or slug_of(source.stem)
    if not slug:
        raise ContentError([Problem(Location(source), "no slug can be made from the file name",
                                    "name the publication: --slug my-paper")])
    target = check_target(content_dir, slug, force)
    docx = read_docx(source)
    found_changes, found_comments = find_revisions(docx), find_comments(docx)
    if (found_changes or found_comments) and changes is None:
        raise UnresolvedChanges(source, found_changes, found_comments)
    if changes is not None:
        resolve(docx, changes)
        left = find_revisions(docx) + find_comments(docx)
        if left:  # a kind of change Octavo cannot yet resolve: refuse rather than guess
            raise UnresolvedChanges(source, left, [])
    converted = to_html(docx)
    paper = html_to_paper(converted.html, title=title, fallback_title=docx.core_property("dc:title") or None)
    house_written = _house_file(content_dir, say)  # only now that the conversion has succeeded
    publisher = load_publisher(content_dir)
    authors = authors_of(docx.core_property("dc:creator"))
    language = _language(docx.default_language(), converted.notes)
    names = section_file_names(paper.sections) or ["sections/01-text.md"]
    sections = paper.sections
    files = {name: section_markdown(section, authors).encode("utf-8") for name, section in zip(names, sections)}
    if not sections:
        converted.notes.append("the Word document holds no text: the one section is left to write")
        files[names[0]] = section_markdown(_empty_section(), authors).encode("utf-8")
    files.update(converted.images)
    losses = prove_import(docx, paper, title_given=bool(title))
    accepted = [loss for loss in losses if any(_names(loss, phrase) for phrase in accept_losses)]
    if len(accepted) < len(losses):
        raise ImportLosses(source, [loss for loss in losses if loss not in accepted])
    today = today or dt.date.today()
    files[PUBLICATION_FILE] = publication_yaml(slug, paper, authors, source.name, language, publisher.name,
                                               [d.id for d in publisher.disclaimers], names, today).encode("utf-8")
    write_folder(target, files, force)
    from ..schema import write_schemas

    write_schemas(content_dir)  # the files name their JSON Schemas, as `octavo new`'s do
    return Imported(target, len(names), len(converted.images),
                    sum(len(s.notes) for s in sections), found_changes if changes else [],
                    found_comments if changes else [],
                    converted.notes + paper.notes + [f"accepted as you asked: {loss}" for loss in accepted],
                    house_written)


def _names(loss: Loss, phrase: str) -> bool:
    """Whether the author's words name this loss: they stand in what was lost or what was written."""
    wanted = " ".join(phrase.split())
    return bool(wanted) and (wanted in loss.word or wanted in loss.written)


def _house_file(content_dir: Path, say: Callable[[str], object]) -> bool:
    """No house file yet: write the starter `octavo new` writes, and say so."""
    house = content_dir / PUBLISHER_FILE
    if house.is_file():
        return False
    from ..scaffold import publisher_yaml
    from ..write import write_text_atomically

    content_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomically(house, publisher_yaml())
    say(f"created {Location(house)}: a starter house file; replace its TODOs with your publisher's details")
    return True


def _language(tag: str, notes: list[str]) -> str:
    if tag and LANG_RE.fullmatch(tag):
        return tag
    if tag:
        notes.append(f"the document's language '{tag}' is not a language tag Octavo reads: 'en' is written instead")
    return "en"


def _empty_section():
    from .markdown import Section

    return Section("TODO: the first section's title")
