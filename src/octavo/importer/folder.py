"""The content folder an import writes: publication.yaml, sections/NN-*.md, images/.

The YAML is written as `octavo new` writes it (scaffold.py): every field
commented, what the Word document could not tell marked TODO, which
`octavo validate` lists with its file and line. The folder appears whole or
not at all: written under a hidden name beside its place, then renamed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..errors import OctavoError
from ..model import SECTION_ROLES, SLUG_RE
from ..schema import SCHEMA_DIR
from .markdown import Paper, Section


@dataclass(frozen=True)
class Author:
    id: str
    name: str


def slug_of(text: str, limit: int = 60) -> str:
    """Lower-case ASCII letters, digits and hyphens: 'Étude n° 3' -> 'etude-n-3' ('' if nothing is left)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].rstrip("-")


def authors_of(creator: str) -> list[Author]:
    """The authors a document's dc:creator names. Word joins several with semicolons ("A; B");
    a comma is not a separator, since "Bekova, Aigerim" is one person."""
    authors, ids = [], set()
    for number, name in enumerate((n.strip() for n in creator.split(";") if n.strip()), 1):
        base = slug_of(name) or f"author-{number}"
        ident, suffix = base, 2
        while ident in ids:
            ident, suffix = f"{base}-{suffix}", suffix + 1
        ids.add(ident)
        authors.append(Author(ident, " ".join(name.split())))
    return authors


def q(text: str) -> str:
    """A YAML double-quoted scalar (a JSON string is one) that reads back as exactly `text`."""
    return json.dumps(text, ensure_ascii=False)


def publication_yaml(slug: str, paper: Paper, authors: list[Author], source_name: str, language: str,
                     publisher_name: str, house_disclaimers: list[str], section_files: list[str],
                     today: dt.date) -> str:
    title = q(paper.title) if paper.title else q("TODO: the title")
    subtitle = f"subtitle: {q(paper.subtitle)}\n" if paper.subtitle else "# subtitle: An optional subtitle\n"
    people = authors or [Author("author", "TODO: the author's name")]
    contributors = "".join(_contributor(a, named=bool(authors)) for a in people)
    listed = "\n".join(f"  - {name}" for name in section_files)
    return f"""\
# yaml-language-server: $schema=../{SCHEMA_DIR}/publication.schema.json
# The publication '{slug}', imported from the Word document {source_name} by
# `octavo import` on {today.isoformat()}. The folder name is the slug: the built
# files are build/{slug}.pdf, build/{slug}.epub, ...
#
# What the Word document could not say is marked TODO: above all each
# author's affiliations. `octavo validate {slug}` lists every TODO that is
# left, with its line; `--strict` refuses them. docs/authoring.md in Octavo
# explains every field.

title: {title}
{subtitle}{_commented("date: " + today.isoformat(), "the publication date, YYYY-MM-DD: check it")}
{_commented("language: " + language, "a language tag: en, en-GB, fr, de ... (from the document)")}
rights:                                # printed as "(c) year holder"
  holder: {q(publisher_name)}
  year: {today.year}

# The authors, from the Word document's properties (File > Properties > Author;
# who saved it last is not an author, and is not listed). Each needs the
# organisation printed beside their name: replace the TODO, or write
# "affiliations: []" for an independent author.
contributors:
{contributors}
# The house disclaimers (content/publisher.yaml): every publication must carry each of them.
house_disclaimers: [{", ".join(house_disclaimers)}]

# The section files, in reading order: one for each Heading 1 of the Word document.
sections:
{listed}
"""


def _commented(line: str, comment: str) -> str:
    return f"{line:<38} # {comment}"


def _contributor(author: Author, named: bool) -> str:
    name = q(author.name)
    organisation = q(f"TODO: {author.name}'s organisation" if named else "TODO: the author's organisation")
    return f"""\
  - id: {author.id}
    name: {name}
    affiliations:                      # one or more, printed after the name in every byline
      - organisation: {organisation}
        # country: Sweden              # optional; also place:, and ror: (the organisation's ROR ID)
    role: author                       # author or editor
"""


def section_file_names(sections: list[Section]) -> list[str]:
    width = max(2, len(str(len(sections))))
    names = []
    for number, section in enumerate(sections, 1):
        stem = slug_of(section.title or "opening", limit=40) or "section"
        names.append(f"sections/{number:0{width}d}-{stem}.md")
    return names


def section_markdown(section: Section, authors: list[Author]) -> str:
    title = q(section.title) if section.title else q("TODO: a title for the text before the first heading")
    ids = ", ".join(a.id for a in authors) or "author"
    body = section.markdown() if section.blocks else "TODO: this heading had no text in the Word document.\n"
    return f"""\
---
# yaml-language-server: $schema=../../{SCHEMA_DIR}/section.schema.json
title: {title}
{_commented("role: " + section.role, ", ".join(SECTION_ROLES) + " (from the heading)")}
authors: [{ids}]
---
{body}"""


# ------------------------------------------------------------------ writing

def check_target(content_dir: Path, slug: str, force: bool) -> Path:
    if not SLUG_RE.match(slug):
        raise OctavoError(f"'{slug}' is not a valid slug: use lower-case letters, digits and hyphens, "
                          "e.g. --slug water-security (it becomes the name of the built files)")
    target = Path(content_dir) / slug
    if (target.exists() or target.is_symlink()) and not force:
        raise OctavoError(f"{target} already exists: choose another slug with --slug, or replace it with --force")
    return target


def write_folder(target: Path, files: dict[str, bytes], force: bool) -> None:
    """Write every file under a hidden name beside `target`, then rename it into place."""
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".import", dir=parent))
    old = None
    try:
        for name, data in files.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        _ordinary_permissions(staging)
        if force and (target.exists() or target.is_symlink()):
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".replaced", dir=parent))
            os.rename(target, old / "old")  # the old folder moves aside, then the new one takes its place
        os.rename(staging, target)  # atomic; fails rather than merge if a folder appeared meanwhile
    except BaseException:
        if old is not None and (old / "old").exists() and not (target.exists() or target.is_symlink()):
            os.rename(old / "old", target)  # put it back: a failed import changes nothing
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _ordinary_permissions(folder: Path) -> None:
    """mkdtemp makes 0700; a content folder is an ordinary folder (as `octavo new` leaves it)."""
    mask = os.umask(0)
    os.umask(mask)
    for path in [folder, *folder.rglob("*")]:
        os.chmod(path, (0o777 if path.is_dir() else 0o666) & ~mask)
