"""`octavo new <slug>`: a new publication folder, with commented YAML and one section.

The files are written for a reader who is not a programmer: every field has a
comment saying what it is, what is left to fill in is marked TODO (a warning
in `octavo validate`, an error with `--strict`, so a placeholder cannot reach
print unnoticed), and each file names its JSON Schema so that an editor
completes and checks the fields while typing.

The folder appears whole or not at all: it is written under a hidden name
and renamed into place.

In an empty folder (no content/publisher.yaml yet) it first writes a starter
house file, with the name marked TODO and one house disclaimer, so that
`octavo new my-paper && octavo build` works from nothing; it says so.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from .errors import Location, OctavoError
from .model import PUBLICATION_FILE, PUBLISHER_FILE, SECTION_ROLES, SLUG_RE, load_publisher
from .schema import SCHEMA_DIR, write_schemas
from .write import write_text_atomically

SECTION_FILE = "sections/01-introduction.md"


def new_publication(content_dir: Path, slug: str, today: dt.date | None = None,
                    say: Callable[[str], object] = print) -> Path:
    """Create content/<slug>/ and return it; refuses a bad slug or an existing folder.

    Without a house file it writes a starter one first and says so through `say`.
    """
    content_dir = Path(content_dir)
    target = content_dir / slug
    if not SLUG_RE.match(slug):
        raise OctavoError(f"'{slug}' is not a valid slug: use lower-case letters, digits and hyphens, "
                          "e.g. 'arctic-security-2025' (it becomes the name of the built files)")
    if target.exists() or target.is_symlink():  # a dangling link is in the way too
        raise OctavoError(f"{target} already exists: choose another slug, or edit the publication there")
    house_file = content_dir / PUBLISHER_FILE
    if not house_file.is_file():
        content_dir.mkdir(parents=True, exist_ok=True)
        write_text_atomically(house_file, publisher_yaml())
        say(f"created {Location(house_file)}: a starter house file; replace its TODOs with your publisher's details")
    publisher = load_publisher(content_dir)  # its disclaimers must all be named by the new publication
    write_schemas(content_dir)
    today = today or dt.date.today()
    staging = Path(tempfile.mkdtemp(prefix=f".{slug}.", suffix=".new", dir=content_dir))
    try:
        (staging / "sections").mkdir()
        (staging / PUBLICATION_FILE).write_text(
            publication_yaml(slug, publisher.name, [d.id for d in publisher.disclaimers], today), encoding="utf-8")
        (staging / SECTION_FILE).write_text(section_markdown(), encoding="utf-8")
        os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes 0700; a content folder is an ordinary folder
        os.rename(staging, target)  # atomic; fails rather than merge if the folder appeared meanwhile
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def publisher_yaml() -> str:
    return f"""\
# yaml-language-server: $schema={SCHEMA_DIR}/publisher.schema.json
# The house file: who publishes, and the disclaimers that every publication
# in content/ must carry. Each publication.yaml names these disclaimers by id
# under `house_disclaimers`; a publication that leaves one out fails to build.
#
# `octavo new` wrote this starter because there was none: replace every TODO
# with your publisher's details. docs/authoring.md in Octavo explains
# every field.

name: "TODO: the publisher's name"    # printed on the title page and the imprint
short_name: "TODO"                    # the short form, e.g. ISDP: imprint and metadata keywords
place: "TODO: City, Country"          # printed on the imprint
# website: https://example.org        # optional: printed on the imprint, in the metadata

# Every publication carries each of these; the build proves that it is in every edition.
disclaimers:
  - id: house-opinions                 # the name publications use under house_disclaimers
    label: "Disclaimer:"               # optional, printed before the text
    text: >-
      The opinions expressed in this paper are those of the authors only and do
      not necessarily reflect those of the publisher.
"""


def publication_yaml(slug: str, publisher_name: str, house_disclaimers: list[str], today: dt.date) -> str:
    q = json.dumps  # a JSON string is a valid double-quoted YAML scalar: safe for any name
    return f"""\
# yaml-language-server: $schema=../{SCHEMA_DIR}/publication.schema.json
# The publication '{slug}'. The folder name is the slug: the built files are
# build/{slug}.pdf and build/{slug}.epub.
#
# Replace every TODO. Check your work at any time with
#     .venv/bin/octavo validate content/{slug}
# which names each problem with its file and line; `--strict` also refuses
# the TODOs that are left. docs/authoring.md in Octavo explains
# every field.

title: "TODO: the title"
# subtitle: An optional subtitle
# series: {{name: Focus Asia, number: 1}}       # optional: the series and the paper's number in it
date: {today.isoformat()}                     # the publication date, YYYY-MM-DD
language: en                           # a language tag: en, en-GB, fr, de …
rights:                                # printed as "© year holder"
  holder: {q(publisher_name)}
  year: {today.year}
# identifiers: {{print_isbn: …, ebook_isbn: …, doi: …, url: …}}   # optional; without them the EPUB gets a UUID

# Everyone credited: one block per person or institution, each starting with "- id:".
# The id is a short name the sections use to credit them (authors: [first-author]).
contributors:
  - id: first-author
    name: "TODO: First Author"
    # position: Senior Fellow          # optional, printed before the affiliation
    affiliations:                      # one or more; an institution writes "corporate: true" instead
      - organisation: "TODO: Organisation"
        country: "TODO: Country"
    role: author                       # author or editor
    # bio: One or two sentences for "About the Contributors".

# The house disclaimers (content/publisher.yaml): every publication must carry each of them.
house_disclaimers: [{", ".join(house_disclaimers)}]

# The paper's own disclaimers, if any. placement: imprint (the default, on the
# imprint page) or inline (printed where a section writes {{{{disclaimer:ID}}}}).
# disclaimers:
#   - id: personal-capacity
#     text: The authors write in their personal capacity.

# The section files, in reading order, relative to this folder.
sections:
  - {SECTION_FILE}
"""


def section_markdown() -> str:
    return f"""\
---
# yaml-language-server: $schema=../../{SCHEMA_DIR}/section.schema.json
title: Introduction
role: introduction            # one of: {", ".join(SECTION_ROLES)}
authors: [first-author]       # contributor ids from publication.yaml: named in the byline
---
TODO: write the introduction here, in paragraphs separated by a blank line.
Markdown works: *emphasis*, **strong**, [a link](https://example.org), and
footnotes[^1]. Raw HTML is refused.

[^1]: A footnote.
"""
